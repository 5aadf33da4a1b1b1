"""The rules data files: each loads, names real codes, and a malformed file is reported clearly."""
from __future__ import annotations

import pytest

from clincode.classification import rules
from clincode.classification.rules import (
    RULES_DIR, CodeRange, RuleFileError, load_age_rules, load_asterisks, load_cm_overrides,
    load_dagger_asterisk, load_fifth_character_required, load_not_primary_rules, load_sex_rules, read_rules,
)


def test_every_rules_file_cites_its_source():
    for path in RULES_DIR.glob("*.tsv"):
        head = path.read_text(encoding="utf-8").splitlines()[:12]
        assert any(line.startswith("#") and "ource" in line for line in head), path.name


def test_asterisk_codes_exist_in_the_uk_table(classifications):
    for key in load_asterisks():
        code = key if len(key) == 3 else f"{key[:3]}.{key[3:]}"
        assert code in classifications.icd10, code


def test_dagger_asterisk_pairs_exist(classifications):
    for dagger, asterisks in load_dagger_asterisk().items():
        assert dagger in classifications.icd10, dagger
        for asterisk in asterisks:
            assert asterisk in classifications.icd10, asterisk


def test_cm_overrides_name_current_uk_codes(classifications):
    for cm, uk in load_cm_overrides().items():
        assert classifications.icd10.get(uk) is not None and classifications.icd10.get(uk).current, (cm, uk)


def test_fifth_character_codes_have_extensions(classifications):
    for code in load_fifth_character_required():
        children = classifications.icd10.get(code).children
        assert children and all(len(c.code) == 6 for c in children), code


def test_range_rules_are_well_formed(classifications):
    for rule in (*load_sex_rules(), *load_age_rules(), *load_not_primary_rules()):
        assert rule.codes.low <= rule.codes.high, rule.where
        table = classifications.table(rule.system)
        assert any(c.key in rule.codes for c in table), f"{rule.where}: {rule.codes} matches no code"


def test_opcs4_synonyms_point_at_current_codes(classifications):
    for row in read_rules("opcs4_synonyms.tsv", ["phrase", "code"]):
        code = classifications.opcs4.get(row["code"])
        assert code is not None and code.current, row


def test_code_range_membership():
    r = CodeRange.parse("C60-C63")
    assert "C61" in r and "C62.9" in r and "C60" in r and "C63.8" in r
    assert "C59" not in r and "C64" not in r
    r = CodeRange.parse("M80.0-M80.1")
    assert "M80.09" in r and "M80.1" in r and "M80.2" not in r
    assert str(CodeRange.parse("S31.2-S31.3")) == "S31.2-S31.3"


def test_malformed_rules_file_names_file_and_line(tmp_path, monkeypatch):
    (tmp_path / "sex.tsv").write_text("# source: test\nsystem\tcodes\tsex\nicd10\tN40\tX\n")
    monkeypatch.setattr(rules, "RULES_DIR", tmp_path)
    load_sex_rules.cache_clear()
    try:
        with pytest.raises(RuleFileError, match=r"sex.tsv:3: sex must be M or F"):
            load_sex_rules()
        (tmp_path / "sex.tsv").write_text("system\tcode\nicd10\tN40\n")
        load_sex_rules.cache_clear()
        with pytest.raises(RuleFileError, match="header lacks"):
            load_sex_rules()
    finally:
        monkeypatch.undo()
        load_sex_rules.cache_clear()
    assert load_sex_rules()  # the real file again
