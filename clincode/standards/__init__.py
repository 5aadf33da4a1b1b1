"""The National Clinical Coding Standards as readable, testable rules.

PLACEHOLDER surface (keep the names):
    apply_standards(episode_id, diagnosis_findings, procedure_findings, classifications, parsed) -> CodedEpisode
    rank_all_findings(episode_id, diagnosis_findings, procedure_findings, classifications) -> CodedEpisode
"""
from __future__ import annotations

from ..coding.models import CodeAssignment, CodedEpisode


def _assign(f) -> CodeAssignment:
    return CodeAssignment(code=f.code, score=f.score, evidence=[f.evidence], rationale=list(f.rationale))


def rank_all_findings(episode_id, diagnosis_findings, procedure_findings, classifications) -> CodedEpisode:
    dx = sorted((f for f in diagnosis_findings if f.affirmed), key=lambda f: -f.score)
    px = [f for f in procedure_findings if f.affirmed]
    return CodedEpisode(id=episode_id, diagnoses=[_assign(f) for f in dx], procedures=[_assign(f) for f in px])


def apply_standards(episode_id, diagnosis_findings, procedure_findings, classifications, parsed) -> CodedEpisode:
    episode = rank_all_findings(episode_id, diagnosis_findings, procedure_findings, classifications)
    if episode.diagnoses:
        episode.diagnoses[0].primary = True
    if episode.procedures:
        episode.procedures[0].primary = True
    return episode
