"""Both file formats (shared tables, TRUD release) and the WHO fallback."""
from __future__ import annotations

import pytest

from clincode.classification import Kind, System, load_classifications
from clincode.classification.service import FallbackWarning
from clincode.classification.sources import SourceError, detect, read_trud_icd10, read_trud_opcs4


def test_shared_tables_load_with_hierarchy(classifications):
    icd, opcs = classifications.icd10, classifications.opcs4
    assert classifications.source_kind == "shared"
    assert len(icd) > 19000 and len(opcs) > 10000
    k802 = icd.get("K80.2")
    assert k802.kind is Kind.SUBCATEGORY and k802.key == "K802"
    assert k802.category.code == "K80"
    assert k802.block.code == "K80-K87"
    assert k802.chapter.code == "Chapter XI"
    assert [a.code for a in icd.get("M25.56").ancestors()][:2] == ["M25.5", "M25"]
    assert icd.get("M25.56").kind is Kind.EXTENSION
    assert opcs.get("J18.3").chapter.code == "Chapter J"
    assert {c.code for c in icd.get("K80").children} >= {"K80.0", "K80.2", "K80.8"}


def test_trud_release_folder_is_detected_and_read(trud_settings):
    sources = detect(trud_settings.classification_dir)
    assert sources.kind == "trud"
    assert sources.icd10[0].name.startswith("ICD10_Edition5_CodesAndTitlesAndMetadata_GB_")
    assert sources.opcs4[0].name.startswith("OPCS410 CodesAndTitles")
    clf = load_classifications(trud_settings)
    assert clf.source_kind == "trud" and clf.opcs4_available
    # undotted TRUD codes become dotted; ALT_CODE filler X is dropped
    assert clf.icd10.get("K80.2").title == "Calculus of gallbladder without cholecystitis"
    assert clf.icd10.get("I10").kind is Kind.CATEGORY
    assert clf.icd10.get("I70.21").kind is Kind.EXTENSION
    # chapters and blocks come from WHO ICD-10 so the hierarchy is complete
    assert clf.icd10.get("K80.2").chapter.title == "Diseases of the digestive system"
    assert clf.icd10.get("K80.2").block.code == "K80-K87"
    assert clf.opcs4.get("J18.3").title == "Total cholecystectomy NEC"
    assert clf.opcs4.get("J18.3").category.code == "J18"
    assert clf.opcs4.get("J18.3").chapter is not None
    assert clf.table("opcs4").normalise("j183").code.code == "J18.3"


def test_trud_metadata_drives_validation(trud_settings):
    clf = load_classifications(trud_settings)
    meta = clf.icd10.metadata
    assert meta["N40"].sex == "M" and meta["O80.0"].sex == "F"
    assert (meta["P07.3"].min_age, meta["P07.3"].max_age) == (0, 1)
    assert "ASTERISK" in meta["G01"].usage
    assert not clf.validate("O80.0", sex="M").valid
    assert any("TRUD" in f.reason for f in clf.validate("P07.3", age=40).failures)


def test_malformed_trud_files_raise_source_error(tmp_path):
    bad = tmp_path / "ICD10_Edition5_CodesAndTitlesAndMetadata_GB_20990101.txt"
    bad.write_text("NOT\tA\tHEADER\nK80\tx\n")
    with pytest.raises(SourceError, match="not a TRUD ICD-10 file"):
        read_trud_icd10(bad)
    bad.write_text("CODE\tALT_CODE\tUSAGE\tUSAGE_UK\tDESCRIPTION\n123\t123\tDEFAULT\t3\tx\n")
    with pytest.raises(SourceError, match=":2: malformed code"):
        read_trud_icd10(bad)
    opcs = tmp_path / "OPCS410 CodesAndTitles Bad.txt"
    opcs.write_text("A01\tok\nnonsense line\tx\n")
    with pytest.raises(SourceError, match=":2: malformed OPCS-4 code"):
        read_trud_opcs4(opcs)


def test_no_files_falls_back_to_who_and_says_opcs4_is_unavailable(empty_settings):
    with pytest.warns(FallbackWarning, match="OPCS-4 coding is unavailable"):
        clf = load_classifications(empty_settings)
    assert clf.is_fallback and not clf.opcs4_available
    assert any("OPCS-4 coding is unavailable" in w for w in clf.warnings)
    assert clf.icd10.get("K80.2").title.startswith("Calculus of gallbladder")
    assert clf.icd10.get("M25.56") is None  # no UK 5th characters in WHO ICD-10
    assert clf.icd10.get("K80.2").chapter.code == "Chapter XI"
    with pytest.raises(LookupError, match="OPCS-4 coding is unavailable"):
        clf.table(System.OPCS4)
    assert not clf.validate("J18.3", system="opcs4").valid


def test_detect_recognises_each_kind_of_folder(settings, tmp_path):
    assert detect(settings.classification_dir).kind == "shared"
    assert detect(tmp_path).kind == "who-fallback"
    assert detect(None).kind == "who-fallback"
    assert detect(tmp_path / "missing").kind == "who-fallback"


def test_a_mistyped_classification_dir_is_an_error_not_a_silent_fallback(tmp_path):
    from clincode.config import Settings

    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_classifications(Settings(classification_dir=tmp_path / "typo", cache_dir=tmp_path))


def test_fallback_still_searches_and_validates_diagnoses(empty_settings):
    with pytest.warns(FallbackWarning):
        clf = load_classifications(empty_settings)
    hits = clf.search("cholera", limit=3)
    assert hits and all(h.system == "icd10" and h.code.startswith("A00") for h in hits)
    assert clf.validate("K80.2", primary=True).valid
    assert "fourth_character" in {f.rule for f in clf.validate("K80").failures}
    with pytest.raises(LookupError):
        clf.search("cholecystectomy", system="opcs4")
