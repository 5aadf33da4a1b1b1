"""Normalisation: turn what people type, or other systems send, into a code of the table.

A coder, a PAS extract or a US system may hand us ``k802``, ``K80.2``, `` K80.2 ``, ``K802X`` (HES pads
short codes with a filler ``X``), ``A17.0†`` / ``G01*`` (dagger and asterisk marks), ``J183`` / ``J18.3``
(OPCS-4), or an ICD-10-CM code such as ``S22.49XA``. ``normalise`` returns the canonical code with a
note whenever it had to change more than the spelling; anything it cannot place is a ``CodeError``.

ICD-10-CM codes are mapped to the UK table by walking up the hierarchy (``S22.49XA -> S22.49 ->
S22.4``), never further down than the 4th character: the 5th and 6th characters of ICD-10-CM mean
something else than the UK 5th characters (CM ``J96.01`` is *hypoxic* respiratory failure, UK
``J96.01`` is *Type II hypercapnic*), so a CM code only lands on a UK 5th-character code through the
reviewed table ``rules/cm_to_uk.tsv``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .codes import Code, System
from .rules import load_cm_overrides

if TYPE_CHECKING:  # pragma: no cover
    from .tables import ClassificationTable


class CodeError(ValueError):
    """A code that is malformed, or not in the classification. The message says which and why."""


@dataclass(frozen=True, slots=True)
class Normalised:
    code: Code
    note: str | None = None


# Marks that travel with codes but are not part of them: dagger, asterisk, the '+' some systems use
# for the dagger, and the trailing '-' of "needs more characters" (``C79.8-``).
_MARKS = re.compile(r"[\u2020\u2021*+\u00a0\s]")
_ICD_SHAPE = re.compile(r"^[A-Z][0-9]{2}[0-9A-Z]{0,5}$")
_OPCS_SHAPE = re.compile(r"^[A-Z][0-9]{2}[0-9]{0,2}$")


def clean(text: str) -> str:
    """Upper-case, without spaces, dots, dagger/asterisk marks or a trailing dash; '' if nothing left."""
    if not isinstance(text, str):
        raise CodeError(f"a code must be text, not {type(text).__name__}")
    cleaned = _MARKS.sub("", text).upper()
    if cleaned.count(".") > 1 or ("." in cleaned and cleaned.index(".") != 3):
        raise CodeError(f"{text.strip()!r} is malformed: a code has at most one dot, after its 3rd character")
    return cleaned.replace(".", "").rstrip("-")


def dotted(key: str) -> str:
    """``K802`` -> ``K80.2``; three-character codes stay undotted."""
    return key if len(key) <= 3 else f"{key[:3]}.{key[3:]}"


def normalise_code(table: "ClassificationTable", text: str) -> Normalised:
    """The code ``text`` stands for in ``table``; ``CodeError`` with a clear reason when there is none."""
    shown = text.strip() if isinstance(text, str) else text
    key = clean(text)
    if not key:
        raise CodeError("empty code")
    if table.system is System.OPCS4:
        return _normalise_opcs(table, key, shown)
    return _normalise_icd(table, key, shown)


def _normalise_opcs(table: "ClassificationTable", key: str, shown: str) -> Normalised:
    if not _OPCS_SHAPE.match(key):
        raise CodeError(
            f"{shown!r} is not an OPCS-4 code: expected a letter, two digits and usually a third "
            "digit (e.g. J18.3)"
        )
    code = table.get(dotted(key))
    if code is None:
        category = table.get(key[:3])
        hint = f"; {category.code} {category.title} has " + _children_hint(category) if category else ""
        raise CodeError(f"{shown!r}: {dotted(key)} is not in OPCS-4{hint}")
    return Normalised(code, None)


def _normalise_icd(table: "ClassificationTable", key: str, shown: str) -> Normalised:
    if not _ICD_SHAPE.match(key):
        raise CodeError(
            f"{shown!r} is not an ICD-10 code: expected a letter, two digits and up to three more "
            "characters (e.g. K80.2, M25.56)"
        )
    code = table.get(dotted(key))
    if code is not None:
        return Normalised(code, None)
    # HES and some PAS pad codes with a filler X: 'I10X', 'K802X'.
    stripped = key.rstrip("X")
    if stripped != key and len(stripped) >= 3:
        code = table.get(dotted(stripped))
        if code is not None:
            return Normalised(code, f"{dotted(key)}: filler X dropped (HES/PAS padding) -> {code.code}")
    if len(key) >= 5 or looks_like_cm(key):
        code = map_cm(table, key)
        if code is not None:
            return Normalised(
                code,
                f"{dotted(key)} is not a UK ICD-10 code (ICD-10-CM form?); mapped to the nearest "
                f"UK code {code.code}",
            )
    category = table.get(key[:3])
    if category is None:
        raise CodeError(f"{shown!r}: no ICD-10 (UK) category {key[:3]}")
    raise CodeError(f"{shown!r}: {dotted(key)} is not in ICD-10 (UK); {category.code} has " + _children_hint(category))


def _children_hint(category: Code) -> str:
    subs = [c.code for c in category.children]
    if not subs:
        return "no subdivisions (use the 3-character code)"
    shown = ", ".join(subs[:12]) + (" ..." if len(subs) > 12 else "")
    return f"{shown}"


def looks_like_cm(key: str) -> bool:
    """ICD-10-CM shapes the UK never uses: 6-7 characters, a letter after the 4th character
    (7th-character extensions such as 'A' initial encounter) or an X placeholder in the middle."""
    return len(key) > 5 or any(ch.isalpha() for ch in key[4:]) or "X" in key[3:-1]


def map_cm(table: "ClassificationTable", cm_code: str) -> Code | None:
    """The UK code an ICD-10-CM code maps to, or None when its category does not exist in the UK.

    Walk up: ``S22.49XA -> S22.49 -> S22.4``. The walk starts at the 4th character (see the module
    docstring) unless ``rules/cm_to_uk.tsv`` names the UK code. The result may be a 3-character
    category that is subdivided in the UK (CM ``O80`` -> UK ``O80``): validation will say a 4th
    character is needed, which is the honest answer.
    """
    if table.system is not System.ICD10:
        raise CodeError("ICD-10-CM codes map to ICD-10, not OPCS-4")
    try:
        key = clean(cm_code)
    except CodeError:
        return None
    if len(key) < 3 or not key[0].isalpha():
        return None
    override = load_cm_overrides().get(key)
    if override is None:
        for length in range(len(key) - 1, 3, -1):  # the longest listed CM prefix, e.g. 'I7026'
            override = load_cm_overrides().get(key[:length])
            if override is not None:
                break
    if override is not None and override in table:
        return table.get(override)
    for length in (4, 3):
        candidate = table.get(dotted(key[:length])) if len(key) >= length else None
        if candidate is not None:
            if length == 3 and len(key) >= 4 and key[3] == "9":
                return _unspecified_subcategory(candidate) or candidate
            return candidate
    return None


def _unspecified_subcategory(category: Code) -> Code | None:
    """CM ``R07.9`` "Chest pain, unspecified" where the UK puts it at ``R07.4``: the one current UK
    subcategory whose title says "unspecified", when there is exactly one."""
    found = [c for c in category.children if c.current and "unspecified" in c.title.lower()
             and c.code[4:5] and len(c.code) == 5]
    return found[0] if len(found) == 1 else None
