"""The shortcuts taken for speed find exactly what the plain scans find.

ConText's punctuation and pattern triggers ("," ";" "?" "-ve") are tried only where a character they
can start with stands; abbreviations skip lower-case words that are not listed. Both are compared
with the plain scan over real CodiEsp texts and over made-up edge cases.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from clincode.coding import Document
from clincode.text import parse_document
from clincode.text.abbreviations import default_abbreviations, find_abbreviations
from clincode.text.context import default_rules
from clincode.text.rules import _first_characters, build_rule_set

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "codiesp" / "dev" / "text_en"
EDGES = ("What?? is ?? ,had ,  has -ve +ve ;:) x?y (?) ??? CSF +ve, HIV -ve; known?  ",
         "No pain, no fever; ?appendicitis. Query PE? LFTs -ve. ",
         "?" * 7 + ",,,;;;" + ":)" * 3)


def _texts() -> list[str]:
    files = sorted(SHARED.glob("*.txt"))[:60] if SHARED.is_dir() else []
    return list(EDGES) + [f.read_text(encoding="utf-8") for f in files]


def test_first_characters_of_the_packaged_special_triggers():
    rules = default_rules()
    assert rules.special_start is not None
    assert set(rules.special_start.pattern.strip("[]").replace("\\", "")) == set(",;:?()+-")  # "(" of "(-)"


@pytest.mark.parametrize("pattern, expected", [
    (r"(?P<a>,)|(?P<b>\?+)", {",", "?"}),
    (r"(?<=\w)(?:;|:)", {";", ":"}),
    (r"(?P<a>,)|(?P<b>no)", None),  # a letter: case-insensitive, not shortcut
    (r"(?P<a>,)|(?P<b>\w+)", None),  # a category
    (r"(?P<a>,?)", None),  # may match empty text
    (r"(?=,)", None),  # consumes nothing
])
def test_first_characters(pattern, expected):
    found = _first_characters(re.compile(pattern, re.IGNORECASE))
    assert (None if found is None else set(found)) == expected


def test_context_triggers_found_as_by_the_full_scan():
    rules = default_rules()
    plain = dataclasses.replace(rules, special_start=None)
    checked = 0
    for text in _texts():
        bounds = [(0, len(text))] + [(i, min(len(text), i + 97)) for i in range(0, len(text), 41)]
        for start, end in bounds:
            spans = [(m.span(), m.lastgroup) for m in rules.special.finditer(text, start, end)]
            assert [(m.span(), m.lastgroup) for m in rules.special_matches(text, start, end)] == spans
            assert rules.matches(text, start, end) == plain.matches(text, start, end), (text[start:end],)
            checked += 1
    assert checked > 100


def test_a_trust_rule_starting_with_a_letter_keeps_the_full_scan():
    rules = build_rule_set({"context_rules": [
        {"literal": "query", "category": "POSSIBLE_EXISTENCE", "pattern": r"\bq(?:uery)?\b"},
        {"literal": ";", "category": "TERMINATE", "direction": "TERMINATE"},
    ]})
    assert rules.special_start is None
    found, _ = rules.matches("q appendicitis; query PE", 0, 24)
    assert [(r.literal, s, e) for r, s, e in found] == [("query", 0, 1), (";", 14, 15), ("query", 16, 21)]


def test_abbreviations_as_without_the_lower_case_shortcut(monkeypatch):
    table = default_abbreviations()
    texts = _texts() + ["pe and PE, copd/htn, c/o sob, t2dm, UTIs, CKD3b, #NOF, ms. MS, ca 19-9",
                        "paracetamol 1 g po qds prn, a stat dose of ceftriaxone"]
    fast = [find_abbreviations(parse_document(Document(id="d", text=t))) for t in texts]

    class NoShortcut(str):  # a token type whose islower() is always False: the shortcut never fires
        def islower(self):
            return False

    import clincode.text.abbreviations as abbreviations

    token = abbreviations._TOKEN
    monkeypatch.setattr(abbreviations, "_TOKEN", type("T", (), {
        "finditer": staticmethod(lambda text: (_Match(m, NoShortcut(m.group())) for m in token.finditer(text)))}))
    slow = [find_abbreviations(parse_document(Document(id="d", text=t)), table) for t in texts]
    assert fast == slow
    assert any(a.text == "PE" for found in fast for a in found)
    assert {"po", "qds", "prn", "stat"} <= {a.text for found in fast for a in found}  # listed lower-case words


class _Match:
    def __init__(self, match, group):
        self._match, self._group = match, group

    def group(self):
        return self._group

    def start(self):
        return self._match.start()

    def end(self):
        return self._match.end()


def test_a_trigger_inside_a_longer_one_is_not_found_twice():
    rules = build_rule_set({"context_rules": [
        {"literal": ",;", "category": "TERMINATE", "direction": "TERMINATE"},
        {"literal": ";", "category": "TERMINATE", "direction": "TERMINATE"},
        {"literal": "?", "category": "POSSIBLE_EXISTENCE", "direction": "FORWARD"},
    ]})
    assert rules.special_start is not None
    text = "pain ,; fever; ?sepsis ,;;"
    expected = [m.span() for m in rules.special.finditer(text, 0, len(text))]
    assert expected == [(5, 7), (13, 14), (15, 16), (23, 25), (25, 26)]
    assert [m.span() for m in rules.special_matches(text, 0, len(text))] == expected
