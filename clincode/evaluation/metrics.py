"""Category-level micro precision/recall/F1 and mean average precision, exactly as
``../shared/tools/score.py --codiesp`` computes them (so CV figures and the official scorer agree)."""
from __future__ import annotations


def _category(code: str) -> str:
    return code.upper().replace(".", "").strip()[:3]


def average_precision(ranked: list[str], gold: set[str]) -> float:
    hits, total = 0, 0.0
    for i, c in enumerate(ranked, 1):
        if c in gold:
            hits += 1
            total += hits / i
    return total / len(gold) if gold else 0.0


def ranked_categories(codes_with_scores: list[tuple[str, float]]) -> list[str]:
    """Categories by score (desc) then list order; first occurrence wins."""
    indexed = sorted(enumerate(codes_with_scores), key=lambda t: (-t[1][1], t[0]))
    seen, out = set(), []
    for _, (code, _score) in indexed:
        cat = _category(code)
        if cat not in seen:
            seen.add(cat)
            out.append(cat)
    return out


def score_categories(predictions: dict[str, list[tuple[str, float]]], gold: dict[str, set[str]]) -> dict:
    """predictions: doc id -> [(code, score)]; gold: doc id -> set of codes (any level)."""
    tp = fp = fn = 0
    aps = []
    for doc, codes in gold.items():
        g = {_category(c) for c in codes}
        ranked = ranked_categories(predictions.get(doc, []))
        ps = set(ranked)
        tp += len(ps & g)
        fp += len(ps - g)
        fn += len(g - ps)
        aps.append(average_precision(ranked, g))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"documents": len(gold), "category_precision": round(p, 4), "category_recall": round(r, 4),
            "category_f1": round(f, 4), "category_map": round(sum(aps) / len(aps), 4) if aps else 0.0}
