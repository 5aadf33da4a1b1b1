"""The coding rules the tables do not carry, kept as readable data files beside this module.

Each ``*.tsv`` file starts with ``#`` comment lines that give its source, then a header row. A coder can
read and extend them without touching Python; the loaders below validate each row on load and name
the file and line of anything malformed.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent


class RuleFileError(ValueError):
    """A rules file that cannot be read: the message names the file and line."""


def read_rules(name: str, columns: list[str]) -> list[dict[str, str]]:
    """Rows of ``rules/<name>`` as dicts; comment lines (``#``) and blank lines are skipped."""
    path = RULES_DIR / name
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    with open(path, encoding="utf-8", newline="") as fh:
        for lineno, line in enumerate(fh, start=1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = [f.strip() for f in line.split("\t")]
            if header is None:
                header = fields
                missing = [c for c in columns if c not in header]
                if missing:
                    raise RuleFileError(f"{path}:{lineno}: header lacks column(s) {', '.join(missing)}")
                continue
            if len(fields) < len(header):
                fields += [""] * (len(header) - len(fields))
            row = dict(zip(header, fields))
            if not row[columns[0]]:
                raise RuleFileError(f"{path}:{lineno}: empty {columns[0]!r}")
            row["_where"] = f"{path.name}:{lineno}"
            rows.append(row)
    return rows


@lru_cache(maxsize=1)
def load_cm_overrides() -> dict[str, str]:
    """Undotted ICD-10-CM code or prefix -> UK code (``cm_to_uk.tsv``)."""
    return {row["cm"].replace(".", "").upper(): row["uk"] for row in read_rules("cm_to_uk.tsv", ["cm", "uk"])}


@dataclass(frozen=True, slots=True)
class CodeRange:
    """An inclusive range of codes by their undotted keys, e.g. ``N40``-``N51`` or ``S31.2``-``S31.3``.

    A code is inside when its key, cut to the length of the bound, lies between the bounds: so
    ``N40``-``N51`` holds ``N45.9`` and ``M80.0``-``M80.1`` holds ``M80.09``.
    """

    low: str
    high: str

    @classmethod
    def parse(cls, text: str) -> "CodeRange":
        text = text.strip().upper().replace(".", "")
        low, _, high = text.partition("-")
        return cls(low, high or low)

    def __contains__(self, key: str) -> bool:
        key = key.replace(".", "").upper()
        return self.low <= key[: len(self.low)] and key[: len(self.high)] <= self.high

    def __str__(self) -> str:
        def dot(k: str) -> str:
            return k if len(k) <= 3 else f"{k[:3]}.{k[3:]}"

        return dot(self.low) if self.low == self.high else f"{dot(self.low)}-{dot(self.high)}"
