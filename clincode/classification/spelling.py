"""Words as search compares them: UK and US spellings, plurals and word forms made the same.

Both the query and every indexed phrase go through ``words()``, so "oesophageal haemorrhage",
"esophageal hemorrhage" and "haemorrhages of the oesophagus" meet on the same canonical words.
The generic rules below cover most UK/US pairs; ``rules/spelling.tsv`` holds the exceptions and
``rules/abbreviations.tsv`` the abbreviations expanded before matching.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .rules import read_rules

# Words that carry no meaning for finding a code. "with" and "without" are kept: in the
# classification they separate codes ("with complications" / "without complications").
STOPWORDS = frozenset(
    "a an and are as at be by for from in into is it its of on or other the to was were nos nec "
    "specified unspecified site sites stated not".split()
)
# Kept out of STOPWORDS, but weak evidence on their own (search gives them little weight).
WEAK = frozenset("with without due disease disorder acute chronic left right type mellitus".split())

_TOKEN = re.compile(r"[a-z0-9]+")
_ABBREV_SPLIT = re.compile(r"(#?[A-Za-z0-9&]+)")


@lru_cache(maxsize=1)
def _exceptions() -> dict[str, str]:
    out: dict[str, str] = {}
    for row in read_rules("spelling.tsv", ["uk", "us"]):
        out[row["uk"].lower()] = row["us"].lower()
    return out


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, tuple[str, ...]]:
    """Canonical word -> the canonical words the classifications use for it (word_synonyms.tsv)."""
    out: dict[str, tuple[str, ...]] = {}
    for row in read_rules("word_synonyms.tsv", ["word", "words"]):
        out[canonical(row["word"].lower())] = tuple(canonical(w) for w in row["words"].lower().split())
    return out


@lru_cache(maxsize=1)
def _abbreviations() -> dict[str, str]:
    return {row["abbreviation"].lower(): row["expansion"]
            for row in read_rules("abbreviations.tsv", ["abbreviation", "expansion"])}


def expand_abbreviations(text: str) -> str:
    """Replace whole-word abbreviations ("NSTEMI", "lap chole", "#NOF") by their expansions."""
    table = _abbreviations()
    text = re.sub(r"#\s*(?=[A-Za-z])", "fracture ", text)  # "#NOF", "# radius": the fracture sign
    return _ABBREV_SPLIT.sub(lambda m: table.get(m.group(1).lower(), m.group(1)), text)


@lru_cache(maxsize=65536)
def canonical(word: str) -> str:
    """One spelling for a word: US vowels, -ize, -or, -er, singular (a light, predictable stemmer)."""
    word = _ROMAN.get(word, word)
    word = _singular(_exceptions().get(word, word))
    if len(word) > 4:
        # UK ae/oe -> US e (haemorrhage, anaemia, oesophagus, oedema, paediatric, caesarean, diarrhoea)
        word = re.sub(r"(?<=[a-z])ae(?=[a-z])|^ae(?=[a-z])", "e", word)
        word = re.sub(r"(?<=[a-z])oe(?=[a-z])|^oe(?=[a-z])", "e", word)
        word = re.sub(r"is(e|ed|es|ing|ation|ations)$", r"iz\1", word)  # -ise -> -ize
        if word.endswith("our") and len(word) > 5:
            word = word[:-3] + "or"  # tumour -> tumor
        if word.endswith("tre"):
            word = word[:-3] + "ter"  # centre -> center
        word = word.replace("sulph", "sulf")
    return _exceptions().get(word, word)


# Roman numerals as the classifications write types and stages ("Type II", "stage III"); "iv" is
# left alone: in clinical text it means intravenous far more often than four.
_ROMAN = {"ii": "2", "iii": "3"}


def _singular(word: str) -> str:
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("aches"):  # headaches, backaches: the "e" is the word's own (ache)
        return word[:-1]
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "ys", "as")):
        return word[:-1]
    return word


MAX_QUERY_WORDS = 40  # a search is a phrase, not a document: longer input is cut (see search())


def fold(text: str) -> str:
    """Lower case without accents or curly quotes: "Ménière’s" -> "meniere's", as the index spells it."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("\u2018", "'"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def words(text: str, expand: bool = True) -> list[str]:
    """Canonical words of ``text`` without stopwords, in order."""
    if expand:
        text = expand_abbreviations(text)
    out = []
    synonyms = _synonyms()
    for token in _TOKEN.findall(fold(text).replace("'s", "")):
        if token in STOPWORDS:
            continue
        word = canonical(token)
        out.extend(synonyms.get(word, (word,)))
    return out
