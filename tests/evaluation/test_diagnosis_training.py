"""Training the candidate scorer: runs on a small slice of CodiEsp train, saves and reloads exactly."""
from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def small_corpus(shared_data, settings, classifications):
    from clincode.diagnosis.finder import DiagnosisFinder
    from clincode.diagnosis.training import prepare
    from clincode.evaluation import load_codiesp

    split = shared_data / "codiesp" / "train"
    if not split.is_dir():
        pytest.skip("CodiEsp train split not available")
    data = load_codiesp(split, limit=60)
    finder = DiagnosisFinder(classifications, settings, model=None)
    return finder, prepare(finder, data.ids, data.texts, data.gold)


def test_fit_save_load_predict(small_corpus, tmp_path):
    from clincode.diagnosis.model import DiagnosisModel
    from clincode.diagnosis.training import fit, predict

    finder, docs = small_corpus
    train, test = docs[:45], docs[45:]
    model = fit(finder, train, inner_folds=3)
    assert 0.0 < model.threshold < 1.0
    assert model.ngrams and model.trees
    assert 0.3 < model.meta["candidate_recall"] <= 1.0
    path = tmp_path / "model.json"
    model.save(path)
    again = DiagnosisModel.load(path)
    for d in test:
        assert predict(finder, model, d) == predict(finder, again, d)
    assert json.loads(path.read_text())["format"] == "clincode-diagnosis-model/1"


def test_training_is_deterministic(small_corpus):
    from clincode.diagnosis.training import fit

    finder, docs = small_corpus
    a = fit(finder, docs[:30], inner_folds=2, kind="logistic").to_json()
    b = fit(finder, docs[:30], inner_folds=2, kind="logistic").to_json()
    assert a == b


def test_a_model_for_other_features_is_refused(tmp_path):
    from clincode.diagnosis.model import DiagnosisModel, ModelError

    path = tmp_path / "old.json"
    path.write_text(json.dumps({"features": ["x"], "weights": [1.0]}))
    with pytest.raises(ModelError, match="retrain"):
        DiagnosisModel.load(path)
    with pytest.raises(ModelError, match="cannot read"):
        DiagnosisModel.load(tmp_path / "missing.json")


def test_candidates_are_trained_against_the_uk_category_of_the_gold_code(settings, classifications):
    """CM D49.512 (no UK category) teaches the scorer that UK D41 is right, not that it is always wrong."""
    from clincode.diagnosis.finder import DiagnosisFinder
    from clincode.diagnosis.training import prepare

    finder = DiagnosisFinder(classifications, settings, model=None)
    text = "CT showed a tumour of the right kidney. The patient has HIV infection and hypertension."
    (doc,) = prepare(finder, ["d1"], {"d1": text}, {"d1": {"D49.512", "B20", "I10"}})
    assert doc.gold_categories == {"D49", "B20", "I10"}  # what the CodiEsp scorer compares
    assert doc.labels == {"D41", "B24", "I10"}
    assert doc.gold_uk["D41"] == "D41.0"
