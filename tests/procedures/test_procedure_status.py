"""Done, abandoned, planned, negated and historical procedures; notes without a procedure heading."""
from __future__ import annotations


def test_planned_procedure_in_plan_section_is_not_coded(code_note):
    codes, *_ = code_note("PROCEDURE: OGD.\nFINDINGS: Normal.\nPLAN: Colonoscopy in six weeks.\n")
    assert codes == ["G45.9"]


def test_negated_procedure_is_not_coded(code_note):
    codes, *_ = code_note("PROCEDURE: Flexible sigmoidoscopy.\nFINDINGS: Colonoscopy was not performed because of poor bowel preparation.\n")
    assert codes == ["H25.9"]


def test_historical_procedure_is_not_coded(code_note):
    text = ("HISTORY OF PRESENT ILLNESS: He had a TURP 10 years ago.\n"
            "PROCEDURE: Flexible cystoscopy.\nFINDINGS: Regrowth of the prostate.\n")
    codes, *_ = code_note(text)
    assert codes == ["M45.9"]


def test_abandoned_component_is_not_coded_when_the_operation_went_on(code_note):
    codes, _, _, warnings = code_note(
        "PROCEDURE: 1. Attempted percutaneous endoscopic gastrostomy, abandoned. 2. Open gastrostomy.\n")
    assert codes == ["G34.2"]
    assert any("abandoned" in w for w in warnings)


def test_abandoned_procedure_alone_is_coded_to_the_stage_reached(code_note):
    codes, assignments, _, _ = code_note("PROCEDURE: Failed flexible cystoscopy (urethral stricture).\n")
    assert codes == ["M45.9"]
    assert any("PGCS3" in r for r in assignments[0].rationale)


def test_consultation_with_only_planned_surgery_has_no_procedures(code_note):
    text = ("CHIEF COMPLAINT: Haematuria.\nHISTORY OF PRESENT ILLNESS: Two episodes of painless haematuria.\n"
            "PLAN: We will schedule him for cystoscopy and a CT urogram. He may need a TURBT.\n")
    codes, *_ = code_note(text)
    assert codes == []


def test_discharge_summary_without_heading_uses_the_hospital_course(code_note):
    text = ("DISCHARGE DIAGNOSIS: Acute appendicitis.\n"
            "HOSPITAL COURSE: She was taken to theatre on day 1 and underwent laparoscopic appendicectomy. "
            "She recovered well.\nFOLLOW UP: Clinic in 6 weeks for review and possible colonoscopy.\n")
    codes, *_ = code_note(text)
    assert codes == ["H01.2", "Y75.2"]


def test_access_endoscopy_dropped_but_diagnostic_endoscopy_alone_kept(code_note):
    assert code_note("PROCEDURE: Cystoscopy and TURP.\n")[0] == ["M65.3"]
    assert code_note("PROCEDURE: Cystoscopy.\n")[0] == ["M45.9"]


def test_hysteroscopy_with_non_endoscopic_curettage_keeps_both(code_note):
    codes, *_ = code_note("PROCEDURE: Hysteroscopy and D&C.\n")
    assert set(codes) == {"Q10.3", "Q18.9"}


def test_episode_of_several_documents(finder, classifications):
    from clincode.coding import Document
    from clincode.standards.procedures import code_procedures
    from clincode.text import parse_document

    op_note = Document(id="op.txt", text="PROCEDURE: Laparoscopic cholecystectomy.\nFINDINGS: Chronic cholecystitis.\n")
    letter = Document(id="letter.txt", text=(
        "Dear Dr Smith, I saw Mrs Jones in the urology clinic today. I performed a flexible cystoscopy, "
        "which was normal. We will see her again in six months for a repeat ultrasound.\n"))
    parsed = [parse_document(op_note), parse_document(letter)]
    assignments, _, _ = code_procedures(finder.find(parsed), classifications, parsed)
    assert [a.code for a in assignments] == ["J18.3", "Y75.2", "M45.9"]
    assert assignments[-1].evidence[0].document == "letter.txt"


def test_diagnostic_laparoscopy_is_the_access_for_a_laparoscopic_operation(code_note):
    assert code_note("PROCEDURE: Diagnostic laparoscopy and laparoscopic appendicectomy.\n")[0] == ["H01.2", "Y75.2"]


def test_ogd_is_not_the_access_for_a_laparoscopic_operation(code_note):
    codes = code_note("PROCEDURE: OGD and laparoscopic Nissen fundoplication.\n")[0]
    assert codes == ["G24.3", "Y75.2", "G45.9"]


def test_procedures_none_means_none(code_note):
    text = ("DISCHARGE DIAGNOSIS: Community acquired pneumonia.\nPROCEDURES: None.\n"
            "HOSPITAL COURSE: Treated with antibiotics. Bronchoscopy on day 2 showed purulent secretions.\n")
    assert code_note(text)[0] == []
    assert code_note(text.replace("PROCEDURES: None.\n", ""))[0] == ["E49.9"]  # the rule is what drops it


def test_prior_to_is_not_history(code_note):
    text = ("OPERATION: Transurethral resection of bladder tumour.\n"
            "DETAILS OF THE OPERATION: Prior to the resection a right ureteric stent was inserted "
            "as the tumour was close to the orifice.\n")
    codes, *_ = code_note(text)
    assert codes == ["M42.1", "M29.2", "Z94.2"]
