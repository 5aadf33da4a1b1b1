"""DiagnosisFinder: an episode's parsed documents -> every diagnosis mention as a Finding.

Each Finding carries the UK code at the most specific level the words support, its evidence
(document, start, end, text, section; offsets into the original text), its index path, the context
flags from ``clincode.text.context_of`` and a score: the learned probability that the episode is
coded with the mention's category (``model.py``). Negated, family and hypothetical mentions are
returned too, flagged, for the coding standards to see.
"""
from __future__ import annotations

import bisect
import dataclasses
import logging
from dataclasses import dataclass

from ..coding.findings import Finding
from ..coding.models import Evidence
from ..text import context_of
from .features import EpisodeView, candidate_features, group_by_category
from .doc_classifier import classifier_findings, document_grams
from .learned import kept_occurrences, ngrams
from .lexicon import load_lexicon
from .matcher import LexiconMatcher
from .model import DiagnosisModel, ModelError
from .normalise import Token, normal_forms, term_words, tokenise

try:  # abbreviation senses from the text package (optional: older text packages lack it)
    from ..text.abbreviations import find_abbreviations
except ImportError:  # pragma: no cover
    find_abbreviations = None

log = logging.getLogger(__name__)


def _context(parsed, sentence, start: int, end: int):
    """(context, evidence, finding fields) of a span, made once per span of a document (several codes
    share spans). The finding fields are what every Finding on the span repeats: its section, the five
    context flags and the context rationale."""
    cache = _CONTEXTS.get(id(parsed))
    if cache is None or cache[0] is not parsed:
        cache = (parsed, {})
        _CONTEXTS.clear()  # one document at a time: keep memory flat
        _CONTEXTS[id(parsed)] = cache
    hit = cache[1].get((start, end))
    if hit is None:
        ctx = context_of(parsed, start, end)
        section = getattr(ctx, "section", None) or sentence.section.name
        ev = Evidence(document=parsed.document.id, start=start, end=end, text=parsed.text[start:end], section=section)
        fields = (ev.section or "other", ctx.negated, ctx.uncertain, ctx.historical, ctx.family,
                  ctx.hypothetical or getattr(ctx, "planned", False), [f"context: {t}" for t in ctx.triggers])
        hit = cache[1][(start, end)] = (ctx, ev, fields)
    return hit


_CONTEXTS: dict[int, tuple] = {}

# The fields of Finding in the order the finder passes them by position (a third of the time of
# keywords, hundreds of times a document). A field added to Finding or moved must be added here too:
# the finder refuses to load rather than fill the wrong fields.
_FINDING_FIELDS = ("code", "system", "term", "evidence", "section", "negated", "uncertain", "historical",
                   "family", "hypothetical", "score", "index_path", "rationale", "supplementary", "attributes")
if tuple(f.name for f in dataclasses.fields(Finding)) != _FINDING_FIELDS:
    raise ImportError("clincode.diagnosis.finder passes Finding's fields by position: update _FINDING_FIELDS "
                      f"to {tuple(f.name for f in dataclasses.fields(Finding))}")


@dataclass
class TokenisedDocument:
    parsed: object  # clincode.text.ParsedDocument
    sentences: list[tuple[object, list[Token]]]  # (Sentence, its tokens)


def tokenise_document(parsed, vocabulary=frozenset()) -> TokenisedDocument:
    """Tokens of every sentence; a codable abbreviation's token carries the words of its expansion
    (clincode.text resolves ambiguous ones such as MS or PE from context), so "paroxysmal AF" meets
    "Fibrillation > atrial > paroxysmal" and the evidence stays on the abbreviation as written."""
    expansions = _abbreviation_forms(parsed)
    starts = sorted(expansions)
    sentences = []
    for s in parsed.sentences:
        tokens = tokenise(s.text, s.start)
        if "-" in s.text:  # (a join needs a hyphen between two words of the sentence)
            tokens = _join_hyphenated(tokens, parsed.text, vocabulary)
        if expansions and bisect.bisect_left(starts, s.start) < bisect.bisect_left(starts, s.end):
            tokens = [Token(t.start, t.end, expansions[t.start]) if t.start in expansions else t for t in tokens]
        sentences.append((s, tokens))
    return TokenisedDocument(parsed, sentences)


def _join_hyphenated(tokens: list[Token], text: str, vocabulary) -> list[Token]:
    """"gastro-oesophageal" is the index's "gastroesophageal": join hyphenated words when the joined
    word is a lexicon word (otherwise keep them apart, as the index writes "non-Hodgkin")."""
    if not vocabulary:
        return tokens
    out: list[Token] = []
    for tok in tokens:
        prev = out[-1] if out else None
        if prev is not None and tok.start == prev.end + 1 and text[prev.end] == "-":
            joined = normal_forms(text[prev.start:prev.end] + text[tok.start:tok.end])
            if joined[0] in vocabulary:
                out[-1] = Token(prev.start, tok.end, joined)
                continue
        out.append(tok)
    return out


def _list_breaks(text: str, tokens: list[Token]) -> frozenset[int]:
    """Indices of the tokens followed by a comma or semicolon before the next token."""
    if len(tokens) < 2:
        return frozenset()
    span = text[tokens[0].end:tokens[-1].start]
    if "," not in span and ";" not in span:  # most sentences: no list at all
        return frozenset()
    breaks = []
    for i in range(len(tokens) - 1):
        gap = text[tokens[i].end:tokens[i + 1].start]
        if "," in gap or ";" in gap:
            breaks.append(i)
    return frozenset(breaks)


def _abbreviation_forms(parsed) -> dict[int, tuple[str, ...]]:
    if find_abbreviations is None:
        return {}
    out = {}
    for abbr in find_abbreviations(parsed, codable_only=True):
        forms = tuple(dict.fromkeys(f for w in term_words(abbr.expansion) for f in w))
        if forms:
            out[abbr.start] = forms
    return out


class DiagnosisFinder:
    """Loads the lexicon (cached) and the scoring model once; finds diagnoses in any episode."""

    def __init__(self, classifications, settings, model: DiagnosisModel | None = None):
        self.classifications = classifications
        self.settings = settings
        self.lexicon = load_lexicon(classifications, settings)
        self.matcher = LexiconMatcher(self.lexicon)
        if model is None:
            try:
                model = DiagnosisModel.load(getattr(settings, "diagnosis_model", None))
            except ModelError as exc:
                log.warning("%s; findings keep their lexicon score", exc)
        self.set_model(model)

    def set_model(self, model: DiagnosisModel | None) -> None:
        self.model = model
        self._texts: dict[str, tuple] = {}  # n-gram -> (its associations, their formatted texts)

    # ------------------------------------------------------------------ public
    def find(self, parsed_documents) -> list[Finding]:
        docs = [self.tokenise(p) for p in parsed_documents]
        # every sentence's n-grams once: the learned associations and the document classifiers share them
        sentence_grams = [[list(ngrams(tokens)) for _, tokens in d.sentences] for d in docs] if self.model else None
        findings = self.lexicon_findings(docs) + self.learned_findings(docs, sentence_grams)
        grams = probabilities = None
        if self.model and self.model.doc_classifier.models:
            grams = document_grams(g for doc_grams in sentence_grams for g in doc_grams)
            if self.model.doc_classifier.codes:  # every category's probability once: suggestions and features
                probabilities = self.model.doc_classifier.probabilities(grams)
            findings += classifier_findings(self, docs, sentence_grams, self.model.doc_classifier, grams, findings,
                                            probabilities)
        self.score(findings, sum(len(d.parsed.text) for d in docs), grams, probabilities)
        return findings

    def tokenise(self, parsed) -> TokenisedDocument:
        return tokenise_document(parsed, self.lexicon.word_frequency)

    # ------------------------------------------------------------------ stages
    def lexicon_findings(self, docs: list[TokenisedDocument]) -> list[Finding]:
        out = []
        icd10 = self.classifications.icd10
        for doc in docs:
            parsed, text = doc.parsed, doc.parsed.text
            for sentence, tokens in doc.sentences:
                for m in self.matcher.match(tokens, _list_breaks(text, tokens)):
                    start, end = tokens[m.positions[0]].start, tokens[m.positions[-1]].end
                    code = icd10.get(m.code)
                    path = m.entry.path if m.entry.source != "neoplasm" else (
                        f"{m.entry.path} ({m.behaviour}) -> {m.code}")
                    out.append(self._finding(
                        parsed, sentence, start, end, m.code, m.entry.path.split(" -> ")[0], path,
                        {"kind": "lexicon", "source": m.entry.source, "n_words": len(m.positions),
                         "exact": m.exact, "title": code.title if code else ""},
                        f"lexicon ({m.entry.source}): {path}"))
        return out

    def learned_findings(self, docs: list[TokenisedDocument], sentence_grams=None) -> list[Finding]:
        """Findings for the kept n-grams of every sentence (``sentence_grams``: each sentence's
        ``ngrams``, per document, when the caller already has them)."""
        if not self.model:
            return []
        table = self.model.ngrams
        if sentence_grams is None:
            sentence_grams = [[list(ngrams(tokens)) for _, tokens in d.sentences] for d in docs]
        out = []
        for d, doc in enumerate(docs):
            for si in range(len(doc.sentences)):
                occurrences = kept_occurrences(sentence_grams[d][si], table)
                if occurrences:
                    out += self.learned_from(doc, si, occurrences, table)
        return out

    def learned_from(self, doc: TokenisedDocument, si: int, occurrences, table) -> list[Finding]:
        """Findings for the n-gram occurrences ``(gram, first, last)`` of sentence ``si`` kept in ``table``."""
        out = []
        append = out.append
        sentence, tokens = doc.sentences[si]
        parsed = doc.parsed
        for gram, i, j in occurrences:
            learned = self._learned(gram, table)
            if not learned:
                continue
            start, end = tokens[i].start, tokens[j].end
            # the span's context once for all its associations (a gram names up to three categories)
            _ctx, ev, (section, negated, uncertain, historical, family, hypothetical, rationale) = _context(
                parsed, sentence, start, end)
            for code, path, why, precision, support in learned:
                # positional, in Finding's field order (see _FINDING_FIELDS)
                append(Finding(code, "icd10", gram, ev, section, negated, uncertain, historical, family,
                               hypothetical, 0.5, path, rationale + [why], [],
                               {"kind": "learned", "ngram": gram, "precision": precision, "support": support}))
        return out

    def _learned(self, gram: str, table) -> tuple:
        """``(code, index path, rationale, precision, support)`` of each of the n-gram's associations in
        ``table``, in the table's order, with the texts formatted once per process (the hot path makes
        hundreds of learned findings per document)."""
        assocs = table.get(gram)
        hit = self._texts.get(gram)
        if hit is None or hit[0] is not assocs:
            hit = self._texts[gram] = (assocs, tuple(
                (assoc.code,
                 f"learned: '{gram}' -> {assoc.category} (precision {assoc.precision:.2f})",
                 f"learned association '{gram}' -> {assoc.category} "
                 f"(precision {assoc.precision:.2f} in {assoc.support} training documents)",
                 assoc.precision, assoc.support)
                for assoc in assocs or ()))
        return hit[1]

    def score(self, findings: list[Finding], doc_length: int, grams: set[str] | None = None,
              probabilities: dict[str, float] | None = None) -> None:
        """Score every finding with its category's probability (the best mention of it first).
        ``probabilities``: the document classifiers' (every category's), when already computed."""
        if not self.model:
            for f in findings:
                f.score = 0.5 if f.attributes.get("kind") == "lexicon" else 0.3
            return
        groups = group_by_category(findings)
        if probabilities is None:
            probabilities = self.model.doc_classifier.probabilities(grams, groups) if grams else {}
        episode = EpisodeView.of(groups, doc_length, probabilities)
        categories = list(groups)
        rows = [candidate_features(c, groups[c], self.model.stats, episode) for c in categories]
        for category, p in zip(categories, self.model.probabilities(rows)):
            for f in groups[category]:
                quality = 1.0 if f.attributes.get("kind") == "lexicon" else 0.98
                f.score = round(p * quality, 4)
                # the cut-off chosen on held-out data: the standards code nothing scored below it
                f.attributes["threshold"] = self.model.threshold
        for f in findings:  # categories with no eligible mention
            if f.code[:3] not in groups:
                f.score = 0.0

    def _finding(self, parsed, sentence, start, end, code, term, path, attributes=None, why=None) -> Finding:
        """A diagnosis finding on ``text[start:end]``; ``why``, when given, ends its rationale."""
        _ctx, ev, (section, negated, uncertain, historical, family, hypothetical, rationale) = _context(
            parsed, sentence, start, end)
        rationale = rationale + [why] if why is not None else rationale.copy()
        attributes = {} if attributes is None else attributes
        return Finding(code, "icd10", term, ev, section, negated, uncertain, historical, family, hypothetical,
                       0.5, path, rationale, [], attributes)  # positional: see _FINDING_FIELDS
