"""The ICD-10-CM Alphabetic Index as a tree, mapped to UK codes."""
from __future__ import annotations

import pytest

from clincode.classification.index import behaviour_named, load_index


@pytest.fixture(scope="module")
def index(settings):
    if settings.index_dir is None:
        pytest.skip("../shared/data/icd10cm_index is not beside the checkout")
    return load_index(settings)


def test_index_holds_all_sources(index):
    sources = {e.source for e in index}
    assert sources == {"index", "neoplasm", "external", "drugs"}
    assert len(index) > 90000
    assert load_index() is index or len(load_index()) == len(index)  # cached


def test_entries_keep_the_index_words_for_each_level(index):
    acute = next(e for e in index if e.path == ("Cholecystitis", "acute"))
    assert acute.level == 1 and acute.term == "acute" and acute.code_cm == "K81.0" and acute.code == "K81.0"
    assert "emphysematous" in acute.nonessential
    assert acute.display_path == "Cholecystitis > acute"
    parent = index.entries[acute.parent]
    assert parent.path == ("Cholecystitis",) and acute in index.children(parent)


def test_cm_codes_are_mapped_to_uk(index):
    by_path = {e.path: e for e in index if e.source == "index"}
    assert by_path[("Cholecystitis", "typhoidal")].code_cm == "A01.09"
    assert by_path[("Cholecystitis", "typhoidal")].code == "A01.0"
    stage3 = next(e for e in index if e.code_cm == "N18.30")
    assert stage3.code == "N18.3"
    cm_only = next(e for e in index if e.code_cm and e.code_cm.startswith("U09"))
    assert cm_only.code is None


def test_a_compound_the_source_split_keeps_no_code(index):
    # the CSV reads "Cancer(o)phobia F45.29" as term "Cancer" + modifier "(o)": no code for "Cancer"
    cancer = [e for e in index if e.source == "index" and e.path == ("Cancer",)]
    assert cancer and all(e.code is None or not e.code.startswith("F45") for e in cancer)


def test_see_references_resolve_to_a_code(index):
    entry = next(e for e in index if e.path == ("Cholecystitis", "acute", "with", "cholelithiasis"))
    assert entry.code is None and entry.see.startswith("Calculus, gallbladder, with cholecystitis, acute")
    assert entry.see_code == "K80.0" and entry.best_code == "K80.0"
    target = index.lookup("Calculus, gallbladder, with cholecystitis, acute")
    assert target.display_path.endswith("gallbladder > with > cholecystitis > acute") and target.code == "K80.0"
    assert index.lookup("Pain, abdominal").path == ("Pain(s)", "abdominal") or index.lookup("Pain, abdominal").term == "abdominal"
    assert index.lookup("No such term, at all") is None


def test_code_to_instructions_become_codes(index):
    entry = next(e for e in index if e.code_cm == "I01" and e.see is None and e.term.startswith("active with heart"))
    assert entry.code == "I01"


def test_table_of_neoplasms_has_uk_codes_by_behaviour(index):
    stomach = next(e for e in index if e.source == "neoplasm" and e.path[1:] == ("stomach",))
    codes = stomach.codes_by_behaviour
    assert codes["malignant_primary"] == "C16.9"
    assert codes["malignant_secondary"] == "C78.8"
    assert codes["in_situ"] == "D00.2" and codes["benign"] == "D13.1" and codes["uncertain"] == "D37.1"
    # UK has no D49 "unspecified behaviour": D37-D48 cover uncertain or unknown behaviour
    assert codes["unspecified"] == "D37.1"
    abdomen = next(e for e in index if e.source == "neoplasm" and e.path[1:] == ("abdomen, abdominal",))
    assert abdomen.codes_by_behaviour["malignant_secondary"] == "C79.8"  # CM 'C79.8-' needs more characters


def test_behaviour_named_in_references():
    assert behaviour_named("Neoplasm, skin, benign") == "benign"
    assert behaviour_named("Neoplasm, malignant, by site") == "malignant_primary"
    assert behaviour_named("Neoplasm, secondary, by site") == "malignant_secondary"
    assert behaviour_named("Calculus, gallbladder") is None


def test_drugs_table_gives_the_poisoning_code(index):
    entry = next(e for e in index if e.source == "drugs" and e.term == "Acebutolol")
    assert entry.code_cm == "T44.7X1" and entry.code == "T44.7"


def test_iterating_all_entries_is_cheap(index):
    count = sum(1 for e in index if e.best_code)
    assert count > 60000
