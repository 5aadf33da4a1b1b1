"""Sequencing of the episode's diagnosis codes.

Primary first; then the other conditions treated or stated for this episode (strongest section
first, in the clinician's order); then comorbidities documented only in the history; then status
and other Z codes. A code that qualifies another (asterisk, external cause, organism) is placed
straight after the code it qualifies.
"""
from __future__ import annotations

from .episode import Candidate, DiagnosisEpisode


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

    def place(cand: Candidate) -> None:
        if cand in ordered:
            return
        ordered.append(cand)
        for follower in episode.candidates:
            if follower.qualifies == cand.code and not follower.primary:
                place(follower)

    for head in heads:
        place(head)
    for cand in episode.candidates:  # qualifiers whose code went missing: keep them, at the end
        place(cand)
    episode.candidates[:] = ordered
