"""Words of the operative technique (anaesthetic, operative description, specimens) are not diagnoses."""
from __future__ import annotations

from clincode.standards.diagnosis.technique import states_a_finding

NOTE = (
    "PREOPERATIVE DIAGNOSIS: , Inguinal hernia.,POSTOPERATIVE DIAGNOSIS: , Inguinal hernia.,"
    "PROCEDURE PERFORMED: , Inguinal hernia repair.,ANESTHESIA: , General anesthesia.,"
    "DESCRIPTION OF PROCEDURE: , An incision was made around the site.  Stay sutures were placed on the "
    "stomach.  The sac was found to contain an inflamed appendix.  The skin was closed."
)


def test_sutures_and_anaesthesia_in_the_technique_are_not_coded(build):
    ep = build.code(NOTE, [
        ("K40.9", "Inguinal hernia", "postoperative_diagnosis"),
        ("T81.3", "sutures", "description_of_procedure"),
        ("R20.0", "anesthesia", "anaesthesia"),
    ])
    assert build.codes(ep) == ["K40.9"]


def test_a_finding_stated_in_the_operative_description_is_kept(build):
    # an operative description with no diagnosis heading: it is read whole
    text = NOTE[NOTE.index("DESCRIPTION OF PROCEDURE"):]
    ep = build.code(text, [
        ("K35.8", "inflamed appendix", "description_of_procedure"),
        ("T81.3", "sutures", "description_of_procedure"),
    ])
    assert build.codes(ep) == ["K35.8"]


def test_comorbidity_in_the_technique_still_counts(build):
    text = NOTE + "  Care was taken because of the patient's atrial fibrillation."
    ep = build.code(text, [("K40.9", "Inguinal hernia", "postoperative_diagnosis"),
                           ("I48.9", "atrial fibrillation", "description_of_procedure")])
    assert "I48.9" in build.codes(ep)


def test_second_procedure_heading_running_on_is_the_operative_description(build):
    narrative = "Both sides were done the same way.  " + "The artery was ligated with 3-0 silk sutures.  " * 10
    text = ("PREOPERATIVE DIAGNOSIS: , Headache.,PROCEDURE PERFORMED: , Temporal artery biopsy.,"
            "PROCEDURE: , " + narrative)
    ep = build.code(text, [("R51", "Headache", "preoperative_diagnosis"),
                           ("T81.3", "sutures", "procedure")])
    assert build.codes(ep) == ["R51"]
    # the same words under the first (short) procedure heading are the statement and are not screened
    first = "PROCEDURE PERFORMED: , Resuture of burst sutures of abdominal wound.,"
    ep = build.code(first, [("T81.3", "burst sutures", "procedure")])
    assert build.codes(ep)[:1] == ["T81.3"]


def test_finding_words():
    assert states_a_finding("The gallbladder was noted to be gangrenous.")
    assert states_a_finding("There was a 2 cm abscess in the pelvis.")
    assert states_a_finding("The patient was brought urgently from the emergency room with a cardiac arrest.")
    assert not states_a_finding("The wound was closed with 3-0 Vicryl sutures.")
    assert not states_a_finding("Local anesthesia 1% Xylocaine with epinephrine was given.")


def test_past_circumcision_is_not_the_reason_for_the_care(build):
    text = ("CHIEF COMPLAINT: Penile cellulitis status post circumcision.\n"
            "IMPRESSION: The patient had a recent circumcision and has a penile cellulitis.")
    ep = build.code(text, [("Z41.2", "circumcision", "diagnosis", {}),
                           ("N48.2", "penile cellulitis", "diagnosis")])
    assert "Z41.2" not in build.codes(ep)
    assert build.primary(ep) == "N48.2"


def test_routine_circumcision_done_in_the_episode_is_coded(build, classifications):
    from clincode.coding.models import Document
    from clincode.standards.diagnosis import code_diagnoses
    from clincode.text import parse_document

    text = "DIAGNOSIS: Routine circumcision.\nPROCEDURE: Circumcision."
    finding = build.finding(text, "Z41.2", "Routine circumcision", "diagnosis")
    parsed = [parse_document(Document(id="doc1", text=text))]
    done = code_diagnoses([finding], classifications, parsed, coded_procedures=["N30.3"])
    assert [d.code for d in done.diagnoses] == ["Z41.2"]
    not_done = code_diagnoses([finding], classifications, parsed, coded_procedures=[])
    assert not_done.diagnoses == [] and "Z41.2" in not_done.dropped


def test_stated_complication_of_care_is_primary_among_equally_stated_conditions(build):
    text = ("IMPRESSION: Prominent suprapubic fat pad and a wound infection following the recent "
            "circumcision, treated with antibiotics.")
    ep = build.code(text, [("E65", "fat pad", "diagnosis"),
                           ("T81.4", "wound infection following the recent circumcision", "diagnosis")])
    assert build.primary(ep) == "T81.4"


def test_complication_words_in_an_unheaded_narrative_do_not_take_the_primary(build):
    text = ("She had stabbing pain in both breasts. The implants were removed and the wounds closed "
            "with suture.")
    ep = build.code(text, [("N64.4", "pain in both breasts"), ("T81.3", "suture")])
    assert build.primary(ep) == "N64.4"


def test_underlying_cause_is_primary_over_what_it_causes(build):
    text = ("POSTOPERATIVE DIAGNOSIS: Bilateral conductive hearing loss with stapedial fixation secondary "
            "to otosclerosis.")
    specs = [("H90.0", "Bilateral conductive hearing loss", "postoperative_diagnosis"),
             ("H80.9", "otosclerosis", "postoperative_diagnosis")]
    assert build.primary(build.code(text, specs)) == "H80.9"
    # without a stated cause the clinician's order stands
    plain = "POSTOPERATIVE DIAGNOSIS: Bilateral conductive hearing loss. Otosclerosis."
    specs = [("H90.0", "Bilateral conductive hearing loss", "postoperative_diagnosis"),
             ("H80.9", "Otosclerosis", "postoperative_diagnosis")]
    assert build.primary(build.code(plain, specs)) == "H90.0"


def test_abscess_of_unstated_site_gives_way_to_the_sited_abscess(build):
    text = ("POSTOPERATIVE DIAGNOSIS: Left mandibular vestibular abscess.,PROCEDURE: Incision and drainage of "
            "abscess adjacent to teeth #18 and #19.")
    ep = build.code(text, [("L02.9", "abscess", "postoperative_diagnosis"),
                           ("K04.7", "abscess adjacent to teeth", "procedure")])
    assert build.codes(ep) == ["K04.7"]


def test_anaesthetic_given_is_not_anaesthesia_of_skin(build):
    text = ("POSTOPERATIVE DIAGNOSIS: Carcinoma of the vulva.,FINDINGS: , The examination under anesthesia "
            "revealed a 1.5 cm nodule.")
    ep = build.code(text, [("C51.9", "Carcinoma of the vulva", "postoperative_diagnosis"),
                           ("R20.0", "anesthesia", "findings")])
    assert build.codes(ep) == ["C51.9"]
    numb = "DIAGNOSIS: Anaesthesia over the lateral thigh."
    ep = build.code(numb, [("R20.0", "Anaesthesia", "diagnosis")])
    assert build.codes(ep) == ["R20.0"]


def test_two_list_items_sharing_a_matched_word_are_two_conditions(build):
    text = "IMPRESSION: , Internal hemorrhoids  External hemorrhoids  Unable to pass scope."
    start = text.index("hemorrhoids  External")
    internal = build.finding(text, "K64.8", "Internal hemorrhoids", "diagnosis")
    external = build.finding(text, "K64.4", "hemorrhoids  External", "diagnosis")
    assert external.evidence.start == start
    from clincode.coding.models import Document
    from clincode.standards import apply_standards
    from clincode.text import parse_document
    ep = apply_standards("case", [internal, external], [], build.classifications,
                         [parse_document(Document(id="doc1", text=text))])
    assert sorted(d.code for d in ep.diagnoses) == ["K64.4", "K64.8"]


def test_weak_stated_reason_is_primary_when_nothing_else_is_coded(build):
    text = ("PROCEDURE PERFORMED: Bilateral temporal artery biopsy.,INDICATIONS: Bilateral temporal headaches "
            "to rule out temporal arteritis.")
    weak = {"score": 0.05, "attributes": {"threshold": 0.13, "kind": "lexicon"}}
    ep = build.code(text, [("R51", "headaches", "indications", weak),
                           ("M31.6", "temporal arteritis", "indications")])
    assert build.codes(ep) == ["R51"] and build.primary(ep) == "R51"
    assert any("confirm the main condition" in q.question for q in ep.queries)
    # a learned association alone is never coded, even then
    learned = {"score": 0.05, "attributes": {"threshold": 0.13, "kind": "learned"}}
    ep = build.code(text, [("R51", "headaches", "indications", learned)])
    assert build.codes(ep) == []


def test_heart_arrested_for_the_operation_is_not_a_cardiac_arrest(build):
    text = ("PROCEDURES: 1. Aortic valve replacement. 2. Cold cardioplegia arrest of the heart.\n"
            "POSTOPERATIVE DIAGNOSIS: Aortic stenosis.")
    ep = build.code(text, [("I35.0", "Aortic stenosis", "postoperative_diagnosis"),
                           ("I46.9", "arrest of the heart", "procedure")])
    assert build.codes(ep) == ["I35.0"]
    text = "DIAGNOSIS: Cardiac arrest in the emergency department, resuscitated."
    ep = build.code(text, [("I46.9", "Cardiac arrest", "diagnosis")])
    assert build.codes(ep) == ["I46.0"]  # a real arrest, survived (chapters.cardiac_arrest_survived)
