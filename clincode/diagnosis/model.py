"""The candidate scorer: gradient-boosted trees (or a logistic regression) over candidate features,
with the corpus statistics and learned n-gram associations it was trained with, in one JSON file.

``resources/diagnosis_model.json`` is built from CodiEsp train (CC BY 4.0) by
``clincode train-diagnosis-model``; it is deterministic (same data, same file).
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

from .doc_classifier import DocClassifier
from .features import FEATURES, CorpusStats
from .learned import Association

DEFAULT_MODEL = Path(__file__).resolve().parent / "resources" / "diagnosis_model.json"


class ModelError(ValueError):
    """The model file is missing, unreadable or for other features."""


class DiagnosisModel:
    def __init__(self, weights: list[float], bias: float, mean: list[float], scale: list[float],
                 threshold: float, stats: CorpusStats, ngrams: dict[str, list[Association]], meta: dict | None = None,
                 trees: list[dict] | None = None, learning_rate: float = 0.1, doc_classifier: dict | None = None):
        if len(weights) != len(FEATURES):
            raise ModelError(f"model has {len(weights)} weights, the code {len(FEATURES)} features: retrain it")
        self.weights, self.bias, self.mean, self.scale = weights, bias, mean, scale
        # trees: each {"f": feature index per node (-1 leaf), "t": threshold, "l"/"r": children, "v": leaf value};
        # with trees, score = bias + learning_rate * sum(leaf values) and the weights are unused
        self.trees = trees or []
        self.learning_rate = learning_rate
        self.threshold = threshold
        self.doc_classifier = DocClassifier(doc_classifier or {})
        self.stats = stats
        self.ngrams = ngrams
        self.meta = meta or {}

    def probabilities(self, rows: list[list[float]]) -> list[float]:
        """Probabilities of many candidates at once (all trees evaluated together with numpy)."""
        if not rows:
            return []
        if not self.trees:
            return [self.probability(r) for r in rows]
        import numpy as np

        if not hasattr(self, "_stacked"):
            self._stack_trees()
        feature, threshold, left, right, value, roots, depth = self._stacked
        X = np.asarray(rows, dtype=np.float64)
        n_features = X.shape[1]
        # every (row, tree) pair walks its tree at once; nodes are numbered across all trees (flat
        # arrays: one 1-D take per step instead of 2-D fancy indexing) and a leaf points at itself
        node = np.broadcast_to(roots, (X.shape[0], roots.shape[0]))
        offsets = (np.arange(X.shape[0]) * n_features)[:, None]
        flat_x = X.ravel()
        for _ in range(depth):
            x = flat_x.take(offsets + feature.take(node))
            node = np.where(x <= threshold.take(node), left.take(node), right.take(node))
        z = self.bias + self.learning_rate * value.take(node).sum(axis=1)
        return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).tolist()

    def _stack_trees(self) -> None:
        import numpy as np

        feature, threshold, left, right, value, roots = [], [], [], [], [], []
        for tree in self.trees:
            base = len(feature)
            roots.append(base)
            for k, f in enumerate(tree["f"]):
                leaf = f < 0
                feature.append(0 if leaf else f)  # a leaf reads feature 0 and goes back to itself
                threshold.append(tree["t"][k])
                left.append(base + k if leaf else base + tree["l"][k])
                right.append(base + k if leaf else base + tree["r"][k])
                value.append(tree["v"][k])
        depth = 0
        for tree in self.trees:  # the deepest path bounds the number of steps
            stack = [(0, 0)]
            while stack:
                node, d = stack.pop()
                if tree["f"][node] < 0:
                    depth = max(depth, d)
                else:
                    stack += [(tree["l"][node], d + 1), (tree["r"][node], d + 1)]
        self._stacked = (np.asarray(feature, dtype=np.int64), np.asarray(threshold, dtype=np.float64),
                         np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64),
                         np.asarray(value, dtype=np.float64), np.asarray(roots, dtype=np.int64), depth)

    def probability(self, x: list[float]) -> float:
        z = self.bias
        if self.trees:
            total = 0.0
            for tree in self.trees:
                f, t, left, right = tree["f"], tree["t"], tree["l"], tree["r"]
                node = 0
                while f[node] >= 0:
                    node = left[node] if x[f[node]] <= t[node] else right[node]
                total += tree["v"][node]
            z += self.learning_rate * total
        else:
            for w, v, m, s in zip(self.weights, x, self.mean, self.scale):
                z += w * (v - m) / s
        return 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0

    # ---------------------------------------------------------------- persistence
    def to_json(self) -> dict:
        return {
            "format": "clincode-diagnosis-model/1",
            "meta": self.meta,
            "features": FEATURES,
            "weights": [round(w, 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "mean": [round(v, 6) for v in self.mean],
            "scale": [round(v, 6) for v in self.scale],
            "threshold": round(self.threshold, 4),
            "trees": self.trees,
            "learning_rate": self.learning_rate,
            "doc_classifier": self.doc_classifier.to_json(),
            "stats": asdict(self.stats),
            "ngrams": {g: [[a.category, a.code, a.precision, a.support] for a in assocs]
                       for g, assocs in sorted(self.ngrams.items())},
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), sort_keys=True, separators=(",", ":")), encoding="utf-8")

    @classmethod
    def from_json(cls, data: dict) -> "DiagnosisModel":
        if data.get("features") != FEATURES:
            raise ModelError("the model's features differ from the code's: retrain with clincode train-diagnosis-model")
        ngrams = {g: [Association(*a) for a in assocs] for g, assocs in data["ngrams"].items()}
        return cls(data["weights"], data["bias"], data["mean"], data["scale"], data["threshold"],
                   CorpusStats(**data["stats"]), ngrams, data.get("meta"), data.get("trees"),
                   data.get("learning_rate", 0.1), data.get("doc_classifier"))

    @classmethod
    def load(cls, path: Path | None = None) -> "DiagnosisModel":
        path = Path(path or DEFAULT_MODEL)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(f"cannot read the diagnosis model {path}: {exc}") from exc
        return cls.from_json(data)
