"""Which findings describe a condition of this patient in this episode: certainty and time.

Each rule looks at one finding (with its section and ConText flags from clincode.text) and either
lets it through, with a note for the rationale, or leaves it out with the reason.
"""
from __future__ import annotations

import re

from ...coding.findings import Finding
from .comorbidities import coded_when_past, comorbidity, history_status_policy
from .episode import Candidate, DiagnosisEpisode, section_info
from .resources import matches
from .sites import site_alone_is_not_a_condition
from .technique import (
    anaesthetic_is_not_a_condition,
    induced_cardiac_arrest_is_technique,
    technique_words_are_not_findings,
)

Verdict = tuple[bool, str | None]  # (keep, note or reason)


def negated_not_coded(f: Finding) -> Verdict | None:
    """A condition stated as absent ("no evidence of", "negative for", "ruled out") is not coded.

    Standard: WHO ICD-10 Volume 2, 4.4.2 (only conditions present are coded); National Clinical
    Coding Standards ICD-10 5th Edition, General Coding Standards "Uncertain diagnosis" (a
    diagnosis ruled out by the end of the episode is not coded).
    """
    if f.negated:
        return False, "negated or ruled out"
    return None


def rule_out_not_coded(f: Finding) -> Verdict | None:
    """"Rule out", "to exclude", "risk of", planned or conditional mentions are not coded.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, "Uncertain diagnosis":
    a condition still to be excluded is not a diagnosis; house policy ../shared/data/uk_dev/README.md
    ("'rule out' is not coded": temporal artery biopsy -> R51).
    """
    if f.hypothetical:
        return False, "hypothetical, planned or to be excluded (rule out)"
    return None


def family_history_not_patient(f: Finding) -> Verdict | None:
    """A relative's condition is not the patient's: only a family-history code (Z80-Z84) may stand.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, Chapter XXI "Family history".
    """
    if f.family or section_info(f.section).role == "family":
        if matches(f.code, ("Z80", "Z81", "Z82", "Z83", "Z84")):
            return True, "family history code"
        return False, "condition of a relative (family history)"
    return None


def uncertain_coded_as_confirmed(f: Finding) -> Verdict | None:
    """"Probable", "likely", "?", "suspected" at the end of the episode is coded as if confirmed.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, General Coding Standards
    "Uncertain diagnosis" (a diagnosis qualified as probable, query, ? or likely at the end of the
    episode is coded as if confirmed); WHO ICD-10 Volume 2, 4.4.2.
    """
    if f.uncertain:
        return True, f"'{f.evidence.text}' is uncertain ('probable/?/likely'): coded as if confirmed"
    return None


def past_history_not_current(f: Finding) -> Verdict | None:
    """A past or resolved condition is not coded, except comorbidities and status codes always coded.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, General Coding Standards
    "Primary diagnosis" (a past-history condition is not the reason for admission) and "Coding of
    comorbidities" (the chronic conditions listed are coded whenever documented, even in the past
    medical history).
    """
    role = section_info(f.section).role
    if not (f.historical or role == "history"):
        return None
    found = comorbidity(f.code)
    if found and f.historical and not coded_when_past(f.code):
        return False, f"{found[0]} in the past only (ex-, stopped): not current"
    if found:
        condition, kind = found
        return True, f"{condition} documented in the history: a {kind} comorbidity coded whenever documented"
    if history_status_policy(f.code):
        return True, None  # the history/status policy decides
    if f.historical:
        return False, "past or resolved condition (history of)"
    return False, "past medical history only: not a condition of this episode"


def background_lists_not_diagnoses(f: Finding) -> Verdict | None:
    """Medication lists, review of systems, plans and anaesthetic notes do not state diagnoses.

    Comorbidities and status codes found there still count; a condition implied only by a drug is
    queried by the drug-history rule instead of coded.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, General Coding Standards
    (codes are assigned from the clinician's documented diagnoses; a diagnosis is not inferred from
    a drug, a test or a plan).
    """
    if section_info(f.section).role != "background":
        return None
    if f.code.startswith("Z") and history_status_policy(f.code):
        return True, None
    found = comorbidity(f.code)
    if found and f.section not in ("medications", "discharge_medications"):
        return True, f"{found[0]}: comorbidity coded whenever documented"
    return False, f"only mentioned in the {f.section.replace('_', ' ')} section"


_AGE = re.compile(r"\b\d+\s*(-|\s)?\s*(years?|yrs?|months?|weeks?|days?)\s*(-|\s)?\s*old\b", re.I)


def part_of_the_patients_age(f: Finding, text: str) -> Verdict | None:
    """Words inside the patient's age ("a 45-year-old man") do not name a condition ("old" is not
    an old myocardial infarction).

    Standard: WHO ICD-10 Volume 2, 4.4.1 (only the conditions documented by the clinician are coded).
    """
    if not text:
        return None
    for m in _AGE.finditer(text, max(0, f.evidence.start - 25), min(len(text), f.evidence.end + 25)):
        if m.start() <= f.evidence.start and f.evidence.end <= m.end():
            return False, "part of the patient's age, not a condition"
    return None


_RULE_OUT = re.compile(r"\b(rule[sd]? out|r/o|to exclude|exclude[sd]?|excluding|ruled out)\b[^.;\n]*$", re.I)


def to_be_ruled_out(f: Finding, text: str) -> Verdict | None:
    """A condition named after "rule out" / "to exclude" in the same sentence is not coded, even when
    the context flags missed it (the operation or test was done to exclude it).

    Standard: National Clinical Coding Standards ICD-10 5th Edition, "Uncertain diagnosis" (a
    condition to be excluded is not a diagnosis); house policy ../shared/data/uk_dev/README.md
    ("'rule out' is not coded").
    """
    if not text:
        return None
    before = text[max(0, f.evidence.start - 60) : f.evidence.start]
    if _RULE_OUT.search(before):
        return False, "to be ruled out / excluded: not a diagnosis"
    return None


def not_documented_in_words(f: Finding) -> tuple[bool, str] | None:
    """Code what the clinician documented, not what the words statistically suggest.

    A finding that stands only on a learned word association ("percussion" -> R53) names no
    condition: it may raise the score of a documented condition, never be coded on its own. A
    finding scored below the finder's held-out cut-off is too weak to be coded unreviewed (it stays
    in the --all-findings review list's scoring, which has its own cut-off), unless the clinician
    names it in words in a diagnosis statement (diagnosis lists, pre-/post-operative diagnosis,
    histology) or it is a comorbidity on the national always-code list.

    Standard: WHO ICD-10 Volume 2, 4.4.1 (only the conditions documented by the clinician are coded).
    """
    if f.attributes.get("kind") in ("learned", "classifier"):
        return False, "a learned word association, not a documented condition"
    threshold = f.attributes.get("threshold")
    if threshold is not None and f.score < threshold:
        if f.attributes.get("kind") == "lexicon" and (found := comorbidity(f.code)) and found[1] == "mandatory":
            # a comorbidity on the national always-code list, named in the clinician's words, is
            # coded whatever the learned score says (the scorer learned from another country's coding:
            # CodiEsp's coders use ICD-10-CM B20 for any HIV disease, so it never saw UK B24 right)
            return None
        if f.attributes.get("kind") == "lexicon" and section_info(f.section).role == "diagnosis":
            # named in the clinician's diagnosis statement (diagnosis lists, pre-/post-operative
            # diagnosis, histology): the statement is the documentation; the score, learned from
            # another country's case reports, only ranks what the narrative mentions
            return None
        return False, f"scored {f.score:.2f}, below the finder's cut-off {threshold:.2f}"
    return None


def weak_but_documented(f: Finding, why: str, episode: DiagnosisEpisode) -> bool:
    """Whether an excluded finding was left out only for its low finder score: a lexicon match of
    the patient's current condition that every other rule lets through."""
    if not why.startswith("scored ") or f.attributes.get("kind") in ("learned", "classifier"):
        return False
    if f.negated or f.family or f.hypothetical or f.historical or f.system not in ("icd10", "ICD10", "icd-10"):
        return False
    text = episode.texts.get(f.evidence.document, "")
    if (part_of_the_patients_age(f, text) or to_be_ruled_out(f, text) or technique_words_are_not_findings(f, episode)
            or site_alone_is_not_a_condition(f) or anaesthetic_is_not_a_condition(f, text)
            or induced_cardiac_arrest_is_technique(f, text)):
        return False
    return all(rule(f) is None or rule(f)[0] for rule in FINDING_RULES)


FINDING_RULES = (
    negated_not_coded,
    rule_out_not_coded,
    family_history_not_patient,
    background_lists_not_diagnoses,
    past_history_not_current,
    uncertain_coded_as_confirmed,
)


def screen(findings: list[Finding], episode: DiagnosisEpisode, classifications) -> None:
    """Turn the findings that pass every rule into candidates, one per code, in document order."""
    ordered = sorted(
        findings, key=lambda f: (episode.doc_order.get(f.evidence.document, 0), f.evidence.start)
    )
    by_code: dict[str, Candidate] = {}
    for f in ordered:
        if f.system not in ("icd10", "ICD10", "icd-10"):
            continue
        notes, keep = [], True
        text = episode.texts.get(f.evidence.document, "")
        guard = (not_documented_in_words(f) or part_of_the_patients_age(f, text)
                 or to_be_ruled_out(f, text) or technique_words_are_not_findings(f, episode)
                 or site_alone_is_not_a_condition(f) or anaesthetic_is_not_a_condition(f, text)
                 or induced_cardiac_arrest_is_technique(f, text))
        if guard is not None:
            episode.excluded.append((f, guard[1]))
            continue
        for rule in FINDING_RULES:
            verdict = rule(f)
            if verdict is None:
                continue
            keep, note = verdict
            if not keep:
                episode.excluded.append((f, note or rule.__name__))
                break
            if note:
                notes.append(note)
            break  # the first rule that speaks decides; later rules are for other cases
        if not keep:
            continue
        code, note = _known_code(f.code, classifications)
        if code is None:
            episode.excluded.append((f, note))
            episode.warn(f"{f.code!r} ('{f.evidence.text}'): {note}")
            continue
        if note:
            notes.append(note)
        cand = by_code.get(code.code if classifications else f.code)
        if cand is None:
            cand = Candidate(code.code, code.title) if classifications else Candidate(f.code, f.term)
            by_code[cand.code] = cand
            episode.candidates.append(cand)
        cand.findings.append(f)
        cand.score = max(cand.score, f.score)
        for r in list(f.rationale) + notes:
            cand.note(r)
    for f, why in episode.excluded:
        if f.code not in by_code:
            episode.dropped.setdefault(f.code, why)


class _Unchecked:
    """Stands in for a classification code when no classification is loaded."""

    def __init__(self, code: str):
        self.code, self.title = code, ""


def _known_code(text: str, classifications):
    """The classification's code for a finding's code (normalised: ``k80.2 `` -> K80.2), with a
    note when normalisation changed it; ``(None, reason)`` when the classification has no such code."""
    if classifications is None:
        return _Unchecked(text), None
    found = classifications.icd10.get(text)
    if found is not None:
        return found, None
    try:
        _table, normalised = classifications.lookup(text, "icd10")
    except Exception as exc:  # noqa: BLE001 - any normalisation failure means: not a code we can use
        return None, f"not a code of the ICD-10 classification in use ({exc}): not coded"
    code = normalised.code
    return code, f"finder code {text!r} read as {code.code}" + (f" ({normalised.note})" if normalised.note else "")


_ALTERNATIVE = re.compile(r"^\W*(versus|vs\.?|or|or possibly|or perhaps|\?)\W*$", re.IGNORECASE)


def alternatives_code_first(episode: DiagnosisEpisode, classifications=None) -> None:
    """"A versus B": two diagnoses given as alternatives -> the first one recorded is coded.

    Standard: WHO ICD-10 Volume 2, 4.4.3 rule MB5 "Alternative main diagnoses" (where two or more
    conditions are recorded as diagnostic options, code the first recorded).
    """
    mentions = sorted(
        ((f.evidence.document, f.evidence.start, f.evidence.end, f, c) for c in episode.candidates for f in c.findings),
        key=lambda m: (m[0], m[1]),
    )
    for (doc_a, _sa, end_a, f_a, first), (doc_b, start_b, _eb, f_b, second) in zip(mentions, mentions[1:]):
        if doc_a != doc_b or first is second or start_b < end_a or second not in episode.candidates:
            continue
        if len(second.findings) != 1 or first not in episode.candidates:
            continue  # a code with other evidence is not only an alternative
        gap = episode.texts.get(doc_a, "")[end_a:start_b]
        if len(gap) <= 20 and _ALTERNATIVE.match(gap):
            first.note(f"'{f_a.evidence.text}' {gap.strip()} '{f_b.evidence.text}': alternatives, "
                       f"the first recorded is coded (ICD-10 Vol 2 rule MB5); {second.code} not coded")
            episode.drop(second, f"alternative diagnosis after {first.code} (MB5)")
