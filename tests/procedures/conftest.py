"""Fixtures for the procedure engine tests: one finder per session (the lexicon loads once)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def finder(classifications, settings):
    from clincode.procedures import ProcedureFinder

    return ProcedureFinder(classifications, settings)


@pytest.fixture(scope="session")
def code_note(finder, classifications):
    """Code a note's text: returns (codes in order, assignments, queries, warnings)."""
    from clincode.coding import Document
    from clincode.standards.procedures import code_procedures
    from clincode.text import parse_document

    def run(text: str, doc_id: str = "note"):
        parsed = [parse_document(Document(id=doc_id, text=text))]
        assignments, queries, warnings = code_procedures(finder.find(parsed), classifications, parsed)
        return [a.code for a in assignments], assignments, queries, warnings

    return run
