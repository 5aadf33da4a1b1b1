"""The diagnosis finder makes its findings with positional arguments (a third of the time of
keywords): they must fill the fields a keyword construction would."""
from __future__ import annotations

import dataclasses

from clincode.coding import Document
from clincode.coding.findings import Finding
from clincode.text import parse_document
import clincode.diagnosis.finder as finder_module


def test_finder_passes_findings_fields_in_their_order():
    assert tuple(f.name for f in dataclasses.fields(Finding)) == finder_module._FINDING_FIELDS


def test_positional_finding_equals_the_keyword_finding():
    parsed = parse_document(Document(id="d1", text="No chest pain. History of atrial fibrillation."))
    sentence = parsed.sentences[1]
    start = parsed.text.index("atrial")
    end = start + len("atrial fibrillation")
    finder_module._CONTEXTS.clear()
    finder = object.__new__(finder_module.DiagnosisFinder)
    positional = finder._finding(parsed, sentence, start, end, "I48.9", "fibrillation", "Fibrillation -> atrial",
                                 {"kind": "lexicon"}, "lexicon (index): Fibrillation -> atrial")
    by_keyword = Finding(code="I48.9", system="icd10", term="fibrillation", evidence=positional.evidence,
                         section=positional.section, negated=False, uncertain=False, historical=True,
                         family=False, hypothetical=False, index_path="Fibrillation -> atrial",
                         rationale=positional.rationale, attributes={"kind": "lexicon"})
    assert positional == by_keyword
    assert positional.rationale[-1] == "lexicon (index): Fibrillation -> atrial"
    assert positional.score == 0.5 and positional.supplementary == []
