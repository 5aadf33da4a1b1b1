"""Sentence and list-item splitting with offsets into the original text.

Boundaries: sentence ends ("." "!" "?" before a capital or digit), line breaks (a wrapped line that
continues in lower case is joined), numbered and bulleted list items ("1. ", "2)", "- ", "•"), the
dictation style where commas stand in for line breaks (".," and ",Capital"), and semicolons in problem
lists. Abbreviations ("Dr.", "e.g.", "approx.", "vs.") and decimals ("2.5 mg") do not end a sentence.
Leading list markers and trailing comma-style commas are trimmed from each sentence, so its text is
exactly ``document.text[start:end]`` and starts at the first word.
"""
from __future__ import annotations

import bisect
import re

from .document import Section, Sentence

# Words whose full stop is not a sentence end (lower case, without the final "."). Units ("mg",
# "mm") are not here: UK and translated notes write them without a stop, so "30 mm. The" ends a sentence.
NO_BREAK_BEFORE = frozenset(
    """dr mr mrs ms miss prof sr st mt vs v e.g eg i.e ie approx c ca cf fig figs ref refs viz
    al et dept inc ltd co jr b.d t.d.s q.d.s o.d b.i.d t.i.d q.i.d p.o i.v i.m s.c p.r.n o.n
    resp temp pt pts esp spp sp""".split()
)
# Sections written as lists, where ";" separates items ("Hypertension; T2DM; CKD stage 3").
LIST_SECTIONS = frozenset(
    {"diagnosis", "secondary_diagnoses", "past_medical_history", "past_surgical_history",
     "preoperative_diagnosis", "postoperative_diagnosis", "procedure", "medications",
     "discharge_medications", "allergies", "family_history"}
)

_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=[ \t]+(?:[\"'(\[#]?[A-Z0-9]|\?+[ \t]?\w))")
_NEWLINE = re.compile(r"\n")
_COMMA_BREAK = re.compile(r"\.,|,(?=[A-Z])|,(?=[ \t]*\d{1,2}[.)][ \t])")
_SEMICOLON = re.compile(r";")
_ENUMERATOR = re.compile(r"(\d{1,2})[.)][ \t]+(?=\S)")  # preceded by a space or line start (checked)
_LEAD_TRIM = re.compile(r"(?:[\s,;:]|(?:\d{1,2}[.)]|\(\d{1,2}\)|\(?[a-z]\)|[-*\u2022\u00b7\u2013\u25cf>])(?=\s|$))*")
_TRAILING = " \t\r\n\f\v,;:"


def _is_abbreviation_stop(text: str, stop: int) -> bool:
    """True when the '.' at ``stop`` closes an abbreviation or an initial, not a sentence."""
    if text[stop] != ".":
        return False
    # The word before the stop (abbreviations are short: look back 20 characters at most).
    word = text[max(0, stop - 20):stop].split()[-1:]
    word = word[0].lstrip("([\"'").lower() if word else ""
    if not word:
        return False
    if word in NO_BREAK_BEFORE:
        return True
    # A single letter ("J. Smith", "E. coli") is an initial or a genus.
    return len(word) == 1 and word.isalpha()


def _continues(text: str, newline: int) -> bool:
    """A wrapped line: the next line starts in lower case and this one has no closing punctuation."""
    after = newline + 1
    n = len(text)
    while after < n and text[after] in " \t":
        after += 1
    if after >= n or not text[after].islower():
        return False
    before = newline - 1
    while before >= 0 and text[before] in " \t\r":
        before -= 1
    return before >= 0 and text[before] not in ".!?:;"


def _enumerator_breaks(text: str, start: int, end: int) -> list[int]:
    """Break points before inline list numbers that run 1, 2, 3... within a section body."""
    breaks: list[int] = []
    expected = 1
    for match in _ENUMERATOR.finditer(text, start, end):
        if match.start() > 0 and not text[match.start() - 1].isspace():
            continue  # "2.5) " or "A1) ": not a list number
        number = int(match.group(1))
        if number == expected:
            breaks.append(match.start())
            expected += 1
        elif number == 1:
            expected = 2
            breaks.append(match.start())
    return breaks if expected > 2 else []


def split_sentences(text: str, sections: list[Section]) -> list[Sentence]:
    """Sentences and list items of every section body, in document order."""
    points: set[int] = set()
    for section in sections:
        points.update((section.start, section.body_start, section.end))
        points.update(_enumerator_breaks(text, section.body_start, section.end))
    for match in _NEWLINE.finditer(text):
        if not _continues(text, match.start()):
            points.add(match.end())
    for match in _SENTENCE_END.finditer(text):
        stop = match.start()
        if text[stop] == "?" and stop > 0 and text[stop - 1].isspace():
            continue  # "? PE" is the query mark, not a question's end
        if match.end() - stop == 1 and _is_abbreviation_stop(text, stop):
            continue
        points.add(match.end())
    for match in _COMMA_BREAK.finditer(text):
        points.add(match.end())
    section_starts = [s.start for s in sections]
    for match in _SEMICOLON.finditer(text):
        index = bisect.bisect_right(section_starts, match.start()) - 1
        if index >= 0 and sections[index].name in LIST_SECTIONS:
            points.add(match.end())
    # Never split inside a heading.
    for section in sections:
        if section.body_start > section.start + 1:
            points.difference_update(range(section.start + 1, section.body_start))
    ordered = sorted(p for p in points if 0 <= p <= len(text))
    sentences: list[Sentence] = []
    for a, b in zip(ordered, ordered[1:]):
        index = bisect.bisect_right(section_starts, a) - 1
        section = sections[index] if index >= 0 else sections[0]
        if a < section.body_start:
            continue  # the heading itself
        start = _LEAD_TRIM.match(text, a, b).end()
        end = start + len(text[start:b].rstrip(_TRAILING)) if start < b else start
        if end <= start or not any(c.isalnum() for c in text[start:end]):
            continue
        sentences.append(Sentence(start, end, text[start:end], section))
    return sentences
