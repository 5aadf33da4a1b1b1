"""Clinical abbreviations: find them in a parsed document and choose the sense the context supports.

The list is data (``resources/abbreviations.tsv``): one row per sense, the first row of an abbreviation
its default sense, each sense with the cue words that favour it ("MS" with "mitral", "echo", "murmur" is
mitral stenosis; with "relapsing", "MRI brain" it is multiple sclerosis). Matching is case-sensitive
unless a row says ``ci`` ("MS" is not "Ms"), on word boundaries, plural "s" allowed ("UTIs").

The diagnosis matcher codes ``Abbreviation.expansion`` with evidence at the abbreviation's offsets.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .document import ParsedDocument

_FLAGS = frozenset({"ci", "word", "nocode"})


class AbbreviationListError(ValueError):
    """The abbreviations data file is malformed."""


@dataclass(frozen=True, slots=True)
class Sense:
    expansion: str
    cues: re.Pattern | None  # word-start cue terms, None when the sense has none
    sections: frozenset[str]  # canonical sections that favour this sense
    codable: bool = True  # False for routes, services, tests and bare findings ("BD", "ECG", "A&E")


@dataclass(frozen=True, slots=True)
class AbbreviationEntry:
    abbreviation: str
    senses: tuple[Sense, ...]
    case_insensitive: bool = False
    english_word: bool = False  # "AS", "ALL": skipped in text written all in capitals


@dataclass(slots=True)
class Abbreviation:
    """One abbreviation found in the text (offsets into the original document text)."""

    start: int
    end: int
    text: str
    expansion: str
    confidence: float
    alternatives: tuple[str, ...] = field(default_factory=tuple)  # other senses, when ambiguous
    codable: bool = True


@dataclass(slots=True)
class AbbreviationList:
    entries: dict[str, AbbreviationEntry]  # exact spelling -> entry
    folded: dict[str, AbbreviationEntry]  # lower case -> entry, for "ci" rows

    def lookup(self, token: str) -> AbbreviationEntry | None:
        entry = self.entries.get(token)
        if entry is None:
            entry = self.folded.get(token.lower())
        return entry

    def __len__(self) -> int:
        return len(self.entries)

    def sense_count(self) -> int:
        return sum(len(e.senses) for e in self.entries.values())


def _cue_regex(cues: list[str]) -> re.Pattern | None:
    if not cues:
        return None
    parts = []
    for cue in sorted(set(cues), key=len, reverse=True):
        body = re.escape(cue)
        parts.append((r"(?<![a-z0-9])" if cue[:1].isalnum() else "") + body)
    return re.compile("|".join(parts))


def parse_abbreviation_rows(lines) -> AbbreviationList:
    """Build the list from TSV lines (abbreviation, expansion, cues, flags); errors name the line."""
    rows: dict[str, list] = {}
    flags_of: dict[str, set[str]] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\n").rstrip("\r")
        if not line.strip() or line.startswith("# ") or line.strip() == "#":
            continue
        parts = line.split("\t")
        if len(parts) < 2 or len(parts) > 4:
            raise AbbreviationListError(f"abbreviations.tsv line {number}: expected 2-4 tab-separated columns")
        parts += [""] * (4 - len(parts))
        abbr, expansion, cue_text, flag_text = (p.strip() for p in parts)
        if not abbr or not expansion:
            raise AbbreviationListError(f"abbreviations.tsv line {number}: empty abbreviation or expansion")
        flags = {f.strip() for f in flag_text.split(",") if f.strip()}
        if flags - _FLAGS:
            raise AbbreviationListError(f"abbreviations.tsv line {number}: unknown flags {sorted(flags - _FLAGS)}")
        cues = [c.strip().lower() for c in cue_text.split(",") if c.strip()]
        sections = frozenset(c.split(":", 1)[1] for c in cues if c.startswith("section:"))
        words = [c for c in cues if not c.startswith("section:")]
        sense = Sense(expansion, _cue_regex(words), sections, "nocode" not in flags)
        if any(s.expansion == expansion for s in rows.get(abbr, [])):
            continue  # the same sense twice
        rows.setdefault(abbr, []).append(sense)
        flags_of.setdefault(abbr, set()).update(flags - {"nocode"})
    entries: dict[str, AbbreviationEntry] = {}
    folded: dict[str, AbbreviationEntry] = {}
    for abbr, senses in rows.items():
        flags = flags_of[abbr]
        entry = AbbreviationEntry(abbr, tuple(senses), "ci" in flags, "word" in flags)
        entries[abbr] = entry
        if entry.case_insensitive:
            folded[abbr.lower()] = entry
    return AbbreviationList(entries, folded)


@lru_cache(maxsize=1)
def default_abbreviations() -> AbbreviationList:
    source = resources.files("clincode.text") / "resources" / "abbreviations.tsv"
    with source.open(encoding="utf-8") as handle:
        return parse_abbreviation_rows(handle)


def load_abbreviations(path: str | Path) -> AbbreviationList:
    """A trust's own abbreviation list in the same TSV format."""
    with open(path, encoding="utf-8") as handle:
        return parse_abbreviation_rows(handle)


# "#NOF", "# left radius" (the hash means fracture), "T2DM", "N&V", "c/o", "U&Es"
_TOKEN = re.compile(r"#[A-Za-z]+|#(?=[ \t]*[A-Za-z])|(?<![A-Za-z0-9])[A-Za-z0-9]+(?:[/&.][A-Za-z0-9]+)*")
_SPLIT = re.compile(r"[A-Za-z0-9]+")
_STAGED = re.compile(r"([A-Z]{2,})([1-5][a-bA-B]?)$")
# CD and CA with a number are laboratory markers (CD56, CD4 count, CA 19-9, CA-125), not
# Crohn's disease or cancer
_MARKER = re.compile(r"(?:CD|CA|Ca)(?:\d|[ -]?\d{2})")


def _mostly_capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.8


class _Resolver:
    """Chooses senses using the sentence and its neighbours as context (cached per sentence)."""

    def __init__(self, parsed: ParsedDocument):
        self.parsed = parsed
        self.windows: dict[object, tuple[str, bool]] = {}

    def window(self, index: int | None, offset: int) -> tuple[str, bool]:
        """The lower-cased sentence and its neighbours, and whether the sentence is in capitals.
        Outside any sentence (a heading), 200 characters either side of the offset."""
        key = index if index is not None else ("at", offset)
        if key not in self.windows:
            sentences = self.parsed.sentences
            if index is None:
                own = text = self.parsed.text[max(0, offset - 200):offset + 200]
            else:
                lo, hi = max(0, index - 1), min(len(sentences), index + 2)
                text = " ".join(s.text for s in sentences[lo:hi])
                own = sentences[index].text
            self.windows[key] = (text.lower(), _mostly_capitals(own))
        return self.windows[key]

    def choose(self, entry: AbbreviationEntry, window: str, section: str):
        senses = entry.senses
        if len(senses) == 1:
            return senses[0], 0.9, ()
        scores = []
        for sense in senses:
            score = len(set(sense.cues.findall(window))) if sense.cues else 0
            if section in sense.sections:
                score += 2
            scores.append(score)
        best = max(range(len(senses)), key=lambda i: (scores[i], -i))
        ranked = sorted(scores, reverse=True)
        if ranked[0] == 0:
            confidence = 0.5  # no cue either way: the default (first) sense
        elif ranked[0] == ranked[1]:
            confidence = 0.55
        else:
            confidence = min(0.95, 0.65 + 0.1 * (ranked[0] - ranked[1]))
        others = tuple(s.expansion for i, s in enumerate(senses) if i != best)
        return senses[best], confidence, others


def find_abbreviations(
    parsed: ParsedDocument, abbreviations: AbbreviationList | None = None, codable_only: bool = False
) -> list[Abbreviation]:
    """Every known abbreviation in the document with its sense for this context, in text order."""
    table = abbreviations or default_abbreviations()
    text = parsed.text
    resolver = _Resolver(parsed)
    found: list[Abbreviation] = []

    def emit(start: int, end: int, entry: AbbreviationEntry) -> None:
        if codable_only and not any(s.codable for s in entry.senses):
            return  # a test, route or service ("ECG", "BD"): no sense to choose when none is wanted
        window, in_capitals = resolver.window(parsed.sentence_index(start), start)
        if entry.english_word and in_capitals:
            return
        sense, confidence, others = resolver.choose(entry, window, parsed.section_at(start).name)
        if codable_only and not sense.codable:
            return
        found.append(Abbreviation(start, end, text[start:end], sense.expansion, confidence, others, sense.codable))

    # a lower-case word that is not itself listed can be nothing below (no plural of capitals, no
    # stage, no "#", no "/" "&" "."): most words of a document leave after one set look-up
    listed = table.entries.keys() | table.folded.keys()
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.islower() and token not in listed and token.isalnum():
            continue
        start, end = match.start(), match.end()
        if _MARKER.match(text, start):
            continue
        entry = table.lookup(token)
        if entry is None and len(token) >= 4 and token.endswith("s") and token[:-1].isupper():
            entry = table.lookup(token[:-1])  # plural: "UTIs", "TIAs"
        if entry is not None:
            emit(start, end, entry)
            continue
        staged = _STAGED.match(token) if token[:2].isupper() else None  # (the test skips the regex for most words)
        if staged and (entry := table.lookup(staged.group(1))) is not None:
            emit(start, start + len(staged.group(1)), entry)  # "CKD3", "CKD4b": the stage stays in the text
            continue
        if token.startswith("#"):
            hash_entry = table.lookup("#")
            if hash_entry is not None:
                emit(start, start + 1, hash_entry)
            rest = token[1:]
            if rest and (entry := table.lookup(rest)) is not None:
                emit(start + 1, end, entry)
            continue
        if "/" in token or "&" in token or "." in token:
            for part in _SPLIT.finditer(token):  # "T2DM/HTN"
                entry = table.lookup(part.group())
                if entry is not None:
                    emit(start + part.start(), start + part.end(), entry)
    return found
