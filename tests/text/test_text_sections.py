"""Sections and sentences on UK-style and MTSamples-style snippets; offsets slice back to the text."""
from __future__ import annotations

import json

import pytest

from clincode.text import CANONICAL_SECTIONS, parse_document
from clincode.text.sections import _parse_heading_rows, SectionRulesError, heading_table, normalise_heading

UK_SUMMARY = """DISCHARGE SUMMARY

Diagnosis on discharge:
1. Acute cholecystitis with gallstones
2. Type 2 diabetes mellitus
3) Hypertension

Procedure(s) performed: Laparoscopic cholecystectomy on day 2.

History of presenting complaint: 64-year-old man with RUQ pain. Seen by Dr. Smith, e.g. approx. 2.5 mg morphine given vs. paracetamol.
PMHx: T2DM; HTN; CKD stage 3
FH: Mother had breast cancer.
Histology: Acute on chronic cholecystitis.
Medications on discharge:
- Metformin 500 mg bd
- Ramipril 5 mg od
TTO: paracetamol
Plan: GP to review blood pressure.
"""

MTSAMPLES = (
    "PREOPERATIVE DIAGNOSIS: , Left testicular torsion, possibly detorsion.,POSTOPERATIVE DIAGNOSIS: , "
    "Left testicular torsion.,PROCEDURE: , Left scrotal exploration with detorsion.  Bilateral testes "
    "fixation.,ANESTHETIC:,  General.,FINDINGS:,  Congestion in the left testis.  No testis necrosis.,"
    "ESTIMATED BLOOD LOSS:,  5 mL.,POSTOPERATIVE DIAGNOSES:,1.  Left carotid stenosis.,2.  Coronary artery "
    "disease.,PHYSICAL EXAMINATION:,GENERAL:  Well.,LUNGS:  Clear.,Cardiovascular: Normal S1 and S2.,"
    "PLAN:  Follow up in clinic."
)


def _names(parsed):
    return [(s.name, s.heading) for s in parsed.sections]


def test_uk_discharge_summary_sections():
    parsed = parse_document(UK_SUMMARY)
    names = [n for n, _ in _names(parsed)]
    assert names == ["other", "diagnosis", "procedure", "history_present_illness", "past_medical_history",
                     "family_history", "histology", "discharge_medications", "discharge_medications", "plan"]
    assert parsed.sections[0].heading == ""
    assert parsed.sections[1].heading == "Diagnosis on discharge"


def test_uk_list_items_and_abbreviation_stops():
    parsed = parse_document(UK_SUMMARY)
    by_section = {}
    for s in parsed.sentences:
        by_section.setdefault(s.section.name, []).append(s.text)
    assert by_section["diagnosis"] == ["Acute cholecystitis with gallstones", "Type 2 diabetes mellitus",
                                       "Hypertension"]
    assert by_section["past_medical_history"] == ["T2DM", "HTN", "CKD stage 3"]  # semicolons in a list
    assert by_section["discharge_medications"] == ["Metformin 500 mg bd", "Ramipril 5 mg od", "paracetamol"]
    hpc = by_section["history_present_illness"]
    assert hpc == ["64-year-old man with RUQ pain.",
                   "Seen by Dr. Smith, e.g. approx. 2.5 mg morphine given vs. paracetamol."]


def test_mtsamples_comma_style():
    parsed = parse_document(MTSAMPLES)
    assert [n for n, _ in _names(parsed)] == [
        "preoperative_diagnosis", "postoperative_diagnosis", "procedure", "anaesthesia", "findings", "other",
        "postoperative_diagnosis", "examination", "examination", "examination", "examination", "plan"]
    texts = [(s.section.name, s.text) for s in parsed.sentences]
    assert ("preoperative_diagnosis", "Left testicular torsion, possibly detorsion.") in texts
    assert ("procedure", "Left scrotal exploration with detorsion.") in texts
    assert ("procedure", "Bilateral testes fixation.") in texts
    assert ("postoperative_diagnosis", "Left carotid stenosis.") in texts
    assert ("postoperative_diagnosis", "Coronary artery disease.") in texts
    assert ("findings", "No testis necrosis.") in texts
    assert ("plan", "Follow up in clinic.") in texts


@pytest.mark.parametrize("heading,expected", [
    ("Diagnosis on discharge", "diagnosis"), ("Discharge diagnoses", "diagnosis"),
    ("Final diagnosis", "diagnosis"), ("Principal diagnosis", "diagnosis"),
    ("Postoperative diagnosis", "postoperative_diagnosis"), ("Post-op diagnosis", "postoperative_diagnosis"),
    ("Preoperative diagnoses", "preoperative_diagnosis"), ("PREOPERATIVE DIAGNOSIS (ES)", "preoperative_diagnosis"),
    ("PMH", "past_medical_history"), ("PMHx", "past_medical_history"),
    ("Past medical history", "past_medical_history"), ("FH", "family_history"),
    ("Family history", "family_history"), ("SH", "social_history"), ("Procedure(s) performed", "procedure"),
    ("Operation", "procedure"), ("Name of operation", "procedure"), ("Histology", "histology"),
    ("Pathology", "histology"), ("Impression", "diagnosis"), ("Assessment", "diagnosis"),
    ("Assessment and plan", "diagnosis"), ("Plan", "plan"), ("Findings", "findings"),
    ("Indications", "indications"), ("Description of procedure", "description_of_procedure"),
    ("Technique", "description_of_procedure"), ("HPI", "history_present_illness"),
    ("History of presenting complaint", "history_present_illness"), ("PC", "chief_complaint"),
    ("Presenting complaint", "chief_complaint"), ("Investigations", "investigations"),
    ("Results", "investigations"), ("Medications on discharge", "discharge_medications"),
    ("TTO", "discharge_medications"), ("DESCRIPTION OF PROCEDURE IN DETAIL", "description_of_procedure"),
    ("INDICATIONS FOR OPERATION", "indications"), ("FINDINGS AT THE TIME OF SURGERY", "findings"),
])
def test_heading_variants(heading, expected):
    assert heading_table().lookup(heading)[0] == expected
    parsed = parse_document(f"{heading}: something here.")
    assert parsed.sections[-1].name == expected


def test_unknown_heading_kept_as_other():
    parsed = parse_document("Discharge diagnoses: Pneumonia.\nESTIMATED BLOOD LOSS: 50 mL.")
    assert (parsed.sections[-1].name, parsed.sections[-1].heading) == ("other", "ESTIMATED BLOOD LOSS")


def test_bare_line_heading_and_no_false_headings():
    text = "PAST MEDICAL HISTORY\nAsthma\nHypertension\nBlood results (HCG: 1.74 U/l; Alpha-fetoprotein: 2.07 ng/ml).\n"
    parsed = parse_document(text)
    assert [s.name for s in parsed.sections] == ["past_medical_history"]
    # prose before a colon is not a heading
    parsed = parse_document("The patient was seen and the following was noted by the team today: fever.")
    assert [s.name for s in parsed.sections] == ["other"]


def test_every_mapped_name_is_canonical():
    table = heading_table()
    assert set(table.exact.values()) <= set(CANONICAL_SECTIONS)
    assert normalise_heading("POST-OP  Diagnosis(es):") == "post op diagnosis"


def test_bad_heading_file_rejected():
    with pytest.raises(SectionRulesError, match="unknown section"):
        _parse_heading_rows(["plan\tplans\texact\n"])
    with pytest.raises(SectionRulesError, match="3 tab-separated"):
        _parse_heading_rows(["plan plan exact\n"])


def test_offsets_slice_back_on_dev_texts(shared_data):
    """Every sentence's text is exactly its slice of the original document, on real documents."""
    cases = [json.loads(line) for line in open(shared_data / "uk_dev" / "cases.jsonl", encoding="utf-8")]
    codiesp = sorted((shared_data / "codiesp" / "dev" / "text_en").glob("*.txt"))[:40]
    texts = [c["text"] for c in cases] + [p.read_text(encoding="utf-8") for p in codiesp]
    for text in texts:
        parsed = parse_document(text)
        assert parsed.sections[0].start == 0 and parsed.sections[-1].end == len(text)
        for a, b in zip(parsed.sections, parsed.sections[1:]):
            assert a.end == b.start
        previous_end = 0
        for s in parsed.sentences:
            assert text[s.start:s.end] == s.text
            assert s.text == s.text.strip() and s.start >= previous_end
            assert s.section.body_start <= s.start and s.end <= s.section.end
            previous_end = s.end
    # MTSamples operation notes are found to have their diagnosis and procedure sections
    found = sum(1 for c in cases if any(s.name == "postoperative_diagnosis" for s in parse_document(c["text"]).sections))
    assert found >= 20


CLINIC_LETTER = """Dear Dr Patel,

Re: Mrs Jane SMITH, DOB 01/02/1950, NHS No 123 456 7890

Diagnoses:
1. Heart failure with reduced ejection fraction (EF 30%)
2. Paroxysmal AF - on apixaban
3. ?Obstructive sleep apnoea

Current medication: Bisoprolol 2.5mg od, ramipril 5mg od, apixaban 5mg bd.

Thank you for referring this 74 year old lady who I saw in the heart failure clinic today. She reports
breathlessness on climbing one flight of stairs but denies orthopnoea or PND. No chest pain. She
has a history of breast cancer treated with mastectomy in 2005, no recurrence. Her mother
died of an MI aged 60.

On examination: BP 128/76, HR 68 irregular. JVP not raised. Mild bilateral ankle oedema.
Chest clear.

Investigations: Echo shows severe LV systolic dysfunction. Ca 2.4 mmol/L.

Impression: Symptoms consistent with NYHA class II heart failure. Possible OSA given snoring.

Plan:
1. Increase bisoprolol to 5 mg od.
2. Sleep studies to exclude OSA.
3. Review in 3 months; if worsening breathlessness, she should contact the HF nurses.

Yours sincerely,
Dr A Jones, Consultant Cardiologist
"""


def test_uk_clinic_letter():
    from clincode.text import context_of

    text = CLINIC_LETTER
    parsed = parse_document(text)
    assert [s.name for s in parsed.sections] == [
        "other", "diagnosis", "medications", "other", "examination", "investigations", "diagnosis", "plan"]
    # the letter's prose after the one-line medication list is not medication (nor family history)
    prose = parsed.sentence_at(text.index("Thank you for referring"))
    assert prose.section.name == "other"

    def ctx(phrase):
        i = text.index(phrase)
        return context_of(parsed, i, i + len(phrase))

    assert ctx("Obstructive sleep apnoea").uncertain
    assert ctx("orthopnoea").negated and ctx("PND").negated and ctx("chest pain").negated
    assert ctx("breast cancer").historical and not ctx("breast cancer").negated
    assert ctx("recurrence").negated
    assert ctx("MI aged").family
    assert not any((ctx("ankle oedema").negated, ctx("ankle oedema").uncertain))
    osa_plan = text.index("OSA.")
    assert context_of(parsed, osa_plan, osa_plan + 3).hypothetical
    assert ctx("worsening breathlessness").hypothetical


def test_dash_headings_only_when_known():
    text = "Diagnosis - acute appendicitis\nPMH - asthma, T2DM\nPain - worse on movement\nPlan \u2013 home"
    parsed = parse_document(text)
    assert [(s.name, s.heading) for s in parsed.sections] == [
        ("diagnosis", "Diagnosis"), ("past_medical_history", "PMH"), ("plan", "Plan")]
    assert [s.text for s in parsed.sentences] == ["acute appendicitis", "asthma, T2DM", "Pain - worse on movement", "home"]
