"""parse_document: a document's text -> sections -> sentences, with offsets into the original text."""
from __future__ import annotations

from ..coding.models import Document
from .document import ParsedDocument
from .sections import detect_sections
from .sentences import split_sentences


def parse_document(document: Document | str) -> ParsedDocument:
    """Sections and sentences of one document (a ``Document`` or plain text).

    Never raises on odd text (empty, NUL bytes, any unicode): the text is not altered, so every
    offset still points at the original characters.
    """
    if isinstance(document, str):
        document = Document(id="document", text=document)
    elif not isinstance(document, Document):
        raise TypeError(f"parse_document needs a Document or a str, not {type(document).__name__}")
    text = document.text or ""
    sections = detect_sections(text)
    sentences = split_sentences(text, sections)
    return ParsedDocument(document, sections, sentences)
