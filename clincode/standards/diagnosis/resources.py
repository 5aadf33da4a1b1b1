"""The standards' data files: readable tab-separated tables a coder can check and extend.

Every file in ``clincode/standards/resources/`` starts with ``#`` comment lines naming its source
(the standard or the tabular-list note it encodes), then a header row, then one rule a line.
Files are validated on load: a missing column or a malformed code stops with the file and line
named, so a bad edit is caught by the tests rather than silently ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ...datafiles import read_tsv

RESOURCE_DIR = Path(__file__).resolve().parent.parent / "resources"

# A code or a code prefix as the rules write them: "I10", "E11.2", "M19.9", "N13", or a chapter letter "J".
_CODE = re.compile(r"^[A-Z]([0-9]{2}(\.[0-9A-Z]{1,2})?)?$")


class ResourceError(ValueError):
    """A standards data file is malformed (the message names the file and line)."""


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]


def read_table(
    name: str, required: tuple[str, ...], code_columns: tuple[str, ...] = (), optional: tuple[str, ...] = ()
) -> Table:
    """Read ``resources/<name>`` checking its header holds ``required`` and its codes are well formed.

    ``code_columns`` hold one code/prefix, or several separated by ``|``; a required column may be
    empty only when it is also named in ``optional``.
    """
    return _read(name, required, code_columns, optional)


@lru_cache(maxsize=None)
def _read(name: str, required: tuple[str, ...], code_columns: tuple[str, ...], optional: tuple[str, ...]) -> Table:
    path = RESOURCE_DIR / name
    if not path.is_file():
        raise ResourceError(f"{path}: standards data file missing")
    header, table = read_tsv(path, required, ResourceError, strict_width=True)
    rows: list[dict[str, str]] = []
    for lineno, row in table:
        for column in code_columns:
            for code in split_codes(row.get(column, "")):
                if not _CODE.match(code):
                    raise ResourceError(f"{path}:{lineno}: {column} {code!r} is not a dotted ICD-10 code")
        for column in required:
            if column not in optional and not row[column]:
                raise ResourceError(f"{path}:{lineno}: empty {column}")
        rows.append(row)
    return Table(name, tuple(header), tuple(rows))


def split_codes(value: str) -> list[str]:
    """``"N20|N21 | C67"`` -> ``["N20", "N21", "C67"]``."""
    return [v.strip().upper() for v in value.split("|") if v.strip()]


def matches(code: str, prefixes) -> bool:
    """True when ``code`` is one of ``prefixes`` or lies below one (``E11.2`` is below ``E11``).

    Prefixes match at code boundaries: ``I10`` does not match ``I10X`` and ``N13`` matches ``N13.6``;
    a single letter is a whole chapter (``J``). The prefixes are compiled once into sets (the rules
    call this tens of thousands of times per batch).
    """
    if isinstance(prefixes, PrefixSet):
        return prefixes.holds(code)
    return _compiled(prefixes if isinstance(prefixes, tuple) else tuple(prefixes)).holds(code)


class PrefixSet:
    """Code prefixes as sets by length, so a lookup is a handful of set probes."""

    __slots__ = ("prefixes", "letters", "categories", "dotted")

    def __init__(self, prefixes: tuple[str, ...]):
        self.prefixes = tuple(prefixes)
        self.letters = frozenset(p for p in prefixes if len(p) == 1)
        self.categories = frozenset(p for p in prefixes if len(p) == 3)
        self.dotted = frozenset(p for p in prefixes if len(p) > 3)

    def holds(self, code: str) -> bool:
        if code[:1] in self.letters or code[:3] in self.categories:
            return True
        return bool(self.dotted) and (code in self.dotted or code[:5] in self.dotted or code[:6] in self.dotted)


    @classmethod
    def of(cls, value: str) -> "PrefixSet":
        """From a data-file cell: ``"N20|N21|C67"``."""
        return cls(tuple(split_codes(value)))

    def __iter__(self):
        return iter(self.prefixes)

    def __bool__(self) -> bool:
        return bool(self.prefixes)


class PrefixMap:
    """Code prefixes -> a value, looked up most specific first (``M19.91``, ``M19.9``, ``M19``, ``M``):
    one dictionary probe per level instead of a scan of every rule."""

    __slots__ = ("_values",)

    def __init__(self, items):
        self._values: dict[str, object] = {}
        for prefixes, value in items:
            for prefix in prefixes:
                self._values.setdefault(prefix, value)

    def get(self, code: str):
        values = self._values
        for key in (code, code[:5], code[:3], code[:1]):
            if key in values:
                return values[key]
        return None


@lru_cache(maxsize=4096)
def _compiled(prefixes: tuple[str, ...]) -> PrefixSet:
    return PrefixSet(prefixes)
