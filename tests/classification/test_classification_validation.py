"""Each validation rule, as the PAS and SUS would apply it, and the current-vs-retired rule."""
from __future__ import annotations

import pytest

from clincode.classification.validation import is_asterisk


def rules_failed(result):
    return {f.rule for f in result.failures}


@pytest.mark.parametrize("code", ["K80.2", "I10", "J96.01", "M25.56", "I70.21", "S22.40", "W01.0", "K35.2"])
def test_current_codes_are_valid(classifications, code):
    result = classifications.validate(code)
    assert result.valid and result.failures == [], result.failures


@pytest.mark.parametrize("code", ["K35.0", "K35.1", "K35.9", "I21.X"])
def test_retired_and_artefact_codes_fail_as_not_current(classifications, code):
    result = classifications.validate(code)
    assert not result.valid and "current" in rules_failed(result)
    assert classifications.icd10.get(code).current is False


def test_retired_code_names_its_current_siblings(classifications):
    reason = classifications.validate("K35.0").errors[0].reason
    assert "K35.2" in reason and "K35.3" in reason


def test_opcs4_retired_by_its_title(classifications):
    assert classifications.opcs4.get("X63").current is False
    assert classifications.opcs4.get("X64.8").current is False
    assert classifications.opcs4.get("J18.3").current is True


def test_unknown_code_fails_exists(classifications):
    result = classifications.validate("K80.7")
    assert not result.valid and rules_failed(result) == {"exists"} and result.code is None



@pytest.mark.parametrize("code, system", [("K80", "icd10"), ("K35", "icd10"), ("J18", "opcs4")])
def test_subdivided_category_needs_a_fourth_character(classifications, code, system):
    result = classifications.validate(code, system=system)
    assert "fourth_character" in rules_failed(result)
    assert not result.valid


def test_unsubdivided_category_is_complete(classifications):
    assert classifications.validate("I10").valid
    assert classifications.validate("G20").valid


@pytest.mark.parametrize("code", ["J96.0", "J96.1", "J96.9", "I70.2"])
def test_uk_fifth_character_required_where_the_uk_requires_it(classifications, code):
    result = classifications.validate(code)
    assert "fifth_character" in rules_failed(result)
    assert any(f"{code}0" in f.reason for f in result.failures)  # the reason lists the 5th characters


def test_optional_fifth_characters_are_not_required(classifications):
    # chapter XIII site and chapter XIX open/closed 5th characters are optional
    assert classifications.validate("M25.5").valid
    assert classifications.validate("S22.4").valid


@pytest.mark.parametrize("code, system", [
    ("G01", "icd10"), ("F00.0", "icd10"), ("H36.0", "icd10"), ("N08.3", "icd10"),  # asterisk
    ("W19.0", "icd10"), ("X59.9", "icd10"), ("B96.2", "icd10"), ("Z37.0", "icd10"),  # never primary
    ("Y75.2", "opcs4"), ("Z94.1", "opcs4"),  # OPCS-4 subsidiary chapters
])
def test_codes_not_valid_as_primary(classifications, code, system):
    assert classifications.validate(code, system=system).valid
    result = classifications.validate(code, system=system, primary=True)
    assert not result.valid and "not_primary" in rules_failed(result)


def test_ordinary_codes_are_valid_as_primary(classifications):
    assert classifications.validate("K80.0", primary=True).valid
    assert classifications.validate("J18.3", system="opcs4", primary=True).valid


def test_asterisk_list_and_dagger_pairs(classifications):
    assert is_asterisk("G01") and is_asterisk("H36.0") and is_asterisk(classifications.icd10.get("F00.0"))
    assert not is_asterisk("A17.0") and not is_asterisk("E11.3") and not is_asterisk("nonsense")
    assert not is_asterisk(classifications.opcs4.get("G45.9"))  # OPCS-4 G45 is not ICD-10 G45
    pairs = classifications.dagger_asterisk_pairs
    assert "G01" in pairs["A17.0"] and "H36.0" in pairs["E11.3"] and "F00.0" in pairs["G30.0"]
    for dagger, asterisks in pairs.items():
        assert not is_asterisk(dagger), dagger
        assert all(is_asterisk(a) for a in asterisks), (dagger, asterisks)


@pytest.mark.parametrize("code, wrong_sex, system", [
    ("O80.0", "M", "icd10"), ("N80.0", "M", "icd10"), ("C53.9", "M", "icd10"), ("Z34.9", "M", "icd10"),
    ("N40", "F", "icd10"), ("C61", "F", "icd10"), ("N45.9", "F", "icd10"), ("Q53.9", "F", "icd10"),
    ("N17.1", "F", "opcs4"), ("Q07.4", "M", "opcs4"), ("R18.9", "M", "opcs4"),
])
def test_sex_specific_codes(classifications, code, wrong_sex, system):
    right_sex = "F" if wrong_sex == "M" else "M"
    assert classifications.validate(code, sex=right_sex, system=system).valid
    result = classifications.validate(code, sex=wrong_sex, system=system)
    assert not result.valid and "sex" in rules_failed(result)


def test_sex_accepts_nhs_data_dictionary_codes(classifications):
    assert not classifications.validate("N40", sex="2").valid  # 2 = female
    assert classifications.validate("N40", sex="1").valid
    assert classifications.validate("N40", sex="9").valid  # not specified: no check


def test_age_limited_codes(classifications):
    z38 = classifications.validate("Z38.0", age=30)
    assert not z38.valid and "age" in rules_failed(z38)
    assert classifications.validate("Z38.0", age=0).valid
    assert not classifications.validate("R95", age=5).valid
    # perinatal conditions may be coded later in life: a warning, not an error
    p07 = classifications.validate("P07.3", age=40)
    assert p07.valid and [w.rule for w in p07.warnings] == ["age"]
    assert classifications.validate("P07.3", age=0).failures == []
    # obstetric codes outside usual maternal ages
    assert classifications.validate("O80.0", age=8).warnings
    assert not classifications.validate("O80.0", age=30).warnings
    assert classifications.validate("R54", age=40).warnings and not classifications.validate("R54", age=80).warnings


def test_impossible_age_is_a_failure(classifications):
    assert not classifications.validate("K80.2", age=200).valid


def test_result_as_dict_is_json_ready(classifications):
    import json

    data = classifications.validate("k35.0", primary=True).as_dict()
    assert data["code"] == "K35.0" and data["valid"] is False
    json.dumps(data)


def test_block_heading_is_not_a_code(classifications):
    from clincode.classification.validation import check_codable

    assert check_codable(classifications.icd10.get("K80-K87")).rule == "exists"
    assert check_codable(classifications.icd10.get("K80.2")) is None
