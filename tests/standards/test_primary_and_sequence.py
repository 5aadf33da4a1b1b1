"""Choice of primary diagnosis, secondary selection, sequencing."""
from __future__ import annotations


def test_postoperative_outranks_preoperative_diagnosis(build):
    text = ("PREOPERATIVE DIAGNOSIS: Acute appendicitis.\n"
            "POSTOPERATIVE DIAGNOSIS: Mesenteric adenitis, normal appendix.")
    ep = build.code(text, [("K35.8", "Acute appendicitis", "preoperative_diagnosis"),
                           ("I88.0", "Mesenteric adenitis", "postoperative_diagnosis")])
    assert build.primary(ep) == "I88.0"
    assert "K35.8" not in build.codes(ep)  # not confirmed at operation


def test_histology_outranks_clinical_impression(build):
    text = ("DIAGNOSIS: Bladder tumour of uncertain behaviour.\n"
            "HISTOLOGY: High grade transitional cell carcinoma of bladder.")
    ep = build.code(text, [("D41.4", "Bladder tumour of uncertain behaviour", "diagnosis"),
                           ("C67.9", "transitional cell carcinoma of bladder", "histology")])
    assert build.codes(ep) == ["C67.9"]
    assert any("histology" in r for r in ep.diagnoses[0].rationale)


def test_histology_of_another_site_does_not_replace(build):
    text = "DIAGNOSIS: Basal cell carcinoma of the scalp.\nHISTOLOGY: Melanoma of the back."
    ep = build.code(text, [("C44.4", "Basal cell carcinoma of the scalp", "diagnosis"),
                           ("C43.5", "Melanoma of the back", "histology")])
    assert set(build.codes(ep)) == {"C44.4", "C43.5"}


def test_diagnosis_section_outranks_history(build):
    text = "HISTORY: known asthma, admitted with chest pain.\nDISCHARGE DIAGNOSIS: Community acquired pneumonia."
    ep = build.code(text, [("J45.9", "asthma", "history_present_illness"),
                           ("J18.9", "Community acquired pneumonia", "diagnosis")])
    assert build.primary(ep) == "J18.9"
    assert "J45.9" in build.codes(ep)  # mandatory comorbidity stays as a secondary


def test_first_listed_diagnosis_is_primary_when_sections_tie(build):
    text = "DISCHARGE DIAGNOSES:\n1. Haematuria.\n2. Benign prostatic hyperplasia.\n3. Osteoarthritis."
    ep = build.code(text, [("R31", "Haematuria", "diagnosis"),
                           ("N40", "Benign prostatic hyperplasia", "diagnosis"),
                           ("M19.99", "Osteoarthritis", "diagnosis")])
    assert build.primary(ep) == "R31"


def test_condition_operated_on_is_primary_in_a_surgical_episode(build):
    text = ("DIAGNOSES: Hypertension. Left inguinal hernia.\n"
            "PROCEDURE: Repair of left inguinal hernia with mesh.")
    ep = build.code(text, [("I10", "Hypertension", "diagnosis"),
                           ("K40.9", "Left inguinal hernia", "diagnosis")],
                    procedures=[("T20.2", "Repair of left inguinal hernia with mesh", "procedure",
                                 {"attributes": {"where": "statement"}})])
    assert build.primary(ep) == "K40.9"
    k40 = ep.diagnoses[0]
    assert any("operated on" in r for r in k40.rationale)


def test_status_code_never_primary(build):
    text = "DIAGNOSIS: Kidney transplant status. Acute kidney injury."
    ep = build.code(text, [("Z94.0", "Kidney transplant status", "diagnosis"),
                           ("N17.9", "Acute kidney injury", "diagnosis")])
    assert build.primary(ep) == "N17.9"


def test_no_diagnosis_gives_warning_and_query(build):
    text = "PROCEDURE: Temporal artery biopsy."
    ep = build.code(text, [])
    assert ep.diagnoses == []
    assert ep.warnings and ep.queries


def test_narrative_only_condition_left_out_when_diagnoses_are_stated(build):
    text = ("POSTOPERATIVE DIAGNOSIS: Left testicular torsion.\n"
            "PROCEDURE IN DETAIL: A small sebaceous cyst of the scrotal skin was noted. Hypertension noted.")
    ep = build.code(text, [("N44", "Left testicular torsion", "postoperative_diagnosis"),
                           ("L72.1", "sebaceous cyst", "description_of_procedure"),
                           ("I10", "Hypertension", "description_of_procedure")])
    assert build.codes(ep) == ["N44", "I10"]  # incidental cyst out, comorbidity in


def test_letter_without_statement_is_read_whole(build):
    text = "Dear Doctor, I saw this man with a right inguinal hernia. He also has gout."
    ep = build.code(text, [("K40.9", "right inguinal hernia", "other"), ("M10.99", "gout", "other")])
    assert build.codes(ep) == ["K40.9", "M10.99"]


def test_examination_codes_not_used_with_a_diagnosis(build):
    text = "DIAGNOSIS: Follow-up examination. Left renal calculus."
    ep = build.code(text, [("Z09.9", "Follow-up examination", "diagnosis"),
                           ("N20.0", "Left renal calculus", "diagnosis")])
    assert build.codes(ep) == ["N20.0"]


def test_one_code_per_mention(build):
    text = "DIAGNOSIS: Kidney stones."
    ep = build.code(text, [("N20.0", "Kidney stones", "diagnosis", {"score": 0.9}),
                           ("N20.9", "Kidney stones", "diagnosis", {"score": 0.4}),
                           ("N21.0", "Kidney stones", "diagnosis", {"score": 0.3})])
    assert build.codes(ep) == ["N20.0"]


def test_sequence_primary_conditions_comorbidities_then_z_codes(build):
    text = ("DIAGNOSES: Bladder calculus. Urinary retention. Diabetic nephropathy (type 2).\n"
            "PAST MEDICAL HISTORY: Hypertension. Kidney transplant.")
    ep = build.code(text, [("N21.0", "Bladder calculus", "diagnosis"),
                           ("R33", "Urinary retention", "diagnosis"),
                           ("Z94.0", "Kidney transplant", "past_medical_history"),
                           ("I10", "Hypertension", "past_medical_history"),
                           ("E11.2", "Diabetic nephropathy (type 2)", "diagnosis")])
    got = build.codes(ep)
    assert got[0] == "N21.0"
    assert got.index("N08.3") == got.index("E11.2") + 1
    assert got.index("E11.2") < got.index("I10") < got.index("Z94.0")
    assert got[-1] == "Z94.0"
    assert sum(d.primary for d in ep.diagnoses) == 1


def test_every_code_carries_evidence_and_rationale(build):
    text = "POSTOPERATIVE DIAGNOSIS: Acute cholecystitis with gallstones. PMH: hypertension."
    ep = build.code(text, [("K81.0", "Acute cholecystitis", "postoperative_diagnosis"),
                           ("K80.2", "gallstones", "postoperative_diagnosis"),
                           ("I10", "hypertension", "past_medical_history")])
    for d in ep.diagnoses:
        assert d.rationale, d.code
        assert d.evidence, d.code
        for ev in d.evidence:
            assert text[ev.start:ev.end] == ev.text


def test_same_words_prefer_the_code_they_say_not_other_specified(build):
    text = "OPERATIVE DIAGNOSES: Chronic sinusitis."
    ep = build.code(text, [("J32.8", "Chronic sinusitis", "postoperative_diagnosis"),
                           ("J32.9", "Chronic sinusitis", "postoperative_diagnosis")])
    assert build.codes(ep) == ["J32.9"]


def test_organ_operated_on_decides_between_listed_diagnoses(build):
    # bladder calculus broken up (M44.1): the calculus, not the prostatism listed first, is primary
    text = ("POSTOPERATIVE DIAGNOSES: 1. Prostatism. 2. Bladder calculus.\n"
            "OPERATION: Holmium laser cystolitholapaxy.")
    ep = build.code(text, [("N40", "Prostatism", "postoperative_diagnosis"),
                           ("N21.0", "Bladder calculus", "postoperative_diagnosis")],
                    procedures=[("M44.1", "Holmium laser cystolitholapaxy", "procedure",
                                 {"attributes": {"where": "statement"}})])
    assert build.primary(ep) == "N21.0"
    assert "N40" in build.codes(ep)


def test_complication_word_in_operative_narrative_is_not_a_complication(build):
    text = ("POSTOPERATIVE DIAGNOSIS: Right inguinal hernia.\n"
            "DESCRIPTION OF PROCEDURE: The wound was closed with absorbable sutures.")
    ep = build.code(text, [("K40.9", "Right inguinal hernia", "postoperative_diagnosis"),
                           ("T81.3", "sutures", "description_of_procedure")])
    assert build.codes(ep) == ["K40.9"]


def test_complication_stated_under_complications_is_coded_with_cause(build):
    text = ("POSTOPERATIVE DIAGNOSIS: Right inguinal hernia.\n"
            "COMPLICATIONS: Accidental puncture of the bowel during the operation, repaired.")
    ep = build.code(text, [("K40.9", "Right inguinal hernia", "postoperative_diagnosis"),
                           ("T81.2", "Accidental puncture of the bowel", "complications")])
    assert build.codes(ep) == ["K40.9", "T81.2", "Y60.0"]


def test_acute_form_before_chronic_form(build):
    text = "DIAGNOSES: Chronic kidney disease stage 3. Acute kidney injury. Hypertension."
    ep = build.code(text, [("N18.3", "Chronic kidney disease stage 3", "diagnosis"),
                           ("N17.9", "Acute kidney injury", "diagnosis"), ("I10", "Hypertension", "diagnosis")])
    got = build.codes(ep)
    assert got[0] == "N17.9" and got[1] == "N18.3"


def test_residual_condition_before_its_sequela_code(build):
    text = ("POSTOPERATIVE DIAGNOSIS: Late effect of obstetric injury. Rectovaginal fistula.")
    ep = build.code(text, [("O94", "Late effect of obstetric injury", "postoperative_diagnosis"),
                           ("N82.3", "Rectovaginal fistula", "postoperative_diagnosis")])
    assert build.codes(ep) == ["N82.3", "O94"]


def test_narrative_run_on_under_a_procedure_heading_is_not_a_statement(build):
    narrative = "The patient was taken to theatre and positioned supine. " * 8
    text = ("POSTOPERATIVE DIAGNOSIS: Left testicular torsion.\n"
            "PROCEDURE: Left orchidopexy. " + narrative + "A small hydrocele was noted.")
    ep = build.code(text, [("N44", "Left testicular torsion", "postoperative_diagnosis"),
                           ("N43.3", "hydrocele", "procedure")])
    assert build.codes(ep) == ["N44"]
    text = "POSTOPERATIVE DIAGNOSIS: Left testicular torsion.\nPROCEDURE: Left orchidopexy and repair of hydrocele."
    ep = build.code(text, [("N44", "Left testicular torsion", "postoperative_diagnosis"),
                           ("N43.3", "hydrocele", "procedure")])
    assert build.codes(ep) == ["N44", "N43.3"]


def test_run_on_narrative_under_procedure_heading_weighs_as_narrative_for_primary(build):
    narrative = "The patient was placed supine and the abdomen prepared and draped. " * 6
    text = ("PROCEDURE: Laparoscopy. " + narrative + "His hypertension was controlled by anaesthesia.\n"
            "FINDINGS: Acute appendicitis.")
    ep = build.code(text, [("I10", "hypertension", "procedure"),
                           ("K35.8", "Acute appendicitis", "findings")])
    assert build.primary(ep) == "K35.8"
    assert "I10" in build.codes(ep)  # still coded: a comorbidity


def test_admission_for_chemotherapy_puts_z51_1_first(build):
    text = "DIAGNOSIS: Carcinoma of the sigmoid colon.\nPROCEDURE: Admitted for cycle 3 of chemotherapy."
    ep = build.code(text, [("C18.7", "Carcinoma of the sigmoid colon", "diagnosis"),
                           ("Z51.1", "chemotherapy", "procedure")])
    assert build.codes(ep) == ["Z51.1", "C18.7"]


def test_closure_of_a_stoma_is_attention_to_artificial_opening(build):
    # ICD-10 Z43 includes closure: the Z code is the main condition (Chapter XXI, Z40-Z54)
    text = ("POSTOPERATIVE DIAGNOSIS: Persistent gastrocutaneous fistula after removal of gastrostomy tube.\n"
            "PROCEDURE: Closure of gastrostomy.")
    procedures = [("G34.4", "Closure of gastrostomy", "procedure", {"attributes": {"where": "statement"}})]
    ep = build.code(text, [("L98.8", "fistula", "postoperative_diagnosis")], procedures=procedures)
    assert build.primary(ep) == "Z43.1"
    assert any("closure of gastrostomy" in r for r in ep.diagnoses[0].rationale)
    assert ep.diagnoses[0].evidence[0].text == "Closure of gastrostomy"


def test_complication_of_the_stoma_is_coded_instead_of_attention(build):
    text = ("DIAGNOSIS: Colostomy malfunction with prolapse.\n"
            "PROCEDURE: Closure of colostomy.")
    procedures = [("H15.4", "Closure of colostomy", "procedure", {"attributes": {"where": "statement"}})]
    ep = build.code(text, [("K91.4", "Colostomy malfunction", "diagnosis")], procedures=procedures)
    assert "Z43.3" not in build.codes(ep)
    assert build.primary(ep) == "K91.4"


def test_known_behaviour_outranks_unspecified_tumour_of_the_same_site(build):
    text = ("CT showed a renal tumour. Admitted for left nephrectomy.\n"
            "Discharge diagnosis: clear cell renal cell carcinoma of the left kidney.")
    ep = build.code(text, [("D41.0", "renal tumour", "other"),
                           ("C64", "renal cell carcinoma of the left kidney", "diagnosis")])
    assert build.codes(ep) == ["C64"]
    assert any("D41.0" in r for r in ep.diagnoses[0].rationale)


def test_unspecified_tumour_of_another_site_is_kept(build):
    text = "Renal cell carcinoma of the left kidney. Incidental bladder tumour, awaiting cystoscopy."
    ep = build.code(text, [("C64", "Renal cell carcinoma of the left kidney", "diagnosis"),
                           ("D41.4", "bladder tumour", "diagnosis")])
    assert set(build.codes(ep)) == {"C64", "D41.4"}


def test_behaviour_stated_as_uncertain_is_kept(build):
    text = "Ovarian tumour of borderline malignancy. Carcinoma of the ovary on the other side."
    ep = build.code(text, [("D39.1", "Ovarian tumour of borderline malignancy", "diagnosis"),
                           ("C56", "Carcinoma of the ovary", "diagnosis")])
    assert set(build.codes(ep)) == {"D39.1", "C56"}


def test_condition_admitted_with_outranks_a_comorbidity_mentioned_first(build):
    text = "Known HIV. Admitted with community acquired pneumonia, treated with antibiotics."
    ep = build.code(text, [("B24", "HIV", "other"), ("J18.9", "community acquired pneumonia", "other")])
    assert build.primary(ep) == "J18.9"
    assert "B24" in build.codes(ep)  # the comorbidity stays as a secondary diagnosis


def test_without_an_admission_statement_the_first_listed_stays_primary(build):
    text = "Known HIV. Community acquired pneumonia, treated with antibiotics."
    ep = build.code(text, [("B24", "HIV", "other"), ("J18.9", "Community acquired pneumonia", "other")])
    assert build.primary(ep) == "B24"


def test_sepsis_is_sequenced_before_its_localised_infection(build):
    text = "Diagnosis: sepsis secondary to a urinary tract infection."
    ep = build.code(text, [("A41.9", "sepsis", "diagnosis"), ("N39.0", "urinary tract infection", "diagnosis")])
    assert build.primary(ep) == "A41.9"
    assert "N39.0" in build.codes(ep)


def test_an_infection_without_sepsis_keeps_its_place(build):
    text = "Diagnosis: urinary tract infection secondary to a long-term catheter. Hypertension."
    ep = build.code(text, [("N39.0", "urinary tract infection", "diagnosis"), ("I10", "Hypertension", "diagnosis")])
    assert build.primary(ep) == "N39.0"
