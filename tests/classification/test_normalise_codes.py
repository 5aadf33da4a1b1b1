"""Normalisation of typed and system-sent codes, and the ICD-10-CM -> UK mapping."""
from __future__ import annotations

import pytest

from clincode.classification import CodeError


@pytest.mark.parametrize("typed", ["k802", "K80.2", " K80.2 ", "K802", "K802X", "k80.2\t"])
def test_icd10_spellings_normalise_to_k80_2(classifications, typed):
    result = classifications.icd10.normalise(typed)
    assert result.code.code == "K80.2"


def test_filler_x_is_noted(classifications):
    result = classifications.icd10.normalise("I10X")
    assert result.code.code == "I10"
    assert result.note and "filler" in result.note


def test_clean_uk_code_has_no_note(classifications):
    assert classifications.icd10.normalise("K80.2").note is None


@pytest.mark.parametrize("typed", ["J183", "J18.3", "j18.3", " J18.3 "])
def test_opcs4_spellings(classifications, typed):
    assert classifications.opcs4.normalise(typed).code.code == "J18.3"


@pytest.mark.parametrize("uk", ["M25.56", "I70.00", "J96.01", "S22.40"])
def test_uk_fifth_character_codes_are_reachable(classifications, uk):
    result = classifications.icd10.normalise(uk.replace(".", "").lower())
    assert result.code.code == uk and result.note is None


def test_dagger_and_asterisk_marks_are_dropped(classifications):
    assert classifications.icd10.normalise("A17.0\u2020").code.code == "A17.0"
    assert classifications.icd10.normalise("G01*").code.code == "G01"


def test_cm_seven_character_code_walks_up_with_a_note(classifications):
    result = classifications.icd10.normalise("S22.49XA")
    assert result.code.code == "S22.4"
    assert "ICD-10-CM" in result.note and "S22.4" in result.note


def test_cm_code_does_not_land_on_a_uk_fifth_character_by_accident(classifications):
    # CM S22.41XA is "multiple fractures of ribs, right side"; UK S22.41 means "(open)".
    assert classifications.icd10.normalise("S22.41XA").code.code == "S22.4"


@pytest.mark.parametrize(
    "cm, uk",
    [("E11.9", "E11.9"), ("I10", "I10"), ("K80.00", "K80.0"), ("N18.30", "N18.3"), ("E11.65", "E11.6"),
     ("C79.8-", "C79.8"), ("J96.01", "J96.00"), ("J96.02", "J96.01"), ("I70.262", "I70.21"),
     ("S22.49XA", "S22.4"), ("I85.00", "I85.9"), ("I85.01", "I85.0"), ("N45.4", "N45.0"),
     ("M21.611", "M20.1"),
     # CM-only categories and their ICD-10 equivalents: unspecified behaviour -> D37-D48 by body
     # system, gangrene NEC, long-term drug therapy, dentofacial anomalies
     ("D49.512", "D41.0"), ("D49.4", "D41.4"), ("D49.0", "D37.9"), ("D49.9", "D48.9"), ("I96", "R02"),
     ("Z79.01", "Z92.1"), ("Z79.899", "Z92.2"), ("M26.4", "K07.4"), ("M26.73", "K07.8"),
     # substance use: CM codes the disorder in the 5th character, ICD-10 in the 4th
     ("F10.230", "F10.3"), ("F10.231", "F10.4"), ("F10.129", "F10.0"), ("F10.950", "F10.5"),
     ("F11.93", "F11.3"), ("F10.20", "F10.2"), ("F17.210", "F17.2"),
     # SIRS: CM R65.1 non-infectious / R65.2 severe sepsis; UK R65.0-R65.1 infectious, R65.2-R65.3 not
     ("R65.20", "R65.1"), ("R65.21", "R65.1"), ("R65.10", "R65.2"), ("R65.11", "R65.3"),
     ("E66.01", "E66.8"),  # morbid obesity is an inclusion term of E66.8
     # pressure ulcer: CM site then stage; UK stage in the 4th character
     ("L89.15", "L89.9"), ("L89.152", "L89.1"), ("L89.154", "L89.3"), ("L89.93", "L89.2"),
     # status epilepticus is G41 in ICD-10 (CM codes it in G40's 6th character)
     ("G40.901", "G41.9"), ("G40.911", "G41.9"), ("G40.813", "G41.9"), ("G40.909", "G40.9")],
)
def test_map_cm(classifications, cm, uk):
    assert classifications.icd10.map_cm(cm).code == uk


@pytest.mark.parametrize("cm", ["U09.9", "Z68.41", "", "12", "?"])
def test_map_cm_returns_none_for_cm_only_or_junk(classifications, cm):
    assert classifications.icd10.map_cm(cm) is None


@pytest.mark.parametrize("bad, words", [
    ("", "empty"), ("ZZZ", "not an ICD-10 code"), ("K8", "not an ICD-10 code"),
    ("K80.7", "K80.0"), ("Q99.99.9", "malformed"), ("K.802", "malformed"),
])
def test_bad_icd10_input_raises_a_clear_code_error(classifications, bad, words):
    with pytest.raises(CodeError) as err:
        classifications.icd10.normalise(bad)
    assert words in str(err.value)
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("bad", ["J1", "J18.33X", "JJ18", "J99.9"])
def test_bad_opcs4_input_raises(classifications, bad):
    with pytest.raises(CodeError):
        classifications.opcs4.normalise(bad)


def test_non_text_input_raises_code_error(classifications):
    with pytest.raises(CodeError):
        classifications.icd10.normalise(None)  # type: ignore[arg-type]
