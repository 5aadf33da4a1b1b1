"""The finder end to end: evidence offsets, context flags, all-findings filtering, episode coding."""
from __future__ import annotations

from clincode.coding import Document
from clincode.diagnosis import rank_findings

NOTE = (
    "Discharge diagnosis: acute calculous cholecystitis.\n"
    "She was also treated for a urinary tract infection.\n"
    "No evidence of pneumonia. Chest X-ray showed no pleural effusion.\n"
    "Past medical history: type 2 diabetes mellitus, hypertension.\n"
    "Family history: mother had breast cancer.\n"
)


def test_evidence_slices_the_document_to_its_text(find):
    findings = find(NOTE)
    assert findings
    for f in findings:
        assert NOTE[f.evidence.start:f.evidence.end] == f.evidence.text
        assert f.evidence.document == "doc"
        assert 0 <= f.score <= 1
        assert f.index_path


def test_codes_at_the_most_specific_level(find):
    codes = {f.code for f in find("Impression: acute cholecystitis with gallstones.")}
    assert "K80.0" in codes


def test_negated_and_family_mentions_are_returned_flagged(find):
    findings = find(NOTE)
    pneumonia = [f for f in findings if f.code.startswith("J18")]
    assert pneumonia and all(f.negated for f in pneumonia)
    effusion = [f for f in findings if f.code.startswith("J90")]
    assert effusion and all(f.negated for f in effusion)
    breast = [f for f in findings if f.code.startswith("C50")]
    assert breast and all(f.family for f in breast)


def test_all_findings_keeps_only_current_affirmed_conditions(find, classifications):
    episode = rank_findings("e1", find(NOTE), classifications, threshold=0.0)
    cats = {d.code[:3] for d in episode.diagnoses}
    assert "N39" in cats and "K80" in cats
    assert "J18" not in cats and "J90" not in cats and "C50" not in cats
    scores = [d.score for d in episode.diagnoses]
    assert scores == sorted(scores, reverse=True)
    assert len({d.code for d in episode.diagnoses}) == len(episode.diagnoses)  # one line per code


def test_uncertain_diagnosis_stays_in_all_findings(find, classifications):
    text = "Impression: probable community acquired pneumonia, treated with antibiotics."
    findings = find(text)
    pneumonia = [f for f in findings if f.code.startswith("J18")]
    assert pneumonia and any(f.uncertain for f in pneumonia)
    episode = rank_findings("e2", findings, classifications, threshold=0.0)
    assert any(d.code.startswith("J18") for d in episode.diagnoses)


def test_several_documents_one_episode(finder):
    from clincode.text import parse_document

    docs = [Document(id="a.txt", text="Diagnosis: hypertension."), Document(id="b.txt", text="Known asthma.")]
    findings = finder.find([parse_document(d) for d in docs])
    by_doc = {(f.code[:3], f.evidence.document) for f in findings}
    assert ("I10", "a.txt") in by_doc and ("J45", "b.txt") in by_doc


def test_empty_text_gives_no_findings(find):
    assert find("") == []
    assert find("   \n\n ") == []
