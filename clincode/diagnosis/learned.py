"""Learned term -> category associations: word n-grams that reliably indicate an ICD-10 category.

Mined from a coded corpus (CodiEsp train, CC BY 4.0): for each n-gram of normal tokens, the share of
the documents holding it whose gold codes include the category. Only n-grams far more predictive
than the category's base rate are kept. At run time each sentence's n-grams (made once, also for
the document classifiers) are looked up in the kept table.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from operator import itemgetter

from .normalise import STOPWORDS, Token

MAX_N = 3


def token_key(tok: Token) -> str:
    return "+".join(tok.forms)


def ngrams(tokens: list[Token]):
    """(key, first index, last index) of every 1..3-gram not starting or ending on a stopword/number."""
    keys = [token_key(t) for t in tokens]
    weak = [k in STOPWORDS or k.isdigit() or len(k) < 2 for k in keys]
    for i in range(len(keys)):
        if weak[i]:
            continue
        for n in range(1, MAX_N + 1):
            j = i + n - 1
            if j >= len(keys):
                break
            if weak[j]:
                continue
            yield (keys[i] if n == 1 else " ".join(keys[i:j + 1])), i, j


@dataclass(slots=True)
class Association:
    category: str  # 3-character category, e.g. "R50"
    code: str  # the UK code most often behind it in the corpus, e.g. "R50.9"
    precision: float  # smoothed P(category coded | n-gram present)
    support: int  # documents holding the n-gram


def mine(docs: list[list[list[Token]]], gold: list[dict[str, str]], min_support: int = 2,
         min_lift: float = 3.0, per_gram: int = 3, min_precision: float = 0.1) -> dict[str, list[Association]]:
    """Associations from documents (sentences of tokens) and their gold categories (category -> code)."""
    n_docs = len(docs)
    df: Counter = Counter()
    co: dict[str, Counter] = defaultdict(Counter)
    cat_df: Counter = Counter()
    for sentences, cats in zip(docs, gold):
        grams = {g for tokens in sentences for g, _, _ in ngrams(tokens)}
        cat_df.update(cats.keys())
        for g in grams:
            df[g] += 1
            if cats:
                co[g].update(cats.keys())
    code_of: dict[str, Counter] = defaultdict(Counter)
    for cats in gold:
        for cat, code in cats.items():
            code_of[cat][code] += 1
    table: dict[str, list[Association]] = {}
    for g, counts in co.items():
        n = df[g]
        kept = []
        for cat, k in counts.items():
            if k < min_support:
                continue
            precision = k / (n + 1.0)
            prior = cat_df[cat] / n_docs
            if precision >= min_lift * prior and precision >= min_precision:
                kept.append(Association(cat, code_of[cat].most_common(1)[0][0], round(precision, 4), n))
        if kept:
            kept.sort(key=lambda a: -a.precision)
            table[g] = kept[:per_gram]
    return table


def kept_occurrences(occurrences, table) -> list[tuple[str, int, int]]:
    """The occurrences ``(n-gram, first, last)`` of one sentence (from ``ngrams``) that ``table`` keeps,
    ordered by their last word, the longest first. One pass over the sentence's n-grams, which the
    document classifiers need anyway, costs less than a separate automaton scan."""
    kept = [o for o in occurrences if o[0] in table]
    kept.sort(key=_by_last_then_first)
    return kept


_by_last_then_first = itemgetter(2, 1)
