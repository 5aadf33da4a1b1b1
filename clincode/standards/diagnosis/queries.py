"""Clinician query suggestions: where a precise code needs a detail the notes lack, ask, don't guess.

The query list is data (``resources/queries.tsv``); histology still awaited is a rule of its own.
Queries never change the codes: the less precise code stays, and the query says what would change.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .episode import DiagnosisEpisode
from .resources import matches, read_table


@dataclass(frozen=True, slots=True)
class QueryRule:
    code: str
    question: str
    reason: str
    answered_by: re.Pattern | None


@lru_cache(maxsize=1)
def query_table() -> tuple[QueryRule, ...]:
    table = read_table("queries.tsv", ("code", "question", "reason", "answered_by"), ("code",),
                       optional=("answered_by",))
    return tuple(
        QueryRule(r["code"], r["question"], r["reason"],
                  re.compile(r["answered_by"], re.IGNORECASE) if r["answered_by"] else None)
        for r in table.rows
    )


def queries_for_imprecise_codes(episode: DiagnosisEpisode, classifications=None) -> None:
    """Raise the clinician query for each final code that stands in for a missing detail (diabetes
    type E14, CKD stage N18.9, organism, site, laterality where the code depends on it).

    Standard: National Clinical Coding Standards ICD-10 5th Edition, Introduction and Data Quality
    ("clinical coding queries": the coder asks the responsible clinician when the documentation
    does not support a precise code, rather than assuming).
    """
    for cand in episode.candidates:
        for rule in query_table():
            if not matches(cand.code, (rule.code,)):
                continue
            sentences = " ".join(episode.sentence_of(ev) for ev in cand.evidence)
            if rule.answered_by and rule.answered_by.search(sentences):
                continue
            episode.query(rule.question, rule.reason, cand.code, cand.evidence)


_HISTOLOGY_PENDING = re.compile(
    r"\b(histolog\w*|patholog\w*|biops(y|ies)|specimens?)\b[^.\n]{0,60}?\b(awaited|await(ing)?|pending|to follow|not (yet )?(back|available|reported))\b"
    r"|\b(await(ing)?|pending)\b[^.\n]{0,30}?\b(histolog\w*|patholog\w*|biops(y|ies))\b",
    re.IGNORECASE,
)


def histology_pending_query(episode: DiagnosisEpisode, classifications=None) -> None:
    """When histology is still awaited, or the tumour that is the primary diagnosis is only
    'probable' with no histology in the documents, the documented diagnosis is coded and a query
    raised to confirm it (behaviour and type) when the report is available.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, Chapter II "Neoplasms"
    (coding before histology is available) and the house policy of ../shared/data/uk_dev/README.md
    ("Pending histology: the documented diagnosis is coded and a query raised").
    """
    primary = next((c for c in episode.candidates if c.primary), None)
    if primary is None:
        return
    match = episode.search(_HISTOLOGY_PENDING.pattern)
    if match:
        episode.query(
            f"Histology is awaited ('{match.group().strip()}'): please confirm the final diagnosis "
            f"(and, for a tumour, its behaviour and type) when the report is available.",
            f"{primary.code} is coded from the clinical diagnosis until histology confirms it.",
            primary.code, primary.evidence)
    elif _is_neoplasm(primary.code) and primary.uncertain and "histology" not in primary.sections:
        episode.query(
            "The tumour is documented as probable/suspected: please confirm the diagnosis, its behaviour "
            "(malignant, benign, in situ) and type once histology is available.",
            f"{primary.code} is coded as if confirmed (uncertain diagnosis at the end of the episode).",
            primary.code, primary.evidence)


def _is_neoplasm(code: str) -> bool:
    return code[:1] == "C" or (code[:1] == "D" and code[:3] <= "D48")
