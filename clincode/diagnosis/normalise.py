"""Words as the lexicon and the text both see them: one normal form for UK/US spelling, plurals,
hyphenation and synonyms, so "oedematous", "edema" and "Oedema" meet on the same token.

A text position may carry several normal tokens: a synonym group adds its canonical word
("renal" -> "kidney") and an abbreviation or compound expands ("gallstones" -> "calculus gallbladder").
The same function normalises lexicon terms and document text, so any normal form is fine as long as
both sides agree.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import NamedTuple

from ..classification.spelling import canonical

RESOURCES = Path(__file__).resolve().parent / "resources"

_TOKEN = re.compile(r"[A-Za-z\u00c0-\u024f0-9]+")  # "T2DM", "COVID19" stay one word


def _read_tsv(name: str) -> list[list[str]]:
    rows = []
    with open(RESOURCES / name, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            rows.append([f.strip() for f in line.split("\t")])
    return rows


STOPWORDS: frozenset[str] = frozenset(r[0] for r in _read_tsv("stopwords.tsv"))


def _strip_suffix(word: str) -> str:
    """A light, deterministic stemmer for plurals and a few adjective endings.

    Not a linguistic stemmer: it only has to send singular/plural and noun/adjective forms that
    the index writes interchangeably ("calculus, calculi, calculous") to one form.
    """
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh"),
                         ("ous", "us"), ("uli", "ulus"), ("ae", "a"), ("ata", "a")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + repl
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        return word[:-1]
    return word


def _stem(word: str) -> str:
    """Respell, strip a plural/adjective ending, respell again ("tumours" -> "tumor").

    UK -> US spelling, singulars and the classification's word equivalences come from
    ``clincode.classification.spelling.canonical`` (its rules and ``rules/spelling.tsv``), the same
    words the code search uses; this module adds only the adjective endings the index writes
    interchangeably ("calculous", "calculi" -> "calculus")."""
    if not word.isascii():  # "Barré", "Ménière", "Sjögren": notes mostly write them without accents
        word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode() or word
    return canonical(_strip_suffix(canonical(word)))


def _build_synonyms() -> dict[str, tuple[str, ...]]:
    """Word -> normal tokens, from resources/word_synonyms.tsv (members<TAB>canonical words).

    Every member maps to the canonical words only, on both sides (lexicon and text), so any two
    members of a group match each other.
    """
    table: dict[str, tuple[str, ...]] = {}
    for row in _read_tsv("word_synonyms.tsv"):
        canon = tuple(_stem(w) for w in row[1].lower().split())
        for member in row[0].lower().split("|"):
            table[_stem(member.strip())] = canon
    return table


_SYNONYMS = _build_synonyms()


_FORMS: dict[str, tuple[str, ...]] = {}  # written word -> its normal tokens (a word is normalised once)
_MAX_FORMS = 400_000  # bound the table: a long-running service meets new words (typos, numbers) forever


def normal_forms(word: str) -> tuple[str, ...]:
    """The normal tokens of one written word (lower-cased, respelled, stemmed, synonyms)."""
    forms = _FORMS.get(word)
    if forms is None:
        low = word.lower()
        forms = _FORMS.get(low)
        if forms is None:
            stem = _stem(low)
            forms = _SYNONYMS.get(stem, (stem,))
        if len(_FORMS) < _MAX_FORMS:
            _FORMS[word] = _FORMS[low] = forms
    return forms


def known_forms() -> dict[str, tuple[str, ...]]:
    """Every word normalised so far (the lexicon stores them, so a new process starts warm)."""
    return dict(_FORMS)


def prime_forms(table: dict[str, tuple[str, ...]]) -> None:
    """Take normal forms computed by an earlier process (same rules: the lexicon cache key covers them)."""
    for word, forms in table.items():
        _FORMS.setdefault(word, forms)


class Token(NamedTuple):
    """One written word with its character offsets in the original text and its normal forms.

    A named tuple rather than a frozen dataclass: every word of every document is one, and a tuple
    is made in a fifth of the time (immutable and compared by value all the same)."""

    start: int
    end: int
    forms: tuple[str, ...]


_new_token = tuple.__new__  # Token(start, end, forms) without the keyword-handling constructor


_METASTASIS, _SECONDARY_TO = ("metastasis",), ("secondary to",)
_TO_FOLLOWS = re.compile(r"\s+to\b", re.I)


def tokenise(text: str, offset: int = 0) -> list[Token]:
    """Words of ``text`` (offsets shifted by ``offset``); possessive "'s" and lone "s" are dropped."""
    out = []
    append, known = out.append, _FORMS.get
    for m in _TOKEN.finditer(text):
        word = m.group()
        start = m.start()
        if (word == "s" or word == "S") and start > 0 and text[start - 1] in "'\u2019":
            continue
        forms = known(word)
        if forms is None:
            forms = normal_forms(word)
        if forms == _METASTASIS and word.lower() == "secondary" and _TO_FOLLOWS.match(text, m.end()):
            forms = _SECONDARY_TO  # "renal failure secondary to sepsis" names a cause, not a metastasis
        append(_new_token(Token, (start + offset, m.end() + offset, forms)))
    return out


def term_words(term: str) -> list[tuple[str, ...]]:
    """The normal forms of each content word of a lexicon term (stopwords dropped)."""
    words = []
    for m in _TOKEN.finditer(term):
        w = m.group().lower()
        if w in STOPWORDS:
            continue
        if w == "s" and m.start() > 0 and term[m.start() - 1] in "'\u2019":  # "Alzheimer's", as tokenise reads it
            continue
        forms = normal_forms(w)
        if forms:
            words.append(forms)
    return words
