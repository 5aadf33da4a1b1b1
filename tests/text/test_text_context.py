"""ConText: a table of sentences with the expected context of one mention in each.

Flags: N negated, U uncertain, H historical, F family, Y hypothetical, P planned, O other experiencer.
The sentences are our own, in the style of NHS discharge summaries, clinic letters and operation notes.
"""
from __future__ import annotations

import pytest

from clincode.text import context_of, parse_document
from clincode.text.rules import ContextRulesError, build_rule_set

CASES = [
    # negation
    ("No evidence of common bile duct dilatation.", "common bile duct dilatation", "N"),
    ("Denies chest pain or palpitations.", "palpitations", "N"),
    ("Denies chest pain but reports shortness of breath.", "shortness of breath", ""),
    ("Chest X-ray: no consolidation.", "consolidation", "N"),
    ("Pulmonary embolism was ruled out by CTPA.", "Pulmonary embolism", "N"),
    ("CTPA negative for pulmonary embolism.", "pulmonary embolism", "N"),
    ("Free of seizures for two years.", "seizures", "N"),
    ("Appendicitis without perforation.", "perforation", "N"),
    ("Appendicitis without perforation.", "Appendicitis", ""),
    ("Blood cultures were negative.", "Blood cultures", "N"),
    ("Gram negative sepsis from a urinary source.", "sepsis", ""),
    ("No increase in breathlessness since the last review.", "breathlessness", ""),
    ("Nil evidence of malignancy on histology.", "malignancy", "N"),
    ("Fracture was excluded on CT.", "Fracture", "N"),
    ("Metastatic disease is unlikely.", "Metastatic disease", "N"),
    ("Breast carcinoma, ER negative.", "Breast carcinoma", ""),
    ("COVID-19 swab negative.", "COVID-19", "N"),  # "negative" after a short result phrase
    ("Hepatitis B surface antigen negative.", "Hepatitis B", "N"),
    ("Culture negative endocarditis.", "endocarditis", ""),  # a type of endocarditis, not its absence
    ("Triple negative breast cancer.", "breast cancer", ""),
    ("Not known to have diabetes.", "diabetes", "N"),
    # uncertainty
    ("?Appendicitis, for surgical review.", "Appendicitis", "U"),
    ("Query pulmonary embolism.", "pulmonary embolism", "U"),
    ("Likely viral gastroenteritis.", "viral gastroenteritis", "U"),
    ("Possible left lower lobe pneumonia.", "pneumonia", "U"),
    ("Suspected urinary tract infection, treated with nitrofurantoin.", "urinary tract infection", "U"),
    ("Differential diagnosis includes diverticulitis.", "diverticulitis", "U"),
    ("Malignancy cannot be excluded.", "Malignancy", "U"),
    ("Cellulitis versus deep vein thrombosis.", "deep vein thrombosis", "U"),
    ("Appearances suggestive of lymphoma.", "lymphoma", "U"),
    ("Histology consistent with adenocarcinoma.", "adenocarcinoma", ""),
    ("Acute cholecystitis with gallstones.", "Acute cholecystitis", ""),
    # historical
    ("History of duodenal ulcer.", "duodenal ulcer", "H"),
    ("Previous myocardial infarction in 2015.", "myocardial infarction", "H"),
    ("Old MI on ECG.", "MI", "H"),
    ("Ex-smoker of 20 pack years.", "smoker", "H"),
    ("Status post right hemicolectomy.", "right hemicolectomy", "H"),
    ("Tuberculosis as a child.", "Tuberculosis", "H"),
    ("History of asthma, now admitted with pneumonia.", "pneumonia", ""),
    ("A 76-year-old man with pneumonia.", "pneumonia", ""),
    ("No history of nephrolithiasis, haematuria or urinary tract infections.", "urinary tract infections", "N"),
    # family and other experiencer
    ("Mother had breast cancer.", "breast cancer", "F"),
    ("Strong family history of ischaemic heart disease.", "ischaemic heart disease", "F"),
    ("Bowel cancer in his father at age 50.", "Bowel cancer", "F"),
    ("Her sister has type 1 diabetes.", "type 1 diabetes", "F"),
    ("His wife has dementia.", "dementia", "O"),
    ("Father had a stroke; the patient has atrial fibrillation.", "atrial fibrillation", ""),
    # hypothetical and planned
    ("Return if chest pain recurs.", "chest pain", "Y"),
    ("CT abdomen to exclude perforation.", "perforation", "Y"),
    ("At risk of refeeding syndrome.", "refeeding syndrome", "Y"),
    ("The risks of bleeding, infection, DVT and PE were discussed.", "PE", "Y"),
    ("Enoxaparin as DVT prophylaxis.", "DVT", "Y"),
    ("Should symptoms of cauda equina develop, attend A&E.", "cauda equina", "Y"),
    ("Listed for laparoscopic cholecystectomy.", "laparoscopic cholecystectomy", "P"),
    ("Referred for colonoscopy.", "colonoscopy", "P"),
    ("Laparoscopic cholecystectomy was performed.", "Laparoscopic cholecystectomy", ""),
    # regressions found reading real notes
    ("Lower respiratory tract infection likely.", "Lower respiratory tract infection", "U"),
    ("Mother, with no relevant history during pregnancy, had glaucoma.", "glaucoma", "F"),
    ("Death of a brother due to lung cancer.", "lung cancer", "F"),
    ("No known allergies.", "allergies", "N"),
    ("Renal scintigraphy showed a relative uptake of 33% in the right kidney.", "uptake", ""),
    ("He was found to have multiple renal cysts.", "renal cysts", ""),
    ("CT to determine whether there is a bowel perforation.", "bowel perforation", "Y"),
    ("Status post deceased donor kidney transplant.", "kidney transplant", "H"),
    ("I spoke to his mother and explained that the appendix was perforated.", "perforated", ""),
    # review-of-systems checklists mark absent conditions "(-)" and present ones "(+)"
    ("Cardiovascular Hx: (-) angina, Renal Hx: (-) kidney problems.", "angina", "N"),
    ("Cardiovascular Hx: (-) angina, (+) asthma.", "asthma", ""),
    ("His PSA could be falsely elevated by the catheter.", "elevated", "NU"),
    ("History includes hypertension, undiagnosed COPD, and claudication.", "COPD", "N"),
]

FLAG_NAMES = {"N": "negated", "U": "uncertain", "H": "historical", "F": "family", "Y": "hypothetical",
              "P": "planned"}


def _observed(sentence: str, target: str) -> str:
    parsed = parse_document(sentence)
    start = sentence.index(target)
    ctx = context_of(parsed, start, start + len(target))
    flags = "".join(k for k, name in FLAG_NAMES.items() if getattr(ctx, name))
    if ctx.experiencer == "other":
        flags += "O"
    return "".join(sorted(flags))


def test_context_table_accuracy(capsys):
    failures = []
    for sentence, target, expected in CASES:
        got = _observed(sentence, target)
        if got != "".join(sorted(expected)):
            failures.append(f"{sentence!r} [{target}]: expected {expected or '-'}, got {got or '-'}")
    accuracy = 1 - len(failures) / len(CASES)
    with capsys.disabled():
        print(f"\nConText table: {len(CASES) - len(failures)}/{len(CASES)} correct ({accuracy:.1%})")
        for line in failures:
            print("  MISS", line)
    assert len(CASES) >= 40
    assert accuracy >= 0.95, "\n".join(failures)


def test_section_context():
    text = (
        "Past medical history: Type 2 diabetes. Hypertension.\n"
        "Family history: Ischaemic heart disease.\n"
        "Plan: Colonoscopy in 6 weeks.\n"
        "Indications: Suspected bowel cancer.\n"
    )
    parsed = parse_document(text)

    def ctx(word):
        i = text.index(word)
        return context_of(parsed, i, i + len(word))

    pmh = ctx("Type 2 diabetes")
    assert pmh.historical and pmh.historical_from == "section" and pmh.section == "past_medical_history"
    assert not pmh.negated
    fam = ctx("Ischaemic heart disease")
    assert fam.family and fam.experiencer == "family" and not fam.affirmed
    plan = ctx("Colonoscopy")
    assert plan.planned and not plan.hypothetical and plan.section == "plan"
    ddx_text = "Differential diagnosis:\n1. Pulmonary embolism\n2. Pneumonia\nTroponin -ve, CRP +ve."
    ddx = parse_document(ddx_text)
    i = ddx_text.index("Pneumonia")
    assert context_of(ddx, i, i + 9).uncertain and ddx.sections[-1].name == "diagnosis"
    j = ddx_text.index("Troponin")
    assert context_of(ddx, j, j + 8).negated
    k = ddx_text.index("CRP")
    assert not context_of(ddx, k, k + 3).negated
    indication = ctx("bowel cancer")
    assert indication.uncertain and not indication.historical and not indication.planned


def test_trigger_does_not_cross_sentences():
    text = "No fever.\nPneumonia on chest X-ray."
    parsed = parse_document(text)
    i = text.index("Pneumonia")
    assert not context_of(parsed, i, i + 9).negated


def test_rule_validation_errors_are_clear():
    with pytest.raises(ContextRulesError, match="direction"):
        build_rule_set({"context_rules": [{"literal": "no", "category": "NEGATED_EXISTENCE", "direction": "UP"}]})
    with pytest.raises(ContextRulesError, match="unknown keys"):
        build_rule_set({"context_rules": [{"literal": "no", "category": "X", "direction": "FORWARD", "foo": 1}]})
    with pytest.raises(ContextRulesError, match="pattern"):
        build_rule_set({"context_rules": [{"literal": "?", "category": "X", "direction": "FORWARD", "pattern": "(a"}]})


def test_custom_rule_set_is_used():
    from clincode.text.context import scan_sentence

    rules = build_rule_set({"context_rules": [
        {"literal": "sans", "category": "NEGATED_EXISTENCE", "direction": "FORWARD", "max_scope": 2}]})
    text = "sans fever today or cough later"
    hits = scan_sentence(text, 0, len(text), rules)
    assert [(h.text, text[h.scope_start:h.scope_end].strip()) for h in hits] == [("sans", "fever today")]


def test_trigger_inside_a_mention():
    text = "The right coronary artery was free of disease. Family history of colon cancer."
    parsed = parse_document(text)
    bridged = text.index("coronary artery")
    assert context_of(parsed, bridged, text.index(".")).negated
    concept = text.index("Family history of colon cancer")
    whole = context_of(parsed, concept, concept + len("Family history of colon cancer"))
    assert not whole.family  # the lexicon term is the family-history concept itself
    cancer = text.index("colon cancer")
    assert context_of(parsed, cancer, cancer + 12).family


def test_a_result_written_negative_after_the_test_negates_it():
    from clincode.coding.models import Document
    from clincode.text import context_of, parse_document

    for text, target, negated in [("Hepatitis B surface antigen negative.", "Hepatitis B", True),
                                  ("Culture negative endocarditis.", "endocarditis", False),
                                  ("Breast carcinoma, ER negative.", "Breast carcinoma", False)]:
        parsed = parse_document(Document(id="x", text=text))
        start = text.find(target)
        assert context_of(parsed, start, start + len(target)).negated is negated, text
