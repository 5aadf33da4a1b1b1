"""The episode as the diagnosis standards see it: candidate codes, each with the findings behind it.

A ``Candidate`` gathers every finding of one code across the episode's documents (so a condition
named in the discharge diagnoses and again in the history is one code with two pieces of evidence).
The rules read and change a ``DiagnosisEpisode``: they drop candidates with a reason, add codes
the standards require, and write what they did into each code's rationale.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ...coding.findings import Finding
from ...coding.models import ClinicianQuery, Evidence
from .resources import matches, read_table, split_codes


@dataclass(frozen=True, slots=True)
class SectionInfo:
    rank: int
    role: str  # diagnosis | current | history | background | family
    statement: bool = False  # the clinician's statement of the episode's findings and diagnoses


@lru_cache(maxsize=1)
def section_table() -> dict[str, SectionInfo]:
    table = read_table("sections.tsv", ("section", "rank", "role", "statement"))
    out = {}
    for row in table.rows:
        if row["role"] not in {"diagnosis", "current", "history", "background", "family"}:
            raise ValueError(f"sections.tsv: unknown role {row['role']!r} for {row['section']}")
        if row["statement"] not in {"yes", "no"}:
            raise ValueError(f"sections.tsv: statement must be yes or no for {row['section']}")
        out[row["section"]] = SectionInfo(int(row["rank"]), row["role"], row["statement"] == "yes")
    return out


def section_info(name: str | None) -> SectionInfo:
    return section_table().get(name or "other", SectionInfo(3, "current", False))


@dataclass(eq=False)  # a candidate is itself: compared by identity, not field by field
class Candidate:
    """One ICD-10 code proposed for the episode, with the findings that support it."""

    code: str
    title: str = ""
    findings: list[Finding] = field(default_factory=list)
    rationale: list[str] = field(default_factory=list)
    score: float = 0.0
    qualifies: str | None = None  # asterisk -> its dagger; Y60-Y84 -> its T code; B95-B98 -> infection
    added_by: str | None = None  # the rule that added a code not itself found in the text
    extra_evidence: list[Evidence] = field(default_factory=list)
    primary: bool = False

    # --- what the findings say ------------------------------------------------------------
    @property
    def sections(self) -> set[str]:
        return {f.section or "other" for f in self.findings}

    @property
    def roles(self) -> set[str]:
        return {section_info(s).role for s in self.sections}

    @property
    def best_rank(self) -> int:
        ranks = [section_info(f.section).rank for f in self.findings if not f.historical]
        return max(ranks, default=0)

    @property
    def current(self) -> bool:
        """Stated as this episode's condition: some finding is neither historical nor in a history list."""
        return any(
            not f.historical and section_info(f.section).role in {"diagnosis", "current"}
            for f in self.findings
        )

    @property
    def uncertain(self) -> bool:
        return bool(self.findings) and all(f.uncertain for f in self.findings)

    @property
    def evidence(self) -> list[Evidence]:
        seen, out = set(), []
        for ev in [f.evidence for f in self.findings] + self.extra_evidence:
            key = (ev.document, ev.start, ev.end)
            if key not in seen:
                seen.add(key)
                out.append(ev)
        return out

    def note(self, text: str) -> None:
        if text not in self.rationale:
            self.rationale.append(text)


@dataclass
class DiagnosisEpisode:
    """The working state the rules act on, plus what they report."""

    candidates: list[Candidate]
    texts: dict[str, str] = field(default_factory=dict)  # document id -> text
    parsed: list = field(default_factory=list)  # clincode.text ParsedDocument, in episode order
    doc_order: dict[str, int] = field(default_factory=dict)
    procedures: list[Finding] = field(default_factory=list)
    main_procedure: str | None = None
    # OPCS-4 codes the procedure standards coded for this episode (None: not known, only the findings)
    coded_procedures: list[str] | None = None
    sex: str | None = None  # "M" | "F" when the text says
    age: int | None = None  # years, when the text says
    queries: list[ClinicianQuery] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)  # code -> why it is not coded
    excluded: list[tuple[Finding, str]] = field(default_factory=list)  # findings left out, why

    # --- access ---------------------------------------------------------------------------
    def get(self, code: str) -> Candidate | None:
        return next((c for c in self.candidates if c.code == code), None)

    def having(self, prefixes) -> list[Candidate]:
        prefixes = split_codes(prefixes) if isinstance(prefixes, str) else prefixes
        return [c for c in self.candidates if matches(c.code, prefixes)]

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.candidates]

    @property
    def text(self) -> str:
        return "\n".join(self.texts.values())

    def sentence_of(self, ev: Evidence) -> str:
        """The sentence (or list line) holding an evidence span, from the original text."""
        text = self.texts.get(ev.document, "")
        if not text:
            return ev.text
        start = max(text.rfind(ch, 0, ev.start) for ch in ".\n;:")
        ends = [i for i in (text.find(ch, ev.end) for ch in ".\n;") if i != -1]
        return text[start + 1 : min(ends) if ends else len(text)]

    def position(self, cand: Candidate) -> tuple[int, int]:
        """Where the candidate's best evidence first appears: (document order, offset)."""
        best = [f for f in cand.findings if section_info(f.section).rank == cand.best_rank]
        spots = [(self.doc_order.get(f.evidence.document, 0), f.evidence.start) for f in best or cand.findings]
        return min(spots, default=(99, 0))

    # --- changes --------------------------------------------------------------------------
    def drop(self, cand: Candidate, reason: str) -> None:
        if cand in self.candidates:
            self.candidates.remove(cand)
            self.dropped[cand.code] = reason

    def add(
        self,
        code: str,
        title: str,
        rule: str,
        reason: str,
        evidence: list[Evidence] | None = None,
        qualifies: str | None = None,
        score: float = 0.5,
    ) -> Candidate:
        existing = self.get(code)
        if existing is not None:
            existing.note(reason)
            if qualifies and not existing.qualifies:
                existing.qualifies = qualifies
            return existing
        cand = Candidate(
            code, title, rationale=[reason], score=score, qualifies=qualifies, added_by=rule,
            extra_evidence=list(evidence or []),
        )
        self.candidates.append(cand)
        self.dropped.pop(code, None)
        return cand

    def replace(self, old: list[Candidate], code: str, title: str, reason: str) -> Candidate:
        """Put one code in the place of ``old`` (a combination or a more specific code)."""
        findings = [f for c in old for f in c.findings]
        rationale = [r for c in old for r in c.rationale]
        cand = self.get(code)
        if cand is None:
            cand = Candidate(code, title, score=max((c.score for c in old), default=0.5))
            self.candidates.insert(min(self.candidates.index(c) for c in old), cand)
        for c in old:
            if c is not cand:
                self.drop(c, reason)
        cand.findings.extend(f for f in findings if not any(f is g for g in cand.findings))
        cand.extra_evidence.extend(ev for c in old for ev in c.extra_evidence)
        for r in rationale:
            cand.note(r)
        cand.note(reason)
        return cand

    def query(self, question: str, reason: str, code: str | None, evidence: list[Evidence] | None = None) -> None:
        if any(q.question == question and q.code == code for q in self.queries):
            return
        self.queries.append(ClinicianQuery(question=question, reason=reason, code=code, evidence=evidence or []))

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def search(self, pattern: str) -> re.Match | None:
        return re.search(pattern, self.text, flags=re.IGNORECASE)
