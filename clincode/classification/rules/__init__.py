"""The coding rules the tables do not carry, kept as readable data files beside this module.

Each ``*.tsv`` file starts with ``#`` comment lines that give its source, then a header row. A coder can
read and extend them without touching Python; the loaders below validate each row on load and name
the file and line of anything malformed.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ...datafiles import read_tsv

RULES_DIR = Path(__file__).resolve().parent


class RuleFileError(ValueError):
    """A rules file that cannot be read: the message names the file and line."""


def read_rules(name: str, columns: list[str]) -> list[dict[str, str]]:
    """Rows of ``rules/<name>`` as dicts; comment lines (``#``) and blank lines are skipped."""
    path = RULES_DIR / name
    _, table = read_tsv(path, columns, RuleFileError)
    rows: list[dict[str, str]] = []
    for lineno, row in table:
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


def _system(row: dict[str, str]) -> str:
    system = row.get("system", "icd10").lower()
    if system not in ("icd10", "opcs4"):
        raise RuleFileError(f"{row['_where']}: system must be icd10 or opcs4, not {system!r}")
    return system


def _range(row: dict[str, str], column: str = "codes") -> CodeRange:
    text = row[column]
    if not all(part.strip() for part in text.split("-")):
        raise RuleFileError(f"{row['_where']}: malformed code range {text!r}")
    return CodeRange.parse(text)


@lru_cache(maxsize=1)
def load_asterisks() -> frozenset[str]:
    """Undotted keys of the asterisk codes and categories (``asterisk.tsv``)."""
    return frozenset(r["code"].replace(".", "").upper() for r in read_rules("asterisk.tsv", ["code"]))


@lru_cache(maxsize=1)
def load_dagger_asterisk() -> dict[str, tuple[str, ...]]:
    """Dagger code -> the asterisk codes that may go with it (``dagger_asterisk.tsv``)."""
    pairs: dict[str, list[str]] = {}
    for row in read_rules("dagger_asterisk.tsv", ["dagger", "asterisk"]):
        pairs.setdefault(row["dagger"].upper(), []).append(row["asterisk"].upper())
    return {dagger: tuple(asterisks) for dagger, asterisks in pairs.items()}


@dataclass(frozen=True, slots=True)
class SexRule:
    system: str
    codes: CodeRange
    sex: str  # "M" or "F"
    why: str
    where: str


@dataclass(frozen=True, slots=True)
class AgeRule:
    system: str
    codes: CodeRange
    min_age: int | None
    max_age: int | None
    severity: str  # "error" | "warning"
    why: str
    where: str


@dataclass(frozen=True, slots=True)
class NotPrimaryRule:
    system: str
    codes: CodeRange
    why: str
    where: str


@lru_cache(maxsize=1)
def load_sex_rules() -> tuple[SexRule, ...]:
    rules = []
    for row in read_rules("sex.tsv", ["system", "codes", "sex"]):
        sex = row["sex"].upper()
        if sex not in ("M", "F"):
            raise RuleFileError(f"{row['_where']}: sex must be M or F, not {sex!r}")
        rules.append(SexRule(_system(row), _range(row), sex, row.get("why", ""), row["_where"]))
    return tuple(rules)


@lru_cache(maxsize=1)
def load_age_rules() -> tuple[AgeRule, ...]:
    rules = []
    for row in read_rules("age.tsv", ["system", "codes", "min_age", "max_age", "severity"]):
        try:
            low = int(row["min_age"]) if row["min_age"] else None
            high = int(row["max_age"]) if row["max_age"] else None
        except ValueError:
            raise RuleFileError(f"{row['_where']}: ages must be whole years") from None
        if row["severity"] not in ("error", "warning"):
            raise RuleFileError(f"{row['_where']}: severity must be error or warning")
        rules.append(AgeRule(_system(row), _range(row), low, high, row["severity"], row.get("why", ""), row["_where"]))
    return tuple(rules)


@lru_cache(maxsize=1)
def load_not_primary_rules() -> tuple[NotPrimaryRule, ...]:
    return tuple(
        NotPrimaryRule(_system(row), _range(row), row.get("why", ""), row["_where"])
        for row in read_rules("not_primary.tsv", ["system", "codes"])
    )


@lru_cache(maxsize=1)
def load_fifth_character_required() -> dict[str, str]:
    """4-character ICD-10 codes that need a UK 5th character -> why (``fifth_character.tsv``)."""
    return {row["code"].upper(): row.get("why", "") for row in read_rules("fifth_character.tsv", ["code"])}
