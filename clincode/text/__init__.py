"""Text understanding: documents -> sections and sentences -> mention context.

PLACEHOLDER surface (to be replaced by the text-understanding work; keep the names):
    parse_document(document) -> ParsedDocument
    context_of(parsed, start, end) -> Context
"""
from .document import Context, ParsedDocument, Section, Sentence, context_of, parse_document

__all__ = ["Context", "ParsedDocument", "Section", "Sentence", "context_of", "parse_document"]
