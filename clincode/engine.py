"""The coding engine: a thin façade over the pipeline.

document -> parsed text (clincode.text) -> findings (clincode.diagnosis, clincode.procedures)
-> coding standards (clincode.standards) -> CodedEpisode (clincode.coding)

``all_findings=True`` skips the episode-level standards and lists every current affirmed condition,
ranked (clincode.diagnosis.rank_findings): the list a coder reviews in computer-assisted coding.
"""
from __future__ import annotations

import gc
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
        # Loading unpickles hundreds of thousands of objects that all live as long as the engine:
        # the cycle collector would walk them again and again as they arrive (about 40% of the load
        # time) and find nothing to free.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.classifications: Classifications = load_classifications(self.settings)
            self.diagnosis_finder = DiagnosisFinder(self.classifications, self.settings)
            self.procedure_finder = ProcedureFinder(self.classifications, self.settings)
        finally:
            if collecting:
                gc.enable()

    def code_episode(
        self, episode_id: str, documents: Iterable[Document], all_findings: bool = False
    ) -> CodedEpisode:
        # An episode makes thousands of short-lived objects (tokens, findings, evidence) that
        # reference counting frees; the cycle collector would walk the live ones again and again
        # while they pile up (in a 100 KB document, a fifth of the time). It runs after the episode.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._code_episode(episode_id, documents, all_findings)
        finally:
            if collecting:
                gc.enable()

    def _code_episode(self, episode_id: str, documents: Iterable[Document], all_findings: bool) -> CodedEpisode:
        from .diagnosis import rank_findings
        from .standards import apply_standards
        from .text import parse_document

        accepted, warnings = self.admit(documents)
        parsed = [parse_document(d) for d in accepted]
        diagnoses = self.diagnosis_finder.find(parsed)
        procedures = self.procedure_finder.find(parsed) if self.procedure_finder else []
        if all_findings:
            model = self.diagnosis_finder.model
            episode = rank_findings(episode_id, diagnoses, self.classifications,
                                    model.threshold if model else 0.0, procedures)
        else:
            episode = apply_standards(episode_id, diagnoses, procedures, self.classifications, parsed)
        episode.warnings = warnings + [w for w in episode.warnings if w not in warnings]
        return episode

    def admit(self, documents: Iterable[Document]) -> tuple[list[Document], list[str]]:
        """Documents within the size limit; a warning for each refused or empty one (nothing silently cut)."""
        limit = self.settings.max_document_bytes
        accepted, warnings = [], []
        for doc in documents:
            size = len(doc.text.encode("utf-8", errors="replace"))
            if size > limit:
                warnings.append(f"{doc.id}: {size:,} bytes is over the {limit:,}-byte limit "
                                f"(CLINCODE_MAX_DOCUMENT_BYTES); not coded - split it or raise the limit")
                continue
            if not doc.text.strip():
                warnings.append(f"{doc.id}: empty document, nothing to code")
            accepted.append(doc)
        return accepted, warnings


@lru_cache(maxsize=1)
def default_engine() -> CodingEngine:
    return CodingEngine()


def code_text(text: str, episode_id: str = "episode", all_findings: bool = False) -> CodedEpisode:
    """Code one document's text as an episode with the default engine."""
    return default_engine().code_episode(episode_id, [Document(id=episode_id, text=text)], all_findings)
