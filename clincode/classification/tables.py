"""Classification tables: load ICD-10 (UK) and OPCS-4 and link each code into its hierarchy.

The shared tables are tab-separated ``code<TAB>title<TAB>kind`` files (dotted codes).
Other sources (a trust's TRUD release, the WHO fallback) are read by ``sources.py`` into the
same rows and built here.
"""
from __future__ import annotations

import bisect
import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from .codes import Code, Kind, System

if TYPE_CHECKING:  # pragma: no cover
    from .normalise import Normalised

# ICD-10 chapters by the code ranges they hold (the tables list chapters without their ranges).
ICD10_CHAPTER_RANGES: list[tuple[str, str, str]] = [
    ("I", "A00", "B99"), ("II", "C00", "D48"), ("III", "D50", "D89"), ("IV", "E00", "E90"),
    ("V", "F00", "F99"), ("VI", "G00", "G99"), ("VII", "H00", "H59"), ("VIII", "H60", "H95"),
    ("IX", "I00", "I99"), ("X", "J00", "J99"), ("XI", "K00", "K93"), ("XII", "L00", "L99"),
    ("XIII", "M00", "M99"), ("XIV", "N00", "N99"), ("XV", "O00", "O99"), ("XVI", "P00", "P96"),
    ("XVII", "Q00", "Q99"), ("XVIII", "R00", "R99"), ("XIX", "S00", "T98"), ("XX", "V01", "Y98"),
    ("XXI", "Z00", "Z99"), ("XXII", "U00", "U99"),
]


@dataclass(frozen=True, slots=True)
class Row:
    code: str
    title: str
    kind: Kind


class ClassificationTable:
    """All codes of one classification, by dotted code, with the hierarchy linked."""

    def __init__(self, system: System, rows: Iterable[Row], source: str = ""):
        self.system = system
        self.source = source
        # The files the table was read from: the compiled caches are keyed on them.
        self.source_files: tuple[str, ...] = ()
        # Per-code metadata from a TRUD release (usage, sex and age limits); empty for other sources.
        self.metadata: dict = {}
        self._codes: dict[str, Code] = {}
        for row in rows:
            self._codes[row.code] = Code(system, row.code, row.title, row.kind)
        self._link()

    # --- lookup -------------------------------------------------------------------------
    def get(self, code: str) -> Code | None:
        """The code in its canonical dotted form, or None. See ``normalise`` for user input."""
        return self._codes.get(code)

    def __contains__(self, code: str) -> bool:
        return code in self._codes

    def __iter__(self) -> Iterator[Code]:
        return iter(self._codes.values())

    def __len__(self) -> int:
        return len(self._codes)

    def normalise(self, text: str) -> "Normalised":
        """The code ``text`` stands for (``k802``, `` K80.2 ``, ``K802X``, CM ``S22.49XA``, OPCS ``J183``).

        Returns ``Normalised(code, note)``; the note says what was changed beyond spelling (a filler X
        dropped, an ICD-10-CM code mapped up to the nearest UK code). Raises ``CodeError`` (a
        ``ValueError``) with a clear message for malformed or unknown input.
        """
        from .normalise import normalise_code

        return normalise_code(self, text)

    def map_cm(self, cm_code: str) -> Code | None:
        """The UK code for an ICD-10-CM code (walk up the hierarchy), None when the category is CM-only."""
        from .normalise import map_cm

        return map_cm(self, cm_code)

    def codes_of_kind(self, *kinds: Kind) -> list[Code]:
        return [c for c in self._codes.values() if c.kind in kinds]

    @property
    def chapters(self) -> list[Code]:
        return self.codes_of_kind(Kind.CHAPTER)

    # --- hierarchy ----------------------------------------------------------------------
    def _link(self) -> None:
        codes = self._codes
        if self.system is System.ICD10:
            chapter_of = {}
            for roman, lo, hi in ICD10_CHAPTER_RANGES:
                ch = codes.get(f"Chapter {roman}")
                if ch is not None:
                    chapter_of[(lo, hi)] = ch
            blocks = sorted(
                (c for c in codes.values() if c.kind is Kind.BLOCK), key=lambda b: b.code
            )
            starts = [b.code.split("-")[0] for b in blocks]
            for block in blocks:
                lo = block.code.split("-")[0]
                block.parent = _find_range(chapter_of, lo)
            for code in codes.values():
                if code.kind is Kind.CATEGORY:
                    i = bisect.bisect_right(starts, code.code) - 1
                    parent = None
                    if i >= 0 and code.code <= blocks[i].code.split("-")[1]:
                        parent = blocks[i]
                    code.parent = parent or _find_range(chapter_of, code.code)
        else:
            for code in codes.values():
                if code.kind is Kind.CATEGORY:
                    code.parent = codes.get(f"Chapter {code.code[0]}")
        for code in codes.values():
            if code.kind is Kind.SUBCATEGORY:
                code.parent = codes.get(code.code[:3])
            elif code.kind is Kind.EXTENSION:
                code.parent = codes.get(code.code[:5]) or codes.get(code.code[:3])
        for code in codes.values():
            if code.parent is not None:
                code.parent.children.append(code)
        for code in codes.values():
            code.children.sort(key=lambda c: c.code)


def _find_range(chapter_of: dict[tuple[str, str], Code], code: str) -> Code | None:
    for (lo, hi), chapter in chapter_of.items():
        if lo <= code[:3] <= hi:
            return chapter
    return None


def read_shared_table(path: Path) -> list[Row]:
    """Read a shared ``code<TAB>title<TAB>kind`` table (header row first)."""
    rows: list[Row] = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None or [h.strip().lower() for h in header[:3]] != ["code", "title", "kind"]:
            raise ValueError(f"{path}: expected a header 'code<TAB>title<TAB>kind'")
        for lineno, fields in enumerate(reader, start=2):
            if not fields or not fields[0].strip():
                continue
            if len(fields) < 3:
                raise ValueError(f"{path}:{lineno}: expected 3 tab-separated fields, got {len(fields)}")
            try:
                kind = Kind(fields[2].strip())
            except ValueError:
                raise ValueError(f"{path}:{lineno}: unknown kind {fields[2]!r}") from None
            rows.append(Row(fields[0].strip(), fields[1].strip(), kind))
    return rows
