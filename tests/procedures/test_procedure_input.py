"""Bad input: empty, odd and huge documents give no crash and lose nothing; the lexicon data is valid."""
from __future__ import annotations

import pytest

from clincode.procedures.lexicon import RESOURCES, read_terms


@pytest.mark.parametrize("text", ["", "   \n\t ", "PROCEDURE:", "::::,,,;;;", "\x00\x01 PROCEDURE: \ufffd\ufffd",
                                  "PROCEDURE: " + "é" * 5000])
def test_odd_documents_do_not_crash(code_note, text):
    codes, assignments, queries, warnings = code_note(text)
    assert codes == [] and assignments == []


def test_huge_document_still_finds_the_operation(code_note):
    text = "PROCEDURE: Laparoscopic cholecystectomy.\nDESCRIPTION: " + "The patient was well. " * 20000
    codes, *_ = code_note(text)
    assert codes == ["J18.3", "Y75.2"]


def test_no_documents(finder, classifications):
    from clincode.standards.procedures import code_procedures

    assert finder.find([]) == []
    assert code_procedures([], classifications, []) == ([], [], [])


def test_lexicon_has_400_entries_all_valid_codes(classifications):
    entries = read_terms(RESOURCES / "procedure_terms.tsv")
    assert len(entries) >= 400
    bad = []
    for e in entries:
        codes = [e.code, *e.site.split(), *e.variants.values()]
        for code, site, _ in e.also:
            codes += [code, *site.split()]
        for c in codes:
            found = classifications.opcs4.get(c)
            if found is None or found.kind.value != "subcategory":
                bad.append((e.term, c))
    assert bad == []


def test_bad_lexicon_row_is_reported_with_its_line(tmp_path):
    path = tmp_path / "terms.tsv"
    path.write_text("term\tcodes\tflags\tsource\nhernia repair\tT20.9\trank=3;nonsense\tlexicon\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"terms.tsv:2: unknown flag"):
        read_terms(path)


def test_through_the_engine_json_shape(settings):
    from clincode.engine import CodingEngine
    from clincode.coding import Document

    engine = CodingEngine(settings)
    ep = engine.code_episode("e1", [Document(id="e1", text="PROCEDURE: Right TKR, cemented.\n")])
    assert [p.code for p in ep.procedures] == ["W40.1", "Z94.2"]
    assert ep.main_procedure.code == "W40.1"


def test_works_without_an_opcs4_table(classifications):
    """A trust without an OPCS-4 release still gets the hand-built lexicon (codes without titles)."""
    from clincode.classification import Classifications
    from clincode.coding import Document
    from clincode.procedures import ProcedureFinder
    from clincode.standards.procedures import code_procedures
    from clincode.text import parse_document

    no_opcs = Classifications(icd10=classifications.icd10, opcs4=None)
    parsed = [parse_document(Document(id="n", text="PROCEDURE: Right laparoscopic inguinal hernia repair.\n"))]
    assignments, _, _ = code_procedures(ProcedureFinder(no_opcs).find(parsed), no_opcs, parsed)
    assert [a.code for a in assignments] == ["T20.9", "Y75.2", "Z94.2"]
