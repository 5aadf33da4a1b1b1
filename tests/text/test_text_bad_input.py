"""Bad input: empty, whitespace, NUL bytes, odd unicode, very long text. Never a traceback."""
from __future__ import annotations

import time

import pytest

from clincode.coding.models import Document
from clincode.text import context_of, parse_document
from clincode.text.abbreviations import find_abbreviations


def _check(text: str):
    parsed = parse_document(Document(id="x", text=text))
    assert parsed.sections and parsed.sections[-1].end == len(text)
    for s in parsed.sentences:
        assert text[s.start:s.end] == s.text
        context_of(parsed, s.start, s.end)
    find_abbreviations(parsed)
    return parsed


def test_empty_and_blank():
    assert _check("").sentences == []
    assert _check("   \n\n\t ").sentences == []
    assert context_of(parse_document(""), 0, 0).negated is False


def test_nul_bytes_and_odd_unicode():
    text = "No\x00 pneumonia.\u200b ?PE\u00a0likely. İstanbul ﬁbrosis — Ärztin said: no MI.\r\nFH: asthma"
    parsed = _check(text)
    i = text.index("pneumonia")
    assert context_of(parsed, i, i + 9).negated
    j = text.index("asthma")
    assert context_of(parsed, j, j + 6).family


def test_only_punctuation_and_headings():
    _check(",,,,....;;;;::::")
    _check("PLAN:")
    _check("Diagnosis:\n\n\nPlan:\n")


def test_very_long_text_is_linear():
    block = "Past medical history: asthma. No evidence of pneumonia. ?PE. Mother had breast cancer.\n"
    text = block * 20000  # about 1.7 MB
    start = time.perf_counter()
    parsed = _check(text)
    elapsed = time.perf_counter() - start
    assert len(parsed.sentences) >= 80000
    assert elapsed < 30  # generous: linear time, not quadratic


def test_one_huge_sentence():
    text = "pain " * 100000
    parsed = _check(text)
    assert len(parsed.sentences) == 1


def test_wrong_arguments_give_clear_errors():
    with pytest.raises(TypeError, match="Document or a str"):
        parse_document(None)
    parsed = parse_document("No fever.")
    with pytest.raises(ValueError, match="outside the document"):
        context_of(parsed, 5, 50)
    with pytest.raises(ValueError, match="outside the document"):
        context_of(parsed, 5, 2)


def test_long_single_line_is_linear():
    text = "Pain in the abdomen. Seen by Dr. Smith. " * 40000  # 1.6 MB on one line
    start = time.perf_counter()
    parsed = parse_document(text)
    assert len(parsed.sentences) == 80000
    assert time.perf_counter() - start < 30


def test_many_triggers_in_one_sentence_is_linear():
    text = "no pain but " * 50000  # one 600 KB "sentence" with 100,000 triggers
    start = time.perf_counter()
    parsed = parse_document(text)
    i = text.index("pain")
    assert context_of(parsed, i, i + 4).negated
    j = text.index("pain", 20000)
    assert context_of(parsed, j, j + 4).negated
    assert time.perf_counter() - start < 30
