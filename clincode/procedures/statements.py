"""Where an operation note says what was done: the procedure statement.

A coder codes the operations listed under the procedure heading ("PROCEDURE PERFORMED:",
"OPERATION:", "TITLE OF OPERATION:") and reads the description of the operation for detail
(approach, side, devices, image guidance). The text engine (``clincode.text``) names sections; this
module adds the procedure engine's own knowledge of which of them is the *statement*:

- the first procedure heading of a document is the statement (its first lines only, when the
  transcriber ran the narrative on under the same heading);
- a later "PROCEDURE:" heading is the statement only when short (otherwise it is the narrative, as in
  "PROCEDURE: The patient was placed supine ...");
- a heading that is itself the name of a procedure ("BRACHYTHERAPY:", "SEPTOPLASTY:") states that
  procedure as performed.

US transcriptions often lose their line breaks (", PROCEDURE: , ..."), and some list headings have no
colon ("PROCEDURES PERFORMED,1. ..."), so headings are found with a pattern rather than by lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# An upper-case heading followed by a colon, or by a numbered list ("PROCEDURES PERFORMED,1.").
_HEADING = re.compile(
    r"(?:(?<=^)|(?<=[\n\r,.;]))[ \t]*([A-Z][A-Z0-9 /&()'\-]{2,60}?)[ \t]*(?::|,(?=[ \t]*1[.)]))"
)
_PROCEDURE_HEADING = re.compile(
    r"^(?:(?:NAME|TITLE) OF (?:THE )?(?:OPERATIONS?|PROCEDURES?)"
    r"|(?:OPERATIONS?|PROCEDURES?|SURGER(?:Y|IES))(?: PERFORMED| DONE)?"
    r"|SURGICAL PROCEDURES?|PRINCIPAL PROCEDURES?|OPERATIVE PROCEDURES?|PROCEDURES? AND OPERATIONS"
    r"|OPERATIONS? AND PROCEDURES?|PROCEDURES? THIS ADMISSION|OPERATIONS? PERFORMED)$"
)
STATEMENT_MAX_CHARS = 450  # a list of operations, not a narrative


@dataclass(frozen=True, slots=True)
class Heading:
    name: str  # as written, upper case
    start: int  # heading start
    body_start: int
    body_end: int


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    heading: str


def find_headings(text: str) -> list[Heading]:
    found = [(m.start(1), m.end(), m.group(1).strip()) for m in _HEADING.finditer(text)]
    out: list[Heading] = []
    for i, (start, body_start, name) in enumerate(found):
        body_end = found[i + 1][0] if i + 1 < len(found) else len(text)
        out.append(Heading(name, start, body_start, body_end))
    return out


def is_procedure_heading(name: str) -> bool:
    return bool(_PROCEDURE_HEADING.match(" ".join(name.upper().split())))


def statement_spans(text: str, heading_is_procedure=None) -> list[Span]:
    """The parts of a document that state the procedures performed.

    ``heading_is_procedure(name) -> bool`` recognises headings that are themselves procedure names.
    """
    spans: list[Span] = []
    first_seen = False
    for h in find_headings(text):
        length = h.body_end - h.body_start
        if is_procedure_heading(h.name):
            if not first_seen:
                first_seen = True
                spans.append(Span(h.body_start, min(h.body_end, h.body_start + STATEMENT_MAX_CHARS), h.name))
            elif length <= STATEMENT_MAX_CHARS:
                spans.append(Span(h.body_start, h.body_end, h.name))
        elif heading_is_procedure is not None and heading_is_procedure(h.name) and length <= STATEMENT_MAX_CHARS:
            spans.append(Span(h.start, h.body_end, h.name))
    return spans


_CLAUSE_END = re.compile(r"[.;:\n\r]|,\s*(?=\d+[.)]\s)")


def clause_around(text: str, start: int, end: int, limit: int = 400) -> tuple[int, int]:
    """The clause holding [start, end): up to the nearest full stop, semicolon, colon or list number.

    Decimal points ("0.25%", "22 x 4.5 mm") do not end a clause.
    """
    lo = max(0, start - limit)
    left = lo
    for m in _CLAUSE_END.finditer(text, lo, start):
        if not _not_a_boundary(text, m.start()):
            left = m.end()
    right = min(len(text), end + limit)
    for m in _CLAUSE_END.finditer(text, end, right):
        if not _not_a_boundary(text, m.start()):
            right = m.start()
            break
    return left, right


_ABBREVIATION = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|St|vs|approx|No|e\.g|i\.e|Fr))$", re.I)


def _not_a_boundary(text: str, i: int) -> bool:
    """A full stop inside a number ("4.5 mm") or after a title ("Dr. X") does not end a clause."""
    if text[i] != ".":
        return False
    if 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
        return True
    return bool(_ABBREVIATION.search(text, max(0, i - 6), i))
