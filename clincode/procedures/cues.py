"""Cue words around a procedure mention: approach, image guidance, laterality, device, status.

The cue phrases live in ``resources/cues.tsv`` (kind, phrase, value) so a coder can extend them.
They are matched on the same normalised tokens as the lexicon, inside a clause of the original text.
"""
from __future__ import annotations

import bisect
import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .lexicon import RESOURCES, Token, term_key

KINDS = ("approach", "image", "laterality", "device", "status", "indication")


@dataclass(frozen=True, slots=True)
class Cue:
    kind: str
    value: str
    phrase: str
    start: int  # token index of the first word
    end: int  # token index after the last word


class CueBook:
    """All cue phrases by their normalised token tuple; finds cues in a run of tokens."""

    def __init__(self, rows: list[tuple[str, str, str]]):
        self._phrases: dict[tuple[str, ...], tuple[str, str, str]] = {}
        self._lengths: dict[str, list[int]] = {}  # first word -> phrase lengths, longest first
        for kind, phrase, value in rows:
            if kind not in KINDS:
                raise ValueError(f"cues: unknown kind {kind!r} for {phrase!r}")
            key = tuple(term_key(phrase).split())
            if not key:
                continue
            self._phrases[key] = (kind, value, phrase)
            lengths = self._lengths.setdefault(key[0], [])
            if len(key) not in lengths:
                lengths.append(len(key))
                lengths.sort(reverse=True)

    def find(self, tokens: list[Token], lo: int, hi: int, kind: str | None = None) -> list[Cue]:
        """Cues wholly inside tokens[lo:hi], longest first at each position, left to right."""
        out: list[Cue] = []
        i = max(lo, 0)
        hi = min(hi, len(tokens))
        while i < hi:
            step = 1
            for n in self._lengths.get(tokens[i].norm, ()):
                if i + n > hi:
                    continue
                hit = self._phrases.get(tuple(t.norm for t in tokens[i : i + n]))
                if hit and (kind is None or hit[0] == kind):
                    out.append(Cue(hit[0], hit[1], hit[2], i, i + n))
                    step = n
                    break
            i += step
        return out


class DocumentCues:
    """All cues of one document, found in one pass; window queries are then two binary searches."""

    def __init__(self, book: CueBook, tokens: list[Token]):
        self.cues = book.find(tokens, 0, len(tokens))
        self.starts = [c.start for c in self.cues]

    def find(self, lo: int, hi: int, kind: str | None = None) -> list[Cue]:
        i = bisect.bisect_left(self.starts, max(lo, 0))
        out = []
        while i < len(self.cues) and self.cues[i].start < hi:
            c = self.cues[i]
            if c.end <= hi and (kind is None or c.kind == kind):
                out.append(c)
            i += 1
        return out


def read_cues(path: Path) -> list[tuple[str, str, str]]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip() or line.startswith("#") or line.startswith("kind\t"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 3:
                raise ValueError(f"{path}:{lineno}: expected kind<TAB>phrase<TAB>value")
            rows.append((fields[0].strip(), fields[1].strip(), fields[2].strip()))
    return rows


@lru_cache(maxsize=1)
def default_cues() -> CueBook:
    return CueBook(read_cues(RESOURCES / "cues.tsv"))


def read_table(path: Path) -> list[dict[str, str]]:
    """A small tab-separated resource with a header row and ``#`` comments."""
    with open(path, encoding="utf-8") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
