"""Hand-made findings for the standards tests: write the text, say which words carry which code."""
from __future__ import annotations

import pytest

from clincode.coding.findings import Finding
from clincode.coding.models import Document, Evidence
from clincode.standards import apply_standards
from clincode.text import parse_document


class EpisodeBuilder:
    """Builds findings on a text (each term located in the text, so evidence offsets are real)
    and runs the standards on them."""

    def __init__(self, classifications):
        self.classifications = classifications

    def finding(self, text: str, code: str, term: str, section: str = "other", occurrence: int = 1,
                system: str = "icd10", doc_id: str = "doc1", **flags) -> Finding:
        start = -1
        for _ in range(occurrence):
            start = text.find(term, start + 1)
        assert start >= 0, f"{term!r} not in the text"
        ev = Evidence(document=doc_id, start=start, end=start + len(term), text=term, section=section)
        flags.setdefault("score", 0.8)
        return Finding(code=code, system=system, term=term, evidence=ev, section=section, **flags)

    def code(self, text: str, specs: list[tuple], procedures: list[tuple] = ()):
        """specs: (code, term, section, {flags}) with section and flags optional."""
        findings = [self.finding(text, *self._spec(s)[:3], **self._spec(s)[3]) for s in specs]
        procs = [self.finding(text, *self._spec(s)[:3], system="opcs4", **self._spec(s)[3]) for s in procedures]
        parsed = [parse_document(Document(id="doc1", text=text))]
        return apply_standards("case", findings, procs, self.classifications, parsed)

    @staticmethod
    def codes(episode) -> list[str]:
        return [d.code for d in episode.diagnoses]

    @staticmethod
    def primary(episode) -> str | None:
        p = episode.primary_diagnosis
        return p.code if p else None

    @staticmethod
    def _spec(spec: tuple) -> tuple:
        code, term, *rest = spec
        section = rest[0] if rest else "other"
        flags = rest[1] if len(rest) > 1 else {}
        return code, term, section, flags


@pytest.fixture(scope="session")
def build(classifications) -> EpisodeBuilder:
    return EpisodeBuilder(classifications)
