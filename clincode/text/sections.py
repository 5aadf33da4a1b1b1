"""Section detection: headings of discharge summaries, clinic letters and operation notes.

Headings are recognised in three layouts:

* ``Heading:`` at the start of a line (any case), e.g. ``Diagnosis on discharge:``;
* a heading alone on its line without a colon, when it is a known heading (``PAST MEDICAL HISTORY``);
* the MTSamples dictation layout where commas stand in for line breaks:
  ``...detorsion.,POSTOPERATIVE DIAGNOSIS: , Left testicular torsion.,PROCEDURE: , ...``.

Each heading maps to a canonical section name through ``resources/section_headings.tsv`` (data a coder
can read and extend). Unknown headings are kept, with the name ``other``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .document import Section

CANONICAL_SECTIONS = (
    "chief_complaint", "history_present_illness", "past_medical_history", "past_surgical_history",
    "family_history", "social_history", "medications", "allergies", "review_of_systems", "examination",
    "investigations", "imaging", "histology", "preoperative_diagnosis", "postoperative_diagnosis",
    "diagnosis", "secondary_diagnoses", "procedure", "indications", "findings",
    "description_of_procedure", "complications", "specimens", "anaesthesia", "hospital_course", "plan",
    "discharge_medications", "follow_up", "other",
)
# Sections whose body-system sub-headings ("LUNGS:", "GU:") stay inside them.
_SUBHEADING_PARENTS = {"examination", "review_of_systems"}
_MATCH_KINDS = {"exact", "keywords", "subheading"}


class SectionRulesError(ValueError):
    """The section headings data file is malformed."""


@dataclass(frozen=True, slots=True)
class HeadingTable:
    exact: dict[str, str]
    keywords: tuple[tuple[frozenset[str], str], ...]
    subheadings: frozenset[str]

    def lookup(self, heading: str) -> tuple[str | None, bool]:
        """(canonical name or None, is_subheading) for a heading as written."""
        key = normalise_heading(heading)
        if not key:
            return None, False
        if key in self.subheadings:
            return "examination", True
        if key in self.exact:
            return self.exact[key], False
        words = set(key.split())
        if len(words) > 6 or words & _PROSE_WORDS:
            return None, False  # "Laboratory tests showed:" is prose introducing a list, not a heading
        for needed, name in self.keywords:
            if needed <= words:
                return name, False
        return None, False


# Words that make a phrase before a colon a sentence rather than a heading (checked for keyword
# matches only; exact headings such as "Findings at the time of surgery" are always headings).
_PROSE_WORDS = frozenset(
    "was were is are be been showed shows show revealed reveals reveal included includes include "
    "yielded yields follows following demonstrated demonstrates found until".split()
)
_PLURAL_MARK = re.compile(r"\s*\((?:s|es)\)", re.IGNORECASE)
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise_heading(heading: str) -> str:
    """Lower case, '(s)'/'(es)' dropped, punctuation to spaces: 'POST-OP DIAGNOSIS(ES)' -> 'post op diagnosis'."""
    text = _PLURAL_MARK.sub("", heading.lower())
    return " ".join(_NON_WORD.sub(" ", text).split())


def _parse_heading_rows(lines) -> HeadingTable:
    exact: dict[str, str] = {}
    keywords: list[tuple[frozenset[str], str]] = []
    subheadings: set[str] = set()
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise SectionRulesError(f"section_headings.tsv line {number}: expected 3 tab-separated columns")
        heading, name, kind = (p.strip() for p in parts)
        if name not in CANONICAL_SECTIONS:
            raise SectionRulesError(f"section_headings.tsv line {number}: unknown section {name!r}")
        if kind not in _MATCH_KINDS:
            raise SectionRulesError(f"section_headings.tsv line {number}: unknown match kind {kind!r}")
        key = normalise_heading(heading)
        if kind == "exact":
            exact[key] = name
        elif kind == "keywords":
            keywords.append((frozenset(key.split()), name))
        else:
            subheadings.add(key)
    return HeadingTable(exact, tuple(keywords), frozenset(subheadings))


@lru_cache(maxsize=1)
def heading_table() -> HeadingTable:
    """The packaged heading table, loaded and validated once."""
    path = resources.files("clincode.text") / "resources" / "section_headings.tsv"
    with path.open(encoding="utf-8") as handle:
        return _parse_heading_rows(handle)


# A heading candidate: 1-8 words of letters (with / & ( ) ' -), then a colon.
_HEADING_WORDS = r"[A-Za-z][A-Za-z0-9/&()'\-]*(?:[ \t]+[A-Za-z0-9/&()'\-]+){0,7}"
# ...at the start of a line (optionally indented, optionally "1." numbered), or after a comma-style
# break (",HEADING:" or ".,HEADING:"), or after a sentence end ("...done.  PLAN: ...").
_LINE_HEADING = re.compile(r"(?m)^[ \t]*(?:\d{1,2}[.)][ \t]+)?(" + _HEADING_WORDS + r")[ \t]*:(?![/\d])")
_INLINE_HEADING = re.compile(r"(?:[.,;:][ \t]*|[!?][ \t]{1,2})(" + _HEADING_WORDS + r")[ \t]*:(?![/\d])")
# "Diagnosis - acute appendicitis": a known heading, a dash, then the text (UK electronic notes).
_DASH_HEADING = re.compile(r"(?m)^[ \t]*(" + _HEADING_WORDS + r")[ \t]+[-\u2013\u2014][ \t]+(?=\S)")
# "PREOPERATIVE DIAGNOSES,1.  Glaucoma.,POSTOPERATIVE DIAGNOSES,1. ..." (MTSamples dictation where the
# colon was lost): a known heading in capitals, then a comma, at the start of a line or after a
# comma-style break. Capitals only, and the heading must be known exactly (checked in detect_sections).
_COMMA_HEADING = re.compile(r"(?m)(?:^|(?<=,))[ \t]*([A-Z][A-Z /&()'\-]{2,60}?)[ \t]*,(?=[ \t]*\S)")
# A known heading alone on its line, without a colon.
_BARE_LINE = re.compile(r"(?m)^[ \t]*([A-Za-z][A-Za-z /&()'\-]{1,60}?)[ \t]*$")


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


@dataclass(slots=True)
class _Candidate:
    start: int  # heading start
    body_start: int  # first character after the colon (and a comma-style ", ")
    heading: str
    strong: bool  # at a line start or a comma-style break
    kind: str = "colon"  # "colon" (Heading:), "dash" (Heading - text), "bare" (alone on a line), "comma" (HEADING,)


_BODY_LEAD = re.compile(r"[ \t]*,?[ \t]*")


def _candidates(text: str) -> list[_Candidate]:
    found: dict[int, _Candidate] = {}
    for match in _LINE_HEADING.finditer(text):
        end = _BODY_LEAD.match(text, match.end()).end()
        found[match.start(1)] = _Candidate(match.start(1), end, match.group(1), True)
    for match in _INLINE_HEADING.finditer(text):
        if match.start(1) in found:
            continue
        before = text[max(0, match.start(1) - 2):match.start(1)]
        strong = before.endswith(",") or before.endswith(":")
        end = _BODY_LEAD.match(text, match.end()).end()
        found[match.start(1)] = _Candidate(match.start(1), end, match.group(1), strong)
    for match in _DASH_HEADING.finditer(text):
        if match.start(1) not in found:
            found[match.start(1)] = _Candidate(match.start(1), match.end(), match.group(1), True, "dash")
    for match in _COMMA_HEADING.finditer(text):
        if match.start(1) not in found and _is_caps(match.group(1)):
            end = _BODY_LEAD.match(text, match.end()).end()
            found[match.start(1)] = _Candidate(match.start(1), end, match.group(1), True, "comma")
    for match in _BARE_LINE.finditer(text):
        if match.start(1) not in found:
            found[match.start(1)] = _Candidate(match.start(1), match.end(1), match.group(1), True, "bare")
    return sorted(found.values(), key=lambda c: c.start)


def detect_sections(text: str) -> list[Section]:
    """Split a document into sections covering the whole text (offsets into ``text``)."""
    table = heading_table()
    accepted: list[tuple[_Candidate, str]] = []
    current = "other"
    for cand in _candidates(text):
        name, is_sub = table.lookup(cand.heading)
        caps = _is_caps(cand.heading)
        if cand.kind != "colon":
            if is_sub or normalise_heading(cand.heading) not in table.exact:
                continue  # without a colon, only a heading known exactly counts
        elif name is None:
            # Unknown heading: a capitalised one at a line/comma break is a real heading ("ESTIMATED
            # BLOOD LOSS:"); inside an examination a short one is a body-system sub-heading ("Prostate:").
            if not cand.strong:
                continue
            if current in _SUBHEADING_PARENTS and len(cand.heading.split()) <= 2 and len(cand.heading) > 1:
                name, is_sub = current, True
            elif caps and sum(c.isalpha() for c in cand.heading) >= 3:
                name = "other"
            else:
                continue
        elif not cand.strong and not caps:
            continue  # "...was well. Plan: ..." mid-line needs capitals to count as a heading
        if is_sub:
            name = current if current in _SUBHEADING_PARENTS else "examination"
        accepted.append((cand, name))
        current = name
    sections: list[Section] = []
    if not accepted or accepted[0][0].start > 0:
        first_end = accepted[0][0].start if accepted else len(text)
        sections.append(Section("other", "", 0, first_end, 0))
    for i, (cand, name) in enumerate(accepted):
        end = accepted[i + 1][0].start if i + 1 < len(accepted) else len(text)
        body_start = min(cand.body_start, end)
        prose_start = _prose_after_list(text, body_start, end) if name in _LIST_SECTIONS else None
        if name in _ONE_LINE_SECTIONS:
            line_end = _end_of_inline_entry(text, body_start, end)
            if line_end is not None and (prose_start is None or line_end < prose_start):
                prose_start = line_end
        if prose_start is None:
            sections.append(Section(name, cand.heading.strip(), cand.start, end, body_start))
        else:
            sections.append(Section(name, cand.heading.strip(), cand.start, prose_start, body_start))
            sections.append(Section("other", "", prose_start, end, prose_start))
    return sections


# Sections written as short items. In a letter, a blank line and then a paragraph of prose ends them:
# "Family history: mother had breast cancer.\n\nThank you for referring this lady..." is no longer
# family history (else the family/historical reading would spill over the letter).
_LIST_SECTIONS = frozenset(
    {"diagnosis", "secondary_diagnoses", "past_medical_history", "past_surgical_history", "family_history",
     "social_history", "medications", "discharge_medications", "allergies", "procedure",
     "preoperative_diagnosis", "postoperative_diagnosis", "follow_up"}
)
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n\s*")
_ITEM_START = re.compile(r"(?:\d{1,2}[.)]|[-*\u2022\u00b7>])\s")
_PROSE_MIN_WORDS = 8


def _prose_after_list(text: str, body_start: int, end: int) -> int | None:
    """Start of the first prose paragraph after a blank line in a list-like section body, if any."""
    for gap in _BLANK_LINE.finditer(text, body_start, end):
        start = gap.end()
        if start >= end:
            return None
        line_end = text.find("\n", start, end)
        line = text[start:end if line_end < 0 else line_end]
        if _ITEM_START.match(line):
            continue
        if len(line.split()) >= _PROSE_MIN_WORDS:
            return start
    return None


# Sections that, written inline ("Family history: uncle with ALS."), hold that one line: the next
# line, unless it is a list item, is the narrative resuming (case reports and letters put
# "Family history: ..." among the history lines with no heading after it; without this the
# family reading would spill over the examination and the diagnosis).
_ONE_LINE_SECTIONS = frozenset({"family_history", "social_history", "allergies"})


def _end_of_inline_entry(text: str, body_start: int, end: int) -> int | None:
    """Start of the line after an inline entry, when the heading has its text on its own line and the
    next line is not a list item; None when the whole body belongs to the section."""
    line_end = text.find("\n", body_start, end)
    if line_end < 0 or not text[body_start:line_end].strip():
        return None  # no line break before the next heading, or the heading stands alone on its line
    nxt = line_end + 1
    while nxt < end and text[nxt] in " \t\r\n":
        nxt += 1
    if nxt >= end or _ITEM_START.match(text, nxt):
        return None
    return nxt
