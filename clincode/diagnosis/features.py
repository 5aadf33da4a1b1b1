"""Candidate features: what a coder weighs before accepting a category for an episode.

One candidate per 3-character category holding at least one eligible mention (not negated, not
family history, not hypothetical). Its features summarise every mention of that category: how well
the words matched the lexicon, how often that term and that category proved right in the training
corpus, learned n-gram evidence, context and section.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from ..coding.findings import Finding

FEATURES = [
    "has_lexicon", "lexicon_mentions", "lexicon_words", "lexicon_exact", "term_precision",
    "category_precision", "source_index", "source_neoplasm", "source_title_only", "source_synonym",
    "has_learned", "learned_precision", "learned_ngrams", "learned_support", "prior",
    "negated_share", "uncertain", "historical_only", "family_any", "first_position",
    "diagnosis_section", "best_precision", "chapter_symptom", "chapter_status", "learned_evidence",
    "inside_longer_mention", "document_candidates", "learned_mentions", "document_classifier",
]


@dataclass
class EpisodeView:
    """What the features need to know about the whole episode, computed once."""

    length: int
    candidates: int
    spans: list[tuple[str, int, int, str]]  # (document, start, end, category) of eligible lexicon mentions
    category_probabilities: dict[str, float] = field(default_factory=dict)  # document classifiers' P(category)

    @classmethod
    def of(cls, groups: dict[str, list[Finding]], length: int, probabilities: dict[str, float] | None = None) -> "EpisodeView":
        spans = [(f.evidence.document, f.evidence.start, f.evidence.end, c)
                 for c, fs in groups.items() for f in fs if eligible(f) and f.attributes.get("kind") == "lexicon"]
        return cls(length, len(groups), spans, probabilities or {})

    def inside_longer(self, f: Finding, category: str) -> bool:
        """The mention lies within a longer mention of another category ("pain" in "abdominal pain")."""
        ev = f.evidence
        key = (ev.document, ev.start, ev.end)
        cache = self.__dict__.setdefault("_enclosing", {})
        enclosing = cache.get(key)
        if enclosing is None:
            size = ev.end - ev.start
            enclosing = cache[key] = {c for d, s, e, c in self.spans
                                      if d == ev.document and s <= ev.start and e >= ev.end and e - s > size}
        return bool(enclosing - {category})
DIAGNOSIS_SECTIONS = frozenset({"diagnosis", "secondary_diagnoses", "postoperative_diagnosis", "histology",
                                "preoperative_diagnosis"})


def eligible(f: Finding) -> bool:
    """A mention that may count for the episode: not negated, family history or hypothetical."""
    return not (f.negated or f.family or f.hypothetical)


@dataclass
class CorpusStats:
    """What the training corpus taught about terms and categories (part of the model file)."""

    n_docs: int = 0
    category_df: dict[str, int] = field(default_factory=dict)  # documents coded with the category
    category_lexicon: dict[str, list[int]] = field(default_factory=dict)  # [right, matched] documents
    term_lexicon: dict[str, list[int]] = field(default_factory=dict)  # term key -> [right, matched]
    lexicon_base: float = 0.3  # share of all lexicon candidates that were right

    def prior_probability(self, category: str) -> float:
        return (self.category_df.get(category, 0) + 0.5) / (self.n_docs + 1.0)

    def prior(self, category: str) -> float:
        return math.log((self.category_df.get(category, 0) + 0.5) / (self.n_docs + 1.0))

    def category_precision(self, category: str) -> float:
        right, n = self.category_lexicon.get(category, (0, 0))
        return (right + 2 * self.lexicon_base) / (n + 2)

    def term_precision(self, key: str, category: str) -> float:
        right, n = self.term_lexicon.get(key, (0, 0))
        base = self.category_precision(category)
        return (right + 2 * base) / (n + 2)


def term_key(f: Finding) -> str:
    return f"{f.code}|{f.term}"


def group_by_category(findings: list[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.code[:3]].append(f)
    return {c: fs for c, fs in groups.items() if any(eligible(f) for f in fs)}


def candidate_features(category: str, mentions: list[Finding], stats: CorpusStats, episode: EpisodeView) -> list[float]:
    ok = [f for f in mentions if eligible(f)]
    doc_length = episode.length
    lex = [f for f in ok if f.attributes.get("kind") == "lexicon"]
    learned = [f for f in ok if f.attributes.get("kind") == "learned"]
    sources = {f.attributes.get("source") for f in lex}
    term_prec = max((stats.term_precision(term_key(f), category) for f in lex), default=0.0)
    cat_prec = stats.category_precision(category) if lex else 0.0
    l_prec = max((f.attributes["precision"] for f in learned), default=0.0)
    l_support = max((f.attributes["support"] for f in learned), default=0)
    first = min((f.evidence.start for f in ok), default=0)
    return [
        1.0 if lex else 0.0,
        math.log1p(len(lex)),
        min(max((f.attributes.get("n_words", 1) for f in lex), default=0), 6) / 6.0,
        1.0 if any(f.attributes.get("exact") for f in lex) else 0.0,
        term_prec,
        cat_prec,
        1.0 if "index" in sources else 0.0,
        1.0 if "neoplasm" in sources else 0.0,
        1.0 if sources == {"title"} else 0.0,
        1.0 if "synonym" in sources else 0.0,
        1.0 if learned else 0.0,
        l_prec,
        math.log1p(len({f.attributes["ngram"] for f in learned})),
        math.log1p(l_support) / 6.0,
        stats.prior(category),
        sum(1 for f in mentions if f.negated) / len(mentions),
        1.0 if any(f.uncertain for f in ok) else 0.0,
        1.0 if all(f.historical for f in ok) else 0.0,
        1.0 if any(f.family for f in mentions) else 0.0,
        first / max(doc_length, 1),
        1.0 if any(f.section in DIAGNOSIS_SECTIONS for f in ok) else 0.0,
        max(term_prec, l_prec),
        1.0 if category[0] == "R" else 0.0,
        1.0 if category[0] == "Z" else 0.0,
        _learned_evidence(learned, stats.prior_probability(category)),
        sum(1 for f in ok if episode.inside_longer(f, category)) / len(ok),
        math.log1p(episode.candidates) / 4.0,
        math.log1p(len(learned)),
        episode.category_probabilities.get(category, -1.0),  # -1: no classifier for this category
    ]


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _learned_evidence(learned: list[Finding], prior: float) -> float:
    """Naive-Bayes-like sum of the distinct n-grams' lifts over the category's base rate."""
    best: dict[str, float] = {}
    for f in learned:
        best[f.attributes["ngram"]] = f.attributes["precision"]
    base = _logit(prior)
    return min(sum(max(0.0, _logit(p) - base) for p in best.values()), 30.0) / 10.0
