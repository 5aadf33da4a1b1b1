"""Mandatory comorbidities, drug history, smoking, history and status codes."""
from __future__ import annotations

from clincode.standards.diagnosis.comorbidities import comorbidity, history_status_policy


def test_mandatory_comorbidity_list_covers_the_national_list():
    for code in ["E11.9", "I10", "J45.9", "J44.9", "I25.1", "N18.3", "I48.0", "F03", "G40.9", "G20", "G35",
                 "B24", "Z72.0", "Z92.1", "Z92.2", "Z94.0", "Z95.0", "E78.5", "I73.9", "F79"]:
        assert comorbidity(code), code
    assert comorbidity("K80.2") is None
    assert comorbidity("N20.0") is None


def test_long_term_anticoagulant_and_immunosuppressant_from_medication_list(build):
    text = ("DIAGNOSIS: Urinary retention due to benign prostatic hyperplasia.\n"
            "MEDICATIONS:\n1. Coumadin.\n2. Rapamune.\n3. CellCept.\n4. Flomax.")
    ep = build.code(text, [("N40", "benign prostatic hyperplasia", "diagnosis"),
                           ("R33", "Urinary retention", "diagnosis")])
    got = build.codes(ep)
    assert {"Z92.1", "Z92.2"} <= set(got)
    z921 = next(d for d in ep.diagnoses if d.code == "Z92.1")
    assert z921.evidence and z921.evidence[0].text.lower() == "coumadin"
    assert text[z921.evidence[0].start:z921.evidence[0].end] == z921.evidence[0].text


def test_stopped_anticoagulant_is_not_coded(build):
    text = "DIAGNOSIS: Inguinal hernia, right. HISTORY: warfarin was stopped five days before surgery."
    ep = build.code(text, [("K40.9", "Inguinal hernia, right", "diagnosis")])
    assert "Z92.1" not in build.codes(ep)


def test_drug_implying_a_condition_raises_a_query_not_a_code(build):
    text = "DIAGNOSIS: Urinary retention.\nMEDICATIONS:\n1. Insulin 70/30.\n2. Omeprazole."
    ep = build.code(text, [("R33", "Urinary retention", "diagnosis")])
    assert not any(c.startswith(("E10", "E11", "E14")) for c in build.codes(ep))
    assert any("insulin" in q.question.lower() for q in ep.queries)


def test_diabetes_named_only_in_medication_section_is_not_coded(build):
    text = "DIAGNOSIS: Bladder calculus.\nMEDICATIONS: metformin for diabetes."
    ep = build.code(text, [("N21.0", "Bladder calculus", "diagnosis"),
                           ("E14.9", "diabetes", "medications")])
    assert build.codes(ep) == ["N21.0"]


def test_current_smoker_coded_z72_ex_smoker_not(build):
    smoker = "DIAGNOSIS: Bladder cancer. SOCIAL HISTORY: He smokes 2 packs per day."
    ep = build.code(smoker, [("C67.9", "Bladder cancer", "diagnosis")])
    assert "Z72.0" in build.codes(ep)
    ex = "DIAGNOSIS: Bladder cancer. SOCIAL HISTORY: Ex-smoker, quit 10 years ago."
    ep = build.code(ex, [("C67.9", "Bladder cancer", "diagnosis")])
    assert "Z72.0" not in build.codes(ep)


def test_tobacco_dependence_replaces_tobacco_use(build):
    text = "DIAGNOSES: Carcinoma of tonsil. Tobacco abuse. He smokes 20 cigarettes a day."
    ep = build.code(text, [("C09.9", "Carcinoma of tonsil", "diagnosis"), ("F17.1", "Tobacco abuse", "diagnosis")])
    assert "F17.1" in build.codes(ep) and "Z72.0" not in build.codes(ep)


def test_optional_history_codes_left_out_status_codes_kept(build):
    assert history_status_policy("Z86.7")[0] == "never"
    assert history_status_policy("Z94.0")[0] == "always"
    text = "DIAGNOSIS: Urinary retention. PMH: kidney transplant. History of stroke."
    ep = build.code(text, [("R33", "Urinary retention", "diagnosis"),
                           ("Z94.0", "kidney transplant", "past_medical_history"),
                           ("Z86.7", "History of stroke", "past_medical_history", {"historical": True})])
    assert "Z94.0" in build.codes(ep)
    assert "Z86.7" not in build.codes(ep)
    assert build.primary(ep) == "R33"


def test_family_history_code_only_when_listed_as_a_diagnosis(build):
    text = "DIAGNOSIS: Screening colonoscopy. Family history of colon cancer. FAMILY HISTORY: mother colon cancer."
    ep = build.code(text, [("Z12.1", "Screening colonoscopy", "diagnosis"),
                           ("Z80.0", "Family history of colon cancer", "diagnosis"),
                           ("C18.9", "colon cancer", "family_history", {"family": True})])
    assert "Z80.0" in build.codes(ep)
    assert "C18.9" not in build.codes(ep)


def test_ex_smoker_finding_is_not_coded_but_history_of_hypertension_is(build):
    text = "DIAGNOSIS: Inguinal hernia, left. SOCIAL HISTORY: Ex-smoker. PMH: history of hypertension."
    ep = build.code(text, [("K40.9", "Inguinal hernia, left", "diagnosis"),
                           ("F17.1", "smoker", "social_history", {"historical": True}),
                           ("I10", "hypertension", "past_medical_history", {"historical": True})])
    assert build.codes(ep) == ["K40.9", "I10"]


def test_tobacco_abuse_is_harmful_use_not_tobacco_use(build):
    text = "HISTORY: The patient is an ethanol and tobacco abuser with tobacco abuse. DIAGNOSIS: Carcinoma of tonsil."
    ep = build.code(text, [("C09.9", "Carcinoma of tonsil", "diagnosis"), ("Z72.0", "tobacco abuse", "diagnosis")])
    assert "F17.1" in build.codes(ep) and "Z72.0" not in build.codes(ep)


def test_alcohol_abuse_elsewhere_does_not_turn_smoking_into_harmful_use(build):
    text = "DIAGNOSIS: Carcinoma of tonsil. SOCIAL HISTORY: He smokes 20 cigarettes a day and has a history of alcohol abuse."
    ep = build.code(text, [("C09.9", "Carcinoma of tonsil", "diagnosis")])
    assert "Z72.0" in build.codes(ep) and "F17.1" not in build.codes(ep)


def test_plain_smoker_is_tobacco_use_not_dependence(build):
    text = "DIAGNOSIS: Acute cholecystitis. SOCIAL HISTORY: Current smoker, 20 cigarettes a day."
    ep = build.code(text, [("K81.0", "Acute cholecystitis", "diagnosis"), ("F17.1", "smoker", "social_history")])
    assert "Z72.0" in build.codes(ep) and "F17.1" not in build.codes(ep)
    text = "DIAGNOSIS: Acute cholecystitis. SOCIAL HISTORY: Nicotine dependence, 40 a day."
    ep = build.code(text, [("K81.0", "Acute cholecystitis", "diagnosis"), ("F17.2", "Nicotine dependence", "social_history")])
    assert "F17.2" in build.codes(ep)
