"""Learned n-gram associations and the packaged scorer."""
from __future__ import annotations

from clincode.diagnosis.learned import kept_occurrences, mine, ngrams
from clincode.diagnosis.normalise import tokenise


def _docs(texts):
    return [[tokenise(t)] for t in texts]


def test_mining_keeps_predictive_ngrams_only():
    texts = ["the patient had a high fever and cough"] * 4 + ["the patient was well"] * 6
    gold = [{"R50": "R50.9"}] * 4 + [{}] * 6
    table = mine(_docs(texts), gold, min_support=2, min_lift=2.0)
    assert "high fever" in table or "fever" in table
    assoc = table.get("fever")[0]
    assert assoc.category == "R50" and assoc.code == "R50.9" and assoc.support == 4
    assert 0.5 < assoc.precision < 1.0  # smoothed: 4 / (4 + 1)
    assert "patient" not in table  # in every document: no lift over the base rate


def test_kept_occurrences_finds_every_kept_ngram_with_token_indices_in_text_order():
    tokens = tokenise("Fever. High fever with chills, fever again")
    table = mine(_docs(["high fever", "high fever", "chills"]), [{"R50": "R50.9"}, {"R50": "R50.9"}, {}],
                 min_support=1, min_lift=1.0, min_precision=0.1)
    found = kept_occurrences(list(ngrams(tokens)), table)
    assert ("high fever", 1, 2) in found and ("fever", 0, 0) in found and ("fever", 5, 5) in found
    assert all(g in table for g, _, _ in found)
    for gram, i, j in found:
        assert j - i + 1 == len(gram.split())
        assert " ".join("+".join(t.forms) for t in tokens[i:j + 1]) == gram
    # ordered by the last word, the longest n-gram first at the same last word
    assert [(j, i) for _, i, j in found] == sorted((j, i) for _, i, j in found)
    assert found.index(("high fever", 1, 2)) < found.index(("fever", 2, 2))


def test_vectorised_tree_scores_equal_the_scalar_ones(finder):
    model = finder.model
    assert model is not None and model.trees, "the packaged model should be boosted trees"
    import random

    rng = random.Random(0)
    rows = [[rng.random() for _ in model.mean] for _ in range(25)]
    fast = model.probabilities(rows)
    slow = [model.probability(r) for r in rows]
    assert all(abs(a - b) < 1e-9 for a, b in zip(fast, slow))


def test_packaged_model_records_its_training_data(finder):
    meta = finder.model.meta
    assert "CC BY 4.0" in meta["source"] and meta["training_documents"] == 500


def test_document_classifier_weighs_ngrams_together():
    from clincode.diagnosis.doc_classifier import train

    docs = ([{"fever", "brucella", "orchitis"}] * 6 + [{"fever", "cough"}] * 6
            + [{"brucella", "milk"}] * 6 + [{"rash"}] * 6)
    gold = [{"A23"}] * 6 + [set()] * 6 + [{"A23"}] * 6 + [set()] * 6
    clf = train(docs, gold, C=5.0)
    assert "A23" in clf.models
    p = clf.probabilities
    assert p({"brucella", "fever"})["A23"] > 0.5 > p({"fever", "cough"})["A23"]
    assert p({"brucella", "milk"})["A23"] > p({"milk"})["A23"]
    again = type(clf)(clf.to_json())
    assert abs(again.probabilities({"brucella"})["A23"] - clf.probabilities({"brucella"})["A23"]) < 1e-4  # JSON rounds


def test_document_classifier_suggests_a_category_no_mention_names(finder):
    """A category the whole record makes probable is a candidate with the strongest n-gram as its
    evidence; one the text already names (even negated) is not suggested again."""
    from clincode.coding import Document
    from clincode.diagnosis.doc_classifier import classifier_findings, document_grams, train
    from clincode.diagnosis.learned import ngrams
    from clincode.text import parse_document

    def grams_of(text):
        tdoc = finder.tokenise(parse_document(Document(id="t", text=text)))
        return document_grams([list(ngrams(tokens)) for _, tokens in tdoc.sentences])

    docs = [grams_of("Rigors and sweats.")] * 8 + [grams_of("Rigors.")] * 4 + [grams_of("A cough.")] * 8
    gold = [{"R50": "R50.9"}] * 8 + [{}] * 4 + [{}] * 8
    clf = train(docs, gold, C=5.0)
    assert clf.codes["R50"] == "R50.9"
    assert type(clf)(clf.to_json()).codes == {"R50": "R50.9"}  # the code survives the model file

    text = "Admitted unwell. She had rigors and sweats overnight."
    tdoc = finder.tokenise(parse_document(Document(id="d1", text=text)))
    sentence_grams = [[list(ngrams(tokens)) for _, tokens in tdoc.sentences]]
    grams = document_grams(sentence_grams[0])
    found = classifier_findings(finder, [tdoc], sentence_grams, clf, grams, [])
    assert [f.code for f in found] == ["R50.9"]
    f = found[0]
    assert f.attributes["kind"] == "classifier" and f.attributes["probability"] >= 0.3
    assert text[f.evidence.start:f.evidence.end] == f.evidence.text
    assert f.evidence.text.lower() in ("rigors and sweats", "sweats")
    assert any("document classifier" in r for r in f.rationale)
    # the text already names the category: no second, weaker suggestion
    import copy

    other = copy.copy(f)
    other.code, other.negated = "R50.8", True
    named = classifier_findings(finder, [tdoc], sentence_grams, clf, grams, [other])
    assert named == []
    # nothing probable: nothing suggested
    cough = finder.tokenise(parse_document(Document(id="d2", text="A dry cough.")))
    cg = [[list(ngrams(tokens)) for _, tokens in cough.sentences]]
    assert classifier_findings(finder, [cough], cg, clf, document_grams(cg[0]), []) == []
