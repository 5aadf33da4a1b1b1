"""Abbreviations: list size, case and word boundaries, and ambiguous senses resolved by context."""
from __future__ import annotations

import pytest

from clincode.text import parse_document
from clincode.text.abbreviations import (
    AbbreviationListError, default_abbreviations, find_abbreviations, parse_abbreviation_rows,
)


def _senses(text: str) -> dict[str, str]:
    return {a.text: a.expansion for a in find_abbreviations(parse_document(text))}


def test_list_has_at_least_300_abbreviations():
    table = default_abbreviations()
    assert len(table) >= 300
    for required in ["MS", "PE", "CA", "RA", "MI", "AF", "CKD", "COPD", "T2DM", "IHD", "CCF", "LVF", "UTI",
                     "AKI", "DVT", "TIA", "CVA", "NSTEMI", "STEMI", "ACS", "GORD", "IBS", "IBD", "UC", "BPH",
                     "OA", "PVD", "SOB"]:
        assert table.lookup(required) is not None, required


@pytest.mark.parametrize("text,abbr,expected", [
    ("Known MS, relapsing-remitting, on ocrelizumab.", "MS", "multiple sclerosis"),
    ("Echo: severe MS, mitral valve area 0.9 cm2.", "MS", "mitral stenosis"),
    ("CTPA confirmed bilateral PE; started apixaban.", "PE", "pulmonary embolism"),
    ("CXR: large left PE, chest drain inserted.", "PE", "pleural effusion"),
    ("Ca breast with bone metastases.", "Ca", "cancer"),
    ("Adjusted Ca 2.91 mmol/L, treated with IV fluids.", "Ca", "calcium"),
    ("Out of hospital CA, ROSC after 10 minutes of CPR.", "CA", "cardiac arrest"),
    ("Sats 94% on RA.", "RA", "room air"),
    ("RA on methotrexate, hands swollen.", "RA", "rheumatoid arthritis"),
    ("Echo: dilated RA and RV.", "RA", "right atrium"),
    ("Admitted with chest pain, troponin rise: NSTEMI. Previous MI in 2015.", "MI", "myocardial infarction"),
    ("Echo: moderate MI, pansystolic murmur.", "MI", "mitral incompetence"),
    ("Fast AF, rate controlled with bisoprolol.", "AF", "atrial fibrillation"),
    ("Reduced AF volume on the growth scan at 34 weeks of pregnancy.", "AF", "amniotic fluid"),
    ("Left-sided weakness, CT head: CVA.", "CVA", "cerebrovascular accident"),
    ("Right CVA tenderness, likely pyelonephritis.", "CVA", "costovertebral angle"),
    ("PVD with claudication at 50 yards, absent foot pulses.", "PVD", "peripheral vascular disease"),
    ("New floaters, PVD on slit lamp examination of the eye.", "PVD", "posterior vitreous detachment"),
    ("Peritonitis in a patient on PD via Tenckhoff catheter.", "PD", "peritoneal dialysis"),
    ("PD with tremor, on co-careldopa.", "PD", "Parkinson's disease"),
    ("Sciatica from a PID at L4/5 on MRI spine.", "PID", "prolapsed intervertebral disc"),
    ("Paracetamol OD, staggered, 40 tablets.", "OD", "overdose"),
    ("Ramipril 5 mg OD.", "OD", "once daily"),
    ("Best corrected visual acuity 0.6 (OD) and 0.5 (OI), IOP 18 mmHg.", "OD", "right eye (oculus dexter)"),
    ("Extramedullary relapse of his AML as MS of the skin.", "MS", "myeloid sarcoma"),
    ("Prostate: size 60 gr, RT>LT and firm.", "RT", "right"),
    ("Adjuvant RT to the breast, 40 Gy in 15 fractions.", "RT", "radiotherapy"),
])
def test_ambiguous_senses(text, abbr, expected):
    found = [a for a in find_abbreviations(parse_document(text)) if a.text == abbr]
    assert found, f"{abbr} not found in {text!r}"
    assert found[0].expansion == expected
    assert found[0].alternatives  # ambiguous: the other senses are reported
    assert 0 < found[0].confidence <= 1


def test_unambiguous_and_offsets():
    text = "PMH: T2DM, HTN, CKD stage 3, IHD and COPD. #NOF after a fall. Recurrent UTIs. c/o SOB. T2DM/AF."
    parsed = parse_document(text)
    found = find_abbreviations(parsed)
    for a in found:
        assert text[a.start:a.end] == a.text
    senses = {a.text: a.expansion for a in found}
    assert senses["T2DM"] == "type 2 diabetes mellitus"
    assert senses["CKD"] == "chronic kidney disease"
    assert senses["#NOF"] == "fractured neck of femur"
    assert senses["UTIs"] == "urinary tract infection"
    assert senses["c/o"] == "complaining of"
    assert [a.text for a in found if a.start > text.index("c/o SOB. ")][-2:] == ["T2DM", "AF"]
    staged = find_abbreviations(parse_document("CKD3b and DM2."))
    assert [(a.text, a.expansion) for a in staged] == [("CKD", "chronic kidney disease"),
                                                       ("DM2", "type 2 diabetes mellitus")]
    codable = {a.text for a in find_abbreviations(parsed, codable_only=True)}
    assert "PMH" not in codable and "c/o" not in codable and "COPD" in codable


def test_case_and_word_boundaries():
    assert "MS" not in _senses("Seen by Ms Jones in clinic.")
    assert "Ms" not in _senses("Seen by Ms Jones in clinic.")
    assert _senses("Dose 10 ms pulses.") == {}
    assert "PE" not in _senses("PEG tube inserted.")
    assert "COPD" in _senses("COPD-related admission.")
    assert "C/O" in _senses("C/O chest pain.")  # "ci" rows match in any case
    # English-word abbreviations are not read in text written all in capitals
    assert "AS" not in _senses("AS THE PATIENT WAS WELL HE WENT HOME WITH ALL HIS MEDICATION.")
    assert _senses("Severe AS on echo.")["AS"] == "aortic stenosis"


def test_bad_rows_rejected():
    with pytest.raises(AbbreviationListError, match="line 1"):
        parse_abbreviation_rows(["MS\n"])
    with pytest.raises(AbbreviationListError, match="unknown flags"):
        parse_abbreviation_rows(["MS\tmultiple sclerosis\t\tweird\n"])
    table = parse_abbreviation_rows(["# comment\n", "XYZ\tsomething\n", "#\tfracture\n"])
    assert table.lookup("XYZ").senses[0].expansion == "something" and table.lookup("#") is not None


def test_laboratory_markers_are_not_abbreviations():
    # CD56 / CD4 are cluster-of-differentiation markers and CA 19-9 / CA-125 tumour markers:
    # not Crohn's disease or cancer, even with gut or oncology words nearby
    text = "Ileal biopsy: CD56 and CD4 positive; CA 19-9 and CA-125 raised. Known CD. Lung CA."
    senses = [(a.text, a.expansion) for a in find_abbreviations(parse_document(text))]
    assert senses == [("CD", "Crohn's disease"), ("CA", "cancer")]
