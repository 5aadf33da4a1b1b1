"""Diagnosis finding: clinical text -> ICD-10 (UK) findings with evidence, context and a score.

Public surface:
    DiagnosisFinder(classifications, settings).find(parsed_documents) -> list[Finding]
    rank_findings(episode_id, findings, classifications, threshold) -> CodedEpisode  (--all-findings)
    DiagnosisModel (the learned candidate scorer), load_lexicon
"""
from .finder import DiagnosisFinder
from .lexicon import load_lexicon
from .model import DiagnosisModel, ModelError
from .ranking import rank_findings

__all__ = ["DiagnosisFinder", "DiagnosisModel", "ModelError", "load_lexicon", "rank_findings"]
