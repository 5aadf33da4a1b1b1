"""Clinician queries, validation of the final codes, the data files, and the ranked list."""
from __future__ import annotations

import pytest

from clincode.standards import rank_all_findings
from clincode.standards.diagnosis import resources
from clincode.standards.diagnosis.resources import ResourceError, read_table, split_codes
from clincode.standards.diagnosis.validation import patient_sex_and_age


def test_diabetes_type_not_stated_is_queried(build):
    text = "DIAGNOSES: Bladder calculus. Diabetes mellitus."
    ep = build.code(text, [("N21.0", "Bladder calculus", "diagnosis"), ("E14.9", "Diabetes mellitus", "diagnosis")])
    assert "E14.9" in [d.code for d in ep.diagnoses]  # coded as documented, not guessed
    q = next(q for q in ep.queries if q.code == "E14.9")
    assert "type of diabetes" in q.question
    assert q.evidence and q.evidence[0].text == "Diabetes mellitus"


def test_ckd_stage_queried(build):
    text = "DIAGNOSES: Pyonephrosis. Chronic kidney disease."
    ep = build.code(text, [("N13.6", "Pyonephrosis", "diagnosis"), ("N18.9", "Chronic kidney disease", "diagnosis")])
    assert any(q.code == "N18.9" and "stage" in q.question for q in ep.queries)


def test_laterality_query_only_when_side_is_missing(build):
    text = "DIAGNOSIS: Inguinal hernia."
    ep = build.code(text, [("K40.9", "Inguinal hernia", "diagnosis")])
    assert any(q.code == "K40.9" for q in ep.queries)
    text = "DIAGNOSIS: Right inguinal hernia."
    ep = build.code(text, [("K40.9", "inguinal hernia", "diagnosis")])
    assert not any(q.code == "K40.9" for q in ep.queries)


def test_histology_awaited_raises_query_on_primary(build):
    text = "POSTOPERATIVE DIAGNOSIS: Probable carcinoma of base of tongue. Histology awaited."
    ep = build.code(text, [("C01", "carcinoma of base of tongue", "postoperative_diagnosis", {"uncertain": True})])
    assert [d.code for d in ep.diagnoses] == ["C01"]
    assert any(q.code == "C01" and "Histology" in q.question for q in ep.queries)


def test_no_query_when_nothing_is_missing(build):
    text = "POSTOPERATIVE DIAGNOSIS: Left testicular torsion."
    ep = build.code(text, [("N44", "Left testicular torsion", "postoperative_diagnosis")])
    assert ep.queries == []


def test_patient_sex_and_age_from_text():
    assert patient_sex_and_age(["The patient is a 62-year-old male diabetic."]) == ("M", 62)
    assert patient_sex_and_age(["This 16-month-old boy had a circumcision."]) == ("M", 0)
    assert patient_sex_and_age(["She said her pain was worse. She was seen."]) == ("F", None)
    assert patient_sex_and_age(["No demographic details."]) == (None, None)


def test_sex_specific_code_warns_for_the_other_sex(build):
    text = "The patient is a 54-year-old female. DIAGNOSIS: Benign prostatic hyperplasia."
    ep = build.code(text, [("N40", "Benign prostatic hyperplasia", "diagnosis")])
    assert any("N40" in w for w in ep.warnings)


def test_code_not_in_classification_is_removed_with_warning(build):
    text = "DIAGNOSIS: Something odd. Hypertension."
    ep = build.code(text, [("J99.9", "Something odd", "diagnosis"), ("I10", "Hypertension", "diagnosis")])
    assert [d.code for d in ep.diagnoses] == ["I10"]
    assert any("J99.9" in w for w in ep.warnings)


def test_titles_come_from_the_classification(build):
    text = "DIAGNOSIS: High blood pressure."
    ep = build.code(text, [("I10", "High blood pressure", "diagnosis")])
    assert ep.diagnoses[0].title == "Essential (primary) hypertension"


RESOURCE_FILES = [
    ("mandatory_comorbidities.tsv", ("prefix",)),
    ("history_status_codes.tsv", ("prefix",)),
    ("symptoms.tsv", ("symptom", "explained_by")),
    ("combinations.tsv", ("first", "second", "combined")),
    ("less_specific.tsv", ("general", "specific")),
    ("complication_causes.tsv", ("complication", "cause")),
    ("manifestations.tsv", ("dagger", "asterisk")),
    ("queries.tsv", ("code",)),
    ("drug_history.tsv", ("code", "condition")),
    ("acute_chronic.tsv", ("acute", "chronic")),
    ("procedure_body_systems.tsv", ("diagnoses",)),
    ("artificial_openings.tsv", ("attention", "complications")),
    ("organisms.tsv", ("code",)),
    ("perinatal_conditions.tsv", ("adult", "perinatal")),
]


@pytest.mark.parametrize("name,code_columns", RESOURCE_FILES)
def test_every_code_in_the_data_files_exists_in_the_uk_classification(name, code_columns, classifications):
    """A rule that names a code the classification lacks would never fire (or emit an invalid code)."""
    table = read_table(name, (), ())
    assert table.rows, name
    icd = classifications.icd10
    known_prefixes = {c.code for c in icd} | {c.code[:3] for c in icd} | {c.code[:1] for c in icd}
    for row in table.rows:
        for column in code_columns:
            for code in split_codes(row[column]):
                assert code in known_prefixes or code in icd, f"{name}: {column} {code}"


def test_every_data_file_names_its_source():
    for name, _ in RESOURCE_FILES + [("sections.tsv", ()), ("musculoskeletal_sites.tsv", ())]:
        text = (resources.RESOURCE_DIR / name).read_text(encoding="utf-8")
        assert "# Source:" in text, name


def test_malformed_data_file_is_refused_with_file_and_line(tmp_path, monkeypatch):
    (tmp_path / "bad.tsv").write_text("# Source: test\nprefix\tcondition\tkind\nE11|diabetes\tdiabetes\tmandatory\n")
    monkeypatch.setattr(resources, "RESOURCE_DIR", tmp_path)
    with pytest.raises(ResourceError, match=r"bad.tsv:3"):
        read_table("bad.tsv", ("prefix", "condition", "kind"), ("prefix",))
    (tmp_path / "short.tsv").write_text("prefix\tnote\n")
    with pytest.raises(ResourceError, match="header lacks"):
        read_table("short.tsv", ("prefix", "condition"))


def test_rank_all_findings_keeps_every_affirmed_current_condition(build):
    text = "DIAGNOSIS: Acute cholecystitis. Gallstones. No jaundice. History of appendicitis."
    findings = [build.finding(text, "K81.0", "Acute cholecystitis", "diagnosis", score=0.9),
                build.finding(text, "K80.2", "Gallstones", "diagnosis", score=0.7),
                build.finding(text, "R17", "jaundice", "diagnosis", negated=True),
                build.finding(text, "K35.8", "appendicitis", "diagnosis", historical=True)]
    ep = rank_all_findings("case", findings, [], build.classifications)
    assert [d.code for d in ep.diagnoses] == ["K81.0", "K80.2"]  # no combination, no primary choice


def test_probable_tumour_without_histology_is_queried(build):
    text = "POSTOPERATIVE DIAGNOSIS: Probable carcinoma of base of tongue.\nPROCEDURE: Excisional biopsy."
    ep = build.code(text, [("C01", "carcinoma of base of tongue", "postoperative_diagnosis", {"uncertain": True})])
    assert any(q.code == "C01" and "histology" in q.question for q in ep.queries)
    text = "POSTOPERATIVE DIAGNOSIS: Carcinoma of base of tongue.\nPROCEDURE: Excisional biopsy."
    ep = build.code(text, [("C01", "Carcinoma of base of tongue", "postoperative_diagnosis")])
    assert ep.queries == []


def test_finder_codes_normalised_or_refused_with_a_warning(build):
    text = "DIAGNOSIS: Gallstones. Something. Rib fractures."
    ep = build.code(text, [("k80.2 ", "Gallstones", "diagnosis"), ("ZZZ", "Something", "diagnosis"),
                           ("S22.49XA", "Rib fractures", "diagnosis")])
    codes = [d.code for d in ep.diagnoses]
    assert codes[0] == "K80.2" and "S22.4" in codes  # CM form mapped to the UK code
    assert "ZZZ" not in codes and any("ZZZ" in w for w in ep.warnings)


def test_standards_without_parsed_documents_or_findings(classifications):
    from clincode.standards import apply_standards

    ep = apply_standards("empty", [], [], classifications, None)
    assert ep.diagnoses == [] and ep.warnings
