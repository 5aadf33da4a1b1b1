"""Comorbidities, history and status codes, and what the drug and social history add.

The lists themselves are data (``resources/mandatory_comorbidities.tsv``,
``history_status_codes.tsv``, ``drug_history.tsv``); this module holds the rules that read them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ...coding.models import Evidence
from .episode import DiagnosisEpisode, section_info
from .resources import PrefixMap, PrefixSet, read_table, split_codes


@lru_cache(maxsize=1)
def _comorbidities() -> tuple[tuple[PrefixSet, str, str, bool], ...]:
    table = read_table("mandatory_comorbidities.tsv", ("prefix", "condition", "kind", "if_past"), ("prefix",))
    rows = []
    for row in table.rows:
        if row["kind"] not in {"mandatory", "chronic"} or row["if_past"] not in {"yes", "no"}:
            raise ValueError(f"mandatory_comorbidities.tsv: bad kind/if_past in the row for {row['prefix']}")
        rows.append((PrefixSet.of(row["prefix"]), row["condition"], row["kind"], row["if_past"] == "yes"))
    return tuple(rows)


@lru_cache(maxsize=1)
def _comorbidity_map() -> PrefixMap:
    return PrefixMap((prefixes, (condition, kind, if_past)) for prefixes, condition, kind, if_past in _comorbidities())


def coded_when_past(code: str) -> bool:
    """Whether a comorbidity written as past ('history of', 'ex-') is still coded: a chronic disease
    persists; a habit, therapy or dependence that has ended (ex-smoker) does not."""
    found = _comorbidity_map().get(code)
    return bool(found and found[2])


def comorbidity(code: str) -> tuple[str, str] | None:
    """``(condition, kind)`` when ``code`` is a comorbidity coded whenever documented, else None.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, General Coding Standards,
    "Coding of comorbidities" (the chronic conditions always coded when documented, wherever in the
    record they are written: past history, drug history, social history).
    """
    found = _comorbidity_map().get(code)
    return (found[0], found[1]) if found else None


@lru_cache(maxsize=1)
def _history_status() -> tuple[tuple[PrefixSet, str, str], ...]:
    table = read_table("history_status_codes.tsv", ("prefix", "policy", "note"), ("prefix",))
    rows = []
    for row in table.rows:
        if row["policy"] not in {"always", "listed", "never"}:
            raise ValueError(f"history_status_codes.tsv: unknown policy {row['policy']!r}")
        rows.append((PrefixSet.of(row["prefix"]), row["policy"], row["note"]))
    return tuple(rows)


@lru_cache(maxsize=1)
def _history_status_map() -> PrefixMap:
    return PrefixMap((prefixes, (policy, note)) for prefixes, policy, note in _history_status())


def history_status_policy(code: str) -> tuple[str, str] | None:
    """``(policy, note)`` for a Chapter XXI history/status/family-history code, else None."""
    return _history_status_map().get(code) if code.startswith("Z") else None


def apply_history_status_policy(episode: DiagnosisEpisode, classifications=None) -> None:
    """Code history, family-history and status Z codes only where the standards ask for them.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, Chapter XXI standards
    "Personal history", "Family history" and "Status codes"; optional codes follow the house
    policy of ../shared/data/uk_dev/README.md ("optional history Z codes ... are left out").
    """
    for cand in list(episode.candidates):
        policy = history_status_policy(cand.code)
        if policy is None:
            continue
        kind, note = policy
        if kind == "always":
            cand.note(f"{cand.code} coded whenever documented ({note}): Chapter XXI status codes")
        elif kind == "listed":
            if "diagnosis" in cand.roles or cand.added_by:
                cand.note(f"{cand.code} listed by the clinician as a diagnosis of this episode ({note})")
            else:
                episode.drop(cand, f"optional Z code not listed as a diagnosis of the episode ({note})")
        else:
            episode.drop(cand, f"optional history code left out by house policy ({note})")


# --- drug history -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DrugRule:
    names: tuple[str, ...]  # lower-case drug names (one or more words)
    code: str
    kind: str  # status | implies
    condition: tuple[str, ...]
    note: str


@lru_cache(maxsize=1)
def drug_rules() -> tuple[DrugRule, ...]:
    table = read_table("drug_history.tsv", ("drug", "code", "kind", "condition", "note"), ("code", "condition"),
                       optional=("condition",))
    rules = []
    for row in table.rows:
        if row["kind"] not in {"status", "implies"}:
            raise ValueError(f"drug_history.tsv: unknown kind {row['kind']!r}")
        names = tuple(n.strip().lower() for n in row["drug"].split("|") if n.strip())
        rules.append(DrugRule(names, row["code"], row["kind"], tuple(split_codes(row["condition"])), row["note"]))
    return tuple(rules)


@lru_cache(maxsize=1)
def _drug_index() -> dict[str, list[tuple[str, DrugRule]]]:
    """First word of each drug name -> (full name, rule): one pass over the words finds every drug."""
    index: dict[str, list[tuple[str, DrugRule]]] = {}
    for rule in drug_rules():
        for name in rule.names:
            index.setdefault(name.split()[0], []).append((name, rule))
    return index


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_STOPPED = re.compile(r"\b(stop|stopped|discontinue|discontinued|held|hold|withheld|no|nil|not on|off)\W+(\w+\W+){0,2}$", re.I)
# Outside a medication list only an explicit "on <drug>" counts as current therapy.
_ON_DRUG = re.compile(r"\b(on|takes|taking|maintained on|long[- ]term)\W+(\w+\W+){0,2}$", re.I)
_MEDICATION_SECTIONS = {"medications", "discharge_medications"}


def drug_mentions(parsed) -> dict[DrugRule, list[Evidence]]:
    """Current-therapy mentions of the listed drugs: in a medication list, or 'on <drug>' elsewhere."""
    index = _drug_index()
    found: dict[DrugRule, list[Evidence]] = {}
    for doc in parsed or []:
        text = doc.text
        lowered = text.lower()
        for m in _WORD.finditer(text):
            entries = index.get(m.group().lower())
            if not entries:
                continue
            for name, rule in entries:
                if not lowered.startswith(name, m.start()):
                    continue
                end = m.start() + len(name)
                if end < len(text) and text[end].isalnum():
                    continue
                section = _section_at(doc, m.start())
                before = text[max(0, m.start() - 40) : m.start()]
                if _STOPPED.search(before):
                    continue
                if section in _MEDICATION_SECTIONS or _ON_DRUG.search(before):
                    found.setdefault(rule, []).append(Evidence(
                        document=doc.document.id, start=m.start(), end=end, text=text[m.start():end], section=section))
    return found


def _section_at(doc, offset: int) -> str:
    for section in getattr(doc, "sections", []):
        if section.start <= offset < section.end:
            return section.name
    return "other"


def code_long_term_drug_therapy(episode: DiagnosisEpisode, classifications=None) -> None:
    """Long-term anticoagulants (Z92.1) and immunosuppressants/steroids (Z92.2) from the drug history;
    a drug that implies an uncoded condition (insulin without diabetes) raises a query, never a code.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, Chapter XXI "Long-term (current)
    drug therapy"; General Coding Standards: a diagnosis is not inferred from medication alone
    (the coder queries the clinician).
    """
    for rule, mentions in drug_mentions(episode.parsed).items():
        names = sorted({ev.text.lower() for ev in mentions})
        if rule.kind == "status":
            title = _title(classifications, rule.code)
            episode.add(rule.code, title, "long-term drug therapy",
                        f"{rule.code} from the drug history ({', '.join(names)}: {rule.note})",
                        evidence=mentions, score=0.7)
        elif not episode.having(rule.condition):
            episode.query(
                f"{', '.join(names).capitalize()} is listed in the medications but no matching diagnosis is "
                f"documented: please confirm the condition treated ({rule.note}).",
                "A condition is not coded from a medication alone.", rule.code, mentions)


def _title(classifications, code: str) -> str:
    if classifications is None:
        return ""
    found = classifications.icd10.get(code)
    return found.title if found else ""


# --- social history: current smoking --------------------------------------------------------
_SMOKER = re.compile(
    r"\b(current(ly)? (a )?smok\w*|(is|still) a smoker|smokes\b|smoking (about |approximately )?\d+|"
    r"\d+ (cigarettes|cigs|packs?)( a| per) day|active smoker|\d+\s*pack[- ]years?,? (still|current))",
    re.IGNORECASE,
)
_NOT_SMOKER = re.compile(
    r"\b(ex-?smoker|former smoker|non-?smoker|never smoked|quit|stopped smoking|gave up|denies|no (history of )?smoking|does not smoke|doesn't smoke|marijuana|cannabis|weed)\b",
    re.IGNORECASE,
)


def code_current_smoking(episode: DiagnosisEpisode, classifications=None) -> None:
    """Current smoking is coded Z72.0 wherever documented (unless harmful use F17.1/F17.2 is coded).

    Standard: National Clinical Coding Standards ICD-10 5th Edition, Chapter XXI "Tobacco use" /
    the comorbidities always coded ("current smoker"); house policy ../shared/data/uk_dev/README.md.
    """
    if episode.having(["Z72.0", "F17"]):
        return
    for doc in episode.parsed:
        for m in _SMOKER.finditer(doc.text):
            sentence_start = max(doc.text.rfind(ch, 0, m.start()) for ch in ".\n")
            sentence_end = min([i for i in (doc.text.find(ch, m.end()) for ch in ".\n") if i != -1] or [len(doc.text)])
            sentence = doc.text[sentence_start + 1 : sentence_end]
            if _NOT_SMOKER.search(sentence):
                continue
            section = _section_at(doc, m.start())
            if section_info(section).role == "family":
                continue
            ev = Evidence(document=doc.document.id, start=m.start(), end=m.end(), text=m.group(), section=section)
            episode.add("Z72.0", _title(classifications, "Z72.0") or "Tobacco use", "current smoking",
                        "Z72.0 current smoking documented in the social history (always coded)",
                        evidence=[ev], score=0.7)
            return
