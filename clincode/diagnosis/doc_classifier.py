"""Document-level category classifiers: P(category | every n-gram of the episode), for the frequent
categories, as one more feature of the candidate scorer.

The n-gram associations (``learned.py``) judge each n-gram alone; these sparse L1 logistic
regressions weigh all of an episode's n-grams together ("fever" with "brucella" and "orchitis"
says more than any one of them). Only categories coded in enough training documents get one.

A category the classifier finds probable enough becomes a candidate even when no lexicon entry or
single n-gram named it (coders code what the whole record shows: "febrile, 39.2 C, rigors" is
fever); its evidence is the n-gram that weighed most for it.
"""
from __future__ import annotations

import math
import warnings
from collections import Counter

MIN_DOCS = 5  # a category needs this many training documents to get a classifier (5 vs 8: CV F1 +0.001, MAP +0.005)
MIN_DF = 2  # an n-gram must occur in this many training documents to be a feature
# a category at least this probable is a candidate with no mention of its own (chosen on a held-out
# train fold: 0.2 / 0.3 / 0.4); the candidate scorer still decides whether it is listed
CANDIDATE_PROBABILITY = 0.3


class DocClassifier:
    def __init__(self, models: dict[str, list]):
        # models: category -> [bias, {n-gram: weight}, the UK code most often behind it (optional)]
        self.models = models
        self.codes = {cat: m[2] for cat, m in models.items() if len(m) > 2 and m[2]}
        self._by_gram: dict[str, list[tuple[str, float]]] = {}
        for cat, (_bias, weights, *_code) in models.items():
            for gram, w in weights.items():
                self._by_gram.setdefault(gram, []).append((cat, w))

    def probabilities(self, grams: set[str], categories=None) -> dict[str, float]:
        """P(category) for every modelled category, or only for ``categories`` (the candidates)."""
        if not self.models:
            return {}
        by_gram = self._by_gram.get
        if categories is None:
            z = {cat: m[0] for cat, m in self.models.items()}
            for gram in grams:  # (in this order: the sums, bit for bit, depend on it)
                weights = by_gram(gram)
                if weights is not None:  # most of a document's n-grams weigh for no category
                    for cat, w in weights:
                        z[cat] += w
        else:
            z = {cat: self.models[cat][0] for cat in categories if cat in self.models}
            for gram in grams:
                for cat, w in by_gram(gram, ()):
                    if cat in z:
                        z[cat] += w
        return {cat: 1.0 / (1.0 + math.exp(-max(min(v, 30.0), -30.0))) for cat, v in z.items()}

    def to_json(self) -> dict:
        return {cat: [round(m[0], 5), {g: round(w, 5) for g, w in sorted(m[1].items())}]
                + ([self.codes[cat]] if cat in self.codes else [])
                for cat, m in sorted(self.models.items())}

    def suggestions(self, grams: set[str], present, probabilities: dict[str, float] | None = None) -> list[tuple[str, str, float]]:
        """(category, code, probability) of the probable categories not in ``present``
        (``probabilities``: every category's, when the caller has them already)."""
        if not self.codes:
            return []
        out = []
        for cat, p in sorted((probabilities if probabilities is not None else self.probabilities(grams)).items()):
            if p >= CANDIDATE_PROBABILITY and cat not in present and cat in self.codes:
                out.append((cat, self.codes[cat], p))
        return out

    def strongest(self, category: str, sentence_grams) -> tuple[int, int, int, str] | None:
        """(sentence, first token, last token, n-gram) of the first occurrence of the n-gram that
        weighs most for ``category``: the evidence a coder is shown."""
        weights = self.models[category][1]
        best, where = 0.0, None
        for si, occurrences in enumerate(sentence_grams):
            for gram, i, j in occurrences:
                w = weights.get(gram, 0.0)
                if w > best:
                    best, where = w, (si, i, j, gram)
        return where


def document_grams(sentence_grams) -> set[str]:
    """The set of n-gram keys of an episode, from per-sentence (gram, first, last) lists."""
    return {g for occurrences in sentence_grams for g, _, _ in occurrences}


def train(doc_grams: list[set[str]], gold: list, C: float = 0.3) -> DocClassifier:
    """One sparse (L1) logistic regression per frequent category. Deterministic (liblinear).
    ``gold``: each document's categories, or category -> UK code (then each model keeps the code
    most often behind its category, for the candidates it suggests)."""
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
        codes = Counter(cats[cat] for cats in gold if isinstance(cats, dict) and cat in cats)
        if codes:
            models[cat].append(sorted(codes.items(), key=lambda t: (-t[1], t[0]))[0][0])
    return DocClassifier(models)


def classifier_findings(finder, docs, sentence_grams, classifier: DocClassifier, grams: set[str], findings,
                        probabilities: dict[str, float] | None = None) -> list:
    """A finding for each category the document classifier finds probable that no other finding
    names (negated or not: a category the text rules out is not suggested)."""
    present = {f.code[:3] for f in findings}
    out = []
    for cat, code, p in classifier.suggestions(grams, present, probabilities):
        best = None
        for d, doc in enumerate(docs):
            hit = classifier.strongest(cat, sentence_grams[d])
            if hit is not None and (best is None or classifier.models[cat][1].get(hit[3], 0) >
                                    classifier.models[cat][1].get(best[1][3], 0)):
                best = (d, hit)
        if best is None:
            continue
        d, (si, i, j, gram) = best
        doc = docs[d]
        sentence, tokens = doc.sentences[si]
        f = finder._finding(doc.parsed, sentence, tokens[i].start, tokens[j].end, code, gram,
                            f"document classifier: P({cat}) = {p:.2f}")
        f.attributes = {"kind": "classifier", "probability": round(p, 4), "ngram": gram}
        f.rationale.append(f"document classifier: the whole record suggests {cat} (probability {p:.2f}); "
                           f"strongest evidence '{gram}'")
        out.append(f)
    return out
