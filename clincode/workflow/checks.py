"""Data-quality checks over coded episodes, each a small named rule with its message.

A check reads an episode's facts (codes in order, patient's sex and age, admission method,
dates) and returns findings; ``run_checks`` (in ``flags``) stores them as flags a senior coder
acts on. The code-level rules reuse the classification service's validation
(``clincode.classification.validation``: existence, retired codes, sex and age limits, asterisk
and not-valid-as-primary codes) and the standards' own tables (symptoms and the diagnoses they
belong to; paired organs that take Z94 laterality), so the coding screen and the department's
checks can never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ..classification import Classifications
from ..classification.validation import is_asterisk
from ..standards.diagnosis.resources import matches
from ..standards.diagnosis.symptoms import is_symptom_code, symptom_table
from ..standards.procedures import needs_laterality

# The checks, in the order a coding manager reads them: (name, label, severity).
CHECKS: dict[str, tuple[str, str]] = {
    "invalid_code": ("Invalid code", "error"),
    "retired_code": ("Retired code", "error"),
    "sex_conflict": ("Code conflicts with the patient's sex", "error"),
    "age_conflict": ("Code conflicts with the patient's age", "error"),
    "asterisk_primary": ("Asterisk code as primary diagnosis", "error"),
    "not_valid_primary": ("Code not valid as primary", "error"),
    "missing_primary": ("No primary diagnosis", "error"),
    "symptom_with_definitive": ("Symptom coded beside its definitive diagnosis", "warning"),
    "injury_without_external_cause": ("Injury without an external cause code", "error"),
    "laterality_missing": ("Paired-organ procedure without laterality (Z94)", "error"),
    "procedure_without_date": ("Procedure without a date", "error"),
    "documents_changed_after_coding": ("Documents changed after the episode was coded", "warning"),
    "unusual_no_secondary": ("Elderly emergency admission with no secondary diagnosis", "warning"),
}

# Admission Method (NHS Data Dictionary): 21-28 and 2A-2D are emergency admissions.
EMERGENCY_ADMISSION = frozenset({"21", "22", "23", "24", "25", "28", "2A", "2B", "2C", "2D"})


@dataclass(frozen=True, slots=True)
class CodedItem:
    code: str
    position: int
    performed_on: date | None = None


@dataclass
class EpisodeFacts:
    episode_id: int
    sex: str | None = None  # Person Stated Gender Code: 1 male, 2 female
    age: int | None = None  # age in years at admission
    admission_method: str | None = None
    status: str = "finalised"
    finalised_at: datetime | None = None
    last_document_at: datetime | None = None
    diagnoses: list[CodedItem] = field(default_factory=list)  # ICD-10, in order (1 = primary)
    procedures: list[CodedItem] = field(default_factory=list)  # OPCS-4, in order


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    message: str
    detail: str = ""  # what it is about (a code), so one flag per problem

    @property
    def severity(self) -> str:
        return CHECKS[self.check][1]

    @property
    def fingerprint(self) -> str:
        return f"{self.check}:{self.detail}"[:120]


# --- code-level rules: the classification service's validation ------------------------------------
_RULE_TO_CHECK = {"exists": "invalid_code", "fourth_character": "invalid_code", "fifth_character": "invalid_code",
                  "current": "retired_code", "sex": "sex_conflict", "age": "age_conflict",
                  "not_primary": "not_valid_primary"}


_VALIDATED: dict[tuple, tuple[tuple[str, str, str], ...]] = {}


def _validate(clf: Classifications, code: str, system: str, sex: str | None, age: int | None,
              primary: bool) -> tuple[tuple[str, str, str], ...]:
    """The classification service's verdict, memoised: a department's episodes share few codes."""
    key = (id(clf), code, system, sex, age, primary)
    hit = _VALIDATED.get(key)
    if hit is None:
        if len(_VALIDATED) > 200_000:
            _VALIDATED.clear()
        result = clf.validate(code, sex=sex, age=age, primary=primary, system=system)
        hit = _VALIDATED[key] = tuple((f.rule, f.reason, f.severity) for f in result.failures)
    return hit


def check_codes_valid(facts: EpisodeFacts, clf: Classifications) -> list[Finding]:
    """Every code exists, is current and fully subdivided, fits the patient's sex and age, and is
    allowed where it stands (ICD-10 Vol 2 3.1.5; NCCS DGCS.1 on asterisks; the PAS/SUS edits)."""
    out = []
    for system, items in (("icd10", facts.diagnoses), ("opcs4", facts.procedures)):
        for item in items:
            primary = item.position == 1
            for rule, reason, severity in _validate(clf, item.code, system, facts.sex, facts.age, primary):
                if severity != "error":
                    continue
                if rule == "not_primary" and system == "icd10" and is_asterisk(item.code):
                    continue  # reported by check_asterisk_primary in the coders' own words
                out.append(Finding(_RULE_TO_CHECK.get(rule, "invalid_code"), reason, item.code))
    return out


def check_asterisk_primary(facts: EpisodeFacts) -> list[Finding]:
    """An asterisk (manifestation) code is never the primary diagnosis: its dagger code comes
    first (NCCS ICD-10 5th Edition, DGCS.1 'Dagger and asterisk convention')."""
    if facts.diagnoses and is_asterisk(facts.diagnoses[0].code):
        code = facts.diagnoses[0].code
        return [Finding("asterisk_primary", f"{code} is an asterisk code in the primary position: sequence its "
                                            "dagger (aetiology) code first", code)]
    return []


def check_primary_present(facts: EpisodeFacts) -> list[Finding]:
    """A finalised episode carries a primary diagnosis (CDS: PRIMARY DIAGNOSIS is mandatory)."""
    if facts.status == "finalised" and not facts.diagnoses:
        return [Finding("missing_primary", "the episode is finalised with no diagnosis code")]
    return []


def check_symptom_with_definitive(facts: EpisodeFacts) -> list[Finding]:
    """A symptom or sign is not coded beside the definitive diagnosis it is part of (WHO ICD-10
    Vol 2 4.4.2; NCCS Chapter XVIII). The pairs are the standards' table ``symptoms.tsv``."""
    codes = [d.code for d in facts.diagnoses]
    out = []
    for code in codes:
        if not is_symptom_code(code):
            continue
        for rule in symptom_table():
            if not matches(code, rule.symptom):
                continue
            related = [c for c in codes if c != code and matches(c, rule.explained_by) and not is_symptom_code(c)]
            if related:
                out.append(Finding("symptom_with_definitive",
                                   f"{code} ({rule.note.split(':')[0]}) is coded with {', '.join(related)}, the "
                                   "diagnosis it is part of: remove the symptom code unless the clinician says "
                                   "it is unrelated", code))
                break
    return out


def is_injury(code: str) -> bool:
    """Chapter XIX, injury, poisoning and certain other consequences of external causes (S00-T98)."""
    return code[:1] in ("S", "T") and code[:3] <= "T98"


def is_external_cause(code: str) -> bool:
    """Chapter XX, external causes of morbidity and mortality (V01-Y98)."""
    return code[:1] in ("V", "W", "X", "Y") and "V01" <= code[:3] <= "Y98"


def check_injury_external_cause(facts: EpisodeFacts) -> list[Finding]:
    """A Chapter XIX code needs a Chapter XX external cause code after it (NCCS ICD-10 5th Edition,
    Chapter XX: 'an external cause code must be assigned with codes from Chapter XIX')."""
    codes = [d.code for d in facts.diagnoses]
    injuries = [c for c in codes if is_injury(c)]
    if injuries and not any(is_external_cause(c) for c in codes):
        return [Finding("injury_without_external_cause",
                        f"{', '.join(injuries)} {'is an injury' if len(injuries) == 1 else 'are injuries'} with no "
                        "external cause (V01-Y98): add how it happened", injuries[0])]
    return []


def check_laterality(facts: EpisodeFacts, clf: Classifications | None = None) -> list[Finding]:
    """An operation on a paired organ or limb is followed by Z94 laterality (NCCS OPCS-4 Chapter Z,
    'Laterality of operation'); the paired ranges are the procedures' table ``laterality.tsv``."""
    out = []
    items = facts.procedures
    for i, item in enumerate(items):
        if item.code[:1] in ("Y", "Z"):
            continue
        title = _title(clf, item.code)
        if not needs_laterality(item.code, title):
            continue
        following = []
        for nxt in items[i + 1:]:
            if nxt.code[:1] not in ("Y", "Z"):
                break
            following.append(nxt.code)
        if not any(c.startswith("Z94") for c in following):
            out.append(Finding("laterality_missing", f"{item.code} is an operation on a paired organ or limb: add "
                                                     "Z94 laterality (right, left or bilateral) after it", item.code))
    return out


def _title(clf: Classifications | None, code: str) -> str:
    if clf is None:
        return ""
    try:
        found = clf.table("opcs4").get(code)
    except LookupError:
        return ""
    return found.title if found else ""


def check_procedure_dates(facts: EpisodeFacts) -> list[Finding]:
    """Each operative procedure carries its date (CDS: PROCEDURE DATE with each OPCS-4 code;
    method (Y) and site (Z) codes share the date of the code they qualify)."""
    return [Finding("procedure_without_date", f"{p.code} has no procedure date", p.code)
            for p in facts.procedures if p.code[:1] not in ("Y", "Z") and p.performed_on is None]


def check_documents_after_coding(facts: EpisodeFacts) -> list[Finding]:
    """A finalised episode whose documents arrived or changed after it was coded may need
    re-coding (late histology, an amended discharge summary)."""
    if facts.status == "finalised" and facts.finalised_at and facts.last_document_at \
            and facts.last_document_at > facts.finalised_at:
        return [Finding("documents_changed_after_coding",
                        f"a document was received {facts.last_document_at:%d %b %Y %H:%M}, after the episode was "
                        f"coded ({facts.finalised_at:%d %b %Y %H:%M}): review the coding",
                        facts.last_document_at.strftime("%Y%m%d%H%M%S"))]
    return []


def check_unusual_no_secondary(facts: EpisodeFacts, elderly_age: int = 75) -> list[Finding]:
    """An emergency admission of an elderly patient almost always has comorbidities to code
    (NCCS DCS.III.2 'mandatory and relevant comorbidities'); none at all is worth a second look."""
    if (facts.status == "finalised" and facts.age is not None and facts.age >= elderly_age
            and (facts.admission_method or "") in EMERGENCY_ADMISSION and len(facts.diagnoses) == 1):
        return [Finding("unusual_no_secondary", f"emergency admission aged {facts.age} coded with the primary "
                                                f"diagnosis {facts.diagnoses[0].code} only: check for comorbidities")]
    return []


def check_episode(facts: EpisodeFacts, clf: Classifications | None, elderly_age: int = 75) -> list[Finding]:
    """All checks on one episode, in the order of ``CHECKS``; duplicate fingerprints dropped."""
    findings: list[Finding] = []
    if clf is not None:
        findings += check_codes_valid(facts, clf)
    findings += check_asterisk_primary(facts)
    findings += check_primary_present(facts)
    findings += check_symptom_with_definitive(facts)
    findings += check_injury_external_cause(facts)
    findings += check_laterality(facts, clf)
    findings += check_procedure_dates(facts)
    findings += check_documents_after_coding(facts)
    findings += check_unusual_no_secondary(facts, elderly_age)
    seen, out = set(), []
    order = list(CHECKS)
    for f in sorted(findings, key=lambda f: order.index(f.check)):
        if f.fingerprint not in seen:
            seen.add(f.fingerprint)
            out.append(f)
    return out
