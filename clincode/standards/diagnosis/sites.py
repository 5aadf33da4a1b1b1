"""A body site on its own names no condition.

Lexicon matches sometimes reach a code from a word that only names where something is ("eye" via an
index entry for shipyard eye, "skin" via a skin disorder, "temporal artery" via arteritis). The site
alone is not a diagnosis: the code must come from words that name the condition.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ...coding.findings import Finding
from .resources import read_table

_WORD = re.compile(r"[a-z]+")
# Chapters whose codes are chosen by site (neoplasms C00-D48, injuries S00-T14): a finder may give the
# site words as the evidence of the sub-site code of a condition named nearby.
_SITE_AXIS = ("C", "S")


@lru_cache(maxsize=1)
def body_site_words() -> tuple[frozenset[str], frozenset[str]]:
    """(site words, qualifier words) from ``resources/body_sites.tsv``."""
    sites, qualifiers = set(), set()
    for row in read_table("body_sites.tsv", ("region", "words")).rows:
        (qualifiers if row["region"] == "qualifiers" else sites).update(row["words"].split())
    return frozenset(sites), frozenset(qualifiers)


def only_a_body_site(text: str) -> bool:
    sites, qualifiers = body_site_words()
    words = _WORD.findall(text.lower())
    return bool(words) and any(w in sites for w in words) and all(w in sites or w in qualifiers for w in words)


def site_alone_is_not_a_condition(f: Finding) -> tuple[bool, str] | None:
    """Evidence made only of body-site words ("left eye", "skin", "temporal artery") is not coded.

    Standard: WHO ICD-10 Volume 2, 4.4.1 (only the conditions documented by the clinician are
    coded); National Clinical Coding Standards ICD-10 5th Edition, General Coding Standards (codes
    are assigned from documented diagnoses, not inferred).
    """
    if f.code[:1] in _SITE_AXIS or f.code[:2] in ("D0", "D1", "D2", "D3", "D4"):
        return None  # neoplasms and injuries are classified by site: the site words are part of the code
    if only_a_body_site(f.evidence.text or ""):
        return False, f"'{f.evidence.text}' names a body site, not a condition"
    return None
