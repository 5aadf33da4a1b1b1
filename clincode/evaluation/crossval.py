"""k-fold cross-validation of the diagnosis model on a coded corpus (CodiEsp train).

Each outer fold is scored by a model trained (with its own inner cross-fitting) on the other folds
only: the figures are what to expect on unseen documents of the same kind.
"""
from __future__ import annotations

import numpy as np

from ..diagnosis.training import PreparedDocument, fit, predict
from .metrics import score_categories


def cross_validate(finder, docs: list[PreparedDocument], folds: int = 5, C: float = 1.0) -> dict:
    idx = np.arange(len(docs))
    preds, gold, uk_gold, per_fold = {}, {}, {}, []
    for k in range(folds):
        test = set(idx[k::folds].tolist())
        train = [d for i, d in enumerate(docs) if i not in test]
        model = fit(finder, train, C=C)
        fold_preds, fold_gold = {}, {}
        for i in sorted(test):
            d = docs[i]
            fold_preds[d.id] = predict(finder, model, d)
            fold_gold[d.id] = d.gold_categories
        per_fold.append(score_categories(fold_preds, fold_gold))
        preds.update(fold_preds)
        gold.update(fold_gold)
        uk_gold.update({docs[i].id: docs[i].labels for i in test})
    overall = score_categories(preds, gold)
    # the same predictions against the UK category of each gold code (CM D49.512 -> D41): what a UK
    # coder would accept; the CodiEsp figure above counts those UK codes as wrong
    overall["uk_equivalent"] = score_categories(preds, uk_gold)
    overall["folds"] = folds
    overall["per_fold_f1"] = [f["category_f1"] for f in per_fold]
    overall["per_fold_map"] = [f["category_map"] for f in per_fold]
    return overall
