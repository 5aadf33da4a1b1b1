"""Sequencing of the episode's diagnosis codes.

Primary first; then the other conditions treated or stated for this episode (strongest section
first, in the clinician's order); then comorbidities documented only in the history; then status
and other Z codes. A code that qualifies another (asterisk, external cause, organism) is placed
straight after the code it qualifies.
"""
from __future__ import annotations

from functools import lru_cache

from .episode import Candidate, DiagnosisEpisode
from .resources import PrefixSet, read_table


@lru_cache(maxsize=1)
def acute_chronic_pairs() -> tuple[tuple[PrefixSet, PrefixSet, str], ...]:
    table = read_table("acute_chronic.tsv", ("acute", "chronic", "note"), ("acute", "chronic"))
    return tuple((PrefixSet.of(r["acute"]), PrefixSet.of(r["chronic"]), r["note"]) for r in table.rows)


def acute_before_chronic(episode: DiagnosisEpisode, classifications=None) -> None:
    """When the acute and the chronic form of a condition are both coded, the acute form comes
    first, the chronic form straight after it (and the chronic form is never primary over it).

    Standard: WHO ICD-10 Volume 2, 4.4.4 "Coding of acute and chronic conditions"; National Clinical
    Coding Standards ICD-10 5th Edition, "Acute and chronic conditions".
    """
    for acute_set, chronic_set, note in acute_chronic_pairs():
        acute = next((c for c in episode.candidates if acute_set.holds(c.code)), None)
        chronic = next((c for c in episode.candidates if chronic_set.holds(c.code)), None)
        if acute is None or chronic is None:
            continue
        if chronic.primary:
            chronic.primary, acute.primary = False, True
            acute.note(f"primary diagnosis: the acute form ({note}) is coded before the chronic form")
        episode.candidates.remove(chronic)
        episode.candidates.insert(episode.candidates.index(acute) + 1, chronic)
        chronic.note(f"{chronic.code} sequenced after {acute.code}: {note} (acute before chronic)")


def _group(cand: Candidate) -> int:
    if cand.primary:
        return 0
    if cand.code.startswith("Z"):
        return 3
    if cand.current or cand.added_by:
        return 1
    return 2


def sequence_codes(episode: DiagnosisEpisode, classifications=None) -> None:
    """Order the codes: primary; conditions of this episode; history-only comorbidities; Z codes;
    each asterisk, external cause and organism code straight after the code it qualifies.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, General Coding Standards
    "Sequencing of secondary diagnoses" and "Dagger and asterisk convention" (the asterisk follows
    its dagger); Chapter XX (the external cause follows the injury or complication).
    """
    present = {c.code for c in episode.candidates}
    heads = [c for c in episode.candidates if not (c.qualifies and c.qualifies in present) or c.primary]
    heads.sort(key=lambda c: (_group(c), -c.best_rank, episode.position(c)))
    ordered: list[Candidate] = []
    for head in heads:
        _place(head, episode.candidates, ordered)
    for cand in episode.candidates:  # qualifiers whose code went missing: keep them, at the end
        _place(cand, episode.candidates, ordered)
    episode.candidates[:] = ordered


def _place(cand: Candidate, candidates: list[Candidate], ordered: list[Candidate]) -> None:
    """``cand``, then each code qualifying it (and theirs), once each.

    A module function rather than a recursive closure: a closure calling itself is a reference cycle
    that would keep the whole episode (findings, evidence, parsed text) alive until the cycle
    collector ran, which then spent ~0.6 ms a document freeing it."""
    if cand in ordered:
        return
    ordered.append(cand)
    for follower in candidates:
        if follower.qualifies == cand.code and not follower.primary:
            _place(follower, candidates, ordered)
