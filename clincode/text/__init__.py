"""Text understanding: documents -> sections and sentences -> mention context and abbreviations.

    parse_document(document) -> ParsedDocument(document, sections, sentences, .text)
    context_of(parsed, start, end) -> Context(negated, uncertain, historical, family, hypothetical,
                                              triggers, section, historical_from, planned, experiencer)
    find_abbreviations(parsed) -> [Abbreviation(start, end, text, expansion, confidence, ...)]

See docs/text.md.
"""
from .abbreviations import Abbreviation, find_abbreviations
from .context import context_of
from .document import Context, ParsedDocument, Section, Sentence
from .parse import parse_document
from .sections import CANONICAL_SECTIONS

__all__ = [
    "Abbreviation", "CANONICAL_SECTIONS", "Context", "ParsedDocument", "Section", "Sentence", "context_of",
    "find_abbreviations", "parse_document",
]
