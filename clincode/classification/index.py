"""The ICD-10-CM Alphabetic Index as a tree, every code it leads to mapped to the UK table.

The index is how a coder finds a code: look up the main term (the condition), then the subterms
(site, type, "with ..."), following "see" and "see also" references. Its words are the richest free
source of the phrases that lead to a code, so the diagnosis engine builds its lexicon from it and
``search`` ranks codes with it.

Sources (``settings.index_dir``): ``index.csv`` (the main index, the tree kept as ``Level``),
``external_causes.csv``, ``neoplasms.csv`` (the Table of Neoplasms: one code per behaviour) and
``drugs.csv`` (the Table of Drugs and Chemicals: the poisoning code only, because the UK codes an
adverse effect in correct use to the effect plus a Y40-Y59 cause, not to a T code).

Conventions kept from the printed index:
- ``path`` holds the index's own words for each level, so a hit reads
  "Cholecystitis > acute > with > cholelithiasis" and a coder can check it in the book;
- ``see`` means "code from that other entry instead"; ``see_code`` holds the UK code it resolves to;
- ``see also`` points to an entry worth reading too; it does not replace this entry's code;
- "see category I01" / "see also subcategory M14.8-" are "code to ..." instructions: the named code
  becomes the entry's code;
- a CM code ending in '-' ("C79.8-") needs more characters in CM: it maps to the UK
  category/subcategory (``map_cm``).
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache, partial
from pathlib import Path
from typing import Iterator, NamedTuple

from ..config import Settings, get_settings
from .cache import cached
from .tables import ClassificationTable


class IndexEntry(NamedTuple):
    """One line of the index. A NamedTuple so that 100,000 of them load and iterate fast."""

    path: tuple[str, ...]  # the index's words from the main term down to this term
    term: str  # this level's words (path[-1])
    level: int  # 0 = main term
    nonessential: tuple[str, ...]  # nonessential modifiers, without their parentheses
    code_cm: str | None  # the code as printed in the (US) index
    code: str | None  # the UK ICD-10 code it maps to (None when CM-only)
    see: str | None  # "see ..." reference, as printed
    see_also: str | None  # "see also ..." reference, as printed
    source: str  # "index" | "neoplasm" | "drugs" | "external"
    codes_by_behaviour: dict[str, str | None] | None = None  # Table of Neoplasms, UK codes
    see_code: str | None = None  # UK code that the "see" reference leads to
    parent: int = -1  # position of the parent entry in AlphabeticIndex.entries

    @property
    def display_path(self) -> str:
        return " > ".join(self.path)

    @property
    def best_code(self) -> str | None:
        """The code a coder would reach from this entry: its own, else where its "see" leads."""
        return self.code or self.see_code


# Behaviour columns of the Table of Neoplasms, by the names used in codes_by_behaviour.
NEOPLASM_COLUMNS = {
    "malignant_primary": "MalignantPrimary",
    "malignant_secondary": "MalignantSecondary",
    "in_situ": "CaInSitu",
    "benign": "Benign",
    "uncertain": "UncertainBehavior",
    "unspecified": "UnspecifiedBehavior",
}

_CODE_TO = re.compile(r"^\s*(?:category|subcategory|code)\s+([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]*)?-?)\s*$", re.I)
_MODIFIER = re.compile(r"\(([^()]*)\)")


class AlphabeticIndex:
    """All entries in index order, with the tree (``children``) and reference resolution."""

    def __init__(self, entries: list[IndexEntry]):
        self.entries = entries
        self._children: dict[int, list[int]] = {}
        self._mains: dict[tuple[str, str], int] = {}
        self._word_cache: dict[int, dict[str, int]] = {}
        for i, entry in enumerate(entries):
            if entry.parent >= 0:
                self._children.setdefault(entry.parent, []).append(i)
            elif entry.source in ("index", "neoplasm"):
                self._mains.setdefault((entry.source, entry.term.lower()), i)
        # References often name a main term by its first word: "Arteriosclerosis" for the main term
        # "Arteriosclerosis, arteriosclerotic", "Disease" for "Disease, diseased".
        for (source, term), i in list(self._mains.items()):
            first = term.split(",")[0].strip()
            self._mains.setdefault((source, first), i)

    def __iter__(self) -> Iterator[IndexEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def main_terms(self, source: str = "index") -> list[IndexEntry]:
        return [e for e in self.entries if e.level == 0 and e.source == source]

    def children(self, entry_or_position: IndexEntry | int) -> list[IndexEntry]:
        pos = entry_or_position if isinstance(entry_or_position, int) else self.position(entry_or_position)
        return [self.entries[i] for i in self._children.get(pos, [])]

    def position(self, entry: IndexEntry) -> int:
        if entry.parent >= 0:
            for i in self._children.get(entry.parent, []):
                if self.entries[i] is entry or self.entries[i] == entry:
                    return i
        for i, e in enumerate(self.entries):
            if e is entry:
                return i
        raise ValueError("entry is not in this index")

    def lookup(self, reference: str) -> IndexEntry | None:
        """The entry a "see"/"see also" reference names, e.g. "Calculus, gallbladder, with cholecystitis".

        Main terms may contain commas themselves ("Abdomen, abdominal"), so the longest main term that
        starts the reference wins, then each following part is matched against the children's words.
        References into the Table of Neoplasms ("Neoplasm, sinus") are resolved there.
        """
        pos = self._resolve(reference)
        return self.entries[pos] if pos is not None else None

    def _resolve(self, reference: str) -> int | None:
        text = re.sub(r"\s+", " ", reference).strip().rstrip(".")
        if not text or text.lower().startswith("table of"):
            return None
        parts = [p.strip() for p in text.split(",")]
        for source in ("index", "neoplasm"):
            for cut in range(len(parts), 0, -1):
                main = self._mains.get((source, ", ".join(parts[:cut]).lower()))
                if main is None and source == "neoplasm" and parts[0].lower() == "neoplasm":
                    main = self._mains.get((source, "neoplasm, neoplastic")) if cut == 1 else None
                if main is not None:
                    found = self._descend(main, parts[cut:])
                    if found is not None:
                        return found
        return None

    def _descend(self, pos: int, parts: list[str]) -> int | None:
        while parts:
            found = self._match_child(pos, parts)
            if found is None:
                # "by site" and similar instructions end a reference: stop at the deepest match.
                last = parts[0].lower()
                return pos if last.startswith(("by ", "unspecified", "malignant", "benign", "in situ",
                                               "uncertain", "secondary")) else None
            pos, parts = found
        return pos

    def _child_words(self, pos: int) -> dict[str, int]:
        """Children of ``pos`` by the words references use for them: the whole term first, then
        each comma-separated part ("myocardium" for "myocardium, myocardial"); built on first use."""
        table = self._word_cache.get(pos)
        if table is None:
            table = {}
            kids = self._children.get(pos, [])
            for k in kids:
                table.setdefault(_comparable(self.entries[k].term), k)
            for k in kids:
                for part in self.entries[k].term.split(","):
                    table.setdefault(_comparable(part), k)
            self._word_cache[pos] = table
        return table

    def _match_child(self, pos: int, parts: list[str]) -> tuple[int, list[str]] | None:
        """The child matching the longest run of leading parts; looks through connective levels
        ("with", "in", "due to"), which references skip: "Calculus, gallbladder, with cholecystitis"
        is the index's "Calculus > gallbladder > with > cholecystitis"."""
        table = self._child_words(pos)
        for cut in range(len(parts), 0, -1):
            k = table.get(_comparable(", ".join(parts[:cut])))
            if k is not None:
                return k, parts[cut:]
        first = _comparable(parts[0])
        for term in _CONNECTIVES:
            k = table.get(term)
            if k is not None:
                rest = [first[len(term) + 1:]] + parts[1:] if first.startswith(term + " ") else parts
                found = self._match_child(k, rest)
                if found is not None:
                    return found
        return None


_CONNECTIVES = ("with", "without", "in", "due to", "of", "by")


def _comparable(term: str) -> str:
    """Index words as references quote them: lower case, single spaces, no trailing NOS/NEC."""
    term = " ".join(term.lower().split())
    return term[:-4] if term.endswith((" nos", " nec")) else term


def load_index(settings: Settings | None = None) -> AlphabeticIndex:
    """The Alphabetic Index named by the settings, cached per process and on disk (see ``cache``)."""
    settings = settings or get_settings()
    if settings.index_dir is None:
        raise FileNotFoundError(
            "no ICD-10-CM Alphabetic Index: set CLINCODE_INDEX_DIR to the folder holding index.csv"
        )
    from .service import load_classifications

    icd10 = load_classifications(settings).icd10
    return _load_index(Path(settings.index_dir), icd10, settings.cache_dir)


def index_sources(index_dir: Path, icd10: ClassificationTable) -> list:
    """Everything the cached index is built from (a cache derived from the index keys on these too)."""
    sources = [index_dir / n for n in ("index.csv", "external_causes.csv", "neoplasms.csv", "drugs.csv")]
    return sources + list(icd10.source_files) + _mapping_files() + [f"mapped-to:{icd10.source}"]


@lru_cache(maxsize=4)
def _load_index(index_dir: Path, icd10: ClassificationTable, cache_dir: Path | None) -> AlphabeticIndex:
    sources = index_sources(index_dir, icd10)
    if not sources[0].is_file():
        raise FileNotFoundError(f"{sources[0]} not found: is CLINCODE_INDEX_DIR right?")
    # Cached as plain tuples: they unpickle ~10x faster than NamedTuples (no Python-level
    # __new__ per entry); tuple.__new__ then makes them IndexEntry again at C speed.
    raw = cached("icd10cm-index", sources, cache_dir, lambda: [tuple(e) for e in build_entries(index_dir, icd10)])
    entries = list(map(partial(tuple.__new__, IndexEntry), raw))
    return AlphabeticIndex(entries)


def _mapping_files() -> list[Path]:
    """The code that maps CM to UK: editing it must rebuild the cached index."""
    here = Path(__file__).resolve().parent
    return [here / "rules" / "cm_to_uk.tsv", here / "normalise.py", here / "index.py"]


def build_entries(index_dir: Path, icd10: ClassificationTable) -> list[IndexEntry]:
    """Read the index files into entries, map every code to UK and resolve "see" references."""
    mapper = _Mapper(icd10)
    entries: list[IndexEntry] = []
    _read_tree(index_dir / "index.csv", "index", entries, mapper)
    if (index_dir / "neoplasms.csv").is_file():
        _read_neoplasms(index_dir / "neoplasms.csv", entries, mapper)
    if (index_dir / "external_causes.csv").is_file():
        _read_tree(index_dir / "external_causes.csv", "external", entries, mapper)
    if (index_dir / "drugs.csv").is_file():
        _read_drugs(index_dir / "drugs.csv", entries, mapper)
    return _resolve_see(entries)


class _Mapper:
    """CM -> UK code strings, memoised (the index repeats the same codes thousands of times)."""

    def __init__(self, icd10: ClassificationTable):
        self.icd10 = icd10
        self.memo: dict[str, str | None] = {}

    def __call__(self, cm: str | None) -> str | None:
        if not cm or cm.strip() in ("", "-", "--"):
            return None
        cm = cm.strip()
        if cm not in self.memo:
            code = self.icd10.map_cm(cm)
            self.memo[cm] = code.code if code is not None else None
        return self.memo[cm]


def _modifiers(text: str) -> tuple[str, ...]:
    found = tuple(m.strip() for m in _MODIFIER.findall(text or "") if m.strip())
    return found or ((text.strip(),) if text and text.strip() else ())


def _clean(text: str | None) -> str | None:
    return " ".join(text.split()) if text and not text.isspace() else None


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _walk(path: Path, entries: list[IndexEntry]) -> Iterator[tuple[dict[str, str], int, str, int, tuple[str, ...]]]:
    """The rows of a flattened index tree, each with its level, term, parent entry (position in
    ``entries``, -1 for a main term) and the parent's path. The caller appends exactly one entry
    per row before asking for the next."""
    stack: list[int] = []  # positions of the current ancestors, by level
    for lineno, row in enumerate(_rows(path), start=2):
        try:
            level = int(row["Level"])
        except (KeyError, ValueError):
            raise ValueError(f"{path}:{lineno}: bad or missing Level {row.get('Level')!r}") from None
        del stack[level:]
        parent = stack[-1] if stack and level > 0 else -1
        yield row, level, _clean(row.get("Term")) or "", parent, (entries[parent].path if parent >= 0 else ())
        stack.append(len(entries) - 1)


def _read_tree(path: Path, source: str, entries: list[IndexEntry], mapper: _Mapper) -> None:
    for row, level, term, parent, parent_path in _walk(path, entries):
        see, see_also = _clean(row.get("See")), _clean(row.get("SeeAlso"))
        code_cm = _clean(row.get("Code"))
        for ref in (see, see_also):  # "see category I01": a code-to instruction, not a reference
            m = _CODE_TO.match(ref or "")
            if m and not code_cm:
                code_cm = m.group(1).upper()
        if see and (see.lower() in ("category", "subcategory", "code") or _CODE_TO.match(see)):
            see = None
        if see_also and _CODE_TO.match(see_also):
            see_also = None
        nonessential = _modifiers(row.get("NonEssModif", ""))
        if nonessential == ("o",):
            # the combining vowel of a compound the source split and truncated: "Cancer(o)phobia"
            # F45.29 reads as term "Cancer" + modifier "(o)"; its code would land on every "cancer"
            code_cm = None
        entries.append(IndexEntry(
            path=parent_path + (term,), term=term, level=level,
            nonessential=nonessential,
            code_cm=code_cm, code=mapper(code_cm), see=see, see_also=see_also, source=source,
            parent=parent,
        ))


def _read_neoplasms(path: Path, entries: list[IndexEntry], mapper: _Mapper) -> None:
    for row, level, term, parent, parent_path in _walk(path, entries):
        codes: dict[str, str | None] = {}
        for name, column in NEOPLASM_COLUMNS.items():
            codes[name] = mapper(row.get(column))
        # UK ICD-10 has no "unspecified behaviour" D49: D37-D48 cover "uncertain or unknown behaviour".
        # The row's own uncertain column names the site (stomach D37.1); the CM D49 mapping of
        # rules/cm_to_uk.tsv knows only the body system (D37.9), so it is the fallback.
        if codes["uncertain"] or codes["unspecified"] is None or not codes["unspecified"].startswith("D"):
            codes["unspecified"] = codes["uncertain"]
        has_codes = any(codes.values())
        entries.append(IndexEntry(
            path=parent_path + (term,), term=term, level=level,
            nonessential=_modifiers(row.get("NonEssModif", "")),
            code_cm=_clean(row.get("MalignantPrimary")) if has_codes else None,
            code=None, see=_clean(row.get("SeeAlso")), see_also=None, source="neoplasm",
            codes_by_behaviour=codes if has_codes else None, parent=parent,
        ))


def _read_drugs(path: Path, entries: list[IndexEntry], mapper: _Mapper) -> None:
    for row, level, term, parent, parent_path in _walk(path, entries):
        code_cm = _clean(row.get("PoisoningAccidental"))
        code_cm = None if code_cm in (None, "-", "--") else code_cm
        entries.append(IndexEntry(
            path=parent_path + (term,), term=term, level=level,
            nonessential=_modifiers(row.get("NonEssModif", "")),
            code_cm=code_cm, code=mapper(code_cm), see=None, see_also=_clean(row.get("SeeAlso")),
            source="drugs", parent=parent,
        ))


_BEHAVIOUR_WORDS = [  # how references name a column of the Table of Neoplasms
    ("secondary", "malignant_secondary"), ("in situ", "in_situ"), ("malignant", "malignant_primary"),
    ("benign", "benign"), ("uncertain", "uncertain"), ("unspecified", "unspecified"),
]


def behaviour_named(reference: str) -> str | None:
    """The neoplasm behaviour a reference names ("Neoplasm, skin, benign" -> "benign"), if any."""
    text = reference.lower()
    return next((name for word, name in _BEHAVIOUR_WORDS if word in text), None)


def _resolve_see(entries: list[IndexEntry]) -> list[IndexEntry]:
    """Fill ``see_code`` by following each "see" reference (up to a few hops: see -> see)."""
    index = AlphabeticIndex(entries)
    out = list(entries)
    for i, entry in enumerate(entries):
        if entry.see and not entry.code:
            reference, target, hops = entry.see, index._resolve(entry.see), 0
            while target is not None and hops < 4:
                t = entries[target]
                if t.code:
                    out[i] = entry._replace(see_code=t.code)
                    break
                if t.codes_by_behaviour:  # a neoplasm site: the reference must name the behaviour
                    behaviour = behaviour_named(reference)
                    if behaviour and t.codes_by_behaviour.get(behaviour):
                        out[i] = entry._replace(see_code=t.codes_by_behaviour[behaviour])
                    break
                if not t.see:
                    break
                reference, target, hops = t.see, index._resolve(t.see), hops + 1
    return out
