"""Fixtures of the diagnosis tests: one lexicon/finder per session (the compiled cache makes it cheap)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def finder(settings, classifications):
    from clincode.diagnosis import DiagnosisFinder

    return DiagnosisFinder(classifications, settings)


@pytest.fixture(scope="session")
def match_codes(finder):
    """Text -> the set of codes of the lexicon matches in it (one sentence)."""
    from clincode.diagnosis.normalise import tokenise

    def run(text: str) -> set[str]:
        return {m.code for m in finder.matcher.match(tokenise(text))}

    return run


@pytest.fixture(scope="session")
def find(finder):
    """Text -> findings of the full finder (parse, match, context, score)."""
    from clincode.coding import Document
    from clincode.text import parse_document

    def run(text: str, doc_id: str = "doc"):
        return finder.find([parse_document(Document(id=doc_id, text=text))])

    return run
