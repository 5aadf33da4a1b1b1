"""Document-level category classifiers: P(category | every n-gram of the episode), for the frequent
categories, as one more feature of the candidate scorer.

The n-gram associations (``learned.py``) judge each n-gram alone; these sparse L1 logistic
regressions weigh all of an episode's n-grams together ("fever" with "brucella" and "orchitis"
says more than any one of them). Only categories coded in enough training documents get one.
"""
from __future__ import annotations

import math
import warnings
from collections import Counter

MIN_DOCS = 8  # a category needs this many training documents to get a classifier
MIN_DF = 2  # an n-gram must occur in this many training documents to be a feature


class DocClassifier:
    def __init__(self, models: dict[str, list]):
        # models: category -> [bias, {n-gram: weight}]
        self.models = models
        self._by_gram: dict[str, list[tuple[str, float]]] = {}
        for cat, (_bias, weights) in models.items():
            for gram, w in weights.items():
                self._by_gram.setdefault(gram, []).append((cat, w))

    def probabilities(self, grams: set[str], categories=None) -> dict[str, float]:
        """P(category) for every modelled category, or only for ``categories`` (the candidates)."""
        if not self.models:
            return {}
        if categories is None:
            z = {cat: m[0] for cat, m in self.models.items()}
        else:
            z = {cat: self.models[cat][0] for cat in categories if cat in self.models}
        for gram in grams:
            for cat, w in self._by_gram.get(gram, ()):
                if cat in z:
                    z[cat] += w
        return {cat: 1.0 / (1.0 + math.exp(-max(min(v, 30.0), -30.0))) for cat, v in z.items()}

    def to_json(self) -> dict:
        return {cat: [round(b, 5), {g: round(w, 5) for g, w in sorted(ws.items())}]
                for cat, (b, ws) in sorted(self.models.items())}


def document_grams(sentence_grams) -> set[str]:
    """The set of n-gram keys of an episode, from per-sentence (gram, first, last) lists."""
    return {g for occurrences in sentence_grams for g, _, _ in occurrences}


def train(doc_grams: list[set[str]], gold: list[set[str]], C: float = 0.3) -> DocClassifier:
    """One sparse (L1) logistic regression per frequent category. Deterministic (liblinear)."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    df = Counter(g for grams in doc_grams for g in grams)
    vocab = sorted(g for g, n in df.items() if n >= MIN_DF)
    index = {g: i for i, g in enumerate(vocab)}
    rows, cols = [], []
    for r, grams in enumerate(doc_grams):
        for g in grams:
            i = index.get(g)
            if i is not None:
                rows.append(r)
                cols.append(i)
    X = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(doc_grams), len(vocab)))
    cat_df = Counter(c for cats in gold for c in cats)
    models: dict[str, list] = {}
    for cat, n in sorted(cat_df.items()):
        if n < MIN_DOCS or n > len(doc_grams) - MIN_DOCS:
            continue
        y = np.array([int(cat in cats) for cats in gold])
        clf = LogisticRegression(penalty="l1", C=C, solver="liblinear", max_iter=200, random_state=0)
        with warnings.catch_warnings():  # scikit-learn >= 1.8 prefers l1_ratio; older releases need penalty
            warnings.simplefilter("ignore")
            clf.fit(X, y)
        coef = clf.coef_[0]
        nz = np.flatnonzero(coef)
        models[cat] = [float(clf.intercept_[0]), {vocab[i]: float(coef[i]) for i in nz}]
    return DocClassifier(models)
