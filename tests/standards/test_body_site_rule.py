"""A body site alone ("left eye", "skin", "temporal artery") names no condition."""
from __future__ import annotations

from clincode.standards.diagnosis.sites import only_a_body_site


def test_site_words():
    assert only_a_body_site("eye")
    assert only_a_body_site("left eye")
    assert only_a_body_site("Temporal artery")
    assert only_a_body_site("skin and subcutaneous tissue")
    assert not only_a_body_site("open angle glaucoma")
    assert not only_a_body_site("left")  # laterality alone is not a site either way
    assert not only_a_body_site("eye infection")


def test_site_alone_is_not_coded_but_the_condition_is(build):
    text = "POSTOPERATIVE DIAGNOSES: 1. Uncontrolled open angle glaucoma, left eye."
    ep = build.code(text, [("H40.1", "open angle glaucoma", "postoperative_diagnosis"),
                           ("B30.0", "eye", "postoperative_diagnosis")])
    assert build.codes(ep) == ["H40.1"]


def test_neoplasm_sub_site_words_stay(build):
    text = "DIAGNOSIS: Transitional cell carcinoma of the lateral wall of bladder."
    ep = build.code(text, [("C67.2", "lateral wall of bladder", "diagnosis")])
    assert build.codes(ep) == ["C67.2"]
