"""Complications of prosthetic devices, implants and grafts (T82-T85) from the clinician's words
(clincode/standards/diagnosis/devices.py, resources/device_complications.tsv)."""
from __future__ import annotations

import pytest

from clincode.standards.diagnosis.devices import device_table, find_device_complications


def _dx(episode, code):
    return next((d for d in episode.diagnoses if d.code == code), None)


def _span(text, words, occurrence=1):
    start = -1
    for _ in range(occurrence):
        start = text.index(words, start + 1)
    return start, start + len(words)


# --- the phrase reader on single sentences: device class x complication type -> UK code ----------
@pytest.mark.parametrize("sentence, code, words", [
    ("Septic left total knee arthroplasty.", "T84.5", "Septic left total knee arthroplasty"),
    ("Nonfunctioning inflatable penile prosthesis.", "T83.4", "Nonfunctioning inflatable penile prosthesis"),
    ("Thrombosed arteriovenous shunt, left forearm.", "T82.8", "Thrombosed arteriovenous shunt"),
    ("Infected pacemaker pocket.", "T82.7", "Infected pacemaker pocket"),
    ("Blocked ventriculoperitoneal shunt.", "T85.0", "Blocked ventriculoperitoneal shunt"),
    ("Recurrent dislocated right hip replacement.", "T84.0", "dislocated right hip replacement"),
    ("Aseptic loosening of the femoral component.", "T84.0", "loosening of the femoral component"),
    ("Infected left breast implant.", "T85.7", "Infected left breast implant"),
    ("Blocked urinary catheter.", "T83.0", "Blocked urinary catheter"),
    ("Occluded coronary stent.", "T82.8", "Occluded coronary stent"),
    ("In-stent restenosis of the LAD.", "T82.8", "In-stent restenosis"),
    ("Infected incisional hernia mesh.", "T85.7", "Infected incisional hernia mesh"),
    ("Eroded vaginal mesh.", "T83.4", "Eroded vaginal mesh"),
    ("Pacemaker lead displacement.", "T82.1", "Pacemaker lead displacement"),
    ("Dislocated intraocular lens.", "T85.2", "Dislocated intraocular lens"),
    ("Displaced IUCD.", "T83.3", "Displaced IUCD"),
    ("Leaking AVR.", "T82.0", "Leaking AVR"),
    ("Blocked PD catheter.", "T85.6", "Blocked PD catheter"),
    ("Infected metalwork, right ankle.", "T84.6", "Infected metalwork"),
    ("At operation the femoral component was found to be loose.", "T84.0", "femoral component was found to be loose"),
    ("The AV graft was thrombosed.", "T82.8", "AV graft was thrombosed"),
    ("Periprosthetic joint infection of the left knee.", "T84.5", "Periprosthetic joint infection"),
])
def test_complication_word_qualifying_a_device_gives_its_uk_code(sentence, code, words):
    found = find_device_complications(sentence)
    assert [(f.code, sentence[f.start:f.end]) for f in found] == [(code, words)]


@pytest.mark.parametrize("sentence", [
    "History of right total knee replacement.",  # status (Z96.6), no complication
    "Pain after knee replacement.",  # a condition after the operation, not of the device
    "Minimal amount of polyethylene wear was noted.",  # no device named
    "Broken metalwork.",  # mechanical fixation code needs the bone (T84.1 limb / T84.2 other)
    "The pacemaker was checked and the wound was infected.",  # the infection is of the wound
    "Septic arthritis.",
    "Blocked catheter.",  # which catheter is not said
    "The urinary catheter was removed.",
    "The coronary stent was patent.",
])
def test_no_device_complication_without_a_complication_of_a_named_device(sentence):
    assert find_device_complications(sentence) == []


def test_data_file_codes_exist_in_the_uk_table_with_the_tabular_type(classifications):
    _, devices = device_table()
    assert len(devices) >= 20
    for device in devices:
        for kind, code in device.codes.items():
            if not code:
                continue
            entry = classifications.icd10.get(code)
            assert entry is not None and entry.code == code, (device.name, code)
            title = entry.title.lower()
            expected = {"mechanical": "mechanical complication", "infection": "infection and inflammatory",
                        "other": "other complications"}[kind]
            assert title.startswith(expected), (device.name, kind, code, entry.title)


# --- through the standards: codes, the Y83 cause, the primary and the evidence -------------------
KNEE = ("PREOPERATIVE DIAGNOSIS: Septic left total knee arthroplasty.\n"
        "POSTOPERATIVE DIAGNOSIS: Septic left total knee arthroplasty.\n"
        "INDICATIONS: Ten years after a total knee replacement. The knee was aspirated and cultures grew "
        "Escherichia coli.\n")


def test_septic_knee_arthroplasty_is_t84_5_primary_with_y83_1_and_the_organism(build):
    ep = build.code(KNEE, [
        ("A41.9", "Septic", "preoperative_diagnosis"),
        ("A41.9", "Septic", "postoperative_diagnosis", {}),
        ("B96.2", "Escherichia coli", "indications"),
    ])
    assert build.primary(ep) == "T84.5"
    assert "A41.9" not in build.codes(ep)  # "septic" qualifies the prosthesis: not sepsis
    assert _dx(ep, "Y83.1").qualifies == "T84.5"
    assert _dx(ep, "B96.2").qualifies == "T84.5"
    assert build.codes(ep).index("Y83.1") > build.codes(ep).index("T84.5")
    spans = {(e.start, e.end, e.section) for e in _dx(ep, "T84.5").evidence}
    first = _span(KNEE, "Septic left total knee arthroplasty")
    second = _span(KNEE, "Septic left total knee arthroplasty", 2)
    assert spans == {(*first, "preoperative_diagnosis"), (*second, "postoperative_diagnosis")}


PENILE = ("POSTOPERATIVE DIAGNOSES:\n1. Peyronie's disease.\n2. Nonfunctioning inflatable penile prosthesis.\n"
          "PROCEDURE: Explantation and replacement of inflatable penile prosthesis.\n")


def test_penile_prosthesis_complication_is_primary_before_the_condition_listed_first(build):
    ep = build.code(PENILE, [("N48.6", "Peyronie's disease", "postoperative_diagnosis")])
    assert build.primary(ep) == "T83.4"
    assert build.codes(ep)[:2] == ["T83.4", "Y83.1"]
    assert "N48.6" in build.codes(ep)  # the condition stays as a secondary diagnosis
    ev = _dx(ep, "T83.4").evidence
    assert [(e.start, e.end) for e in ev] == [_span(PENILE, "Nonfunctioning inflatable penile prosthesis")]


SHUNT = ("PREOPERATIVE DIAGNOSIS: Thrombosed arteriovenous shunt left forearm.\n"
         "POSTOPERATIVE DIAGNOSIS: Thrombosed arteriovenous shunt, left forearm with venous anastomotic "
         "stenosis.\nPROCEDURE: Thrombectomy of the graft and patch angioplasty.\n")


def test_thrombosed_av_shunt_is_t82_8_with_y83_2_and_no_venous_thrombosis(build):
    ep = build.code(SHUNT, [("I82.9", "Thrombosed", "postoperative_diagnosis")])
    assert build.primary(ep) == "T82.8"
    assert _dx(ep, "Y83.2").qualifies == "T82.8"  # a graft: operation with anastomosis, bypass or graft
    assert "I82.9" not in build.codes(ep)


def test_blocked_urinary_catheter_takes_urinary_catheterisation_as_its_cause(build):
    text = "DIAGNOSIS: Blocked urinary catheter.\n"
    ep = build.code(text, [])
    assert build.primary(ep) == "T83.0"
    assert _dx(ep, "Y84.6").qualifies == "T83.0"


def test_infected_pacemaker_pocket_replaces_the_status_code_read_from_its_words(build):
    text = "DIAGNOSIS: Infected pacemaker pocket.\n"
    ep = build.code(text, [("Z95.0", "pacemaker", "diagnosis")])
    assert build.primary(ep) == "T82.7"
    assert "Z95.0" not in build.codes(ep)
    assert _dx(ep, "Y83.1").qualifies == "T82.7"


def test_blocked_vp_shunt_and_dislocated_hip_replacement(build):
    ep = build.code("DIAGNOSES:\n1. Blocked ventriculoperitoneal shunt.\n2. Dislocated hip replacement.\n", [])
    assert build.codes(ep)[0] == "T85.0"
    assert {"T85.0", "T84.0", "Y83.1"} <= set(build.codes(ep))


def test_negated_device_complication_is_not_coded(build):
    text = "DIAGNOSIS: Osteoarthritis of the left hip. There is no loosening of the femoral component.\n"
    ep = build.code(text, [("M16.9", "Osteoarthritis of the left hip", "diagnosis")])
    assert not any(c.startswith("T84") for c in build.codes(ep))
    assert not any(c.startswith("Y83") for c in build.codes(ep))


def test_historical_device_complication_is_not_coded(build):
    text = ("DIAGNOSIS: Cellulitis of the left leg.\n"
            "PAST MEDICAL HISTORY: History of infected right hip replacement in 2010.\n")
    ep = build.code(text, [("L03.1", "Cellulitis of the left leg", "diagnosis")])
    assert build.primary(ep) == "L03.1"
    assert "T84.5" not in build.codes(ep)


def test_history_of_knee_replacement_is_not_a_complication(build):
    text = "DIAGNOSIS: Community acquired pneumonia.\nPAST MEDICAL HISTORY: Right total knee replacement.\n"
    ep = build.code(text, [("J18.9", "pneumonia", "diagnosis")])
    assert not any(c.startswith(("T84", "Y83")) for c in build.codes(ep))


def test_uncertain_device_complication_is_coded_as_confirmed(build):
    text = "IMPRESSION: Probable infected left total hip replacement.\n"
    ep = build.code(text, [])
    assert build.primary(ep) == "T84.5"


def test_device_complication_in_the_procedure_narrative_is_not_coded_without_a_finding_sentence(build):
    # the operative technique describes what was done, not a diagnosis ("the blocked catheter was removed")
    text = ("POSTOPERATIVE DIAGNOSIS: Urethral stricture.\n"
            "DESCRIPTION OF OPERATION: The blocked urinary catheter was removed and the stricture dilated.\n")
    ep = build.code(text, [("N35.9", "Urethral stricture", "postoperative_diagnosis")])
    assert "T83.0" not in build.codes(ep)
    assert build.primary(ep) == "N35.9"
