"""Candidate features: what a coder weighs before accepting a category for an episode.

One candidate per 3-character category holding at least one eligible mention (not negated, not
family history, not hypothetical). Its features summarise every mention of that category: how well
the words matched the lexicon, how often that term and that category proved right in the training
corpus, learned n-gram evidence, context and section.
"""
from __future__ import annotations

import bisect
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
            by_doc = self.__dict__.get("_by_document")
            if by_doc is None:  # each document's spans sorted by start, with its longest span
                by_doc = self.__dict__["_by_document"] = {}
                for d, s, e, c in sorted(self.spans, key=lambda span: (span[0], span[1])):
                    starts, rest, longest = by_doc.setdefault(d, ([], [], [0]))
                    starts.append(s)
                    rest.append((s, e, c))
                    longest[0] = max(longest[0], e - s)
            starts, rest, longest = by_doc.get(ev.document, ((), (), [0]))
            size = ev.end - ev.start
            # only a span starting at most `longest` characters before the mention can enclose it:
            # a window, not the whole prefix, so time stays linear in the document's length
            lo = bisect.bisect_left(starts, ev.start - longest[0])
            hi = bisect.bisect_right(starts, ev.start)
            enclosing = cache[key] = {c for s, e, c in rest[lo:hi] if e >= ev.end and e - s > size}
        return len(enclosing) > 1 or (bool(enclosing) and category not in enclosing)  # another category


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
    # one pass over the mentions (this runs for every candidate of every episode: keep it lean)
    n_lex = n_learned = max_words = 0
    exact = uncertain = in_diagnosis_section = False
    all_historical = True
    negated = family = inside = n_ok = 0
    first = None
    sources: set = set()
    term_keys: set[str] = set()
    learned_best: dict[str, float] = {}  # n-gram -> its association's precision (last one seen)
    l_prec, l_support = 0.0, 0
    for f in mentions:
        if f.negated:
            negated += 1
        if f.family:
            family += 1
        if f.negated or f.family or f.hypothetical:  # not eligible
            continue
        n_ok += 1
        start = f.evidence.start
        if first is None or start < first:
            first = start
        uncertain = uncertain or f.uncertain
        all_historical = all_historical and f.historical
        in_diagnosis_section = in_diagnosis_section or f.section in DIAGNOSIS_SECTIONS
        if episode.inside_longer(f, category):
            inside += 1
        attrs = f.attributes
        kind = attrs.get("kind")
        if kind == "lexicon":
            n_lex += 1
            sources.add(attrs.get("source"))
            term_keys.add(term_key(f))
            max_words = max(max_words, attrs.get("n_words", 1))
            exact = exact or bool(attrs.get("exact"))
        elif kind == "learned":
            n_learned += 1
            precision = attrs["precision"]
            learned_best[attrs["ngram"]] = precision
            l_prec = max(l_prec, precision)
            l_support = max(l_support, attrs["support"])
    term_prec = max((stats.term_precision(k, category) for k in term_keys), default=0.0)
    cat_prec = stats.category_precision(category) if n_lex else 0.0
    return [
        1.0 if n_lex else 0.0,
        math.log1p(n_lex),
        min(max_words, 6) / 6.0,
        1.0 if exact else 0.0,
        term_prec,
        cat_prec,
        1.0 if "index" in sources else 0.0,
        1.0 if "neoplasm" in sources else 0.0,
        1.0 if sources == {"title"} else 0.0,
        1.0 if "synonym" in sources else 0.0,
        1.0 if n_learned else 0.0,
        l_prec,
        math.log1p(len(learned_best)),
        math.log1p(l_support) / 6.0,
        stats.prior(category),
        negated / len(mentions),
        1.0 if uncertain else 0.0,
        1.0 if all_historical else 0.0,
        1.0 if family else 0.0,
        (first or 0) / max(episode.length, 1),
        1.0 if in_diagnosis_section else 0.0,
        max(term_prec, l_prec),
        1.0 if category[0] == "R" else 0.0,
        1.0 if category[0] == "Z" else 0.0,
        _learned_evidence(learned_best, stats.prior_probability(category)),
        inside / n_ok,
        math.log1p(episode.candidates) / 4.0,
        math.log1p(n_learned),
        episode.category_probabilities.get(category, -1.0),  # -1: no classifier for this category
    ]


def _logit(p: float) -> float:
    logit = _LOGITS.get(p)
    if logit is None:
        q = min(max(p, 1e-4), 1 - 1e-4)
        logit = _LOGITS[p] = math.log(q / (1 - q))
    return logit


# The logits of the precisions and priors met so far: a model holds a few thousand distinct values,
# and an episode asks for hundreds.
_LOGITS: dict[float, float] = {}


def _learned_evidence(best: dict[str, float], prior: float) -> float:
    """Naive-Bayes-like sum of the distinct n-grams' lifts (n-gram -> precision) over the category's base rate."""
    base = _logit(prior)
    return min(sum(max(0.0, _logit(p) - base) for p in best.values()), 30.0) / 10.0
