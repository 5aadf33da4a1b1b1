"""The parsed-document shapes every finder reads: sections, sentences and a mention's context.

Offsets always index the original document text (``ParsedDocument.text``), so evidence points at the
right words.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ..coding.models import Document


@dataclass(slots=True)
class Section:
    name: str  # canonical name, e.g. "diagnosis", "past_medical_history", "other" (see sections.py)
    heading: str  # the heading as written ("" for text before the first heading)
    start: int  # start of the heading (of the section's text when there is no heading)
    end: int  # end of the section's body
    body_start: int = -1  # first character after the heading and its colon

    def __post_init__(self) -> None:
        if self.body_start < 0:
            self.body_start = self.start


@dataclass(slots=True)
class Sentence:
    start: int
    end: int
    text: str  # == document text[start:end]
    section: Section


@dataclass(slots=True)
class ParsedDocument:
    document: Document
    sections: list[Section]
    sentences: list[Sentence]
    # Lazily built caches (trigger scan per sentence, sentence start offsets): see context.py.
    _sentence_starts: list[int] | None = field(default=None, repr=False)
    _context_cache: dict | None = field(default=None, repr=False)
    _section_starts: list[int] | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return self.document.text

    def sentence_index(self, offset: int) -> int | None:
        """Index of the sentence holding ``offset`` (None when it falls between sentences)."""
        if self._sentence_starts is None:
            self._sentence_starts = [s.start for s in self.sentences]
        i = bisect.bisect_right(self._sentence_starts, offset) - 1
        if i >= 0 and offset < self.sentences[i].end:
            return i
        return None

    def sentence_at(self, offset: int) -> Sentence | None:
        """The sentence holding character ``offset``."""
        i = self.sentence_index(offset)
        return None if i is None else self.sentences[i]

    def section_at(self, offset: int) -> Section:
        """The section holding character ``offset`` (sections cover the whole text)."""
        if self._section_starts is None:
            self._section_starts = [s.start for s in self.sections]
        i = max(0, bisect.bisect_right(self._section_starts, offset) - 1)
        return self.sections[i]


@dataclass(slots=True)
class Context:
    """What the text says about a mention: is it present, in this patient, now?

    ``historical`` is True from a trigger ("history of", "previous") or from the section (past medical
    history); ``historical_from`` tells which ("trigger" or "section"), because a chronic condition listed
    under past medical history is still current for comorbidity coding. ``planned`` marks procedures
    that are planned, not done (a "plan" section or "listed for"); ``hypothetical`` covers conditionals,
    risks and exclusions ("if", "risk of", "to exclude") and is also set by planning triggers.
    """

    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    family: bool = False
    hypothetical: bool = False
    triggers: list[str] = field(default_factory=list)
    section: str = "other"
    historical_from: str | None = None  # "trigger" | "section" | None
    planned: bool = False
    experiencer: str = "patient"  # "patient" | "family" | "other"

    @property
    def affirmed(self) -> bool:
        """Present in this patient: not negated, not someone else's, not hypothetical."""
        return not (self.negated or self.family or self.hypothetical or self.experiencer != "patient")
