"""Live validation messages for a code the coder is typing or has placed, in the coder's words.

Two sources, both owned elsewhere and only combined here: the classification's ``validate``
(code exists and is current, enough characters, sex and age limits for this patient, valid as
primary) and the store's ``check_code`` (the sequencing rules it enforces when saving), so what
the screen warns about is exactly what saving would refuse.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..classification import load_classifications
from ..store.code_checks import check_code


@dataclass
class Message:
    text: str
    severity: str = "error"  # error | warning


@dataclass
class CodeValidation:
    code: str
    title: str = ""
    messages: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(m.severity == "error" for m in self.messages)


def patient_age(birth: date | None, on: date | None) -> int | None:
    if not birth or not on:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def validate_code(system: str, raw: str, *, primary: bool = False, sex: str | None = None,
                  age: int | None = None) -> CodeValidation:
    clf = load_classifications()
    stored = check_code(clf, system, raw, primary=primary)
    out = CodeValidation(stored.code, stored.title)
    seen: set[str] = set()

    def add(text: str, severity: str) -> None:
        key = text.strip().lower()
        if key not in seen:
            seen.add(key)
            out.messages.append(Message(text, severity))

    validate = getattr(clf, "validate", None)
    if validate is not None:
        try:
            result = validate(raw, sex=sex, age=age, primary=primary, system=system)
        except Exception:  # noqa: BLE001 - the classification's checks must never break the screen
            result = None
        if result is not None:
            if result.code is not None and not out.title:
                out.title = result.code.title
            for failure in result.failures:
                add(failure.reason, failure.severity)
    # The store's checks mostly repeat the classification's in other words; they are shown
    # only when the classification found no error, so that a refusal on saving is never a surprise.
    if not any(m.severity == "error" for m in out.messages):
        for problem in stored.problems:
            add(problem, "error")
    return out


def missing_laterality(procedures: list[tuple[str, str]]) -> dict[int, str]:
    """Procedures (in coded order, as (code, title)) that need a Z94 laterality code and lack one.

    The rule is the standards package's (``needs_laterality``, ``site_is_paired``: NCCS OPCS-4
    chapter Z, "Laterality of operation"); here only the coded sequence is read: the Y/Z codes
    after a procedure qualify it, up to the next procedure. Returns {index: message}.
    """
    try:
        from ..standards.procedures import needs_laterality, site_is_paired
    except ImportError:  # the standards package without its procedure rules: nothing to check
        return {}
    out: dict[int, str] = {}
    for i, (code, title) in enumerate(procedures):
        if code[:1] in ("Y", "Z"):
            continue
        qualifiers = []
        for later, _ in procedures[i + 1:]:
            if later[:1] not in ("Y", "Z"):
                break
            qualifiers.append(later)
        paired = needs_laterality(code, title) or any(site_is_paired(q) for q in qualifiers if q[:1] == "Z")
        if paired and not any(q.startswith("Z94") for q in qualifiers):
            out[i] = (f"Missing laterality: {code} is an operation on a paired organ or limb; add Z94.1 "
                      f"(bilateral), Z94.2 (right) or Z94.3 (left) after it, or query the side")
    return out
