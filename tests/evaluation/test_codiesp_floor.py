"""Accuracy floor on a fixed sample of CodiEsp dev (the packaged model never saw dev documents).

The plain dictionary baseline scores F1 0.44 / MAP 0.27 on the whole dev split; the floors below
sit well above it (full-split figures are in docs/diagnosis.md).
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

SAMPLE = 30


@pytest.fixture(scope="module")
def dev(shared_data):
    from clincode.evaluation import load_codiesp

    split = shared_data / "codiesp" / "dev"
    if not split.is_dir():
        pytest.skip("CodiEsp dev split not available")
    return load_codiesp(split, limit=SAMPLE)


def test_dev_sample_well_above_the_dictionary_baseline(dev, settings, tmp_path, shared_data):
    from clincode.coding import Document
    from clincode.engine import CodingEngine
    from clincode.evaluation import score_categories

    engine = CodingEngine(settings)
    preds, lines = {}, []
    for doc_id in dev.ids:
        episode = engine.code_episode(doc_id, [Document(id=doc_id, text=dev.texts[doc_id])], all_findings=True)
        preds[doc_id] = [(d.code, d.score) for d in episode.diagnoses]
        lines.append(json.dumps(episode.model_dump()))
    ours = score_categories(preds, dev.gold)
    assert ours["category_f1"] >= 0.55, ours
    assert ours["category_map"] >= 0.45, ours

    # our metric agrees with the official scorer on the same predictions
    scorer = shared_data.parent / "tools" / "score.py"
    if scorer.is_file():
        gold_dir = tmp_path / "gold"
        gold_dir.mkdir()
        (gold_dir / "diagnoses.tsv").write_text(
            "".join(f"{d}\t{c.lower()}\n" for d in dev.ids for c in sorted(dev.gold[d])))
        pred_file = tmp_path / "preds.jsonl"
        pred_file.write_text("\n".join(lines) + "\n")
        out = subprocess.run([sys.executable, str(scorer), str(pred_file), "--codiesp", str(gold_dir)],
                             capture_output=True, text=True, check=True).stdout
        official = json.loads(out)
        assert official["category_f1"] == ours["category_f1"]
        assert official["category_map"] == ours["category_map"]


def test_metrics_reward_ranking():
    from clincode.evaluation import score_categories

    gold = {"d": {"I10", "E11.9"}}
    good = score_categories({"d": [("I10", 0.9), ("E11.9", 0.8), ("J18.9", 0.1)]}, gold)
    bad = score_categories({"d": [("J18.9", 0.9), ("I10", 0.8), ("E11.9", 0.1)]}, gold)
    assert good["category_f1"] == bad["category_f1"] == 0.8
    assert good["category_map"] == 1.0 > bad["category_map"]
