"""Train the candidate scorer from a coded corpus (CodiEsp train, ICD-10-CM gold codes).

Cross-fitting keeps the model honest: the corpus statistics and n-gram associations that feed a
document's features are always learned on *other* documents (inner folds), so the regression learns
how far they can be trusted on unseen text. The saved model's statistics are then learned on all
training documents. Deterministic: fixed fold assignment, liblinear solver.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..coding.models import Document
from ..text import context_of, parse_document
from .features import CorpusStats, EpisodeView, candidate_features, eligible, group_by_category, term_key
from .doc_classifier import DocClassifier, classifier_findings, document_grams
from .doc_classifier import train as train_doc_classifier
from .finder import DiagnosisFinder, TokenisedDocument
from .learned import kept_occurrences, mine, ngrams
from .model import DiagnosisModel

log = logging.getLogger(__name__)

N_TREES = 100  # boosted trees: enough for ~25 features, small enough to ship as JSON
TREE_DEPTH = 3
# n-gram association mining (learned.mine); min_precision 0.25 chosen on a held-out train fold (0.10/0.25/0.35)
DOC_CLASSIFIER = True  # document-level L1 logistic regressions for the frequent categories (doc_classifier.py)
MINING = {"min_support": 2, "min_lift": 3.0, "per_gram": 3, "min_precision": 0.25}


@dataclass
class PreparedDocument:
    id: str
    doc: TokenisedDocument
    lexicon: list  # lexicon Findings (model-independent)
    gold_categories: set[str]  # CM categories (what the CodiEsp scorer compares)
    gold_uk: dict[str, str]  # UK category -> UK code (what can be learned as an association)
    # what a candidate is trained against: the UK category of each gold code (CM D49.512 -> D41,
    # CM B20 -> B24), the CM category where no UK code exists. Training on the CM categories taught
    # the scorer that UK-only categories are always wrong: "renal tumour" (UK D41.0) scored ~0.
    labels: set[str]
    length: int
    grams: list  # per sentence: every (n-gram, first, last) occurrence, to filter by any learned table


def uk_labels(cm_codes, icd10) -> tuple[dict[str, str], set[str]]:
    """(UK category -> UK code, training labels) of a document's ICD-10-CM gold codes: the UK
    category of each code (rules/cm_to_uk.tsv), the CM category where no UK code exists."""
    uk: dict[str, str] = {}
    labels: set[str] = set()
    for cm in sorted(cm_codes):
        code = icd10.map_cm(cm)
        if code is not None:
            uk.setdefault(code.code[:3], code.code)
        labels.add(code.code[:3] if code is not None else cm.replace(".", "")[:3].upper())
    return uk, labels


def prepare(finder: DiagnosisFinder, ids: list[str], texts: dict[str, str], gold: dict[str, set[str]]) -> list[PreparedDocument]:
    icd10 = finder.classifications.icd10
    out = []
    for doc_id in ids:
        parsed = parse_document(Document(id=doc_id, text=texts[doc_id]))
        for sentence in parsed.sentences:  # scan every sentence's context triggers once (cached)
            context_of(parsed, sentence.start, sentence.start)
        tdoc = finder.tokenise(parsed)
        uk, labels = uk_labels(gold.get(doc_id, ()), icd10)
        out.append(PreparedDocument(doc_id, tdoc, finder.lexicon_findings([tdoc]),
                                    {c.replace(".", "")[:3].upper() for c in gold.get(doc_id, ())}, uk, labels,
                                    len(texts[doc_id]), [list(ngrams(toks)) for _, toks in tdoc.sentences]))
    return out


def corpus_stats(docs: list[PreparedDocument]) -> CorpusStats:
    stats = CorpusStats(n_docs=len(docs))
    cat_df = Counter(c for d in docs for c in d.labels)
    cat_lex: dict[str, list[int]] = {}
    term_lex: dict[str, list[int]] = {}
    right = total = 0
    for d in docs:
        groups = group_by_category([f for f in d.lexicon if eligible(f)])
        for cat, mentions in groups.items():
            hit = int(cat in d.labels)
            right, total = right + hit, total + 1
            entry = cat_lex.setdefault(cat, [0, 0])
            entry[0] += hit
            entry[1] += 1
            for key in {term_key(f) for f in mentions}:
                t = term_lex.setdefault(key, [0, 0])
                t[0] += hit
                t[1] += 1
    stats.category_df = dict(cat_df)
    stats.category_lexicon = cat_lex
    stats.term_lexicon = {k: v for k, v in term_lex.items() if v[1] >= 2}
    stats.lexicon_base = round(right / total, 4) if total else 0.3
    return stats


def _learned_table(docs: list[PreparedDocument]):
    return mine([[toks for _, toks in d.doc.sentences] for d in docs], [d.gold_uk for d in docs], **MINING)


def learned_findings(finder: DiagnosisFinder, d: PreparedDocument, table) -> list:
    """The learned findings the finder would make with ``table`` (same code path, precomputed n-grams)."""
    out = []
    for si, occurrences in enumerate(d.grams):
        kept = kept_occurrences(occurrences, table)
        if kept:
            out += finder.learned_from(d.doc, si, kept, table)
    return out


def _doc_classifier(docs: list[PreparedDocument]) -> DocClassifier:
    return train_doc_classifier([document_grams(d.grams) for d in docs], [d.gold_uk for d in docs])


def _candidates(finder: DiagnosisFinder, d: PreparedDocument, stats: CorpusStats, table, classifier: DocClassifier):
    """(categories, feature rows) of one document under the given statistics and associations."""
    findings = d.lexicon + learned_findings(finder, d, table)
    grams = document_grams(d.grams)
    if classifier.models:
        findings += classifier_findings(finder, [d.doc], [d.grams], classifier, grams, findings)
    groups = group_by_category(findings)
    cats = sorted(groups)
    probabilities = classifier.probabilities(grams) if classifier.models else {}
    episode = EpisodeView.of(groups, d.length, probabilities)
    return cats, [candidate_features(c, groups[c], stats, episode) for c in cats]


def _folds(n: int, k: int) -> list[np.ndarray]:
    idx = np.arange(n)
    return [idx[i::k] for i in range(k)]


def fit(finder: DiagnosisFinder, docs: list[PreparedDocument], inner_folds: int = 5, C: float = 1.0,
        meta: dict | None = None, kind: str = "trees") -> DiagnosisModel:
    """A model trained on ``docs`` with cross-fitted features."""
    X, y, doc_of = [], [], []
    for fold in _folds(len(docs), inner_folds):
        held = set(fold.tolist())
        train = [d for i, d in enumerate(docs) if i not in held]
        stats = corpus_stats(train)
        table = _learned_table(train)
        classifier = _doc_classifier(train) if DOC_CLASSIFIER else DocClassifier({})
        for i in fold:
            d = docs[i]
            cats, rows = _candidates(finder, d, stats, table, classifier)
            for c, row in zip(cats, rows):
                X.append(row)
                y.append(int(c in d.labels))
                doc_of.append(i)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    weights, bias, trees, rate, p = _learn(X, y, mean, scale, C, kind)
    n_gold = sum(len(d.labels) for d in docs)
    threshold = best_threshold(p, y, n_gold, np.asarray(doc_of), [len(d.labels) for d in docs])
    stats = corpus_stats(docs)
    table = _learned_table(docs)
    meta = dict(meta or {})
    meta.update({"training_documents": len(docs), "candidates": int(len(y)), "positive_candidates": int(y.sum()),
                 "gold_categories": n_gold, "candidate_recall": round(float(y.sum()) / max(n_gold, 1), 4)})
    meta["learner"] = kind
    classifier = _doc_classifier(docs) if DOC_CLASSIFIER else DocClassifier({})
    return DiagnosisModel(weights, bias, mean.tolist(), scale.tolist(), threshold, stats, table, meta, trees, rate,
                          classifier.to_json())


def _learn(X, y, mean, scale, C: float, kind: str):
    """(weights, bias, trees, learning rate, in-sample probabilities) of a logistic regression or boosted trees."""
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=0)
        clf.fit((X - mean) / scale, y)
        return clf.coef_[0].tolist(), float(clf.intercept_[0]), None, 0.1, clf.predict_proba((X - mean) / scale)[:, 1]
    from sklearn.ensemble import GradientBoostingClassifier

    rate = 0.15
    clf = GradientBoostingClassifier(n_estimators=N_TREES, max_depth=TREE_DEPTH, learning_rate=rate, subsample=1.0,
                                     min_samples_leaf=20, random_state=0)
    clf.fit(X, y)
    trees = []
    for est in clf.estimators_[:, 0]:
        t = est.tree_
        trees.append({"f": [int(v) if v >= 0 else -1 for v in t.feature],
                      "t": [round(float(v), 6) for v in t.threshold],
                      "l": [int(v) for v in t.children_left], "r": [int(v) for v in t.children_right],
                      "v": [round(float(v), 6) for v in t.value[:, 0, 0]]})
    raw = clf.decision_function(X[:1])[0]
    leaves = sum(float(est.tree_.value[est.apply(X[:1])[0], 0, 0]) for est in clf.estimators_[:, 0])
    bias = float(raw - rate * leaves)
    # the F1 threshold is chosen on held-out predictions: in-sample trees are over-confident
    from sklearn.model_selection import KFold, cross_val_predict

    held_out = cross_val_predict(GradientBoostingClassifier(n_estimators=N_TREES, max_depth=TREE_DEPTH, learning_rate=rate,
                                                            min_samples_leaf=20, random_state=0),
                                 X, y, cv=KFold(2), method="predict_proba")[:, 1]
    return [0.0] * X.shape[1], bias, trees, rate, held_out


def best_threshold(p: np.ndarray, y: np.ndarray, n_gold: int, doc_of: np.ndarray | None = None,
                   gold_sizes: list[int] | None = None) -> float:
    """The probability cut that maximises micro-F1 + MAP on held-out predictions.

    The --all-findings list serves both uses: its set is what a coder would accept (F1) and its order
    is what a coder reviews (MAP); a cut a little below the F1 optimum buys ranking recall cheaply.
    Gold categories never proposed count as misses in both.
    """
    if not len(p):
        return 0.5
    candidates = np.unique(np.round(p, 3))[::-1]
    best, best_value = 0.5, -1.0
    for t in candidates[:: max(1, len(candidates) // 200)]:
        keep = p >= t
        tp = int(y[keep].sum())
        f1 = 2 * tp / (int(keep.sum()) + n_gold) if n_gold else 0.0
        value = f1 + (_mean_ap(p, y, keep, doc_of, gold_sizes) if doc_of is not None else 0.0)
        if value > best_value:
            best, best_value = float(t), value
    return best


def _mean_ap(p, y, keep, doc_of, gold_sizes) -> float:
    aps = []
    for i, size in enumerate(gold_sizes):
        if not size:
            aps.append(0.0)
            continue
        mask = (doc_of == i) & keep
        order = np.argsort(-p[mask], kind="stable")
        hits = y[mask][order]
        ranks = np.arange(1, len(hits) + 1)
        aps.append(float((np.cumsum(hits) / ranks * hits).sum() / size))
    return float(np.mean(aps)) if aps else 0.0


def predict(finder: DiagnosisFinder, model: DiagnosisModel, d: PreparedDocument) -> list[tuple[str, float]]:
    """Ranked (code, score) above the model's threshold, as --all-findings would list them."""
    saved = finder.model
    finder.model = model
    try:
        findings = d.lexicon + learned_findings(finder, d, model.ngrams)
        grams = document_grams(d.grams) if model.doc_classifier.models else None
        if grams is not None:
            findings += classifier_findings(finder, [d.doc], [d.grams], model.doc_classifier, grams, findings)
        finder.score(findings, d.length, grams)
    finally:
        finder.model = saved
    best: dict[str, float] = {}
    for f in findings:
        if f.affirmed and f.score >= model.threshold and f.score > 0:
            best[f.code] = max(best.get(f.code, 0.0), f.score)
    return sorted(best.items(), key=lambda t: (-t[1], t[0]))
