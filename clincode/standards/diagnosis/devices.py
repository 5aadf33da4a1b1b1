"""Complications of prosthetic devices, implants and grafts (T82-T85) read from the clinician's words.

Clinicians write "Septic left total knee arthroplasty", "Nonfunctioning inflatable penile
prosthesis", "Thrombosed arteriovenous shunt", "loosening of the femoral component": a complication
word qualifying a device. The finder codes the words one by one (sepsis A41.9, venous thrombosis
I82.9) or not at all; a coder reads the phrase as one complication of care, classified by the device
(T82 cardiac and vascular, T83 genito-urinary, T84 internal orthopaedic, T85 other internal) and the
type of complication (mechanical, infection and inflammatory reaction, other: the 4th character).

The device classes, their codes and the complication words are data
(``resources/device_complications.tsv``). The complication found here becomes a candidate with a
finding of its own (section and ConText flags from ``clincode.text``), screened by the same
certainty rules as the finder's findings, so the later rules treat it like any stated condition:
``complications_of_care_need_cause`` adds its Y83 cause, ``organisms_follow_infection`` keeps the
organism after it, and ``choose_primary`` prefers a stated complication of care.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ...coding.findings import Finding
from ...coding.models import Evidence
from .certainty import FINDING_RULES, part_of_the_patients_age, to_be_ruled_out
from .episode import Candidate, DiagnosisEpisode
from .resources import PrefixSet, ResourceError, matches, read_table
from .technique import technique_words_are_not_findings

TYPES = ("mechanical", "infection", "other")


@dataclass(frozen=True, slots=True)
class ComplicationWords:
    kind: str  # mechanical | infection | other
    words: re.Pattern
    devices: PrefixSet  # empty: any device


@dataclass(frozen=True, slots=True)
class DeviceClass:
    name: str
    words: re.Pattern
    codes: dict  # type -> UK code ("" when the row cannot give it)
    note: str


@lru_cache(maxsize=1)
def device_table() -> tuple[tuple[ComplicationWords, ...], tuple[DeviceClass, ...]]:
    table = read_table("device_complications.tsv",
                       ("kind", "name", "words", "mechanical", "infection", "other", "devices", "note"),
                       ("mechanical", "infection", "other", "devices"),
                       optional=("mechanical", "infection", "other", "devices"))
    complications, devices = [], []
    for row in table.rows:
        try:
            words = re.compile(rf"\b(?:{row['words']})\b", re.IGNORECASE)
        except re.error as exc:
            raise ResourceError(f"device_complications.tsv: bad words for {row['name']}: {exc}") from exc
        if row["kind"] == "complication":
            if re.search(r"[()\[\]]", row["words"]):  # one pattern of plain alternatives (see _any_complication)
                raise ResourceError(f"device_complications.tsv: complication words must be plain alternatives: "
                                    f"{row['words']!r}")
            if row["name"] not in TYPES:
                raise ResourceError(f"device_complications.tsv: unknown complication type {row['name']!r}")
            complications.append(ComplicationWords(row["name"], words, PrefixSet.of(row["devices"])))
        elif row["kind"] == "device":
            devices.append(DeviceClass(row["name"], words, {t: row[t] for t in TYPES}, row["note"]))
        else:
            raise ResourceError(f"device_complications.tsv: unknown kind {row['kind']!r}")
    return tuple(complications), tuple(devices)


# The words between a complication and its device ("Septic left total knee arthroplasty", "loosening
# of the femoral component") are sites and articles; one of these words ends the relation: "pain
# after knee replacement", "infection following hip replacement" describe a condition after the
# operation, not of the device (the finder and the complication-of-procedure rules code those).
_BREAKS = re.compile(
    r"\b(?:after|following|post|since|before|during|from|with|without|and|or|but|for|to|due|because|"
    r"secondary|status|s/p|history|underwent|undergone|had|has|have|was|were|is|are|been|being|"
    r"performed|placed|inserted|implanted|done|which|that|who|by|no|not)\b",
    re.IGNORECASE,
)
_GAP_BEFORE = 5  # words between a complication word and the device it qualifies
_GAP_AFTER = 2  # words between a device and a complication word after it ("pacemaker lead displacement")
_CLAUSE_END = re.compile(r"[.;:,()\[\]\n]")
# "the femoral component was loose", "the shunt was found to be blocked": the device, then what it is
_STATED_AS = re.compile(
    r"\s+(?:was|is|were|are|has\s+been|have\s+been|had\s+been|became|appeared|appears|looked)"
    r"(?:\s+(?:found|noted|seen|thought|confirmed))?(?:\s+to\s+be)?(?:\s+(?:grossly|clearly|completely|partially))?\s+",
    re.IGNORECASE,
)


def _gap_ok(gap: str, limit: int) -> bool:
    words = gap.split()
    return len(words) <= limit and not _BREAKS.search(gap) and not _CLAUSE_END.search(gap)


def _complication_type(words: str, device_codes: dict) -> str | None:
    """The type of the complication word (the first data row that matches it and applies)."""
    complications, _ = device_table()
    for row in complications:
        if not row.words.fullmatch(words):
            continue
        if row.devices and not any(matches(code, row.devices) for code in device_codes.values() if code):
            continue
        return row.kind
    return None


@lru_cache(maxsize=1)
def _any_complication() -> re.Pattern:
    """Every complication word in one pattern, its alternatives grouped by first letter (a plain
    alternation of a hundred words is tried word by word at every character: three times slower)."""
    complications, _ = device_table()
    by_letter: dict[str, set[str]] = {}
    for row in complications:
        for word in row.words.pattern[len(r"\b(?:"):-len(r")\b")].split("|"):
            by_letter.setdefault(word[0].lower(), set()).add(word[1:])
    groups = "|".join(f"{letter}(?:{'|'.join(sorted(rest, key=len, reverse=True))})"
                      for letter, rest in sorted(by_letter.items()))
    return re.compile(rf"\b(?:{groups})\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DeviceComplication:
    code: str
    device: DeviceClass
    kind: str
    start: int
    end: int
    complication_words: str


def find_device_complications(text: str) -> list[DeviceComplication]:
    """Every complication word qualifying a device in ``text``, with the UK code it gives.

    Read from each complication word (a note names few devices but many complications are common
    words, so the device is looked for only where a complication word could qualify it): a device
    phrase starting within a few words after it, in the same clause ("Septic left total knee
    arthroplasty", "loosening of the femoral component"), else one ending just before it
    ("pacemaker lead displacement", "the AV graft was thrombosed"). At each word the first device row
    that matches reads the device (the more specific rows come first in the data file). One device
    phrase gives one complication: the first complication word that qualifies it.
    """
    out: list[DeviceComplication] = []
    seen: list[tuple[int, int]] = []  # device spans already read
    for comp in _any_complication().finditer(text):
        found = _device_after(text, comp) or _device_before(text, comp)
        if found is None:
            continue
        device, m, kind = found
        code = device.codes.get(kind, "")
        if not code or any(a < m.end() and m.start() < b for a, b in seen):
            continue
        seen.append(m.span())
        out.append(DeviceComplication(code, device, kind, min(comp.start(), m.start()),
                                      max(comp.end(), m.end()), comp.group()))
    return sorted(out, key=lambda d: d.start)


_WORD_START = re.compile(r"\b\w")


def _device_at(text: str, pos: int):
    """(device row, match) of the first device row whose words start at ``pos``."""
    combined = _any_device()
    if combined is not None:
        m = combined.match(text, pos)
        return (device_table()[1][int(m.lastgroup[1:])], m) if m else None
    for device in device_table()[1]:
        m = device.words.match(text, pos)
        if m:
            return device, m
    return None


@lru_cache(maxsize=1)
def _any_device() -> re.Pattern | None:
    """Every device row in one pattern, one named group per row in the data file's order (``d0``,
    ``d1`` ...): at a position the first row that matches wins and its group spans the whole match,
    exactly as trying the rows one by one, in one call instead of twenty-odd at every word. None
    when a row has groups of its own (its words are then tried row by row)."""
    devices = device_table()[1]
    if not devices or any(d.words.groups for d in devices):
        return None
    return re.compile("|".join(f"(?P<d{k}>{d.words.pattern})" for k, d in enumerate(devices)), re.IGNORECASE)


def _device_after(text: str, comp: re.Match):
    """A device phrase beginning within _GAP_BEFORE words after the complication word, the words
    between being only sites and articles."""
    end = comp.end()
    limit = min(len(text), end + 80)
    for w in _WORD_START.finditer(text, end, limit):
        if not _gap_ok(text[end:w.start()], _GAP_BEFORE):
            return None
        found = _device_at(text, w.start())
        if found:
            kind = _complication_type(comp.group(), found[0].codes)
            return (found[0], found[1], kind) if kind else None
    return None


def _device_before(text: str, comp: re.Match):
    """A device phrase ending just before the complication word (at most _GAP_AFTER plain words, or
    "was found to be"), in the same clause."""
    start = comp.start()
    clause = max(start - 100, 0)
    for stop in _CLAUSE_END.finditer(text, clause, start):
        clause = stop.end()
    best = None
    for w in _WORD_START.finditer(text, clause, start):
        found = _device_at(text, w.start())
        if not found or found[1].end() > start:
            continue
        gap = text[found[1].end():start]
        if _gap_ok(gap, _GAP_AFTER) or _STATED_AS.fullmatch(gap):
            best = found  # the longest reading ("inflatable penile prosthesis", not "penile prosthesis")
            break
    if best is None:
        return None
    kind = _complication_type(comp.group(), best[0].codes)
    return (best[0], best[1], kind) if kind else None


def _passes_certainty(f: Finding, episode: DiagnosisEpisode) -> str | None:
    """Why a device complication finding is not coded (negated, historical, planned ...), or None."""
    text = episode.texts.get(f.evidence.document, "")
    guard = (part_of_the_patients_age(f, text) or to_be_ruled_out(f, text)
             or technique_words_are_not_findings(f, episode))
    if guard is not None:
        return guard[1]
    for rule in FINDING_RULES:
        verdict = rule(f)
        if verdict is not None:
            return None if verdict[0] else (verdict[1] or rule.__name__)
    return None


# What a phrase read here is worth against the finder's findings: a lexicon-strength statement.
DEVICE_FINDING_SCORE = 0.85
# Codes that stand beside a device complication even when found in its words: the organism
# (B95-B98) and external causes are additional codes, not a rival reading of the phrase.
_KEEP_ALONGSIDE = ("B95", "B96", "B97", "B98", "V", "W", "X", "Y")


def device_complications_from_text(episode: DiagnosisEpisode, classifications) -> None:
    """A complication word qualifying a prosthetic device, implant or graft is coded to T82-T85 by
    the device and the type of complication (mechanical, infection and inflammatory reaction, other
    specified: the 4th character); a code the finder read from the same words (sepsis from "septic",
    venous thrombosis from "thrombosed", the dislocated joint, the device's status code) gives way
    to it. "History of knee replacement" names no complication (a status code, Z96.6); a negated,
    historical or planned mention is not coded.

    Standard: ICD-10 5th Edition (UK) tabular list T82-T85 (4th characters by device and type;
    inclusion terms: embolism, fibrosis, haemorrhage, pain, stenosis, thrombosis are "other
    complications"); ICD-10 Alphabetical Index "Complication(s), by device and type"; National
    Clinical Coding Standards ICD-10 5th Edition, Chapter XIX "Complications of surgical and medical
    care" (the complication code with a Y83-Y84 cause; the complication treated is the main
    condition); house examples ../shared/data/uk_dev/README.md (T83.4 + Y83.1, T84.5 + Y83.1, T82.8 + Y83.2).
    """
    for parsed in episode.parsed:
        doc = parsed.document.id
        text = parsed.text
        for found in find_device_complications(text):
            entry = classifications.icd10.get(found.code) if classifications is not None else None
            if classifications is not None and entry is None:
                episode.warn(f"device complication {found.code} is not in the classification: not coded")
                continue
            ctx = _context(parsed, found.start, found.end)
            words = text[found.start:found.end]
            evidence = Evidence(document=doc, start=found.start, end=found.end, text=words, section=ctx.section)
            finding = Finding(
                code=found.code, system="icd10", term=f"{found.complication_words} {found.device.name}",
                evidence=evidence, section=ctx.section, negated=ctx.negated, uncertain=ctx.uncertain,
                historical=ctx.historical, family=ctx.family, hypothetical=ctx.hypothetical or ctx.planned,
                score=DEVICE_FINDING_SCORE,
                rationale=[f"'{words}': {found.kind} complication of the device ({found.device.name}) "
                           f"({found.device.note}) -> {found.code}"],
            )
            why_not = _passes_certainty(finding, episode)
            if why_not:
                episode.excluded.append((finding, why_not))
                episode.dropped.setdefault(found.code, why_not)
                continue
            _absorb_words(episode, finding)
            _add_finding(episode, finding, entry.title if entry else found.device.name)


def _context(parsed, start: int, end: int):
    from ...text import context_of

    return context_of(parsed, start, end)


def _absorb_words(episode: DiagnosisEpisode, finding: Finding) -> None:
    """Codes the finder read from the same words give way to the device complication."""
    ev = finding.evidence
    for cand in list(episode.candidates):
        if cand.code == finding.code or cand.code.startswith(_KEEP_ALONGSIDE):
            continue
        inside = [f for f in cand.findings if f.evidence.document == ev.document
                  and f.evidence.start < ev.end and ev.start < f.evidence.end]
        if not inside:
            continue
        cand.findings = [f for f in cand.findings if not any(f is g for g in inside)]
        why = (f"'{inside[0].evidence.text}' is part of '{ev.text}', a complication of a device: "
               f"{finding.code}")
        if not cand.findings and not cand.extra_evidence:
            episode.drop(cand, why)
        else:
            cand.note(f"{why} (still documented elsewhere)")


def _add_finding(episode: DiagnosisEpisode, finding: Finding, title: str) -> None:
    cand = episode.get(finding.code)
    if cand is None:
        cand = Candidate(finding.code, title, score=finding.score)
        # in document order, as the screen builds the candidates (the clinician's listing order counts)
        key = (episode.doc_order.get(finding.evidence.document, 0), finding.evidence.start)
        later = next((i for i, c in enumerate(episode.candidates)
                      if c.findings and episode.position(c) > key), len(episode.candidates))
        episode.candidates.insert(later, cand)
        episode.dropped.pop(finding.code, None)
    if not any(f.evidence.start == finding.evidence.start and f.evidence.document == finding.evidence.document
               for f in cand.findings):
        cand.findings.append(finding)
    cand.score = max(cand.score, finding.score)
    for r in finding.rationale:
        cand.note(r)
