"""Whole UK-style notes (operation notes, an endoscopy report, a cath lab report, a discharge summary,
a clinic letter) written for the tests: the sequence a coder would assign from each."""
from __future__ import annotations

import pytest

NOTES = {
    "lap chole with cholangiogram": (
        "Operation note\nDiagnosis: Symptomatic gallstones\n"
        "Operation: Laparoscopic cholecystectomy and on-table cholangiogram\n"
        "Findings: Chronically inflamed gallbladder, multiple stones. Cholangiogram normal.\n"
        "Procedure: 4 port technique, open Hasson at umbilicus. Cystic duct and artery clipped and divided.\n",
        ["J18.3", "Y75.2", "J37.2", "Y75.2"]),
    "hemiarthroplasty in a discharge summary": (
        "Discharge summary\nDiagnosis: Right neck of femur fracture (intracapsular, displaced)\n"
        "Procedures: Right cemented hemiarthroplasty (Exeter stem, unipolar head) on 03/02/2026.\n"
        "Course: Mobilised with physio day 1.\nPlan: GP to check bloods in 1 week.\n",
        ["W46.1", "Z94.2"]),
    "colonoscopy with polypectomy in the findings": (
        "Endoscopy report\nProcedure: Colonoscopy\nIndication: Iron deficiency anaemia\n"
        "Findings: 12 mm sessile polyp in the sigmoid colon removed by cold snare polypectomy.\n"
        "Recommendation: Surveillance colonoscopy in 3 years. OGD to be arranged.\n",
        ["H20.1"]),
    "clinic letter with history and plans only": (
        "Dear Dr Jones,\nDiagnosis: Left renal calculus 8mm\nI saw Mr Brown in the stone clinic today. He had "
        "left ureteroscopy and laser lithotripsy in 2024. We discussed ESWL versus flexible ureteroscopy and he "
        "would like to proceed with ESWL, which we will arrange.\nYours sincerely\n",
        []),
    "PCI with stents told in the report body": (
        "CARDIAC CATHETER LABORATORY REPORT\nProcedure: PCI to LAD\nAccess: Right radial artery, 6F sheath\n"
        "Intervention: Two drug-eluting stents deployed to the proximal and mid LAD.\nPlan: DAPT for 12 months.\n",
        ["K75.1", "Y79.8"]),
    "DHS with closed reduction": (
        "OPERATION NOTE\nDiagnosis: Left intertrochanteric fracture of the femur\nProcedure: Left DHS fixation\n"
        "Closed reduction on traction table under image intensifier. 135 degree 4 hole DHS plate.\n",
        ["W19.1", "Z94.3"]),
    "tonsillectomy technique in brackets": (
        "Procedure: Bilateral tonsillectomy (cold steel dissection) and adenoidectomy (suction diathermy)\n",
        ["F34.1", "E20.4"]),
    "stent removal": ("Procedure: Flexible cystoscopy, removal of left JJ stent\n", ["M29.3", "Z94.3"]),
    "cataract phaco + IOL (the issue's own example)": (
        "PROCEDURE: Cataract phaco + IOL, left eye.\n", ["C71.2", "Z94.3", "C75.1", "Z94.3"]),
    "knee arthroscopy with two operations": (
        "OPERATION: Right knee arthroscopy, partial medial meniscectomy and chondroplasty of the medial femoral condyle\n",
        ["W82.2", "Z94.2", "W83.3", "Z84.6", "Z94.2"]),
}


@pytest.mark.parametrize("name", sorted(NOTES))
def test_note(code_note, name):
    text, expected = NOTES[name]
    assert code_note(text)[0] == expected
