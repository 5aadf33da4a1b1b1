"""The diagnosis finder makes its findings with positional arguments (a third of the time of
keywords) only while Finding's fields are in the order it passes them; either way the finding is
the same."""
from __future__ import annotations

from clincode.coding import Document
from clincode.text import parse_document
import clincode.diagnosis.finder as finder_module


def test_positional_findings_equal_keyword_findings(monkeypatch):
    assert finder_module._FINDING_IN_ORDER  # Finding's fields as _finding passes them
    parsed = parse_document(Document(id="d1", text="No chest pain. History of atrial fibrillation."))
    sentence = parsed.sentences[1]
    start = parsed.text.index("atrial")
    end = start + len("atrial fibrillation")

    def make():
        finder_module._CONTEXTS.clear()
        finder = object.__new__(finder_module.DiagnosisFinder)
        return finder._finding(parsed, sentence, start, end, "I48.9", "fibrillation", "Fibrillation -> atrial",
                               {"kind": "lexicon"}, "lexicon (index): Fibrillation -> atrial")

    positional = make()
    monkeypatch.setattr(finder_module, "_FINDING_IN_ORDER", False)
    by_keyword = make()
    assert positional == by_keyword
    assert positional.historical and not positional.negated
    assert positional.rationale[-1] == "lexicon (index): Fibrillation -> atrial"
    assert positional.score == 0.5 and positional.supplementary == [] and positional.system == "icd10"
