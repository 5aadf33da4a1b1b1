"""PLACEHOLDER implementation of the text-understanding surface (one section, naive sentences).

Offsets always index the original document text, so evidence points at the right words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..coding.models import Document


@dataclass(slots=True)
class Section:
    name: str  # canonical name, e.g. "discharge_diagnoses", "past_medical_history", "other"
    heading: str  # the heading as written
    start: int
    end: int


@dataclass(slots=True)
class Sentence:
    start: int
    end: int
    text: str
    section: Section


@dataclass(slots=True)
class ParsedDocument:
    document: Document
    sections: list[Section]
    sentences: list[Sentence]

    @property
    def text(self) -> str:
        return self.document.text


@dataclass(slots=True)
class Context:
    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    family: bool = False
    hypothetical: bool = False
    triggers: list[str] = field(default_factory=list)


_SENT = re.compile(r"[^.!?\n]+[.!?]?")


def parse_document(document: Document) -> ParsedDocument:
    text = document.text
    section = Section("other", "", 0, len(text))
    sentences = [Sentence(m.start(), m.end(), m.group(), section) for m in _SENT.finditer(text)]
    return ParsedDocument(document, [section], sentences)


def context_of(parsed: ParsedDocument, start: int, end: int) -> Context:
    return Context()
