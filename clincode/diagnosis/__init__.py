"""PLACEHOLDER diagnosis finder: text -> ICD-10 findings. To be replaced by the diagnosis engine."""
from __future__ import annotations

from ..coding.findings import Finding


class DiagnosisFinder:
    def __init__(self, classifications, settings):
        self.classifications = classifications

    def find(self, parsed_documents) -> list[Finding]:
        return []
