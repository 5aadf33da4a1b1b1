"""Checks on codes a coder enters, each refusal with its reason in the coder's words.

The rules themselves belong to the classification service (``Classifications.validate``: the code
exists and is current, has its 4th and required UK 5th character, is valid as primary — asterisk,
external cause, OPCS-4 Y/Z never primary — and suits the patient's sex and age). This module only
puts the episode's patient into the question and the answer into the store's terms.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from ..classification import Classifications, System


@dataclass
class CodeCheck:
    raw: str
    system: System
    code: str  # canonical dotted form (or the cleaned input when unknown)
    title: str = ""
    problems: list[str] = field(default_factory=list)  # errors: the code is refused
    warnings: list[str] = field(default_factory=list)  # the coder should look again
    exists: bool = True  # False: not a code of the classification at all (or only a heading)

    @property
    def ok(self) -> bool:
        return not self.problems


_MARKS = re.compile(r"[\s\u2020\u2021*+]")


def normalise_code(raw: str) -> str:
    """The spelling of a code, without looking it up: 'k802' -> 'K80.2', 'I7000' -> 'I70.00'.
    For codes that may not exist (an auditor's notes); ``check_code`` gives the table's answer."""
    code = _MARKS.sub("", (raw or "").upper())
    if "-" in code:  # a block range such as K80-K87 is kept as written
        return code
    if "." not in code and len(code) > 3 and code[:3].isalnum():
        code = code[:3] + "." + code[3:]
    return code.rstrip(".")


def age_on(birth_date: date | None, when: datetime | date | None) -> int | None:
    """Age in whole years on a date (None when either is unknown)."""
    if birth_date is None or when is None:
        return None
    day = when.date() if isinstance(when, datetime) else when
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def check_code(classifications: Classifications, system: System | str, raw: str, primary: bool = False,
               sex: str | None = None, age: int | None = None) -> CodeCheck:
    """Validate one code for this position and patient; ``sex`` as the PAS holds it ('1', '2')."""
    system = System(system)
    result = classifications.validate(raw or "", sex=sex, age=age, primary=primary, system=system)
    code = result.code
    exists = code is not None and not any(f.rule == "exists" for f in result.errors)
    # "not a code:" leads the reason when the code does not exist, as callers and coders read it
    problems = [f"not a code: {f.reason}" if f.rule == "exists" and code is None else f.reason
                for f in result.errors]
    return CodeCheck(raw=raw, system=system, code=code.code if code else normalise_code(raw),
                     title=code.title if code else "", problems=problems,
                     warnings=[f.reason for f in result.warnings], exists=exists)


def check_for_episode(classifications: Classifications, episode, system: System | str, raw: str,
                      primary: bool = False) -> CodeCheck:
    """``check_code`` with the episode's patient: sex, and age at admission."""
    spell = episode.spell
    patient = spell.patient
    return check_code(classifications, system, raw, primary=primary, sex=patient.sex,
                      age=age_on(patient.birth_date, spell.admission_date or episode.start_date))
