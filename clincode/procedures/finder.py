"""ProcedureFinder: parsed documents -> OPCS-4 procedure findings with what a coder needs to know.

For each mention of a procedure the finder records where it was stated (procedure statement or
narrative), whether it was done, abandoned, planned, negated or historical, and the details that
change the code or add supplementary codes: approach, laterality, image guidance, devices, site.
Turning findings into the coded sequence (which to keep, Y/Z codes, order) is the job of
``clincode.standards.procedures``.
"""
from __future__ import annotations

import bisect
import hashlib
import logging
import os
import pickle
import re
from pathlib import Path

from ..coding.findings import Finding
from ..coding.models import Evidence
from ..text import context_of
from .cues import CueBook, DocumentCues, default_cues, read_table
from .lexicon import RESOURCES, Entry, Lexicon, Match, load_lexicon, tokenise
from .titles import TitleWords
from .statements import STATEMENT_MAX_CHARS, Span, clause_around, statement_spans

log = logging.getLogger(__name__)

# Sections whose procedure mentions are not this episode's operations.
NOT_THIS_EPISODE = frozenset({
    "past_medical_history", "past_surgical_history", "family_history", "social_history", "medications",
    "allergies", "plan", "discharge_medications", "follow_up", "indications", "chief_complaint",
    "history_present_illness", "review_of_systems", "preoperative_diagnosis", "postoperative_diagnosis",
    "diagnosis", "secondary_diagnoses", "specimens", "anaesthesia", "imaging", "investigations",
    "examination",
})
# The word after a procedure name that shows it names an instrument ("tenotomy scissors").
INSTRUMENTS = frozenset({"scissor", "scissors", "forcep", "forceps", "retractor", "clamp", "needle", "blade",
                         "hook", "knife", "set", "tray", "kit", "sheath", "trocar"})
DIAGNOSIS_SECTIONS = ("postoperative_diagnosis", "preoperative_diagnosis", "diagnosis")
# Image-guidance words tell about the operation only in these sections (not "ultrasound showed ...").
IMAGE_SECTIONS = frozenset({"description_of_procedure", "procedure", "findings", "other", "hospital_course"})

_COUNT = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|eight|single|multiple)\s+(?:[\w-]+\s+){0,3}?(stents?|lesions?|polyps?|grafts?)\b",
    re.I,
)
_TIMES = re.compile(r"\s*(?:x|times|\*)\s*(\d)\b", re.I)  # "CABG x3" right after the name
_ARTERY = re.compile(r"\b(?:(femoral|radial|brachial|subclavian)\s+(?:artery|arterial|approach|access|sheath)|groin)\b", re.I)
_NUMBERS = {"one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "multiple": 3}


class Sites:
    """Site words by kind (joint, skin, tendon ...) from ``resources/sites.tsv``."""

    def __init__(self, rows: list[dict[str, str]]):
        self.by_kind: dict[str, CueBook] = {}
        self.kinds_of: dict[str, set[str]] = {}  # site code -> kinds whose words name it
        grouped: dict[str, list[tuple[str, str, str]]] = {}
        for r in rows:
            self.kinds_of.setdefault(r["code"], set()).add(r["kind"])
            grouped.setdefault(r["kind"], []).append(("device", r["phrase"], r["code"]))
        for kind, items in grouped.items():
            self.by_kind[kind] = CueBook(items)

    def find(self, kind: str, doc: "_Doc", lo: int, hi: int) -> list[str]:
        found = doc.sites(kind)
        return [c.value for c in found.find(lo, hi)] if found else []


class _Doc:
    """One parsed document with its tokens, cues and statement spans, prepared once."""

    def __init__(self, parsed, lexicon: Lexicon, cues: CueBook, sites: "Sites"):
        self.parsed = parsed
        self.text: str = parsed.text
        self.id: str = parsed.document.id
        self.tokens = tokenise(self.text)
        self.starts = [t.start for t in self.tokens]
        self.cues = DocumentCues(cues, self.tokens)
        self._sites_book = sites
        self._sites: dict[str, DocumentCues] = {}
        self._memo: dict = {}
        self.indications = {c.value for a, b in self.section_ranges(DIAGNOSIS_SECTIONS + ("indications",))
                            for c in self.cues.find(*self.token_range(a, b), "indication")}
        self.spans: list[Span] = statement_spans(self.text, lambda name: _names_procedure(lexicon, name))
        self.spans += _section_statements(parsed, self.spans)
        # "PROCEDURES: None." says that nothing was done: the narrative is not searched for operations
        self.described_approaches = {c.value for a, b in self.section_ranges(("description_of_procedure",))
                                     for c in self.cues.find(*self.token_range(a, b), "approach")}
        self.none_stated = any(_NONE.match(self.text[s.start:s.end]) for s in self.spans)
        self.sentence_starts = [s.start for s in parsed.sentences]
        self.spinal_levels = _spinal_levels(self.text, self.spans)
        access = _ARTERY.search(self.text)
        self.artery_access = (access.group(1) or "femoral").lower() if access else None

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        return bisect.bisect_left(self.starts, start), bisect.bisect_left(self.starts, end)

    def section_at(self, offset: int) -> str:
        i = bisect.bisect_right(self.sentence_starts, offset) - 1
        if i >= 0:
            return self.parsed.sentences[i].section.name
        for s in self.parsed.sections:
            if s.start <= offset < s.end:
                return s.name
        return "other"

    def span_at(self, offset: int) -> Span | None:
        return next((s for s in self.spans if s.start <= offset < s.end), None)

    def memo(self, key, compute):
        """Document-wide answers (sides in the diagnosis, guiding imaging ...) computed once, so that
        many mentions in a long document cost linear time."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def sites(self, kind: str) -> "DocumentCues | None":
        if kind not in self._sites:
            book = self._sites_book.by_kind.get(kind)
            self._sites[kind] = DocumentCues(book, self.tokens) if book else None
        return self._sites[kind]

    def section_ranges(self, names) -> list[tuple[int, int]]:
        return [(s.start, s.end) for s in self.parsed.sections if s.name in names]


def _section_statements(parsed, found: list[Span]) -> list[Span]:
    """Procedure sections named by the text engine (any case, any heading style) that the heading
    pattern missed; the same first-or-short rule applies."""
    out: list[Span] = []
    first = not found
    for s in parsed.sections:
        if s.name != "procedure":
            continue
        if any(f.start < s.end and s.start < f.end for f in found):
            first = False
            continue
        if first or s.end - s.start <= STATEMENT_MAX_CHARS:
            out.append(Span(s.start, min(s.end, s.start + STATEMENT_MAX_CHARS), s.heading))
        first = False
    return out


def _names_procedure(lexicon: Lexicon, heading: str) -> bool:
    entry = lexicon.lookup(heading)
    return entry is not None and not entry.from_title


_LEXICON_CACHE_VERSION = "1"


def _lexicon_and_titles(opcs4, cache_dir) -> tuple[Lexicon, TitleWords]:
    """The procedure lexicon (hand-built terms and OPCS-4 titles) and the titles' words, from a pickle
    in ``cache_dir`` when one was made from the same terms, titles and code (building them costs every
    engine ~70 ms: every process of a batch or an API pool pays it; unpickling, ~25 ms)."""
    if cache_dir is None:
        return load_lexicon(opcs4), TitleWords(opcs4)
    here = Path(__file__).parent
    parts = [_LEXICON_CACHE_VERSION]
    for f in sorted(RESOURCES.glob("*.tsv")) + [here / "lexicon.py", here / "titles.py"]:
        st = f.stat()
        parts.append(f"{f.name}:{st.st_mtime_ns}:{st.st_size}")
    # the titles themselves, not only the release's name: a table edited in place must not be served stale
    titles = hashlib.sha1("\n".join(f"{c.code}\t{c.kind.value}\t{c.title}" for c in opcs4).encode("utf-8"))
    parts.append(titles.hexdigest())
    key = hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:16]
    cache = Path(cache_dir) / f"procedure-lexicon-{key}.pickle"
    if cache.is_file():
        try:
            with open(cache, "rb") as fh:
                lexicon, title_words = pickle.load(fh)
            if isinstance(lexicon, Lexicon) and isinstance(title_words, TitleWords):
                return lexicon, title_words
            log.warning("ignoring procedure lexicon cache %s: not a lexicon", cache)
        except Exception as exc:  # noqa: BLE001 - a corrupt or foreign cache is rebuilt, never fatal
            log.warning("ignoring unreadable procedure lexicon cache %s: %s", cache, exc)
    lexicon, title_words = load_lexicon(opcs4), TitleWords(opcs4)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")  # several processes may build at once
        with open(tmp, "wb") as fh:
            pickle.dump((lexicon, title_words), fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache)
    except OSError as exc:
        log.warning("could not write the procedure lexicon cache %s: %s", cache, exc)
    return lexicon, title_words


class ProcedureFinder:
    """Finds OPCS-4 procedures in an episode's parsed documents."""

    def __init__(self, classifications, settings=None, lexicon: Lexicon | None = None):
        self.classifications = classifications
        self.settings = settings
        opcs4 = getattr(classifications, "opcs4", None)  # None: no OPCS-4 table, the hand-built lexicon only
        if lexicon is None and opcs4 is not None:
            self.lexicon, self.titles = _lexicon_and_titles(opcs4, getattr(settings, "cache_dir", None))
        else:
            self.lexicon = lexicon or load_lexicon(opcs4)
            self.titles = TitleWords(opcs4) if opcs4 is not None else None
        self.cues = default_cues()
        self.sites = Sites(read_table(RESOURCES / "sites.tsv"))

    def find(self, parsed_documents) -> list[Finding]:
        findings: list[Finding] = []
        for doc_index, parsed in enumerate(parsed_documents):
            doc = _Doc(parsed, self.lexicon, self.cues, self.sites)
            matches = self.lexicon.match_tokens(doc.tokens)
            matches = sorted(matches + self._title_word_matches(doc, matches), key=lambda mm: mm.start)
            for order, match in enumerate(matches):
                nxt = doc.tokens[match.last_token + 1].norm if match.last_token + 1 < len(doc.tokens) else ""
                if nxt in INSTRUMENTS:
                    continue
                for part, finding in enumerate(self._findings(doc, match)):
                    finding.attributes["order"] = (doc_index, order, part)
                    if order and _in_parenthesis_after(doc.text, matches[order - 1].end, match.start):
                        finding.attributes["detail_of"] = matches[order - 1].entry.code
                    findings.append(finding)
        from ..standards.procedures import add_supplementary_codes  # the rules live with the standards

        for f in findings:
            add_supplementary_codes(f, self.classifications)
        return findings

    def _title_word_matches(self, doc: _Doc, matches: list[Match]) -> list[Match]:
        """Listed operations the lexicon does not know, read against the OPCS-4 titles' words."""
        if self.titles is None:
            return []
        out = []
        for span in doc.spans:
            for a, b in _items(doc.text, span.start, span.end):
                if any(m.start < b and a < m.end for m in matches):
                    continue
                hit = self.titles.best(doc.text[a:b])
                if hit is None:
                    continue
                lo, hi = doc.token_range(a, b)
                if hi <= lo:
                    continue
                entry = Entry(hit[1], hit[0], source="opcs-title-words", rank=2)
                out.append(Match(entry, doc.tokens[lo].start, doc.tokens[hi - 1].end, lo, hi - 1))
        return out

    # --- one mention ---------------------------------------------------------------------------
    def _findings(self, doc: _Doc, m: Match) -> list[Finding]:
        """The finding for the phrase, and one more for each further procedure the phrase names."""
        first = self._finding(doc, m)
        out = [first]
        for code, site, extra in m.entry.also:
            f = Finding(code=code, system="opcs4", term=first.term, evidence=first.evidence, section=first.section,
                        negated=first.negated, hypothetical=first.hypothetical, historical=first.historical,
                        score=first.score, rationale=[f"'{first.evidence.text}' also names {code} (lexicon '{m.entry.term}')"],
                        attributes=dict(first.attributes))
            flags = (set(first.attributes["flags"]) - {"img"}) | set(extra)
            inherited = first.attributes["site"] if m.entry.site_kind and not m.entry.site else None
            f.attributes.update(flags=sorted(flags), site=site or inherited, entry_code=code,
                                image=doc.memo(("image",), lambda: self._image(doc)) if "img" in flags else None)
            out.append(f)
        return out

    def _finding(self, doc: _Doc, m: Match) -> Finding:
        entry = m.entry
        section = doc.section_at(m.start)
        span = doc.span_at(m.start)
        in_statement = span is not None
        # statement: listed as performed; narrative: described in this episode; other-section: history,
        # plans, diagnoses, medications ... (kept as findings, never coded as this episode's procedures)
        kind = "statement" if in_statement else "other-section" if section in NOT_THIS_EPISODE else "narrative"
        c_lo, c_hi = clause_around(doc.text, m.start, m.end)
        t_lo, t_hi = doc.token_range(c_lo, c_hi)
        status, status_cues = self._status(doc, m, t_lo, t_hi, kind)
        site = entry.site or self._site(doc, entry, m, t_lo, t_hi, span)
        laterality, lat_source = self._laterality(doc, m, t_lo, t_hi, span, site)
        approach = self._approach(doc, m, t_lo, t_hi, span)
        devices = self._devices(doc, m, c_lo, c_hi, t_lo, t_hi, span)
        devices |= doc.indications
        if site and site.split()[0][:3] in ("Z47", "Z48"):  # skin of head or neck has its own codes
            devices.add("headneck")
        code, variant = _variant(entry, devices, laterality)
        image = doc.memo(("image",), lambda: self._image(doc)) if "img" in entry.flags else None

        score = (0.9 if kind == "statement" else 0.6 if kind == "narrative" else 0.3)
        if entry.from_title:
            score -= 0.1
        rationale = [f"'{doc.text[m.start:m.end]}' -> {code} via lexicon term '{entry.term}' ({entry.source})"]
        if variant:
            rationale.append(f"device/method '{variant}' documented: {code} chosen over {entry.code}")
        rationale.append(
            "stated under the procedure heading" if kind == "statement" else f"mentioned in section '{section}'"
        )
        attributes = {
            "where": kind, "status": status, "status_cues": status_cues, "laterality": laterality,
            "laterality_source": lat_source, "approach": approach, "devices": sorted(devices),
            "site": site, "image": image, "rank": entry.rank, "flags": sorted(entry.flags),
            "statement": span.heading if span else None, "entry_code": entry.code,
            "site_kind": entry.site_kind or None, "artery_access": doc.artery_access,
            "source": entry.source, "levels": doc.spinal_levels if code.startswith("V") else None,
            "none_stated": doc.none_stated, "described_approaches": sorted(doc.described_approaches),
        }
        return Finding(
            code=code, system="opcs4", term=entry.term,
            evidence=Evidence(document=doc.id, start=m.start, end=m.end, text=doc.text[m.start:m.end], section=section),
            section=section, negated=status == "negated", hypothetical=status == "planned",
            historical=status == "historical", score=round(max(0.05, min(score, 0.99)), 3),
            rationale=rationale, attributes=attributes,
        )

    def _status(self, doc: _Doc, m: Match, t_lo: int, t_hi: int, kind: str) -> tuple[str, list[str]]:
        """done | abandoned | planned | negated | historical, from cue words in the clause and ConText."""
        if kind == "statement":  # a list of operations: each item has its own status
            i_lo, i_hi = _item_around(doc.text, m.start, m.end)
            t_lo, t_hi = max(t_lo, doc.token_range(i_lo, i_hi)[0]), min(t_hi, doc.token_range(i_lo, i_hi)[1])
        before = doc.cues.find(max(t_lo, m.first_token - 6), m.first_token, "status")
        after = doc.cues.find(m.last_token + 1, min(t_hi, m.last_token + 6), "status")
        near_before = [c for c in before if m.first_token - c.end <= 2]
        found: set[str] = set()
        for c in before + after:
            if c.value in ("abandoned", "planned", "historical"):
                found.add(c.value)
        if kind != "statement":  # "we will bring him back for ... and ultimately do a TURP"
            found |= {c.value for c in doc.cues.find(t_lo, m.first_token, "status") if c.value == "planned"}
        for c in after:
            if c.value == "negated" and c.phrase != "no":
                found.add("negated")
        for c in near_before:
            if c.value == "negated":
                found.add("negated")
        ctx = context_of(doc.parsed, m.start, m.end)
        if ctx.negated:
            found.add("negated")
        if getattr(ctx, "planned", False) or ctx.hypothetical:
            found.add("planned")
        if ctx.historical and kind != "statement":
            found.add("historical")
        cues = [c.phrase for c in before + after] + list(getattr(ctx, "triggers", []) or [])
        for status in ("negated", "abandoned", "planned", "historical"):
            if status in found:
                return status, cues
        return "done", cues

    def _laterality(self, doc: _Doc, m: Match, t_lo: int, t_hi: int, span: Span | None,
                    site: str | None = None) -> tuple[str | None, str | None]:
        """Side from the phrase, its clause, the procedure statement, the diagnosis, the sentences of the
        description that name the site ("right side near the S3 foramen"), then the description."""
        def values(lo, hi):
            return [c.value for c in doc.cues.find(lo, hi, "laterality")]

        near = values(max(t_lo, m.first_token - 3), m.last_token + 1)
        if near:
            return near[-1], "phrase"
        after = values(m.last_token + 1, t_hi)
        if after:
            return after[0], "clause"
        before = values(t_lo, m.first_token)
        if before:
            return before[-1], "clause"
        ranges: list[tuple[str, list[tuple[int, int]]]] = []
        if span is not None:
            ranges.append(("statement", [(span.start, span.end)]))
        ranges.append(("diagnosis", doc.section_ranges(DIAGNOSIS_SECTIONS)))
        if site:
            code = site.split()[0]
            ranges.append(("site in the description",
                           doc.memo(("site sentences", code), lambda: self._site_sentences(doc, code))))
        ranges.append(("description", doc.section_ranges(("description_of_procedure", "findings"))))
        def sides(rs):
            found: set[str] = set()
            for a, b in rs:
                found.update(values(*doc.token_range(a, b)))
            return frozenset(found)

        for source, rs in ranges:
            seen = set(doc.memo(("sides", tuple(rs)), lambda rs=rs: sides(rs)))
            if len(seen) == 1:
                return seen.pop(), source
            if seen == {"right", "left"} and source == "statement":
                return None, None
        return None, None

    def _site_sentences(self, doc: _Doc, site: str) -> list[tuple[int, int]]:
        out = []
        for sent in doc.parsed.sentences:
            if sent.section.name not in ("description_of_procedure", "procedure", "findings"):
                continue
            lo, hi = doc.token_range(sent.start, sent.end)
            if any(site in self.sites.find(kind, doc, lo, hi) for kind in self.sites.kinds_of.get(site, ())):
                out.append((sent.start, sent.end))
        return out

    def _approach(self, doc: _Doc, m: Match, t_lo: int, t_hi: int, span: Span | None) -> str | None:
        own = doc.cues.find(t_lo, m.last_token + 1, "approach")
        values = [c.value for c in own]
        later = [c.value for c in doc.cues.find(m.last_token + 1, t_hi, "approach")]
        if "converted" in values + later:
            return "converted"
        minimal = {"laparoscopic", "robotic", "laparoscopically_assisted", "hand_assisted", "thoracoscopic"}
        if set(values) & minimal and doc.memo(("conversion", span), lambda: self._conversion_told(doc, span)):
            return "converted"  # "... was converted to open due to adhesions" told later in the note
        # "robotic-assisted laparoscopic ...": the more specific minimal access wins
        for value in ("robotic", "hand_assisted", "laparoscopically_assisted"):
            if value in values:
                return value
        if values:
            return values[-1]
        if span is not None:  # one operation: the minimal access stated for one part covers the others
            lo, hi = doc.token_range(span.start, span.end)
            shared = {c.value for c in doc.cues.find(lo, hi, "approach")}
            for value in ("converted", "robotic", "laparoscopic"):
                if value in shared:
                    return value
        described = doc.described_approaches
        if len(described) == 1 and described <= {"laparoscopic", "robotic", "arthroscopic", "thoracoscopic"}:
            return next(iter(described))  # "ports were inserted after pneumoperitoneum" in the description
        return None

    def _conversion_told(self, doc: _Doc, span: Span | None) -> bool:
        ranges = doc.section_ranges(("description_of_procedure", "findings")) + ([(span.start, span.end)] if span else [])
        return any(c.value == "converted" for a, b in ranges for c in doc.cues.find(*doc.token_range(a, b), "approach"))

    def _devices(self, doc: _Doc, m: Match, c_lo: int, c_hi: int, t_lo: int, t_hi: int, span: Span | None) -> set[str]:
        found = {c.value for c in doc.cues.find(t_lo, t_hi, "device")}
        if not found & {"cemented", "uncemented", "hybrid"}:
            found |= doc.memo(("fixation", span), lambda: self._described_fixation(doc, span))
        counts = [int(w) if w.isdigit() else _NUMBERS.get(w, 1)
                  for w in (cm.group(1).lower() for cm in _COUNT.finditer(doc.text, c_lo, c_hi))]
        times = _TIMES.match(doc.text, m.end, min(c_hi, m.end + 12))
        if times:
            counts.append(int(times.group(1)))
        wanted = {part for condition in m.entry.variants for part in condition.split("+")}
        if wanted & {"des", "many", "n1", "n2", "n3", "n4"} and not counts:
            # "PCI to LAD" stated; "two drug-eluting stents deployed" told in the report's body
            des, body_counts = doc.memo(("stents",), lambda: self._described_stents(doc))
            found |= des
            counts += body_counts
        if counts:
            n = max(counts)
            found.add(f"n{min(n, 4)}")
            if n >= 3:
                found.add("many")
        return found

    def _described_fixation(self, doc: _Doc, span: Span | None) -> set[str]:
        for a, b in doc.section_ranges(("description_of_procedure",)) + ([(span.start, span.end)] if span else []):
            values = {c.value for c in doc.cues.find(*doc.token_range(a, b), "device")}
            fixation = values & {"cemented", "uncemented", "hybrid"}
            if len(fixation) == 1:
                return fixation
        return set()

    def _described_stents(self, doc: _Doc) -> tuple[set[str], list[int]]:
        des: set[str] = set()
        counts: list[int] = []
        for a, b in doc.section_ranges(("description_of_procedure", "procedure", "findings", "other")):
            des |= {c.value for c in doc.cues.find(*doc.token_range(a, b), "device")} & {"des"}
            counts += [int(w) if w.isdigit() else _NUMBERS.get(w, 1)
                       for w in (cm.group(1).lower() for cm in _COUNT.finditer(doc.text, a, b))]
        return des, counts

    def _site(self, doc: _Doc, entry: Entry, m: Match, t_lo: int, t_hi: int, span: Span | None) -> str | None:
        """The site the category needs: named before the procedure word (the structure operated on,
        "bicipital tendon ... tenodesed into pectoralis"), then after it, then in the statement and
        the diagnosis."""
        if not entry.site_kind:
            return None
        p_lo, _ = doc.token_range(max(0, m.start - 200), m.start)
        for lo, hi, last in ((t_lo, m.first_token, True), (p_lo, t_lo, True), (m.last_token + 1, t_hi, False)):
            hits = self.sites.find(entry.site_kind, doc, lo, hi)
            if hits:
                return hits[-1] if last else hits[0]
        return doc.memo(("site", entry.site_kind, span), lambda: self._stated_site(doc, entry.site_kind, span))

    def _stated_site(self, doc: _Doc, kind: str, span: Span | None) -> str | None:
        ranges = ([(span.start, span.end)] if span else []) + doc.section_ranges(DIAGNOSIS_SECTIONS)
        for a, b in ranges:
            hits = self.sites.find(kind, doc, *doc.token_range(a, b))
            if hits:
                return hits[0]
        return None

    def _image(self, doc: _Doc) -> str | None:
        """The imaging that guided the operation (not check films, not earlier investigations)."""
        modalities: list[str] = []
        for s in doc.parsed.sections:
            if s.name not in IMAGE_SECTIONS:
                continue
            lo, hi = doc.token_range(s.start, s.end)
            modalities += [c.value for c in doc.cues.find(lo, hi, "image")]
        return modalities[0] if modalities else None


_NONE = re.compile(r"^\W*(?:none|nil|n/?a|no (?:procedures?|operations?)(?: performed| done)?)\W*$", re.I)
_ITEM_SPLIT = re.compile(r"[,;]|\.(?!\d)|\b\d+[.)]\s")


def _items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The items of a procedure statement: split at commas, semicolons, full stops and list numbers."""
    out, left = [], start
    for m in _ITEM_SPLIT.finditer(text, start, end):
        if m.start() > left:
            out.append((left, m.start()))
        left = m.end()
    if end > left:
        out.append((left, end))
    return [(a, b) for a, b in out if text[a:b].strip()]


def _in_parenthesis_after(text: str, prev_end: int, start: int) -> bool:
    """'Hypospadias repair (urethroplasty plate incision ...)': the bracket describes the repair."""
    between = text[prev_end:start]
    return "(" in between and ")" not in between and len(between) < 40


_ITEM_END = re.compile(r",|;|\band\b|\bwith\b")


def _item_around(text: str, start: int, end: int) -> tuple[int, int]:
    """One item of a listed procedure statement ("..., an attempted tube placement, stent removal")."""
    lo = max(0, start - 200)
    left = lo
    for mm in _ITEM_END.finditer(text, lo, start):
        left = mm.end()
    mm = _ITEM_END.search(text, end, min(len(text), end + 200))
    return left, (mm.start() if mm else min(len(text), end + 200))


_LEVEL = re.compile(r"\b([CTLS])(\d{1,2})\s*(?:-|to|/|through)\s*([CTLS]?)(\d{1,2})\b")


_REGION_START = {"C": 0, "T": 7, "L": 19, "S": 24}  # C1-C7, T1-T12, L1-L5, S1...


def _spinal_levels(text: str, spans: list[Span]) -> int | None:
    """Number of spinal levels operated on, from "L3-L4" (one level), "L3-L5" (two) or "L5-S1" (one)
    in the procedure statement."""
    for span in spans:
        for m in _LEVEL.finditer(text, span.start, span.end):
            first = _REGION_START[m.group(1)] + int(m.group(2))
            last = _REGION_START[m.group(3) or m.group(1)] + int(m.group(4))
            if last > first:
                return last - first
    return None


def _variant(entry: Entry, devices: set[str], laterality: str | None) -> tuple[str, str | None]:
    """The code the documented device/method selects (first satisfied condition wins)."""
    facts = set(devices) | ({"bilateral"} if laterality == "bilateral" else set())
    for condition, code in entry.variants.items():
        if all(part in facts for part in condition.split("+")):
            return code, condition
    return entry.code, None
