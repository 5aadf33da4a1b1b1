"""Lexicon coverage added from the CodiEsp train analysis: see-also entries, one-stem alternatives,
"region" as a non-word, plurals the stemmer cannot derive, UK "leuc-" spellings, and index main
terms that are not phrases alone."""
from __future__ import annotations

import pytest

from clincode.diagnosis.normalise import normal_forms


@pytest.mark.parametrize("text, category", [
    ("Arthralgia of both knees", "M25"),  # "Arthralgia - see also Pain, joint": no code of its own
    ("Amaurosis of the left eye", "H54"),  # "Amaurosis - see also Blindness"
    ("progressive loss of vision", "H54"),  # "Loss > vision, visual": two forms of one stem
    ("lumbar pain for a week", "M54"),  # "Pain > lumbar region": 'region' is not needed
    ("oesophageal varices", "I85"),  # "Varix > esophagus": varices = varix
    ("hyperbilirubinaemia", "E80"),  # main term coded only in its subterms: our synonym
    ("lymph node metastases", "C77"),  # "Neoplasm > lymph, lymphatic channel > gland": one form, node = gland
    ("metastases in the axillary lymph nodes", "C77"),
])
def test_coverage_from_the_index_and_our_synonyms(match_codes, text, category):
    assert category in {c[:3] for c in match_codes(text)}


def test_age_is_not_an_old_myocardial_infarction(match_codes):
    assert not any(c.startswith("I25") for c in match_codes("A 69-year-old woman was admitted"))
    assert "I25.2" in match_codes("old myocardial infarction")
    assert not match_codes("the thyroid gland was normal")  # "Node(s) M15.1" is Heberden's nodes
    assert "M15.1" in match_codes("Heberden's nodes")


@pytest.mark.parametrize("uk, us", [
    ("leucocytosis", "leukocytosis"), ("leucopenia", "leukopenia"), ("leucaemia", "leukemia"),
    ("paraesthesia", "paresthesia"), ("phaeochromocytoma", "pheochromocytoma"),  # classification rules
    ("feverish", "fever"),
])
def test_spelling_variants_meet(uk, us):
    assert normal_forms(uk) == normal_forms(us)


def test_respelling_is_the_classification_services(classifications):
    """One set of UK -> US spelling rules for search and diagnosis finding (no second copy)."""
    from clincode.classification.spelling import canonical

    for word in ("haemorrhage", "oesophagus", "tumours", "anaemia"):
        assert canonical(word) in normal_forms(word) or normal_forms(word) == normal_forms(canonical(word))


def test_words_from_two_list_items_are_not_one_phrase(find):
    """A comma parts list items: "pulmonary embolism, hypertension" is not pulmonary hypertension..."""
    findings = find("Past history: pulmonary embolism, hypertension.")
    codes = {f.code[:3] for f in findings if f.attributes.get("kind") == "lexicon"}
    assert {"I26", "I10"} <= codes and "I27" not in codes
    # ...but the index's own inverted style, where commas part only the phrase's words, still reads whole
    assert "K80.0" in {f.code for f in find("Diagnosis: cholecystitis, acute, with gallstones.")}
    assert "E11.2" in {f.code for f in find("Diagnosis: diabetes, type 2, with nephropathy.")}
