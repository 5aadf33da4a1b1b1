"""Certainty and time: negated, ruled out, uncertain, family and past-history findings."""
from __future__ import annotations


def test_negated_condition_is_not_coded(build):
    text = "DIAGNOSIS: Acute appendicitis. No evidence of perforation or peritonitis."
    ep = build.code(text, [("K35.8", "Acute appendicitis", "diagnosis"),
                           ("K65.9", "peritonitis", "diagnosis", {"negated": True})])
    assert build.codes(ep) == ["K35.8"]


def test_rule_out_is_not_coded_and_symptom_stays_primary(build):
    # house example: temporal artery biopsy to rule out temporal arteritis -> R51
    text = "INDICATION: Headache. Temporal artery biopsy to rule out temporal arteritis."
    ep = build.code(text, [("R51", "Headache", "indications"),
                           ("M31.6", "temporal arteritis", "indications", {"hypothetical": True})])
    assert build.codes(ep) == ["R51"]
    assert build.primary(ep) == "R51"


def test_uncertain_diagnosis_coded_as_confirmed(build):
    text = "FINAL DIAGNOSIS: Probable squamous cell carcinoma of the base of tongue."
    ep = build.code(text, [("C01", "squamous cell carcinoma of the base of tongue", "diagnosis", {"uncertain": True})])
    assert build.primary(ep) == "C01"
    assert any("coded as if confirmed" in r for r in ep.diagnoses[0].rationale)


def test_family_history_condition_is_not_the_patients(build):
    text = "DIAGNOSIS: Haematuria. FAMILY HISTORY: father had bladder cancer."
    ep = build.code(text, [("R31", "Haematuria", "diagnosis"),
                           ("C67.9", "bladder cancer", "family_history", {"family": True})])
    assert build.codes(ep) == ["R31"]


def test_past_history_condition_dropped_but_mandatory_comorbidity_kept(build):
    text = ("DIAGNOSIS: Benign prostatic hyperplasia. PAST MEDICAL HISTORY: nephrolithiasis, hypertension, "
            "atrial fibrillation.")
    ep = build.code(text, [("N40", "Benign prostatic hyperplasia", "diagnosis"),
                           ("N20.0", "nephrolithiasis", "past_medical_history", {"historical": True}),
                           ("I10", "hypertension", "past_medical_history"),
                           ("I48.9", "atrial fibrillation", "past_medical_history")])
    assert build.codes(ep)[0] == "N40"
    assert "N20.0" not in build.codes(ep)
    assert {"I10", "I48.9"} <= set(build.codes(ep))
    i10 = next(d for d in ep.diagnoses if d.code == "I10")
    assert any("comorbidity" in r for r in i10.rationale)


def test_past_history_is_never_primary_over_current_condition(build):
    text = "PAST MEDICAL HISTORY: Diabetes mellitus type 2. HISTORY: admitted with acute cholecystitis."
    ep = build.code(text, [("E11.9", "Diabetes mellitus type 2", "past_medical_history"),
                           ("K81.0", "acute cholecystitis", "history_present_illness")])
    assert build.primary(ep) == "K81.0"


def test_alternative_diagnoses_code_the_first(build):
    # ICD-10 rule MB5: "A versus B" -> A
    text = "DISCHARGE DIAGNOSES: Complex renal cyst versus renal cell carcinoma."
    ep = build.code(text, [("N28.1", "Complex renal cyst", "diagnosis"),
                           ("C64", "renal cell carcinoma", "diagnosis", {"uncertain": True})])
    assert build.codes(ep) == ["N28.1"]
    assert any("MB5" in r for r in ep.diagnoses[0].rationale)


def test_condition_only_in_review_of_systems_is_not_coded(build):
    text = "DIAGNOSIS: Inguinal hernia, left. REVIEW OF SYSTEMS: positive for constipation."
    ep = build.code(text, [("K40.9", "Inguinal hernia, left", "diagnosis"),
                           ("K59.0", "constipation", "review_of_systems")])
    assert build.codes(ep) == ["K40.9"]


def test_words_of_the_patients_age_are_not_a_condition(build):
    text = "HISTORY: A 45-year-old man presented with acute appendicitis."
    ep = build.code(text, [("I25.2", "old", "history_present_illness"),
                           ("K35.8", "acute appendicitis", "history_present_illness")])
    assert build.codes(ep) == ["K35.8"]


def test_rule_out_in_the_sentence_is_not_coded_even_without_a_context_flag(build):
    text = "PROCEDURE: Temporal artery biopsy to rule out temporal arteritis. INDICATION: Headache."
    ep = build.code(text, [("M31.6", "temporal arteritis", "procedure"), ("R51", "Headache", "indications")])
    assert build.codes(ep) == ["R51"]


def test_learned_association_alone_is_not_coded(build):
    # "percussion" statistically co-occurs with fatigue in training reports; it documents nothing
    text = "DIAGNOSES: 1. Community-acquired pneumonia. 2. Dullness to percussion at the right base."
    ep = build.code(text, [("J18.9", "Community-acquired pneumonia", "diagnosis"),
                           ("R53", "percussion", "diagnosis", {"attributes": {"kind": "learned"}})])
    assert build.codes(ep) == ["J18.9"]


def test_finding_below_the_finders_cut_off_is_not_coded(build):
    text = "DIAGNOSES: 1. Acute appendicitis.\nHISTORY OF PRESENT ILLNESS: an old scar on the abdomen."
    cut = {"threshold": 0.15, "kind": "lexicon"}
    ep = build.code(text, [("K35.8", "Acute appendicitis", "diagnosis", {"score": 0.9, "attributes": dict(cut)}),
                           ("L90.5", "scar", "history_present_illness", {"score": 0.05, "attributes": dict(cut)})])
    assert build.codes(ep) == ["K35.8"]


def test_condition_in_the_diagnosis_statement_is_coded_whatever_its_score(build):
    # the clinician's diagnosis list documents the condition; the CodiEsp-trained score only ranks
    # what the narrative mentions
    text = "POSTOPERATIVE DIAGNOSES: Benign prostatic hyperplasia. Bladder calculus.\nHISTORY: he has a scar."
    cut = {"threshold": 0.2, "kind": "lexicon"}
    specs = [("N40", "Benign prostatic hyperplasia", "postoperative_diagnosis", {"score": 0.9, "attributes": dict(cut)}),
             ("N21.0", "Bladder calculus", "postoperative_diagnosis", {"score": 0.1, "attributes": dict(cut)}),
             ("L90.5", "scar", "history_present_illness", {"score": 0.1, "attributes": dict(cut)})]
    ep = build.code(text, specs)
    assert sorted(build.codes(ep)) == ["N21.0", "N40"]
    learned = {"threshold": 0.2, "kind": "learned"}
    ep = build.code(text, specs[:1] + [("N21.0", "Bladder calculus", "postoperative_diagnosis",
                                        {"score": 0.1, "attributes": learned})])
    assert build.codes(ep) == ["N40"]
