"""Checks on codes a coder enters, each refusal with its reason in the coder's words.

The classification tables say whether a code exists and how far it is subdivided; the rules
below add the sequencing rules of the National Clinical Coding Standards that decide whether a
code may stand in the primary position. When ``clincode.classification`` offers a
``validate`` function its findings are added too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..classification import Classifications, Code, Kind, System

_MARKS = re.compile(r"[\s†‡*+]")
_SYSTEM_NAMES = {System.ICD10: "ICD-10 (UK 5th Edition)", System.OPCS4: "OPCS-4"}


@dataclass
class CodeCheck:
    raw: str
    system: System
    code: str  # canonical dotted form (or the cleaned input when unknown)
    title: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def normalise_code(raw: str) -> str:
    """'k802' -> 'K80.2', 'I7000' -> 'I70.00', ' W37.1 ' -> 'W37.1'; dagger/asterisk marks dropped."""
    code = _MARKS.sub("", (raw or "").upper())
    if "-" in code:  # a block range such as K80-K87 is looked up as written
        return code
    if "." not in code and len(code) > 3 and code[:3].isalnum():
        code = code[:3] + "." + code[3:]
    return code.rstrip(".")


# WHO ICD-10 Volume 1, list of asterisk categories (3-character level). Used until the
# classification service marks asterisk codes itself (``Code.asterisk``).
ASTERISK_CATEGORIES = frozenset("""
D63 D77 E35 E90 F00 F02 G01 G02 G05 G07 G13 G22 G26 G32 G46 G53 G55 G59 G63 G73 G94 G99
H03 H06 H13 H19 H22 H28 H32 H36 H42 H45 H48 H58 H62 H67 H75 H82 H94 I32 I39 I41 I43 I52 I68 I79 I98
J17 J91 J99 K23 K67 K77 K87 K93 L14 L45 L54 L62 L86 L99 M01 M03 M07 M09 M14 M36 M49 M63 M68 M73 M82
M90 N08 N16 N22 N29 N33 N37 N51 N74 N77
""".split())


def is_asterisk_code(code: Code) -> bool:
    """ICD-10 asterisk (manifestation) codes.

    National Clinical Coding Standards ICD-10 5th Edition, 'Dagger and asterisk convention':
    an asterisk code is never sequenced in the primary position; its dagger code comes first.
    """
    if code.system is not System.ICD10:
        return False
    marked = getattr(code, "asterisk", None)
    if marked is not None:
        return bool(marked)
    return code.code[:3] in ASTERISK_CATEGORIES


def is_external_cause(code: Code) -> bool:
    """ICD-10 Chapter XX (V01-Y98). Standards, Chapter XX: external cause codes are secondary
    codes that qualify the nature of an injury; they are never the primary diagnosis."""
    return code.system is System.ICD10 and "V01" <= code.code[:3] <= "Y98"


def is_opcs_method_or_site(code: Code) -> bool:
    """OPCS-4 Chapter Y (methods, approaches) and Z (sites): National Clinical Coding Standards
    OPCS-4: these supplementary codes qualify the code before them and must never be primary."""
    return code.system is System.OPCS4 and code.code[:1] in ("Y", "Z")


def check_code(classifications: Classifications, system: System | str, raw: str, primary: bool = False) -> CodeCheck:
    """Check one coder-entered code: exists, fully subdivided, current, allowed where placed."""
    system = System(system)
    code = normalise_code(raw)
    check = CodeCheck(raw=raw, system=system, code=code)
    if not code:
        check.problems.append("no code given")
        return check
    try:
        table = classifications.table(system)
    except LookupError as exc:
        check.problems.append(str(exc))
        return check
    found = table.get(code)
    name = _SYSTEM_NAMES[system]
    if found is None:
        parent = table.get(code[:3])
        if parent is not None and parent.children:
            options = ", ".join(c.code for c in parent.children[:8])
            check.problems.append(f"not a code in {name}; {parent.code} subdivides into {options}")
        else:
            check.problems.append(f"not a code in {name}")
        return check
    check.title = found.title
    if found.kind in (Kind.CHAPTER, Kind.BLOCK):
        check.problems.append(f"{found.code} is a {found.kind.value} heading, not a code")
        return check
    if not found.is_leaf:
        subs = [c.code for c in found.children if c.kind in (Kind.SUBCATEGORY, Kind.EXTENSION)]
        check.problems.append(
            f"{found.code} is subdivided: code to the full number of characters ({', '.join(subs[:8])}"
            + (" ..." if len(subs) > 8 else "") + ")"
        )
    if not getattr(found, "current", True):
        check.problems.append(f"{found.code} is retired from the current edition")
    if primary:
        if is_asterisk_code(found):
            check.problems.append("an asterisk (manifestation) code cannot be the primary diagnosis")
        if is_external_cause(found):
            check.problems.append("an external cause code (Chapter XX) cannot be the primary diagnosis")
        if is_opcs_method_or_site(found):
            check.problems.append("a Y (method) or Z (site) code cannot be the main procedure")
    check.problems.extend(_classification_validate(classifications, system, found.code))
    return check


def _classification_validate(classifications: Classifications, system: System, code: str) -> list[str]:
    """Problems reported by ``clincode.classification.validate`` when that function exists."""
    from .. import classification

    validate = getattr(classification, "validate", None)
    if validate is None:
        return []
    try:
        result = validate(code, system=system)
    except TypeError:
        return []
    problems = getattr(result, "problems", None) or getattr(result, "errors", None) or []
    return [str(p) for p in problems]
