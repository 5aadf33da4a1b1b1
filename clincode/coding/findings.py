"""A finding: one clinical mention in the text with a candidate code and its context.

Finders (``clincode.diagnosis``, ``clincode.procedures``) produce findings; the coding standards
(``clincode.standards``) turn an episode's findings into its coded sequence.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .models import Evidence


@dataclass(slots=True)
class Finding:
    code: str  # UK ICD-10 or OPCS-4 code, dotted
    system: str  # "icd10" | "opcs4"
    term: str  # the lexicon term or title that matched
    evidence: Evidence
    section: str = "other"  # canonical section name (see clincode.text.sections)
    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    family: bool = False
    hypothetical: bool = False
    score: float = 0.5
    index_path: str | None = None
    rationale: list[str] = field(default_factory=list)
    # procedure detail (OPCS-4): supplementary codes that follow the main code, in order
    supplementary: list[str] = field(default_factory=list)
    attributes: dict = field(default_factory=dict)  # laterality, approach, count, abandoned ...

    @property
    def affirmed(self) -> bool:
        """Present in this patient now: not negated, not family history, not hypothetical."""
        return not (self.negated or self.family or self.hypothetical)
