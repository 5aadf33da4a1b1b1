"""PLACEHOLDER procedure finder: text -> OPCS-4 findings. To be replaced by the procedure engine."""
from __future__ import annotations

from ..coding.findings import Finding


class ProcedureFinder:
    def __init__(self, classifications, settings):
        self.classifications = classifications

    def find(self, parsed_documents) -> list[Finding]:
        return []
