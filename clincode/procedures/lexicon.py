"""The procedure lexicon: phrases a clinician writes -> the OPCS-4 code a coder would choose.

Two sources, in order of trust:

1. ``resources/procedure_terms.tsv``: hand-built synonyms and abbreviations (THR, TURBT, lap chole,
   Scarf bunionectomy ...), each mapped to a main OPCS-4 code plus flags the coding rules read
   (site kind, access endoscopy, image guidance, device variants, resource rank).
2. The OPCS-4 titles themselves (``Trabeculectomy``, ``Stapedectomy``): every subcategory title,
   without its "NEC", becomes a low-priority term, so the classification's own wording is found.

Matching works on normalised tokens (lower case, British/American spelling folded, light plural
stemming, filler words dropped) with an Aho-Corasick automaton: linear in the text length whatever the
lexicon size. Offsets always point into the original document text.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick

RESOURCES = Path(__file__).parent / "resources"

_TOKEN = re.compile(r"[A-Za-z0-9]+")
# Words that carry no meaning for matching a procedure name ("excision of the lesion of tongue").
_FILLER = frozenset({"the", "a", "an", "of", "his", "her", "their", "patient", "s"})
# Side and position words a clinician puts inside an operation's name ("removal of right frontal
# Ommaya reservoir"): skipped when they fall inside a name, never at its start or end.
_SIDES = frozenset({"right", "left", "bilateral", "frontal", "parietal", "occipital", "upper", "lower",
                    "distal", "proximal", "anterior", "posterior", "lateral", "medial", "inferior", "superior",
                    "infrarenal", "suprarenal", "juxtarenal"})
_IRREGULAR = {
    "testes": "testis", "teste": "testis", "testicle": "testis", "testicles": "testis",
    "testicular": "testis", "calculi": "calculus", "vertebrae": "vertebra", "bronchi": "bronchus",
    "ureteral": "ureteric", "ureters": "ureter", "urethral": "urethral",
    "anterograde": "antegrade", "lithalopaxy": "litholapaxy", "cystolithalopaxy": "cystolitholapaxy",
    "dilatation": "dilation", "dilation": "dilation", "curretage": "curettage",
    "tonsilectomy": "tonsillectomy", "appendectomy": "appendicectomy", "orchiectomy": "orchidectomy",
    "orchiopexy": "orchidopexy", "colostomy": "colostomy", "fiberoptic": "fibreoptic",
    "pediatric": "paediatric", "esophagogastroduodenoscopy": "oesophagogastroduodenoscopy",
    "esophagoscopy": "oesophagoscopy", "esophagectomy": "oesophagectomy", "cesarean": "caesarean",
    "cesarian": "caesarean", "caesarian": "caesarean", "hemorrhoidectomy": "haemorrhoidectomy",
}


@lru_cache(maxsize=65536)
def normalise_token(token: str) -> str:
    """Fold one word to the form both lexicon and text are matched in.

    British and American spellings meet (haemorrhoid/hemorrhoid, oesophagus/esophagus,
    orchidectomy/orchiectomy) and regular plurals lose their ending (stents -> stent,
    biopsies -> biopsy), applied identically to terms and text so they always agree.
    """
    t = token.lower()
    t = _IRREGULAR.get(t, t)
    if t.startswith("oe"):
        t = "e" + t[2:]
    t = t.replace("ae", "e")
    t = t.replace("orchid", "orchi").replace("isation", "ization")
    if len(t) > 4 and t.endswith("ies"):
        t = t[:-3] + "y"
    elif len(t) > 3 and t.endswith("s") and not t.endswith(("ss", "is", "us", "as", "ys")):
        t = t[:-1]
    return t


@dataclass(slots=True)
class Token:
    norm: str
    start: int  # offsets into the original text
    end: int


# A short abbreviation in brackets restates the words before it: "incision and drainage (I&D) of".
_RESTATED = re.compile(r"\(\s*[A-Za-z][A-Za-z&/.\- ]{0,7}\)")


def tokenise(text: str) -> list[Token]:
    skips = [(m.start(), m.end()) for m in _RESTATED.finditer(text)] if "(" in text else ()
    norm, filler = normalise_token, _FILLER
    out = [Token(n, m.start(), m.end()) for m in _TOKEN.finditer(text) if (n := norm(m.group())) not in filler]
    if skips:
        out = [t for t in out if not any(a <= t.start < b for a, b in skips)]
    return out


def term_key(term: str) -> str:
    if "(" in term:  # may restate an abbreviation in brackets: tokenise drops it
        return " ".join(t.norm for t in tokenise(term))
    # the same words as tokenise, without making tokens (every lexicon term is keyed at load)
    return " ".join(n for n in map(normalise_token, _TOKEN.findall(term)) if n not in _FILLER)


@dataclass(slots=True)
class Entry:
    """One lexicon row: a phrase and the coding it leads to."""

    term: str
    code: str  # main OPCS-4 code
    site: str = ""  # fixed site code that always follows (e.g. O12.1 for temporal artery)
    flags: frozenset[str] = frozenset()  # access, img, explore, diag, nolat, lat, conditional words
    variants: dict[str, str] = field(default_factory=dict)  # e.g. {"cemented": "W37.1"}
    rank: int = 2  # resource weight for sequencing: 1 diagnostic ... 5 major open surgery
    site_kind: str = ""  # "joint", "tendon", "nerve", "artery", "skin" ... resolved from the text
    source: str = "lexicon"  # lexicon | dev-reading | opcs-title
    # further procedures the phrase names ("TAH BSO", "stage I and II neuromodulator"):
    # (code, fixed site, extra flags) each coded as its own procedure
    also: tuple[tuple[str, str, frozenset[str]], ...] = ()

    @property
    def from_title(self) -> bool:
        return self.source == "opcs-title"


@dataclass(slots=True)
class Match:
    entry: Entry
    start: int
    end: int
    first_token: int
    last_token: int


class Lexicon:
    """Compiled procedure lexicon; ``match(text)`` -> longest non-overlapping matches."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self._by_key: dict[str, Entry] = {}
        for e in entries:
            key = term_key(e.term)
            if not key:
                continue
            old = self._by_key.get(key)
            # Hand-built rows win over titles; among hand-built rows the first wins.
            if old is None or (old.from_title and not e.from_title):
                self._by_key[key] = e
        self._automaton = ahocorasick.Automaton()
        for key, e in self._by_key.items():
            self._automaton.add_word(f" {key} ", (len(key.split()), len(key), e))
        self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self._by_key)

    def lookup(self, phrase: str) -> Entry | None:
        return self._by_key.get(term_key(phrase))

    def match(self, text: str) -> list[Match]:
        return self.match_tokens(tokenise(text))

    def _found_skipping_sides(self, tokens: list[Token]) -> list[tuple[int, int, Entry]]:
        """Matches across a side word inside the name ("excision of right breast lump"): the side is
        read later by the laterality rules; terms that contain a side ("left hemicolectomy") match
        in the main pass."""
        keep = [i for i, t in enumerate(tokens) if t.norm not in _SIDES]
        if len(keep) == len(tokens):
            return []
        inner = self.match_tokens([tokens[i] for i in keep], skip_sides=False)
        return [(keep[m.first_token], keep[m.last_token], m.entry) for m in inner
                if keep[m.last_token] - keep[m.first_token] != m.last_token - m.first_token]

    def match_tokens(self, tokens: list[Token], skip_sides: bool = True) -> list[Match]:
        if not tokens:
            return []
        joined_parts, starts = [], {}
        pos = 0
        for i, tok in enumerate(tokens):
            starts[pos] = i
            joined_parts.append(tok.norm)
            pos += len(tok.norm) + 1
        joined = " " + " ".join(joined_parts) + " "  # starts{} index the text after this space
        found: list[tuple[int, int, Entry]] = []
        if skip_sides:
            found += self._found_skipping_sides(tokens)
        for end_idx, (n_tokens, key_len, entry) in self._automaton.iter(joined):
            # the key is " term ": end_idx is its trailing space; begin is the first token's offset
            begin = end_idx - key_len - 1
            first = starts.get(begin)
            if first is None:
                continue
            found.append((first, first + n_tokens - 1, entry))
        # longest first, then leftmost; hand-built before titles at equal length
        found.sort(key=lambda f: (-(f[1] - f[0]), f[2].from_title, f[0]))
        taken = [False] * len(tokens)
        out: list[Match] = []
        for first, last, entry in found:
            if any(taken[first : last + 1]):
                continue
            for i in range(first, last + 1):
                taken[i] = True
            out.append(Match(entry, tokens[first].start, tokens[last].end, first, last))
        out.sort(key=lambda m: m.start)
        return out


# --- loading ---------------------------------------------------------------------------------

_FLAG_WORDS = {"access", "img", "explore", "diag", "nolat", "lat", "noapproach", "bilateral", "generic"}


def _parse_flags(raw: str, path: Path, lineno: int) -> tuple[frozenset[str], dict[str, str], int, str]:
    flags: set[str] = set()
    variants: dict[str, str] = {}
    rank, site_kind = 2, ""
    for item in filter(None, (p.strip() for p in raw.split(";"))):
        if "=" in item:
            k, v = (s.strip() for s in item.split("=", 1))
            if k == "rank":
                rank = int(v)
            elif k == "site":
                site_kind = v
            elif k.startswith("if:"):
                variants[k[3:]] = v
            else:
                raise ValueError(f"{path}:{lineno}: unknown flag {item!r}")
        elif item in _FLAG_WORDS:
            flags.add(item)
        else:
            raise ValueError(f"{path}:{lineno}: unknown flag {item!r}")
    return frozenset(flags), variants, rank, site_kind


def read_terms(path: Path, source: str = "lexicon") -> list[Entry]:
    """Read a ``term<TAB>codes<TAB>flags<TAB>source`` file (``#`` comments allowed).

    ``codes`` is the main code optionally followed by a fixed site code ("L67.1 O12.1"); a phrase that
    names several procedures lists each group after a "+" ("Q07.4 + Q22.1"), with "!flag" words for
    flags that apply to that group only ("A70.1 Z11.2 + A70.4 Z11.2 !img").
    """
    entries: list[Entry] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if fields[0] == "term":
                continue
            if len(fields) < 2:
                raise ValueError(f"{path}:{lineno}: expected term<TAB>codes[<TAB>flags<TAB>source]")
            parts = [p.split() for p in fields[1].split("+")]
            if not all(parts):
                raise ValueError(f"{path}:{lineno}: empty code group in {fields[1]!r}")
            codes = [c for c in parts[0] if not c.startswith("!")]
            flags, variants, rank, site_kind = _parse_flags(fields[2] if len(fields) > 2 else "", path, lineno)
            src = fields[3].strip() if len(fields) > 3 and fields[3].strip() else source
            also = tuple(
                (
                    [c for c in grp if not c.startswith("!")][0],
                    " ".join([c for c in grp if not c.startswith("!")][1:]),
                    frozenset(c[1:] for c in grp if c.startswith("!")),
                )
                for grp in parts[1:]
            )
            entries.append(
                Entry(fields[0].strip(), codes[0], " ".join(codes[1:]), flags, variants, rank, site_kind, src, also)
            )
    return entries


_TITLE_SKIP = re.compile(r"^(other specified|unspecified)\b", re.I)
# Qualifiers a title states but notes leave out because they are the default reading.
_DEFAULT_QUALIFIER = re.compile(r"^(?:open|primary|one stage)\s+", re.I)
_LESION_OF = re.compile(r"^(\w+(?: \w+)?) of lesion of (\w+(?: \w+)?)$", re.I)
_TITLE_TRIM = re.compile(r"\s+(NEC|NOC|HFQ)\b.*$")


def title_entries(opcs4) -> list[Entry]:
    """Every OPCS-4 subcategory title as a term (residual 'Other specified'/'Unspecified' rows skipped)."""
    out: list[Entry] = []
    for code in opcs4:
        if code.kind.value != "subcategory" or code.code[0] in "YZO":
            continue
        if _TITLE_SKIP.match(code.title):
            continue
        term = _TITLE_TRIM.sub("", code.title).strip()
        if not term:
            continue
        out.append(Entry(term, code.code, source="opcs-title", rank=2))
        core = _DEFAULT_QUALIFIER.sub("", term)
        if core != term and len(core) > 5:  # "Open pyeloplasty" is what a note calls "pyeloplasty"
            out.append(Entry(core, code.code, source="opcs-title", rank=2))
        lesion = _LESION_OF.match(term)
        if lesion:  # "Excision of lesion of tongue" is written "excision of tongue lesion"
            out.append(Entry(f"{lesion.group(1)} of {lesion.group(2)} lesion", code.code, source="opcs-title", rank=2))
    return out


def load_lexicon(opcs4=None, path: Path | None = None) -> Lexicon:
    entries = read_terms(path or RESOURCES / "procedure_terms.tsv")
    if opcs4 is not None:
        entries += title_entries(opcs4)
    return Lexicon(entries)
