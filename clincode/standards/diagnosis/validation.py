"""Final checks of the episode's codes with the classification service, and the patient's sex and
age as the text states them (for the sex and age edits the PAS and SUS apply)."""
from __future__ import annotations

import re

from .episode import DiagnosisEpisode

_AGE_SEX = re.compile(
    r"\b(\d{1,3})[- ](year|yr|month|week|day)s?[- ]old\b[^.\n]{0,40}?\b"
    r"(male|female|man|woman|gentleman|lady|boy|girl|m|f)\b",
    re.IGNORECASE,
)
_MALE = re.compile(r"\b(he|his|him|mr|gentleman|male|man|boy)\b", re.I)
_FEMALE = re.compile(r"\b(she|her|hers|mrs|ms|miss|lady|female|woman|girl)\b", re.I)


def patient_sex_and_age(texts: list[str]) -> tuple[str | None, int | None]:
    """Sex ("M"/"F") and age in whole years when the text states them ("a 62-year-old male"),
    else from pronouns (a clear majority only); None when unknown."""
    text = "\n".join(texts)
    match = _AGE_SEX.search(text)
    sex = age = None
    if match:
        number, unit, word = int(match.group(1)), match.group(2).lower(), match.group(3).lower()
        age = number if unit in ("year", "yr") else 0
        sex = "M" if word in ("male", "man", "gentleman", "boy", "m") else "F"
    if sex is None:
        male, female = len(_MALE.findall(text)), len(_FEMALE.findall(text))
        if male >= 3 * max(female, 1):
            sex = "M"
        elif female >= 3 * max(male, 1):
            sex = "F"
    return sex, age


def display_title(code) -> str:
    """The title as a coder reads it: a subdivision's own title is often only a qualifier
    ("Without complications", "Bladder, unspecified"), so it is given after its category's title."""
    category = code.category
    if category is None or category is code or category.title.lower() in code.title.lower():
        return code.title
    return f"{category.title}: {code.title}"


def validate_final_codes(episode: DiagnosisEpisode, classifications) -> None:
    """Every final code exists, is current and complete; the primary is valid as primary; sex- and
    age-specific codes agree with the patient (when known). Failures become warnings; a code the
    classification does not hold is removed (it could not be submitted).

    Standard: National Clinical Coding Standards ICD-10 5th Edition, Data Quality (codes valid for
    the edition in use); PAS/SUS ICD-10 validation (existence, characters, primary, sex, age).
    """
    if classifications is None:
        return
    try:
        from ...classification.validation import validate
    except ImportError:  # older classification service: existence and currency only
        validate = None
    for cand in list(episode.candidates):
        code = classifications.icd10.get(cand.code)
        if code is None:
            episode.warn(f"{cand.code} is not in the ICD-10 classification in use: not coded")
            episode.drop(cand, "not a code of the classification in use")
            continue
        cand.title = display_title(code)
        if validate is None:
            if not code.current:
                episode.warn(f"{cand.code} is retired from the current edition: choose its successor")
            continue
        result = validate(classifications, cand.code, sex=episode.sex, age=episode.age,
                          primary=cand.primary, system="icd10")
        for failure in result.failures:
            episode.warn(f"{cand.code}: {failure.reason}")
            cand.note(f"validation {failure.severity}: {failure.reason}")
