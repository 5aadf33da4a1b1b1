"""Scoring a clinical coding audit the way the DSPT clinical coding audit does.

For each audited episode the coder's codes are compared with the auditor's blind re-coding in
four areas: primary diagnosis, secondary diagnoses, primary procedure, secondary procedures.

* Primary diagnosis / primary procedure: one item per episode (a procedure area only when either
  side coded a procedure): correct when the codes are identical to the last character.
* Secondary diagnoses / procedures: exact matches are correct; a coder code and an auditor code
  left over in the same 3-character category are one *incorrect* code (wrong 4th/5th character);
  other auditor codes are *omitted*, other coder codes *additional* (coded in error). The
  percentage is correct / (correct + incorrect + omitted + additional): the codes that should
  have been recorded plus those recorded in error, each error counted once.

The attainment levels are data (``data/dspt_attainment.tsv``, with their source).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .settings import WorkflowSettings, read_tsv

AREAS = ("primary_diagnosis", "secondary_diagnoses", "primary_procedure", "secondary_procedures")
CAUSES = {"coder": "Coder error", "documentation": "Documentation issue", "engine": "Engine error"}


@dataclass(frozen=True, slots=True)
class CodingError:
    area: str
    kind: str  # incorrect | omitted | additional
    coder_code: str | None
    auditor_code: str | None

    @property
    def key(self) -> str:
        return f"{self.area}:{self.kind}:{self.coder_code or '-'}:{self.auditor_code or '-'}"

    @property
    def words(self) -> str:
        if self.kind == "incorrect":
            return f"{self.coder_code} coded, {self.auditor_code} correct"
        if self.kind == "omitted":
            return f"{self.auditor_code} omitted"
        return f"{self.coder_code} coded in error"


@dataclass
class AreaScore:
    correct: int = 0
    total: int = 0

    def add(self, other: "AreaScore") -> None:
        self.correct += other.correct
        self.total += other.total

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.correct / self.total, 1) if self.total else None


@dataclass
class EpisodeScore:
    areas: dict[str, AreaScore] = field(default_factory=lambda: {a: AreaScore() for a in AREAS})
    errors: list[CodingError] = field(default_factory=list)


def _primary(area: str, coder: list[str], auditor: list[str], score: EpisodeScore, required: bool) -> None:
    c, a = (coder[0] if coder else None), (auditor[0] if auditor else None)
    if not required and c is None and a is None:
        return  # no procedure on either side: the procedure areas do not apply
    s = score.areas[area]
    s.total += 1
    if c == a:
        s.correct += 1
    elif c is None:
        score.errors.append(CodingError(area, "omitted", None, a))
    elif a is None:
        score.errors.append(CodingError(area, "additional", c, None))
    else:
        score.errors.append(CodingError(area, "incorrect", c, a))


def _secondary(area: str, coder: list[str], auditor: list[str], score: EpisodeScore) -> None:
    left_c, left_a = Counter(coder), Counter(auditor)
    both = left_c & left_a
    left_c, left_a = left_c - both, left_a - both
    s = score.areas[area]
    s.correct += sum(both.values())
    s.total += sum(both.values())
    rest_a = sorted(left_a.elements())
    for c in sorted(left_c.elements()):
        partner = next((a for a in rest_a if a[:3] == c[:3]), None)
        s.total += 1
        if partner is not None:
            rest_a.remove(partner)
            score.errors.append(CodingError(area, "incorrect", c, partner))
        else:
            score.errors.append(CodingError(area, "additional", c, None))
    for a in rest_a:
        s.total += 1
        score.errors.append(CodingError(area, "omitted", None, a))


def score_episode(coder: dict, auditor: dict) -> EpisodeScore:
    """Compare ``{"icd10": [...], "opcs4": [...]}`` code lists (first = primary)."""
    score = EpisodeScore()
    cd, ad = list(coder.get("icd10") or []), list(auditor.get("icd10") or [])
    cp, ap = list(coder.get("opcs4") or []), list(auditor.get("opcs4") or [])
    _primary("primary_diagnosis", cd, ad, score, required=True)
    _secondary("secondary_diagnoses", cd[1:], ad[1:], score)
    _primary("primary_procedure", cp, ap, score, required=False)
    _secondary("secondary_procedures", cp[1:], ap[1:], score)
    return score


def suggest_cause(error: CodingError, engine: dict, coder: dict | None = None) -> str:
    """The likely cause, for the auditor to confirm. An engine error when the coder kept a wrong
    code the engine proposed, or when an omitted code was missing from a proposal the coder
    accepted as it stood (the coder's codes are exactly the engine's); otherwise a coder error:
    the coder chose the final codes. Documentation issues are the auditor's call alone."""
    proposed = (engine.get("icd10") or []) + (engine.get("opcs4") or [])
    if error.kind in ("incorrect", "additional") and error.coder_code in proposed:
        return "engine"
    if error.kind == "omitted" and proposed and error.auditor_code not in proposed and coder is not None:
        kept = (coder.get("icd10") or []) + (coder.get("opcs4") or [])
        if sorted(kept) == sorted(proposed):
            return "engine"
    return "coder"


@dataclass(frozen=True, slots=True)
class Attainment:
    area: str
    label: str
    met: float
    exceeded: float


@lru_cache(maxsize=4)
def attainment_levels(path: Path | None = None) -> dict[str, Attainment]:
    path = path or WorkflowSettings().audit_attainment_file
    return {r["area"]: Attainment(r["area"], r["label"], float(r["standards_met"]), float(r["standards_exceeded"]))
            for r in read_tsv(path)}


def attainment(area: str, percent: float | None, levels: dict[str, Attainment] | None = None) -> str:
    """'Standards exceeded', 'Standards met', 'Standards not met' or 'Not applicable'."""
    if percent is None:
        return "Not applicable"
    level = (levels or attainment_levels())[area]
    if percent >= level.exceeded:
        return "Standards exceeded"
    if percent >= level.met:
        return "Standards met"
    return "Standards not met"
