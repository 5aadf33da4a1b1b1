"""Search like a coder's encoder: free text -> ranked ICD-10 and OPCS-4 codes.

What is searched (each a "phrase" that leads to one code):
- the tabular titles of ICD-10 and OPCS-4 (a 4th/5th-character title such as "Without complications"
  is read with its category's title, as the book prints it under the category);
- every ICD-10-CM Alphabetic Index entry that leads to a code, its own or through its "see"
  reference, with the words of every level of its path and its nonessential modifiers; every code
  mapped to the UK table (``map_cm``); the Table of Neoplasms one phrase per behaviour
  ("stomach malignant" -> C16.9, "stomach benign" -> D13.1);
- ``rules/opcs4_synonyms.tsv``: everyday procedure names (OPCS-4 has no alphabetic index here).

How it ranks: words are made comparable first (``spelling``: UK/US spelling, plurals,
abbreviations), then each phrase scores by how much of the query it covers and how much of it the
query covers, rarer words counting more (inverse document frequency). Nonessential modifiers
count when the query has them and never count against a phrase. A code takes its best phrase's
score; retired codes and categories that need a 4th character rank lower.
"""
from __future__ import annotations

import heapq
import math
import re
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings, get_settings
from .cache import cached
from .codes import Kind, System
from .rules import RULES_DIR, read_rules
from .spelling import MAX_QUERY_WORDS, WEAK, words

_SYSTEMS = (System.ICD10, System.OPCS4)


@dataclass(frozen=True, slots=True)
class SearchHit:
    code: str
    title: str
    score: float
    path: str | None  # how the code was reached: "Cholecystitis > acute -> K81.0", or the title
    system: str  # "icd10" | "opcs4"
    current: bool = True

    def as_dict(self) -> dict:
        return {"code": self.code, "title": self.title, "score": round(self.score, 4), "path": self.path,
                "system": self.system, "current": self.current}


class SearchIndex:
    """Phrases in parallel lists with an inverted index of their words (compact and fast to pickle)."""

    def __init__(self) -> None:
        self.system: list[int] = []  # 0 icd10, 1 opcs4
        self.code: list[str] = []
        self.path: list[str] = []
        self.required: list[tuple[str, ...]] = []
        self.boost: list[float] = []
        self.main: list[tuple[str, ...]] = []  # words of the index main term (must be met)
        self.postings: dict[str, list[int]] = {}
        self.optional_postings: dict[str, list[int]] = {}
        self.idf: dict[str, float] = {}
        self.weight: list[float] = []  # sum of idf of the required words

    def add(self, system: System, code: str, path: str, required: list[str], optional: list[str] = (),
            boost: float = 1.0, main: list[str] = ()) -> None:
        req = tuple(dict.fromkeys(required))
        if not req:
            return
        doc = len(self.code)
        self.system.append(_SYSTEMS.index(system))
        self.code.append(code)
        self.path.append(path)
        self.required.append(req)
        self.boost.append(boost)
        self.main.append(tuple(dict.fromkeys(main)))
        for word in req:
            self.postings.setdefault(word, []).append(doc)
        for word in dict.fromkeys(optional):
            if word not in req:
                self.optional_postings.setdefault(word, []).append(doc)

    def finish(self) -> "SearchIndex":
        n = len(self.code) or 1
        for word, docs in self.postings.items():
            self.idf[word] = math.log(1 + n / len(docs))
        for word, docs in self.optional_postings.items():
            self.idf.setdefault(word, math.log(1 + n / len(docs)))
        for word in WEAK:  # words that separate codes but say little about a condition alone
            if word in self.idf:
                self.idf[word] *= 0.5
        self.weight = [sum(self.idf[w] for w in req) for req in self.required]
        return self


def build_search_index(clf, index) -> SearchIndex:
    """Phrases from the tabular titles, the Alphabetic Index and the OPCS-4 synonyms."""
    si = SearchIndex()
    for table in (clf.icd10, clf.opcs4):
        if table is None:
            continue
        for code in table:
            if code.kind in (Kind.CHAPTER, Kind.BLOCK):
                continue
            own = words(code.title, expand=False)
            context = []
            if code.kind is not Kind.CATEGORY and code.category is not None:
                context = [w for w in words(code.category.title, expand=False) if w not in own]
            boost = (1.0 if code.current else 0.6) * (0.97 if _is_residual(code.title) else 1.0)
            si.add(table.system, code.code, code.title, own + context, boost=boost)
    if index is not None:
        _add_index(si, index)
    if clf.opcs4 is not None:
        for row in read_rules("opcs4_synonyms.tsv", ["phrase", "code"]):
            if row["code"] in clf.opcs4:
                si.add(System.OPCS4, row["code"], f"{row['phrase']} (synonym)", words(row["phrase"]), boost=1.05)
    return si.finish()


# Table of Neoplasms: each site is a phrase per behaviour. The phrase requires the site and the
# word "neoplasm" (which any word for a new growth in the query stands for, see neoplasm_query_words);
# the behaviour words are optional and a prior prefers the primary malignancy, as the Table's
# first column is what "cancer of ..." means.
_NEOPLASM_WORDS = {
    "malignant_primary": ("malignant cancer carcinoma adenocarcinoma primary malignancy", 1.0),
    "malignant_secondary": ("secondary malignant metastasis metastatic metastases deposit", 0.9),
    "in_situ": ("carcinoma in situ", 0.85),
    "benign": ("benign adenoma", 0.85),
    "uncertain": ("uncertain unknown behaviour borderline", 0.8),
}
# Words that always mean a new growth ("secondary" and "growth" do not: secondary hypertension).
_NEOPLASM_QUERY_TEXT = ("neoplasm cancer carcinoma adenocarcinoma tumour malignancy malignant metastasis "
                        "metastatic metastases adenoma")


@lru_cache(maxsize=1)
def neoplasm_query_words() -> frozenset[str]:
    return frozenset(words(_NEOPLASM_QUERY_TEXT, expand=False))
# Phrases that are the residual "other"/"NEC" bucket rank just below the plain term they sit beside.
_RESIDUAL = re.compile(r"^(other|specified)\b|\bnec\b|\bother specified\b", re.I)


def _add_index(si: SearchIndex, index) -> None:
    for entry in index:
        if entry.source == "neoplasm":
            if entry.codes_by_behaviour:
                site = [w for part in entry.path[1:] for w in _part_words(part)[0] + _part_words(part)[1]]
                for behaviour, (extra, prior) in _NEOPLASM_WORDS.items():
                    code = entry.codes_by_behaviour.get(behaviour)
                    if code:
                        path = f"Neoplasm > {' > '.join(entry.path[1:])} > {behaviour.replace('_', ' ')}"
                        si.add(System.ICD10, code, path, site + ["neoplasm"],
                               optional=words(extra, expand=False) + _modifier_words(entry), boost=prior,
                               main=["neoplasm"])
            continue
        code = entry.code or entry.see_code
        see_also_boost = 1.0
        if not code and entry.see_also:
            # "see also" points to an entry worth reading too: where it leads is a weaker lead.
            target = index.lookup(entry.see_also)
            code = target.best_code if target is not None else None
            see_also_boost = 0.7
        if not code:
            continue
        # "Ulcer, ulcerated, ulcerating ..." and "myocardium, myocardial": the words after the first
        # comma are alternative forms of the same term, so they may match but are not required.
        required, alternatives = [], []
        for part in entry.path:
            first, rest = _part_words(part)
            required += first
            alternatives += rest
        main = list(_part_words(entry.path[0])[0])
        path = entry.display_path + (f" (see {entry.see})" if not entry.code and entry.see else "")
        if see_also_boost < 1.0:
            path += f" (see also {entry.see_also})"
        optional = _modifier_words(entry) + alternatives
        boost = (0.97 if _is_residual(entry.term) else 1.0) * see_also_boost
        if entry.source == "drugs":
            required, boost = required + ["poisoning"], 0.9
            optional += ["overdose"]
        elif entry.source == "external":
            boost *= 0.85
        si.add(System.ICD10, code, path, required, optional=optional, boost=boost, main=main)


@lru_cache(maxsize=None)
def _part_words(part: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Words of one index level: before its first comma (required) and after (alternatives).
    Cached: the same levels ("with", "acute", "Diabetes, diabetic") recur thousands of times."""
    first, _, rest = part.partition(",")
    return tuple(words(first, expand=False)), tuple(words(rest, expand=False))


def _is_residual(text: str) -> bool:
    return bool(_RESIDUAL.search(text))


def _modifier_words(entry) -> list[str]:
    return [w for m in entry.nonessential for w in words(m, expand=False)]


class Searcher:
    def __init__(self, clf, si: SearchIndex):
        self.clf = clf
        self.si = si
        self._sets: dict[str, frozenset[int]] = {}

    def _posting_set(self, word: str) -> frozenset[int]:
        """Postings of a common word as a set, built on first use (not worth keeping on disk)."""
        found = self._sets.get(word)
        if found is None:
            found = self._sets[word] = frozenset(self.si.postings.get(word, ()))
        return found

    def search(self, text: str, system: System | str | None = None, limit: int = 10) -> list[SearchHit]:
        if not isinstance(text, str):
            raise ValueError("search text must be a string")
        wanted = None if system is None else _SYSTEMS.index(System(system))
        if wanted == 1 and self.clf.opcs4 is None:
            raise LookupError("OPCS-4 is unavailable: no OPCS-4 classification file was found")
        query = list(dict.fromkeys(words(text)))[:MAX_QUERY_WORDS]
        if neoplasm_query_words().intersection(query) and "neoplasm" not in query:
            query.append("neoplasm")
        si = self.si
        query = [w for w in query if w in si.idf] or []
        if not query:
            return []
        total = sum(si.idf[w] for w in query)
        req_acc: dict[int, float] = {}
        opt_acc: dict[int, float] = {}
        # Rare words first. Once the words read so far carry 80% of the query's weight, a phrase
        # with none of them covers at most 20% of the query (score <= 0.04): later, more common
        # words then only add to the phrases already found, which keeps queries fast.
        ordered = sorted(query, key=lambda w: -si.idf[w])
        seen = 0.0
        for word in ordered:
            idf = si.idf[word]
            docs = si.postings.get(word, ())
            if req_acc and seen >= 0.8 * total:
                if len(docs) > len(req_acc):
                    members = self._posting_set(word)
                    for d in req_acc:
                        if d in members:
                            req_acc[d] += idf
                else:
                    for d in docs:
                        if d in req_acc:
                            req_acc[d] += idf
            else:
                for d in docs:
                    req_acc[d] = req_acc.get(d, 0.0) + idf
            seen += idf
        for word in ordered:  # nonessential modifiers: only for phrases already found
            idf = si.idf[word]
            for d in si.optional_postings.get(word, ()):
                if d in req_acc:
                    opt_acc[d] = opt_acc.get(d, 0.0) + idf
        qset = set(query)
        best: dict[tuple[int, str], tuple[float, int]] = {}
        for d, matched in req_acc.items():
            if wanted is not None and si.system[d] != wanted:
                continue
            coverage = (matched + opt_acc.get(d, 0.0)) / total
            precision = matched / si.weight[d]
            score = coverage * coverage * (0.45 + 0.55 * precision) * si.boost[d]
            main = si.main[d]
            if main and not (qset & set(main)):
                score *= 0.75  # found only through a subterm: the condition itself was not named
            key = (si.system[d], si.code[d])
            if key not in best or score > best[key][0]:
                best[key] = (score, d)
        ranked = heapq.nlargest(max(limit * 3, 30), best.items(), key=lambda kv: kv[1][0])
        hits: list[SearchHit] = []
        for (sys_i, code_str), (score, d) in ranked[: max(limit * 3, 30)]:
            table = self.clf.table(_SYSTEMS[sys_i])
            code = table.get(code_str)
            if code is None:
                continue
            if not code.current:
                score *= 0.8
            if code.kind is Kind.CATEGORY and any(c.kind is Kind.SUBCATEGORY and c.current for c in code.children):
                score *= 0.9  # needs a 4th character: a subcategory that matches as well should win
            path = si.path[d]
            shown = path if path != code.title else None
            hits.append(SearchHit(code.code, code.title, round(score, 4),
                                  f"{shown} -> {code.code}" if shown else None, _SYSTEMS[sys_i].value, code.current))
        hits.sort(key=lambda h: (-h.score, h.code))
        return hits[:limit]


def _rules_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.tsv")) + [Path(__file__).with_name("spelling.py"), Path(__file__)]


def get_searcher(settings: Settings | None = None, classifications=None) -> Searcher:
    settings = settings or get_settings()
    if classifications is None:
        from .service import load_classifications

        classifications = load_classifications(settings)
    key = (id(classifications), settings.index_dir, settings.cache_dir)
    searcher = _SEARCHERS.get(key)
    if searcher is None or searcher.clf is not classifications:
        searcher = _SEARCHERS[key] = _build_searcher(classifications, settings.index_dir, settings.cache_dir, settings)
    return searcher


_SEARCHERS: dict[tuple, Searcher] = {}


def _build_searcher(clf, index_dir, cache_dir, settings) -> Searcher:
    from .index import load_index

    index = None
    index_files: list[Path] = []
    if index_dir is not None and (Path(index_dir) / "index.csv").is_file():
        index = load_index(settings)
        index_files = [Path(index_dir) / n for n in ("index.csv", "neoplasms.csv", "drugs.csv", "external_causes.csv")]
    sources = [*index_files, *(clf.icd10.source_files), *((clf.opcs4.source_files) if clf.opcs4 else ()),
               *_rules_files(), f"kind:{clf.source_kind}"]
    si = cached("search", sources, cache_dir, lambda: build_search_index(clf, index))
    return Searcher(clf, si)


def search(text: str, system: System | str | None = None, limit: int = 10, settings: Settings | None = None,
           classifications=None) -> list[SearchHit]:
    """Ranked codes for free text (see the module docstring)."""
    return get_searcher(settings, classifications).search(text, system=system, limit=limit)
