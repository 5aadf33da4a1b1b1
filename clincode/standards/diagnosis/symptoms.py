"""Symptoms, signs and abnormal findings: not coded when a related definitive diagnosis is made.

"Related" is decided by a curated table (``resources/symptoms.tsv``): each symptom code lists
the diagnoses it is an integral part of (haematuria R31 -> bladder tumour C67, cystitis N30...).
A table, not a body-system guess, because the standards turn on attribution: haematuria with a
bladder tumour is the tumour's symptom, but haematuria with a kidney stone the clinician has not
blamed stays coded (house policy), and urinary retention is coded with prostatic hyperplasia.
Symptom codes outside Chapter XVIII (K92.2, M25.5, N23 ...) are listed in the same table.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .episode import Candidate, DiagnosisEpisode
from .resources import PrefixSet, matches, read_table


@dataclass(frozen=True, slots=True)
class SymptomRule:
    symptom: PrefixSet
    explained_by: PrefixSet
    note: str


@lru_cache(maxsize=1)
def symptom_table() -> tuple[SymptomRule, ...]:
    table = read_table("symptoms.tsv", ("symptom", "explained_by", "note"), ("symptom", "explained_by"))
    return tuple(
        SymptomRule(PrefixSet.of(r["symptom"]), PrefixSet.of(r["explained_by"]), r["note"])
        for r in table.rows
    )


@lru_cache(maxsize=1)
def _all_symptoms() -> PrefixSet:
    return PrefixSet(tuple(p for rule in symptom_table() for p in rule.symptom))


def is_symptom_code(code: str) -> bool:
    """Chapter XVIII (R00-R99), or a symptom code elsewhere listed in the symptom table."""
    return code.startswith("R") or matches(code, _all_symptoms())


def explaining_diagnoses(symptom: Candidate, episode: DiagnosisEpisode) -> list[Candidate]:
    """The episode's definitive diagnoses of which ``symptom`` is an integral part."""
    out = []
    for rule in symptom_table():
        if not matches(symptom.code, rule.symptom):
            continue
        out.extend(
            c for c in episode.candidates
            if c is not symptom and matches(c.code, rule.explained_by) and not is_symptom_code(c.code)
            and c not in out
        )
    return out


def symptoms_of_definitive_diagnoses(episode: DiagnosisEpisode, classifications=None) -> None:
    """A symptom or sign is not coded when a related definitive diagnosis is made in the episode;
    it stays (and may be the primary diagnosis) when no related diagnosis is made.

    Standard: WHO ICD-10 Volume 2, 4.4.2 "Coding of suspected conditions, symptoms and abnormal
    findings" and rule MB3 "Condition recorded as main condition is presenting symptom of
    diagnosed, treated condition"; National Clinical Coding Standards ICD-10 5th Edition, Chapter
    XVIII "Symptoms, signs and abnormal clinical and laboratory findings".
    """
    for cand in list(episode.candidates):
        if not is_symptom_code(cand.code):
            continue
        causes = explaining_diagnoses(cand, episode)
        if causes:
            cause = causes[0]
            cause.note(f"{cand.code} ({cand.title or cand.code}) not coded: a symptom of {cause.code} "
                       f"(symptoms integral to a definitive diagnosis are not coded, ICD-10 rule MB3)")
            episode.drop(cand, f"symptom of {cause.code}")
        else:
            cand.note(f"{cand.code} symptom coded: no related definitive diagnosis was made")
