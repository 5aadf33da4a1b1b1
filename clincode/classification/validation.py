"""Validation of a code as the PAS and SUS apply it, with a reason for each failure.

Each check is a small function named after the rule it applies; ``validate`` runs them in order.
The data behind the checks (asterisk codes, sex and age limits, codes not valid as primary, UK
5th characters) lives in ``rules/*.tsv`` with its source; a TRUD release's own sex/age/usage
metadata is applied as well when the classifications were loaded from one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .codes import Code, Kind, System
from .normalise import CodeError, clean
from .rules import load_age_rules, load_asterisks, load_fifth_character_required, load_not_primary_rules, load_sex_rules

if TYPE_CHECKING:  # pragma: no cover
    from .service import Classifications


@dataclass(frozen=True, slots=True)
class Failure:
    rule: str  # exists | current | fourth_character | fifth_character | not_primary | sex | age
    reason: str
    severity: str = "error"  # "error" fails the code; "warning" asks the coder to check


@dataclass
class ValidationResult:
    text: str  # what was given
    code: Code | None  # the code it normalised to, if any
    system: System | None
    note: str | None = None  # what normalisation changed (filler X, CM mapping)
    failures: list[Failure] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.failures)

    @property
    def errors(self) -> list[Failure]:
        return [f for f in self.failures if f.severity == "error"]

    @property
    def warnings(self) -> list[Failure]:
        return [f for f in self.failures if f.severity == "warning"]

    def as_dict(self) -> dict:
        return {
            "input": self.text,
            "code": self.code.code if self.code else None,
            "title": self.code.title if self.code else None,
            "system": self.system.value if self.system else None,
            "valid": self.valid,
            "note": self.note,
            "failures": [{"rule": f.rule, "reason": f.reason, "severity": f.severity} for f in self.failures],
        }


def is_asterisk(code: Code | str) -> bool:
    """True for an ICD-10 asterisk (manifestation) code (``rules/asterisk.tsv``; DGCS.1)."""
    if isinstance(code, Code):
        if code.system is not System.ICD10:
            return False
        key = code.key
    else:
        try:
            key = clean(code)
        except CodeError:
            return False
    asterisks = load_asterisks()
    return key[:3] in asterisks or key[:4] in asterisks or key in asterisks


def validate(clf: "Classifications", text: str, sex: str | None = None, age: int | None = None,
             primary: bool = False, system: System | str | None = None) -> ValidationResult:
    """Check one code: exists and current, enough characters, valid as primary, sex and age limits."""
    try:
        table, normalised = clf.lookup(text, system)
    except (CodeError, LookupError) as exc:
        return ValidationResult(str(text), None, System(system) if system else None, None,
                                [Failure("exists", str(exc))])
    code = normalised.code
    result = ValidationResult(str(text), code, table.system, normalised.note)
    sex = _normal_sex(sex)
    checks = [check_codable, check_current, check_fourth_character, check_fifth_character]
    for check in checks:
        failure = check(code)
        if failure:
            result.failures.append(failure)
    if primary:
        result.failures.extend(check_valid_as_primary(code, table.metadata.get(code.code)))
    if sex:
        result.failures.extend(check_sex(code, sex, table.metadata.get(code.code)))
    if age is not None:
        result.failures.extend(check_age(code, age, table.metadata.get(code.code)))
    return result


def _normal_sex(sex: str | None) -> str | None:
    if sex is None or str(sex).strip() == "":
        return None
    value = str(sex).strip().upper()
    # NHS Data Dictionary person stated gender codes: 1 male, 2 female (0, 9 not known / not specified).
    value = {"1": "M", "2": "F", "MALE": "M", "FEMALE": "F"}.get(value, value)
    if value not in ("M", "F"):
        return None
    return value


def check_codable(code: Code) -> Failure | None:
    """Chapters and blocks are headings, not codes a PAS will accept."""
    if code.kind in (Kind.CHAPTER, Kind.BLOCK):
        return Failure("exists", f"{code.code} is a {code.kind.value} heading, not a code")
    return None


def check_current(code: Code) -> Failure | None:
    """The code must belong to the current edition (see ``currency`` for how this is decided)."""
    if not code.current:
        successors = [c.code for c in (code.parent.children if code.parent else []) if c.current and c.kind is code.kind]
        hint = f"; current codes here: {', '.join(successors)}" if successors else ""
        return Failure("current", f"{code.code} is retired (not in the current edition){hint}")
    return None


def check_fourth_character(code: Code) -> Failure | None:
    """A category that is subdivided must be coded to its 4th character (ICD-10 Vol 2, 3.1.5;
    OPCS-4 Classification Standards: codes are recorded at the 4th character)."""
    if code.kind is not Kind.CATEGORY:
        return None
    subs = [c.code for c in code.children if c.kind is Kind.SUBCATEGORY and c.current]
    if subs:
        shown = ", ".join(subs[:10]) + (" ..." if len(subs) > 10 else "")
        return Failure("fourth_character", f"{code.code} is subdivided: a 4th character is required ({shown})")
    return None


def check_fifth_character(code: Code) -> Failure | None:
    """Where the UK 5th Edition requires a 5th character (``rules/fifth_character.tsv``)."""
    if code.system is not System.ICD10 or code.kind is not Kind.SUBCATEGORY:
        return None
    why = load_fifth_character_required().get(code.code)
    if why is None:
        return None
    options = [c.code for c in code.children if c.kind is Kind.EXTENSION]
    return Failure("fifth_character",
                   f"{code.code} needs a UK 5th character ({why})" + (f": {', '.join(options)}" if options else ""))


def check_valid_as_primary(code: Code, metadata=None) -> list[Failure]:
    """Asterisk codes, external causes, B95-B98, Z37 and OPCS-4 chapters Y and Z are never primary
    (``rules/not_primary.tsv``, ``rules/asterisk.tsv``; a TRUD release's USAGE ASTERISK)."""
    failures = []
    if is_asterisk(code) or (metadata is not None and "ASTERISK" in metadata.usage):
        failures.append(Failure("not_primary", f"{code.code} is an asterisk (manifestation) code: it follows "
                                               "its dagger code and is never primary (DGCS.1)"))
    for rule in load_not_primary_rules():
        if rule.system == code.system.value and code.key in rule.codes:
            failures.append(Failure("not_primary", f"{code.code} is not valid as primary: {rule.why}"))
            break
    return failures


def check_sex(code: Code, sex: str, metadata=None) -> list[Failure]:
    """Codes limited to one sex against the patient's sex (``rules/sex.tsv``; TRUD GENDER_MASK)."""
    word = {"M": "male", "F": "female"}
    if metadata is not None and metadata.sex and metadata.sex != sex:
        return [Failure("sex", f"{code.code} is for {word[metadata.sex]} patients only (TRUD release); patient is {word[sex]}")]
    system, key = code.system.value, code.key  # (read once: this runs for every code of every episode)
    for rule in load_sex_rules():
        if rule.system == system and key in rule.codes and rule.sex != sex:
            return [Failure("sex", f"{code.code} is for {word[rule.sex]} patients only ({rule.why}); "
                                   f"patient is {word[sex]}")]
    return []


def check_age(code: Code, age: int, metadata=None) -> list[Failure]:
    """Age-limited codes against the patient's age in years (``rules/age.tsv``; TRUD MIN/MAX_AGE)."""
    if age < 0 or age > 130:
        return [Failure("age", f"age {age} is not a possible age in years")]
    if metadata is not None and (metadata.min_age is not None or metadata.max_age is not None):
        if (metadata.min_age is not None and age < metadata.min_age) or (
                metadata.max_age is not None and age > metadata.max_age):
            return [Failure("age", f"{code.code} is limited to ages {_span(metadata.min_age, metadata.max_age)} "
                                   f"(TRUD release); patient is {age}")]
    system, key = code.system.value, code.key
    for rule in load_age_rules():
        if rule.system != system or key not in rule.codes:
            continue
        if (rule.min_age is not None and age < rule.min_age) or (rule.max_age is not None and age > rule.max_age):
            return [Failure("age", f"{code.code}: {rule.why} (expected age {_span(rule.min_age, rule.max_age)}); "
                                   f"patient is {age}", rule.severity)]
    return []


def _span(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return "under 1 year" if (low, high) == (0, 0) else f"{low}-{high}"
    return f"{low} or over" if low is not None else f"{high} or under"
