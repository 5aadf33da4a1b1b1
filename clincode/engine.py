"""The coding engine: a thin façade over the pipeline.

document -> parsed text (clincode.text) -> findings (clincode.diagnosis, clincode.procedures)
-> coding standards (clincode.standards) -> CodedEpisode (clincode.coding)
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from .classification import Classifications, load_classifications
from .coding import CodedEpisode, Document
from .config import Settings, get_settings


class CodingEngine:
    """Loads the classifications and lexicons once; codes any number of episodes."""

    def __init__(self, settings: Settings | None = None):
        from .diagnosis import DiagnosisFinder
        from .procedures import ProcedureFinder

        self.settings = settings or get_settings()
        self.classifications: Classifications = load_classifications(self.settings)
        self.diagnosis_finder = DiagnosisFinder(self.classifications, self.settings)
        self.procedure_finder = ProcedureFinder(self.classifications, self.settings)

    def code_episode(
        self, episode_id: str, documents: Iterable[Document], all_findings: bool = False
    ) -> CodedEpisode:
        from .standards import apply_standards, rank_all_findings
        from .text import parse_document

        parsed = [parse_document(d) for d in documents]
        diagnoses = self.diagnosis_finder.find(parsed)
        procedures = self.procedure_finder.find(parsed) if self.procedure_finder else []
        if all_findings:
            return rank_all_findings(episode_id, diagnoses, procedures, self.classifications)
        return apply_standards(episode_id, diagnoses, procedures, self.classifications, parsed)


@lru_cache(maxsize=1)
def default_engine() -> CodingEngine:
    return CodingEngine()


def code_text(text: str, episode_id: str = "episode", all_findings: bool = False) -> CodedEpisode:
    """Code one document's text as an episode with the default engine."""
    return default_engine().code_episode(episode_id, [Document(id=episode_id, text=text)], all_findings)
