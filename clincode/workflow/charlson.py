"""Charlson comorbidity index per episode (Quan et al. 2005 ICD-10 mapping, Charlson weights).

Used by mortality indicators (SHMI, HSMR) to adjust for case mix: the sum of the weights of the
comorbidity groups present among the episode's ICD-10 codes, each group counted once and the
milder level of a condition dropped when its severe level is present (diabetes with/without
complication, mild/severe liver disease, any malignancy/metastatic tumour).
The mapping is a data file: ``data/charlson_quan2005.tsv``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from .settings import DATA, read_tsv


@dataclass(frozen=True, slots=True)
class CharlsonCondition:
    name: str
    label: str
    weight: int
    supersedes: str | None
    keys: frozenset[str]  # 3-character categories and dotted 4-character subcategories


def _expand(part: str) -> list[str]:
    """'I60-I69' -> I60..I69; 'I42.5-I42.9' -> I42.5..I42.9; 'I21' -> I21."""
    if "-" not in part:
        return [part]
    first, last = part.split("-")
    if len(first) == 3:
        letter = first[0]
        return [f"{letter}{n:02d}" for n in range(int(first[1:]), int(last[1:]) + 1)]
    stem = first[:4]
    return [f"{stem}{n}" for n in range(int(first[4]), int(last[4]) + 1)]


@lru_cache(maxsize=1)
def charlson_conditions() -> tuple[CharlsonCondition, ...]:
    out = []
    for row in read_tsv(DATA / "charlson_quan2005.tsv"):
        keys = frozenset(k for part in row["codes"].split("|") for k in _expand(part.strip()))
        out.append(CharlsonCondition(row["condition"], row["label"], int(row["weight"]), row["supersedes"] or None, keys))
    return tuple(out)


def code_keys(code: str) -> tuple[str, str]:
    """The two keys a code is looked up by: its category and its dotted subcategory."""
    code = code.strip().upper()
    return code[:3], code[:5]


def charlson_groups(codes: Iterable[str]) -> set[str]:
    """The Charlson groups present among ``codes``, after the severity hierarchy."""
    present = set()
    conditions = charlson_conditions()
    for code in codes:
        cat, sub = code_keys(code)
        for c in conditions:
            if cat in c.keys or sub in c.keys:
                present.add(c.name)
    for c in conditions:
        if c.name in present and c.supersedes:
            present.discard(c.supersedes)
    return present


def charlson_index(codes: Iterable[str]) -> int:
    """The Charlson comorbidity index of an episode's ICD-10 codes (0 when none apply)."""
    weights = {c.name: c.weight for c in charlson_conditions()}
    return sum(weights[g] for g in charlson_groups(codes))


def charlson_band(score: int) -> str:
    """The bands mortality indicators report: 0, 1-2, 3-4, 5+."""
    if score <= 0:
        return "0"
    if score <= 2:
        return "1-2"
    if score <= 4:
        return "3-4"
    return "5+"
