"""The data tables the OPCS-4 rules read, loaded once: paired structures, included components, the
diagnoses a procedure treats. The tables are readable TSV files in ``resources/`` (each with its source)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .cues import read_table

_PROC_RESOURCES = Path(__file__).resolve().parent / "resources"
_STD_RESOURCES = Path(__file__).resolve().parent.parent / "standards" / "resources"


@dataclass(frozen=True, slots=True)
class Range:
    first: str
    last: str
    paired: bool

    def holds(self, code: str) -> bool:
        n = len(self.first)
        return self.first <= code[:n] <= self.last


@lru_cache(maxsize=1)
def laterality_ranges() -> list[Range]:
    rows = read_table(_PROC_RESOURCES / "laterality.tsv")
    return [Range(r["first"], r["last"], r["paired"].strip() == "yes") for r in rows]


@lru_cache(maxsize=1)
def included_components() -> list[tuple[str, str, str]]:
    return [(r["component"], r["within"], r["why"]) for r in read_table(_PROC_RESOURCES / "included_in.tsv")]


@lru_cache(maxsize=1)
def procedure_targets() -> list[tuple[str, str, tuple[str, ...]]]:
    """Finer links procedure -> diagnoses (procedures/resources/procedure_targets.tsv)."""
    out = []
    for r in read_table(_PROC_RESOURCES / "procedure_targets.tsv"):
        first, _, last = r["opcs"].partition("-")
        out.append((first, last or first, tuple(p for p in r["icd10"].split("|") if p)))
    return out


@lru_cache(maxsize=1)
def body_systems() -> dict[str, tuple[str, ...]]:
    """OPCS-4 chapter -> ICD-10 prefixes it operates on (shared with the diagnosis standards)."""
    path = _STD_RESOURCES / "procedure_body_systems.tsv"
    if not path.exists():
        return {}
    return {r["chapter"]: tuple(p for p in r["diagnoses"].split("|") if p) for r in read_table(path)}


@lru_cache(maxsize=1)
def detail_queries() -> list[tuple[str, str, str]]:
    """(code prefix, question with {text}, reason): queries for codes chosen for want of a detail."""
    return [(r["code"], r["question"], r["reason"]) for r in read_table(_PROC_RESOURCES / "detail_queries.tsv")]
