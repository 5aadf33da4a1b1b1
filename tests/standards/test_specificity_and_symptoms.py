"""Specificity, combination codes, overlapping sites, and symptoms of definitive diagnoses."""
from __future__ import annotations

import pytest


def test_more_specific_code_of_same_category_wins(build):
    text = "DIAGNOSES: Type 2 diabetes mellitus. Diabetic nephropathy due to type 2 diabetes."
    ep = build.code(text, [("E11.9", "Type 2 diabetes mellitus", "diagnosis"),
                           ("E11.2", "Diabetic nephropathy due to type 2 diabetes", "diagnosis")])
    assert "E11.9" not in build.codes(ep)
    assert "E11.2" in build.codes(ep)


def test_category_gives_way_to_its_subdivision(build):
    text = "DIAGNOSIS: Gallstones. Ultrasound: calculus of gallbladder without cholecystitis."
    ep = build.code(text, [("K80", "Gallstones", "diagnosis"),
                           ("K80.2", "calculus of gallbladder without cholecystitis", "imaging")])
    assert build.codes(ep) == ["K80.2"]


def test_unspecified_diabetes_gives_way_to_stated_type(build):
    text = "DIAGNOSIS: Cellulitis of leg. PMH: diabetes. Type 1 diabetes on insulin."
    ep = build.code(text, [("L03.1", "Cellulitis of leg", "diagnosis"),
                           ("E14.9", "diabetes", "past_medical_history"),
                           ("E10.9", "Type 1 diabetes", "past_medical_history")])
    assert "E14.9" not in build.codes(ep) and "E10.9" in build.codes(ep)
    assert not any("type of diabetes" in q.question for q in ep.queries)


def test_combination_gallstone_with_acute_cholecystitis(build):
    text = "DIAGNOSIS: Acute cholecystitis. Gallstones in the gallbladder."
    ep = build.code(text, [("K81.0", "Acute cholecystitis", "diagnosis"),
                           ("K80.2", "Gallstones in the gallbladder", "diagnosis")])
    assert build.codes(ep) == ["K80.0"]
    k800 = ep.diagnoses[0]
    assert k800.primary
    assert len(k800.evidence) == 2  # both parts' words justify the combination
    assert any("combination" in r for r in k800.rationale)


def test_combination_obstructive_uropathy_with_infection(build):
    text = "DIAGNOSIS: Obstructive uropathy with urinary tract infection."
    ep = build.code(text, [("N13.9", "Obstructive uropathy", "diagnosis"),
                           ("N39.0", "urinary tract infection", "diagnosis")])
    assert build.codes(ep) == ["N13.6"]


def test_copd_with_pneumonia_keeps_the_infection_code(build):
    text = "DIAGNOSIS: Community acquired pneumonia. Background COPD."
    ep = build.code(text, [("J18.9", "Community acquired pneumonia", "diagnosis"),
                           ("J44.9", "COPD", "diagnosis")])
    assert set(build.codes(ep)) == {"J44.0", "J18.9"}


def test_hypertension_and_ckd_are_not_combined_without_a_stated_link(build):
    text = "DIAGNOSES: Pyonephrosis. Chronic kidney disease. Hypertension."
    ep = build.code(text, [("N13.6", "Pyonephrosis", "diagnosis"), ("N18.9", "Chronic kidney disease", "diagnosis"),
                           ("I10", "Hypertension", "diagnosis")])
    assert {"N18.9", "I10"} <= set(build.codes(ep))
    assert not any(c.startswith("I12") for c in build.codes(ep))


def test_overlapping_sub_sites_of_one_neoplasm(build):
    text = "DIAGNOSIS: Transitional cell carcinoma of the lateral wall and posterior wall of bladder."
    ep = build.code(text, [("C67.2", "lateral wall", "diagnosis"), ("C67.4", "posterior wall of bladder", "diagnosis")])
    assert build.codes(ep) == ["C67.8"]


def test_code_carried_to_uk_fifth_character(build):
    text = "PAST MEDICAL HISTORY: Osteoarthritis."
    ep = build.code(text, [("M19.9", "Osteoarthritis", "past_medical_history")])
    assert build.codes(ep) == ["M19.99"]


def test_no_duplicate_codes(build):
    text = "PREOPERATIVE DIAGNOSIS: Bladder calculus. POSTOPERATIVE DIAGNOSIS: Bladder calculus."
    ep = build.code(text, [("N21.0", "Bladder calculus", "preoperative_diagnosis"),
                           ("N21.0", "Bladder calculus", "postoperative_diagnosis", {}),])
    assert build.codes(ep) == ["N21.0"]


def test_symptom_of_definitive_diagnosis_not_coded(build):
    text = "DIAGNOSIS: Transitional cell carcinoma of bladder. Presented with gross haematuria."
    ep = build.code(text, [("C67.9", "Transitional cell carcinoma of bladder", "diagnosis"),
                           ("R31", "gross haematuria", "history_present_illness")])
    assert build.codes(ep) == ["C67.9"]
    assert any("R31" in r and "symptom" in r for r in ep.diagnoses[0].rationale)


def test_symptom_without_related_diagnosis_is_primary(build):
    text = "DIAGNOSIS: Abdominal pain, cause not found. PMH: hypertension."
    ep = build.code(text, [("R10.4", "Abdominal pain", "diagnosis"), ("I10", "hypertension", "past_medical_history")])
    assert build.primary(ep) == "R10.4"


def test_symptom_kept_when_diagnosis_is_unrelated(build):
    text = "DIAGNOSES: Haematuria. Osteoarthritis of knee."
    ep = build.code(text, [("R31", "Haematuria", "diagnosis"), ("M17.9", "Osteoarthritis of knee", "diagnosis")])
    assert set(build.codes(ep)) == {"R31", "M17.9"}


def test_house_policy_retention_coded_with_bph(build):
    text = "DIAGNOSIS: Urinary retention secondary to benign prostatic hyperplasia."
    ep = build.code(text, [("R33", "Urinary retention", "diagnosis"), ("N40", "benign prostatic hyperplasia", "diagnosis")])
    assert set(build.codes(ep)) == {"R33", "N40"}


def test_house_policy_haematuria_not_attributed_to_a_stone(build):
    text = "DIAGNOSIS: Right renal calculus. Microscopic haematuria."
    ep = build.code(text, [("N20.0", "Right renal calculus", "diagnosis"), ("R31", "Microscopic haematuria", "diagnosis")])
    assert set(build.codes(ep)) == {"N20.0", "R31"}
    assert build.primary(ep) == "N20.0"


def test_symptom_code_outside_chapter_xviii(build):
    text = "DIAGNOSIS: Right ureteric calculus. Renal colic."
    ep = build.code(text, [("N20.1", "Right ureteric calculus", "diagnosis"), ("N23", "Renal colic", "diagnosis")])
    assert build.codes(ep) == ["N20.1"]


def test_diabetes_type_not_stated_becomes_e14_with_query(build):
    text = "DIAGNOSIS: Bladder calculus. He is a diabetic with obesity."
    ep = build.code(text, [("N21.0", "Bladder calculus", "diagnosis"), ("E11.9", "diabetic", "diagnosis")])
    assert "E14.9" in build.codes(ep) and "E11.9" not in build.codes(ep)
    assert any(q.code == "E14.9" for q in ep.queries)


def test_diabetes_type_stated_is_kept(build):
    text = "DIAGNOSIS: Bladder calculus. Type 2 diabetes mellitus on metformin."
    ep = build.code(text, [("N21.0", "Bladder calculus", "diagnosis"), ("E11.9", "Type 2 diabetes mellitus", "diagnosis")])
    assert "E11.9" in build.codes(ep)
    assert not any(q.code and q.code.startswith("E1") for q in ep.queries)


def test_musculoskeletal_site_character_from_the_text(build):
    text = "POSTOPERATIVE DIAGNOSIS: Degenerative joint disease, right shoulder."
    ep = build.code(text, [("M19.99", "Degenerative joint disease", "postoperative_diagnosis")])
    assert build.codes(ep) == ["M19.91"]
    text = "PAST MEDICAL HISTORY: Gout."
    ep = build.code(text, [("M10.9", "Gout", "past_medical_history")])
    assert build.codes(ep) == ["M10.99"]  # no site documented: site unspecified


def test_multiple_sites_character_needs_the_text_to_say_so(build):
    text = "POSTOPERATIVE DIAGNOSIS: Degenerative joint disease."
    ep = build.code(text, [("M19.90", "Degenerative joint disease", "postoperative_diagnosis")])
    assert build.codes(ep) == ["M19.99"]
    text = "DIAGNOSIS: Generalised osteoarthritis of multiple joints."
    ep = build.code(text, [("M19.90", "osteoarthritis", "diagnosis")])
    assert build.codes(ep) == ["M19.90"]


def test_site_taken_from_the_diagnosis_statement_before_the_narrative(build):
    text = ("POSTOPERATIVE DIAGNOSIS: Degenerative joint disease of the right shoulder.\n"
            "DESCRIPTION OF PROCEDURE: The arthritic humeral head was resurfaced.")
    ep = build.code(text, [("M19.90", "Degenerative joint disease", "postoperative_diagnosis"),
                           ("M19.90", "arthritic", "description_of_procedure")])
    assert build.codes(ep) == ["M19.91"]


def test_unspecified_pain_gives_way_to_pain_by_site(build):
    # ICD-10 tabular R52 Excl.: localized pain is coded to pain by site
    text = "DIAGNOSIS: Lower abdominal pain. Pain after meals."
    ep = build.code(text, [("R10.3", "Lower abdominal pain", "diagnosis"), ("R52.9", "Pain after meals", "diagnosis")])
    assert build.codes(ep) == ["R10.3"]
    text = "DIAGNOSIS: Pain, site not documented."
    ep = build.code(text, [("R52.9", "Pain", "diagnosis")])
    assert build.codes(ep) == ["R52.9"]


def test_pleural_effusion_gives_way_to_haemothorax(build):
    text = "DIAGNOSIS: Right haemothorax. CXR: large right pleural effusion."
    ep = build.code(text, [("J94.2", "Right haemothorax", "diagnosis"), ("J90", "pleural effusion", "imaging")])
    assert build.codes(ep) == ["J94.2"]


def test_one_tumour_across_contiguous_categories_is_the_overlapping_lesion(build):
    # WHO ICD-10 Chapter II note 5: one lesion across sites of different categories -> C14.8
    text = "DIAGNOSIS: Squamous cell carcinoma of the right tonsil and soft palate."
    ep = build.code(text, [("C09.9", "carcinoma of the right tonsil", "diagnosis"),
                           ("C05.1", "carcinoma of the right tonsil and soft palate", "diagnosis")])
    assert build.codes(ep) == ["C14.8"]


def test_two_tumours_in_separate_mentions_keep_their_sites(build):
    text = "DIAGNOSES: Carcinoma of the tongue. Carcinoma of the tonsil treated in 2010."
    ep = build.code(text, [("C02.9", "Carcinoma of the tongue", "diagnosis"),
                           ("C09.9", "Carcinoma of the tonsil", "diagnosis")])
    assert sorted(build.codes(ep)) == ["C02.9", "C09.9"]


def test_ill_defined_head_and_neck_site_gives_way_to_the_documented_site(build):
    text = ("POSTOPERATIVE DIAGNOSIS: Head and neck cancer.\n"
            "HISTORY: biopsy showed squamous cell carcinoma of the right tonsil.")
    ep = build.code(text, [("C76.0", "Head and neck cancer", "postoperative_diagnosis"),
                           ("C09.9", "squamous cell carcinoma of the right tonsil", "history_present_illness")])
    assert build.codes(ep) == ["C09.9"]
    assert build.primary(ep) == "C09.9"


def test_perinatal_conditions_in_a_baby_are_coded_to_chapter_xvi(build):
    # Chapter XVI includes conditions of perinatal origin even when morbidity occurs later
    text = ("INDICATION: 2-month-old infant, born premature with intraventricular hemorrhage.\n"
            "POSTOPERATIVE DIAGNOSIS: Hydrocephalus.")
    ep = build.code(text, [("P07.3", "born premature", "indications"),
                           ("I61.5", "intraventricular hemorrhage", "indications"),
                           ("G91.9", "Hydrocephalus", "postoperative_diagnosis")])
    assert sorted(build.codes(ep)) == ["P07.3", "P52.3", "P91.7"]
    assert build.primary(ep) == "P91.7"


def test_adult_and_older_infant_conditions_keep_their_chapters(build):
    text = "DIAGNOSIS: 72-year-old man with intraventricular hemorrhage and hydrocephalus."
    ep = build.code(text, [("I61.5", "intraventricular hemorrhage", "diagnosis"), ("G91.9", "hydrocephalus", "diagnosis")])
    assert sorted(build.codes(ep)) == ["G91.9", "I61.5"]
    text = "DIAGNOSIS: 6-month-old infant with a urinary tract infection."
    ep = build.code(text, [("N39.0", "urinary tract infection", "diagnosis")])
    assert build.codes(ep) == ["N39.0"]  # no perinatal origin documented
    text = "DIAGNOSIS: 45 days of life, a preterm newborn, admitted with dyspnoea."
    ep = build.code(text, [("P07.3", "preterm newborn", "diagnosis"), ("R06.0", "dyspnoea", "diagnosis")])
    assert "R06.0" in build.codes(ep)  # a new condition at six weeks, not respiratory distress of newborn


def test_the_mothers_episode_is_not_read_as_the_newborns(build):
    text = "DIAGNOSIS: Spontaneous vaginal delivery of a healthy newborn. Intraventricular haemorrhage."
    ep = build.code(text, [("O80.0", "Spontaneous vaginal delivery", "diagnosis"),
                           ("I61.5", "Intraventricular haemorrhage", "diagnosis")])
    assert "P52.3" not in build.codes(ep)


def test_an_ill_defined_site_is_not_a_second_site_of_one_tumour(build):
    text = "DIAGNOSIS: Gastric adenocarcinoma affecting the gastrointestinal junction."
    ep = build.code(text, [("C16.9", "Gastric adenocarcinoma", "diagnosis"),
                           ("C26.9", "adenocarcinoma affecting the gastrointestinal junction", "diagnosis")])
    assert "C26.8" not in build.codes(ep)


def test_two_readings_of_one_site_are_not_one_tumour_across_sites(build):
    text = "DIAGNOSIS: Transitional cell carcinoma of the renal pelvis."
    ep = build.code(text, [("C64", "cell carcinoma of the renal", "diagnosis"),
                           ("C65", "carcinoma of the renal pelvis", "diagnosis")])
    assert "C68.8" not in build.codes(ep)


def test_swelling_is_part_of_cellulitis_and_dental_abscess(build):
    text = "DIAGNOSIS: Cellulitis of the penis with swelling. Left facial swelling from a dental abscess."
    ep = build.code(text, [("L03.9", "Cellulitis of the penis", "diagnosis"), ("R60.9", "swelling", "diagnosis"),
                           ("R22.0", "facial swelling", "diagnosis"), ("K04.7", "dental abscess", "diagnosis")])
    assert sorted(build.codes(ep)) == ["K04.7", "L03.9"]


def test_bleeding_is_part_of_a_missed_abortion_and_pain_of_an_infected_prosthesis(build):
    text = "DIAGNOSIS: Missed abortion with heavy bleeding."
    ep = build.code(text, [("O02.1", "Missed abortion", "diagnosis"), ("R58", "bleeding", "diagnosis")])
    assert build.codes(ep) == ["O02.1"]
    text = "DIAGNOSIS: Infected left total knee arthroplasty. Knee pain."
    ep = build.code(text, [("T84.5", "Infected left total knee arthroplasty", "diagnosis"), ("R52.9", "pain", "diagnosis")])
    assert "R52.9" not in build.codes(ep)


def test_valve_stenosis_with_insufficiency_is_one_code(build):
    text = "POSTOPERATIVE DIAGNOSES: Calcific aortic stenosis. Moderate aortic insufficiency."
    ep = build.code(text, [("I35.0", "Calcific aortic stenosis", "postoperative_diagnosis"),
                           ("I35.1", "aortic insufficiency", "postoperative_diagnosis")])
    assert build.codes(ep) == ["I35.2"]


def test_cardiac_arrest_survived_is_successful_resuscitation(build):
    text = "INDICATIONS: Intubated patient brought from the emergency room after a cardiac arrest."
    ep = build.code(text, [("I46.9", "cardiac arrest", "indications")])
    assert build.codes(ep) == ["I46.0"]
    text = "DIAGNOSIS: Cardiac arrest. Despite resuscitation the patient died at 14:05."
    ep = build.code(text, [("I46.9", "Cardiac arrest", "diagnosis")])
    assert build.codes(ep) == ["I46.9"]


@pytest.mark.parametrize("text, found, expected", [
    ("Diagnosis: osteoarthritis of the right knee.", "osteoarthritis of the right knee", "M17.1"),
    ("Diagnosis: osteoarthritis of both knees.", "osteoarthritis of both knees", "M17.0"),
    ("Diagnosis: left hip osteoarthritis.", "left hip osteoarthritis", "M16.1"),
    ("Diagnosis: osteoarthritis of the knee.", "osteoarthritis of the knee", "M17.9"),  # no side stated
])
def test_hip_and_knee_arthrosis_take_the_stated_side(build, text, found, expected):
    code = "M16.9" if "hip" in found else "M17.9"
    ep = build.code(text, [(code, found, "diagnosis")])
    assert build.codes(ep) == [expected]
