"""The diagnosis lexicon: every phrase that leads to an ICD-10 code, as sets of normal words.

Sources, each entry keeping where it came from (``source``) and how (``path``):
- ``index``: ICD-10-CM Alphabetic Index paths ("Cholecystitis > acute > with calculus"), see-references
  followed, every CM code mapped to the UK code (``ClassificationTable.map_cm``);
- ``neoplasm``: Table of Neoplasms sites, matched with a morphology word ("carcinoma", "metastases")
  whose behaviour picks the column (primary, secondary, in situ, benign, uncertain);
- ``title``: UK ICD-10 tabular titles;
- ``synonym``: our own clinical phrases and abbreviations (resources/diagnosis_terms.tsv).

Compiled once into a pickle in ``settings.cache_dir``; invalidated when a source file or this
package's version changes.
"""
from __future__ import annotations

import hashlib
import os
import itertools
import logging
import pickle
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..classification.index import behaviour_named, load_index
from .normalise import RESOURCES, _read_tsv, known_forms, normal_forms, prime_forms, term_words

log = logging.getLogger(__name__)

LEXICON_VERSION = "26"
NEOPLASM_MARK = "@neo"  # normal token added to every morphology word ("carcinoma", "tumour", "metastases")
_SOURCES = ("index", "neoplasm", "title", "synonym")
_RESIDUAL = re.compile(r"^other\b|\bother specified\b|\bother and unspecified\b", re.I)
_TITLE_NOISE = re.compile(r"\[.*?\]|\b(unspecified|not elsewhere classified|nec|nos)\b", re.I)


@dataclass(slots=True)
class Entry:
    """One lexicon phrase: the normal words it needs and the UK code they lead to."""

    words: frozenset[str]
    code: str  # UK code, dotted ('' for neoplasm sites, whose code depends on behaviour)
    source: str
    path: str
    order: tuple[str, ...] = ()  # the words in written order (for "exact phrase" matching)
    neoplasm_codes: dict[str, str] = field(default_factory=dict)  # behaviour -> UK code

    def __reduce__(self):
        # unpickled by the constructor: a slots dataclass's own state restore is a Python loop over
        # its fields, and every worker unpickles ~96,000 entries (13% of the lexicon's load time)
        return Entry, (self.words, self.code, self.source, self.path, self.order, self.neoplasm_codes)


@dataclass
class Lexicon:
    entries: list[Entry]
    by_key: dict[str, list[int]]  # rarest word -> entry ids
    morphology: dict[tuple[str, ...], str]  # a noun's normal forms -> neoplasm behaviour ("malignant", ...)
    modifiers: dict[tuple[str, ...], str]  # "metastatic", "benign", "in situ": change the nearest noun's
    word_frequency: dict[str, int]
    word_forms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # written word -> normal forms
    # key word -> its entries filed by their second-rarest word (file_by_second_word), for the matcher:
    # filed once here rather than by every process for every key word it meets (~75 ms a worker)
    by_second_word: dict[str, tuple] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.entries)


# --------------------------------------------------------------------------- building
class _Builder:
    def __init__(self, icd10):
        self.icd10 = icd10
        self.entries: list[Entry] = []
        self._seen: set[tuple[frozenset, str, str]] = set()
        self._uk_cache: dict[str, str | None] = {}

    def uk(self, cm_code: str | None) -> str | None:
        """The UK code for a CM code; a subdivided category falls to its '.9' (unspecified) child."""
        if not cm_code:
            return None
        cm_code = cm_code.strip().rstrip("-").rstrip(".")
        if cm_code in self._uk_cache:
            return self._uk_cache[cm_code]
        code = self.icd10.get(cm_code)
        if code is None:
            code = self.icd10.map_cm(cm_code)
        if code is not None and not code.is_leaf:
            unspecified = [c for c in code.children if c.code.endswith(".9")]
            code = unspecified[0] if unspecified else code
        result = code.code if code is not None else None
        self._uk_cache[cm_code] = result
        return result

    def add(self, word_forms: list[tuple[str, ...]], code: str, source: str, path: str, neo=None) -> None:
        words = frozenset(f for forms in word_forms for f in forms)
        if not words:
            return
        key = (words, code, source)
        if key in self._seen:
            return
        self._seen.add(key)
        order = tuple(forms[0] for forms in word_forms)
        self.entries.append(Entry(words, code, source, path, order, dict(neo or {})))


def _alternatives(term: str, level: int) -> list[str]:
    """Comma-separated forms of an index term.

    Terms list word forms ("Calculus, calculi, calculous") or inversions ("Storm, thyroid";
    "with calculus, ureter"): forms share a stem and are alternatives, inversions do not and are
    read as one phrase (synonyms then merge "calculus, stones in" into one word).
    """
    if " or " in term and "," not in term:
        options = [p.strip() for p in term.split(" or ")]
        if len(options) == 2 and options[0].endswith("-") and "-" in options[1]:
            # "Broad- or floating-betalipoproteinemia": the first is a prefix of the second's stem
            stem = options[1].split("-", 1)[1]
            return [options[0] + stem, options[1]]
        if len(options) == 2 and all(0 < len(p.split()) <= 2 for p in options):
            left, right = options[0].split(), options[1].split()
            # the alternatives share the other word: "lymph gland or node" is lymph gland / lymph
            # node and "Shipyard disease or eye" is shipyard disease / shipyard eye (never "eye"
            # alone); "ectopic or molar pregnancy" is ectopic pregnancy / molar pregnancy
            if len(left) == 2 and len(right) == 1:
                return [options[0], f"{left[0]} {right[0]}"]
            if len(left) == 1 and len(right) == 2:
                return [f"{left[0]} {right[1]}", options[1]]
            return options  # "atrial or auricular": either word
    if level == 0 and term.lower() in _DEFAULT_MAIN_TERMS:
        return [_DEFAULT_MAIN_TERMS[term.lower()]]
    parts = [p.strip() for p in term.split(",") if p.strip()]
    if len(parts) <= 1:
        return parts or [term]
    first = parts[0].lower()
    if all(p.lower()[:4] == first[:4] for p in parts[1:]):
        return parts
    # one-word forms of one stem that part before the fourth letter ("vision, visual")
    if all(" " not in p and p.lower()[:3] == first[:3] for p in parts):
        return parts
    return [" ".join(parts)]


# main terms whose qualifier is the default reading: a fracture is traumatic unless the notes say
# pathological, stress or insufficiency (those are main terms of their own), so "fractured clavicle"
# meets "Fracture, traumatic > clavicle" S42.0
_DEFAULT_MAIN_TERMS = {"fracture, traumatic": "Fracture"}

# index subterms that state the default (the qualifier's absence): read as their parent's words
_DEFAULT_QUALIFIER = re.compile(r"(?i)(not specified as|not intractable|without status|without refractory|"
                                r"without crisis|not resulting in|without perforation|without bleeding|"
                                r"without hemorrhage|without obstruction|without gangrene|without abscess|"
                                r"without mention of)\b")

# each row's words (the set of each word's normal forms, in any order): one word or a short anatomical phrase
_NOT_PHRASES = frozenset(frozenset(tuple(forms) for forms in term_words(r[0])) for r in _read_tsv("not_phrases.tsv"))

# the Table of Neoplasms' columns as clincode.classification.index names them -> as the matcher does
_BEHAVIOUR = {"malignant_primary": "malignant", "malignant_secondary": "secondary", "in_situ": "insitu",
              "benign": "benign", "uncertain": "uncertain"}


def _behaviour_of_reference(reference: str | None) -> str | None:
    """'Neoplasm, malignant, by site' -> 'malignant': a morphology main term ("Carcinoma - see
    Neoplasm, malignant, by site") names the column of the Table of Neoplasms it leads to."""
    if not reference or not reference.lower().lstrip().startswith("neoplasm"):
        return None
    return _BEHAVIOUR.get(behaviour_named(reference) or "")


def _add_index(builder: _Builder, index) -> dict[str, str]:
    """Every index path as phrases. ``index`` is the classification service's Alphabetic Index
    (``clincode.classification.index.load_index``): its codes are already UK and its "see"
    references already followed, so this only turns each path into word sets."""
    morphology: dict[str, str] = {}
    options_of: dict[int, list[list[tuple[str, ...]]]] = {}
    coded_above: dict[int, bool] = {}  # the entry or an ancestor read with the same words has a code
    for pos, entry in enumerate(index.entries):
        if entry.source != "index":
            continue
        prefix_options = options_of.get(entry.parent, [[]]) if entry.level else [[]]
        # "not specified as recurrent", "not intractable", "without status epilepticus": the
        # default a coder takes when the notes do not mention the qualifier, so the parent's words
        # alone lead to it ("Clostridium difficile colitis" -> Colitis, Clostridium difficile, not
        # specified as recurrent, A04.7) unless a code is already written higher up
        default = entry.level > 0 and _DEFAULT_QUALIFIER.match(entry.term) is not None
        options = []
        for alt in ([""] if default else _alternatives(entry.term, entry.level)):
            words = term_words(alt) if alt else []
            for prefix in prefix_options:
                options.append(prefix + words)
        # several alternatives multiply; keep the distinct word sets only (bounded)
        seen, distinct = set(), []
        for opt in options:
            key = frozenset(f for forms in opt for f in forms)
            if key not in seen:
                seen.add(key)
                distinct.append(opt)
        distinct = distinct[:6]
        options_of[pos] = distinct
        if len(entry.path) >= 3 and entry.path[0].lower().startswith("melanoma") and entry.path[1].lower() == "skin":
            # a melanoma is of the skin unless the notes say otherwise: "melanoma of the back" is
            # Melanoma > skin > back, C43.5 (the coded phrase alone; its children keep "skin")
            bare = [[w for w in opt if w != ("skin",)] for opt in distinct]
            distinct = distinct + [b for b in bare if b not in distinct]
        parent_sets = {frozenset(f for forms in p for f in forms) for p in prefix_options}
        adds_words = any(frozenset(f for forms in o for f in forms) not in parent_sets for o in distinct)
        code, path = entry.code, entry.display_path
        if not code and entry.see:
            code, path = entry.see_code, f"{path} (see {entry.see})"
        elif not code and entry.see_also:
            # "Arthralgia - see also Pain, joint", "Amaurosis - see also Blindness": an entry with no
            # code of its own is coded where its "see also" leads, as a coder reading the book would
            target = index.lookup(entry.see_also)
            if target is not None and target.best_code:
                code, path = target.best_code, f"{path} (see also {entry.see_also})"
        uk = builder.uk(code)
        above = bool(entry.level and coded_above.get(entry.parent))
        coded_above[pos] = bool(uk) or (default and above)
        if default and not above and uk:
            adds_words = True  # the parent's words, coded with the default
        if uk and (adds_words or entry.level == 0):  # "specified NEC" adds no words: not a phrase
            for opt in distinct:
                if frozenset(tuple(forms) for forms in opt) not in _NOT_PHRASES:
                    builder.add(opt, uk, "index", f"{path} -> {uk}")
        if entry.level == 0:
            behaviour = _behaviour_of_reference(entry.see) or _behaviour_of_reference(entry.see_also)
            if behaviour and len(distinct) == 1 and len(distinct[0]) == 1:
                morphology[distinct[0][0]] = behaviour
    return morphology


def _neoplasm_sites(index) -> list[tuple[tuple[str, ...], dict[str, str]]]:
    """(site path below "Neoplasm, neoplastic", UK code per behaviour) of every Table of Neoplasms row.

    A row that refers on ("colon - see also Neoplasm, intestine, large") takes the behaviours it
    lacks from the row referred to, and the same site listed twice ("colon" and "intestine > large >
    colon") fills its gaps from the other: the printed table leaves those cells to the reference.
    """
    rows = [(pos, e) for pos, e in enumerate(index.entries) if e.source == "neoplasm"]
    codes: dict[int, dict[str, str]] = {}
    for pos, e in rows:
        codes[pos] = {_BEHAVIOUR[b]: c for b, c in (e.codes_by_behaviour or {}).items() if c and b in _BEHAVIOUR}
    for pos, e in rows:
        if e.see and e.see.lower().startswith("neoplasm"):
            target = index._resolve(e.see)
            if target is not None and target in codes:
                for behaviour, code in codes[target].items():
                    codes[pos].setdefault(behaviour, code)
    by_last: dict[str, list[int]] = {}
    for pos, e in rows:
        if e.level:
            by_last.setdefault(e.term.lower().strip(" ,"), []).append(pos)
    for group in by_last.values():
        for pos in group:
            for other in group:
                for behaviour, code in codes[other].items():
                    codes[pos].setdefault(behaviour, code)
    return [(e.path[1:], codes[pos]) for pos, e in rows]


def _add_neoplasms(builder: _Builder, index) -> None:
    for site, site_codes in _neoplasm_sites(index):
        codes = {b: builder.uk(c) for b, c in site_codes.items()}
        codes = {b: c for b, c in codes.items() if c}
        if "uncertain" in codes:  # UK has no 'unspecified behaviour' block (CM D49): D37-D48 holds both
            codes["unspecified"] = codes["uncertain"]
        if not codes:
            continue
        path = "Neoplasm > " + " > ".join(site) if site else "Neoplasm, neoplastic"
        # a site written in forms ("lymph, lymphatic channel", "abdomen, abdominal") needs one form,
        # not all of them, as in the index proper (bounded: a few forms per path)
        options: list[list[tuple[str, ...]]] = [[]]
        for part in site:
            options = [o + term_words(alt) for o in options for alt in _alternatives(part, 1)][:6]
        for words in options or [[]]:
            builder.add(words + [(NEOPLASM_MARK,)], "", "neoplasm", path, codes)


def _add_titles(builder: _Builder) -> None:
    from ..classification import Kind

    for code in builder.icd10.codes_of_kind(Kind.CATEGORY, Kind.SUBCATEGORY, Kind.EXTENSION):
        if not code.is_leaf and code.kind is Kind.CATEGORY:
            continue
        if _RESIDUAL.search(code.title):  # "Other specified ...": a residual class, not a phrase anyone writes
            continue
        # a subcategory title often names only the site ("C18.9 Colon, unspecified"): read it with
        # the titles above it, as the tabular list is read
        titles = [code.title] + [a.title for a in code.ancestors() if a.kind in (Kind.CATEGORY, Kind.SUBCATEGORY)]
        words, seen = [], set()
        for title in titles:
            for forms in term_words(_TITLE_NOISE.sub(" ", title)):
                if forms not in seen:
                    seen.add(forms)
                    words.append(forms)
        if 0 < len(words) <= 7:
            builder.add(words, code.code, "title", f"{code.code} {code.title}")


def _add_synonyms(builder: _Builder) -> None:
    for row in _read_tsv("diagnosis_terms.tsv"):
        term, code = row[0], row[1]
        uk = builder.icd10.get(code) or builder.icd10.map_cm(code)
        if uk is None:
            log.warning("diagnosis_terms.tsv: %s is not a UK ICD-10 code (%s)", code, term)
            continue
        builder.add(term_words(term), uk.code, "synonym", f"{term} -> {uk.code} (clincode synonyms)")


def _morphology_words() -> tuple[dict, dict]:
    nouns, modifiers = {}, {}
    for row in _read_tsv("neoplasm_morphology.tsv"):
        forms = normal_forms(row[0].split("-")[-1])
        (modifiers if row[2:] == ["modifier"] else nouns)[forms] = row[1]
    return nouns, modifiers


def build_lexicon(classifications, settings) -> Lexicon:
    builder = _Builder(classifications.icd10)
    morphology: dict[tuple[str, ...], str] = {}
    try:
        index = load_index(settings)
    except (FileNotFoundError, ValueError) as exc:
        log.warning("no ICD-10-CM index (%s): lexicon from titles and synonyms only", exc)
    else:
        morphology.update(_add_index(builder, index))
        _add_neoplasms(builder, index)
    nouns, modifiers = _morphology_words()
    morphology.update(nouns)
    _add_titles(builder)
    _add_synonyms(builder)
    # our own rows are checked against the UK tabular list: where one names the same words as an
    # index or title phrase with another category, the row is the UK reading and the other phrase
    # goes ("delirium": CM index R41.0, ICD-10 F05.9; "gastroenteritis": CM K52.9, ICD-10 A09.9)
    ours = {}
    for e in builder.entries:
        if e.source == "synonym":
            ours.setdefault(e.words, set()).add(e.code[:3])
    entries = [e for e in builder.entries
               if e.source == "synonym" or e.words not in ours or e.code[:3] in ours[e.words]]
    freq = Counter(w for e in entries for w in e.words)
    by_key: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        key = min(entry.words, key=lambda w: (freq[w], w))
        by_key.setdefault(key, []).append(i)
    # the normal forms of every word the build met (index, titles, synonyms): a new process loading
    # the cached lexicon does not respell them again
    frequency = dict(freq)
    by_second_word = {key: file_by_second_word(key, eids, entries, frequency) for key, eids in by_key.items()}
    return Lexicon(entries, by_key, morphology, modifiers, frequency, known_forms(), by_second_word)


def file_by_second_word(key: str, eids: list[int], entries: list[Entry], frequency: dict[str, int]):
    """The entries filed under ``key`` as (its one-word entries, {second word -> the others}).

    The lexicon files every entry under its rarest word; a common key ("pain", "eye", "study") holds
    hundreds of phrases, nearly all needing a word the sentence lacks. Filing them again under their
    second-rarest word lets a sentence try only the entries whose two rarest words it holds."""
    singles: list[int] = []
    by_second: dict[str, list[int]] = {}
    count = frequency.get
    for eid in eids:
        words = entries[eid].words
        if len(words) == 1:
            singles.append(eid)
            continue
        if len(words) == 2:
            first, other = words
            second = other if first == key else first
        else:  # the rarest word other than the key (ties: alphabetical); a plain loop, as this runs
            # for every entry of every key word a process meets (min() with a key function: twice the time)
            second, rarest = None, None
            for w in words:
                if w != key:
                    n = count(w, 0)
                    if second is None or n < rarest or (n == rarest and w < second):
                        second, rarest = w, n
        by_second.setdefault(second, []).append(eid)
    return tuple(singles), {w: tuple(ids) for w, ids in by_second.items()}


# --------------------------------------------------------------------------- cache
def _fingerprint(classifications, index_dir: Path | None) -> str:
    parts = [LEXICON_VERSION, str(classifications.icd10.source), str(len(classifications.icd10))]
    here = Path(__file__).parent  # the modules that decide what the lexicon holds
    files = sorted(RESOURCES.glob("*.tsv")) + [here / m for m in ("lexicon.py", "normalise.py")]
    # the classification service's index tree, its see-references and CM -> UK mapping
    # and its spelling rules (normalise.py respells with clincode.classification.spelling)
    files += [here.parent / "classification" / m
              for m in ("index.py", "normalise.py", "spelling.py", "rules/cm_to_uk.tsv", "rules/spelling.tsv")]
    if index_dir is not None:
        files += [index_dir / "index.csv", index_dir / "neoplasms.csv"]
    for f in files:
        if f.exists():
            st = f.stat()
            parts.append(f"{f}:{st.st_mtime_ns}:{st.st_size}")
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def load_lexicon(classifications, settings) -> Lexicon:
    """The compiled lexicon from the cache, rebuilt when any source changed."""
    index_dir = settings.index_dir
    cache = Path(settings.cache_dir) / f"diagnosis-lexicon-{_fingerprint(classifications, index_dir)}.pickle"
    if cache.is_file():
        try:
            with open(cache, "rb") as fh:
                lexicon = pickle.load(fh)
            prime_forms(lexicon.word_forms)
            return lexicon
        except Exception as exc:  # a corrupt or foreign cache is rebuilt, never fatal
            log.warning("ignoring unreadable lexicon cache %s: %s", cache, exc)
    lexicon = build_lexicon(classifications, settings)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")  # several processes may build at once
        with open(tmp, "wb") as fh:
            pickle.dump(lexicon, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache)
    except OSError as exc:
        log.warning("could not write the lexicon cache %s: %s", cache, exc)
    return lexicon
