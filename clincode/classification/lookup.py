"""Everything a coder wants to know about one code, as plain data (used by ``clincode lookup``)."""
from __future__ import annotations

from .codes import Code, System
from .rules import load_age_rules, load_dagger_asterisk, load_fifth_character_required, load_not_primary_rules, load_sex_rules
from .validation import is_asterisk


def describe(clf, text: str, system: str | None = None) -> dict:
    """Title, hierarchy, validity and the rules that apply to the code ``text`` normalises to."""
    table, normalised = clf.lookup(text, system)
    code = normalised.code
    result = clf.validate(code.code, system=table.system)
    also = None
    if system is None and table.system is System.ICD10 and clf.opcs4 is not None:
        other = clf.opcs4.get(code.code)  # "K40.1" is a diagnosis and an operation
        if other is not None:
            also = {"system": "opcs4", "code": other.code, "title": other.title}
    return {
        "input": text,
        "code": code.code,
        "title": code.title,
        "full_title": code.full_title,
        "system": code.system.value,
        "kind": code.kind.value,
        "current": code.current,
        "note": normalised.note,
        "hierarchy": [{"code": c.code, "title": c.title, "kind": c.kind.value} for c in reversed(code.ancestors())],
        "children": [{"code": c.code, "title": c.title, "current": c.current} for c in code.children],
        "valid": result.valid,
        "failures": [{"rule": f.rule, "reason": f.reason, "severity": f.severity} for f in result.failures],
        "notes": rule_notes(code),
        "also_in": also,
    }


def rule_notes(code: Code) -> list[str]:
    """The coding rules from ``rules/*.tsv`` that name this code, in words."""
    notes: list[str] = []
    system = code.system.value
    if code.system is System.ICD10:
        if is_asterisk(code):
            notes.append("asterisk (*) manifestation code: sequence after its dagger code; never primary")
        pairs = load_dagger_asterisk()
        for dagger in (code.code, code.code[:3]):
            if dagger in pairs:
                notes.append(f"dagger (†) code: pair with {', '.join(pairs[dagger])}")
                break
        daggers = sorted(d for d, asterisks in pairs.items() if code.code in asterisks or code.code[:3] in asterisks)
        if daggers and is_asterisk(code):
            notes.append(f"usual dagger codes: {', '.join(daggers)}")
        why = load_fifth_character_required().get(code.code)
        if why:
            notes.append(f"UK 5th character required: {why}")
    for rule in load_not_primary_rules():
        if rule.system == system and code.key in rule.codes:
            notes.append(f"not valid as primary: {rule.why}")
    for rule in load_sex_rules():
        if rule.system == system and code.key in rule.codes:
            notes.append(f"{'male' if rule.sex == 'M' else 'female'} patients only: {rule.why}")
    for rule in load_age_rules():
        if rule.system == system and code.key in rule.codes:
            span = f"{rule.min_age if rule.min_age is not None else 0}-{rule.max_age if rule.max_age is not None else ''}"
            notes.append(f"age {span} ({rule.severity}): {rule.why}")
    return notes
