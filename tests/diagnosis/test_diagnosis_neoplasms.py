"""Neoplasms: the Table of Neoplasms column is chosen by the morphology word's behaviour."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("text, code", [
    ("carcinoma of the bladder", "C67.9"),
    ("bladder cancer", "C67.9"),
    ("metastases to the liver", "C78.7"),
    ("liver metastases", "C78.7"),
    ("carcinoma in situ of the cervix", "D06.9"),
    ("tubular adenoma of the colon", "D12.6"),
    ("benign tumour of the liver", "D13.4"),
    ("adenocarcinoma of the colon", "C18.9"),
])
def test_behaviour_and_site(match_codes, text, code):
    assert code in match_codes(text)


def test_primary_and_secondary_in_one_sentence(match_codes):
    codes = match_codes("liver metastases from a colon adenocarcinoma")
    assert {"C78.7", "C18.9"} <= codes
    assert "C22.9" not in codes  # the liver is the secondary site, not a primary


def test_neoplasm_without_site_uses_the_root_row(match_codes):
    assert any(c.startswith("C80") for c in match_codes("widespread carcinoma"))


def test_metastasis_of_a_named_primary_keeps_the_primary_malignant(match_codes):
    # "metastatic" before the noun makes it secondary; "metastasis of ... adenocarcinoma" does not
    codes = match_codes("Metastasis of prostatic adenocarcinoma in the right maxillary sinus")
    assert "C61" in codes and "C79.8" not in codes
    assert "C78.7" in match_codes("metastatic adenocarcinoma of the liver")


def test_site_takes_the_morphology_of_its_lesions_apposition(find):
    # "<site> lesion, probable cancer": one lesion whose nature the apposition names
    found = find("POSTOPERATIVE DIAGNOSIS: Right lateral base of tongue lesion, probable cancer.")
    c01 = [f for f in found if f.code == "C01"]
    assert c01 and c01[0].uncertain  # coded as confirmed at the end of the episode by the standards
    found = find("DIAGNOSIS: Liver lesion, likely metastasis.")
    assert any(f.code == "C78.7" for f in found)


def test_other_list_items_still_do_not_lend_their_morphology(find):
    found = find("DIAGNOSES: Base of tongue ulcer, diabetes, carcinoma of the prostate.")
    assert not any(f.code == "C01" for f in found)
    assert any(f.code == "C61" for f in found)
