"""Headings whose colon was lost in dictation ("PREOPERATIVE DIAGNOSES,1.  ...") and family history
that does not swallow the rest of the document."""
from __future__ import annotations

from clincode.text import parse_document

COMMA_NOTE = (
    "PREOPERATIVE DIAGNOSES,1.  Uncontrolled open angle glaucoma, left eye.,2.  Conjunctival scarring, left eye."
    ",POSTOPERATIVE DIAGNOSES,1.  Uncontrolled open angle glaucoma, left eye.,PROCEDURE,1.  Extraction of teeth."
    ",ANESTHESIA:,  General."
)


def test_known_capital_heading_followed_by_a_comma_is_a_heading():
    parsed = parse_document(COMMA_NOTE)
    names = [s.name for s in parsed.sections]
    assert names == ["preoperative_diagnosis", "postoperative_diagnosis", "procedure", "anaesthesia"]
    post = parsed.sections[1]
    assert COMMA_NOTE[post.body_start:post.end].startswith("1.  Uncontrolled open angle glaucoma")


def test_prose_with_commas_is_not_a_heading():
    text = "The procedure, which was uneventful, ended.  DIAGNOSIS, unclear at first, was made later."
    # lower-case "procedure," is prose; "DIAGNOSIS," mid-sentence after a space is not after a break
    assert [s.name for s in parse_document(text).sections] == ["other"]


def test_unknown_capitals_before_a_comma_are_not_headings():
    text = "Findings:,  LEFT EYE, mild redness.,RIGHT EYE, normal."
    assert [s.name for s in parse_document(text).sections] == ["findings"]


def test_inline_family_history_holds_its_line_only():
    text = ("A 59-year-old man with weakness.\nFamily history: deceased uncle with amyotrophic lateral sclerosis.\n"
            "Neurological examination revealed fasciculations.\nDiagnosis of motor neurone disease was made.\n")
    parsed = parse_document(text)
    fam = next(s for s in parsed.sections if s.name == "family_history")
    assert text[fam.body_start:fam.end].strip() == "deceased uncle with amyotrophic lateral sclerosis."
    assert parsed.section_at(text.index("motor neurone")).name == "other"


def test_family_history_list_items_stay_family():
    text = "Family history: diabetes in\n- mother\n- brother\nSocial history:\nLives alone.\nSmokes 10 a day."
    parsed = parse_document(text)
    assert parsed.section_at(text.index("brother")).name == "family_history"
    # heading alone on its line: the lines below are its body
    assert parsed.section_at(text.index("Smokes")).name == "social_history"


def test_ua_beside_urine_results_is_urinalysis_not_unstable_angina():
    from clincode.text.abbreviations import find_abbreviations

    text = "Creatinine 1.0 in June, UA at that time was noted for 5-9 RBCs, renal ultrasound normal."
    found = [a for a in find_abbreviations(parse_document(text)) if a.text == "UA"]
    assert found and found[0].expansion == "urinalysis" and not found[0].codable
    cardiac = "Admitted with UA, troponin negative, chest pain settled."
    found = [a for a in find_abbreviations(parse_document(cardiac)) if a.text == "UA"]
    assert found and found[0].expansion == "unstable angina"


def test_us_transcription_abbreviations_expand():
    from clincode.text.abbreviations import find_abbreviations

    text = "PAST MEDICAL HISTORY: 1. Hypertension. 2. Gout. 3. BPH. 4. DJD. 5. ASHD."
    senses = {a.text: a.expansion for a in find_abbreviations(parse_document(text))}
    assert senses["DJD"] == "degenerative joint disease"
    assert senses["ASHD"] == "arteriosclerotic heart disease"
