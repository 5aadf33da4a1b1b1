"""Codes that travel in pairs: dagger and asterisk, injury and external cause, complication of care
and its Y60-Y84 cause, infection and its organism (B95-B98).

Each rule links the second code to the first (``Candidate.qualifies``) so sequencing can put it
straight after the code it explains.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .episode import Candidate, DiagnosisEpisode
from .resources import PrefixSet, matches, read_table


# --- dagger and asterisk -------------------------------------------------------------------
@lru_cache(maxsize=1)
def _service_asterisks() -> frozenset[str] | None:
    try:  # the classification service's asterisk list (clincode/classification/rules/asterisk.tsv)
        from ...classification.rules import load_asterisks

        return load_asterisks()
    except (ImportError, OSError, ValueError):
        return None


def is_asterisk(code: str, title: str = "") -> bool:
    """An asterisk (manifestation) code: from the classification service's list, or, without it,
    by the title every asterisk category carries ('... in diseases classified elsewhere')."""
    keys = _service_asterisks()
    if keys is not None:
        key = code.replace(".", "").upper()
        return key in keys or key[:3] in keys or key[:4] in keys
    return "classified elsewhere" in title.lower()


@dataclass(frozen=True, slots=True)
class Manifestation:
    dagger: PrefixSet
    asterisk: str
    auto: bool
    note: str


@lru_cache(maxsize=1)
def manifestation_table() -> tuple[Manifestation, ...]:
    table = read_table("manifestations.tsv", ("dagger", "asterisk", "auto", "note"), ("dagger", "asterisk"))
    rows = [Manifestation(PrefixSet.of(r["dagger"]), r["asterisk"], r["auto"] == "yes", r["note"])
            for r in table.rows]
    try:
        from ...classification.rules import load_dagger_asterisk

        for dagger, asterisks in load_dagger_asterisk().items():
            rows.extend(Manifestation(PrefixSet((dagger,)), a, False, "classification dagger/asterisk pair")
                        for a in asterisks)
    except (ImportError, OSError, ValueError):
        pass
    return tuple(rows)


def _dagger_for(asterisk: Candidate, episode: DiagnosisEpisode) -> Candidate | None:
    for pair in manifestation_table():
        if matches(asterisk.code, (pair.asterisk,)) or asterisk.code == pair.asterisk:
            dagger = next((c for c in episode.candidates if matches(c.code, pair.dagger)), None)
            if dagger is not None:
                return dagger
    return None


def dagger_and_asterisk(episode: DiagnosisEpisode, classifications) -> None:
    """An asterisk code goes with its dagger (aetiology) code: never primary, sequenced straight
    after it. A dagger whose title states the manifestation brings its asterisk (E11.2 -> N08.3);
    an asterisk found without a dagger is reported and queried, not guessed.

    Standard: WHO ICD-10 Volume 2, 3.1.3 "The dagger and asterisk system"; National Clinical Coding
    Standards ICD-10 5th Edition, "Dagger and asterisk convention".
    """
    for pair in manifestation_table():
        if not pair.auto:
            continue
        for dagger in [c for c in episode.candidates if matches(c.code, pair.dagger)]:
            if any(c.qualifies == dagger.code and is_asterisk(c.code, c.title) for c in episode.candidates):
                continue
            title = _title(classifications, pair.asterisk)
            episode.add(pair.asterisk, title, "dagger and asterisk",
                        f"{pair.asterisk}* added as the manifestation of {dagger.code}+ ({pair.note})",
                        evidence=dagger.evidence, qualifies=dagger.code, score=dagger.score)
    for cand in list(episode.candidates):
        if not is_asterisk(cand.code, cand.title):
            continue
        dagger = _dagger_for(cand, episode)
        if dagger is not None:
            cand.qualifies = dagger.code
            cand.note(f"{cand.code}* asterisk follows its dagger {dagger.code}+ (never primary)")
        else:
            episode.warn(f"{cand.code} is an asterisk (manifestation) code with no dagger code for its cause")
            episode.query(f"{cand.code} ({cand.title}) needs the underlying disease: please document its cause.",
                          "An asterisk code is only used with the dagger code of the underlying disease.",
                          cand.code, cand.evidence)


# --- injuries and external causes -----------------------------------------------------------
# Injuries, burns, poisonings and effects of external causes that take a Chapter XX cause code.
# T76-T78 (unspecified effects, adverse effects and allergy NEC) are left out: no single cause applies.
_INJURY = ("S", "T0", "T1", "T2", "T3", "T4", "T5", "T6", "T70", "T71", "T72", "T73", "T74", "T75", "T79")


def _is_injury(code: str) -> bool:
    return code.startswith(_INJURY)


def _is_external_cause(code: str) -> bool:
    return code[:1] in "VWXY"


def injuries_need_external_cause(episode: DiagnosisEpisode, classifications=None) -> None:
    """An injury or poisoning (S00-T79) is coded with an external cause (V01-Y36; Y40-Y59 for
    adverse effects); when none is documented, a warning and a query are raised.

    Standard: WHO ICD-10 Chapter XIX note ("use secondary code from Chapter XX to indicate cause");
    National Clinical Coding Standards ICD-10 5th Edition, Chapter XX "External causes of morbidity"
    (mandatory with Chapter XIX injury codes).
    """
    injuries = [c for c in episode.candidates if _is_injury(c.code)]
    causes = [c for c in episode.candidates if _is_external_cause(c.code) and not c.code.startswith(("Y6", "Y7", "Y8"))]
    if not injuries:
        return
    if causes:
        for cause in causes:
            cause.qualifies = cause.qualifies or injuries[0].code
            cause.note(f"external cause of {injuries[0].code} (Chapter XX with Chapter XIX)")
        return
    for injury in injuries:
        episode.warn(f"{injury.code} is an injury with no external cause code: the cause is not documented")
        episode.query("Please document how the injury happened (mechanism, place and activity) so the "
                      "external cause can be coded.",
                      "Chapter XIX injury codes need a Chapter XX external cause code.", injury.code, injury.evidence)


# --- complications of care -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CauseRule:
    complication: PrefixSet
    cause: str
    pattern: re.Pattern | None
    note: str


@lru_cache(maxsize=1)
def complication_cause_table() -> tuple[CauseRule, ...]:
    table = read_table("complication_causes.tsv", ("complication", "cause", "pattern", "note"),
                       ("complication", "cause"), optional=("pattern",))
    return tuple(
        CauseRule(PrefixSet.of(r["complication"]), r["cause"],
                  re.compile(r["pattern"], re.IGNORECASE) if r["pattern"] else None, r["note"])
        for r in table.rows
    )


def complications_of_care_need_cause(episode: DiagnosisEpisode, classifications) -> None:
    """A complication of surgical or medical care (T80-T88) is coded with its Y60-Y84 cause: the
    documented one, or the one the procedure described in the text points to (data table).

    Standard: WHO ICD-10 Chapter XIX note to T80-T88 ("use additional external cause code");
    National Clinical Coding Standards ICD-10 5th Edition, Chapter XIX "Complications of surgical
    and medical care" (with Y60-Y69 misadventure or Y83-Y84 abnormal reaction / later complication).
    """
    complications = [c for c in episode.candidates if c.code.startswith("T8") and c.code[:3] <= "T88"]
    for comp in complications:
        documented = [c for c in episode.candidates if re.match(r"^Y(6\d|7\d|8[0-4])", c.code)]
        if documented:
            for cause in documented:
                cause.qualifies = cause.qualifies or comp.code
            continue
        text = episode.text
        for rule in complication_cause_table():
            if not matches(comp.code, rule.complication):
                continue
            found = rule.pattern.search(text) if rule.pattern else None
            if rule.pattern is not None and found is None:
                continue
            why = f"'{found.group()}' in the text" if found else "default for this complication"
            episode.add(rule.cause, _title(classifications, rule.cause), "complication of care",
                        f"{rule.cause} cause of the complication {comp.code}: {rule.note} ({why})",
                        evidence=comp.evidence, qualifies=comp.code, score=comp.score * 0.9)
            break
        else:
            episode.query("Please document the procedure or treatment that caused the complication.",
                          "Complications of care (T80-T88) need a Y60-Y84 cause code.", comp.code, comp.evidence)


# --- organisms ---------------------------------------------------------------------------
_INFECTION_TITLE = re.compile(r"infect|abscess|cellulitis|\bpyo|sepsis|septic|pneumonia|\w+itis\b|inflammat", re.I)
_CULTURE = re.compile(r"\b(culture[sd]?|swabs?|sensitivit(y|ies)|grew|growing|isolated|MC&S|MCS)\b", re.I)


def is_infection(cand: Candidate) -> bool:
    return bool(_INFECTION_TITLE.search(cand.title or "")) and not cand.code.startswith(("B95", "B96", "B97", "B98"))


@dataclass(frozen=True)
class OrganismCode:
    words: re.Pattern
    code: str
    note: str


@lru_cache(maxsize=1)
def organism_codes() -> tuple[OrganismCode, ...]:
    table = read_table("organisms.tsv", ("words", "code", "note"), ("code",))
    return tuple(OrganismCode(re.compile(r["words"], re.IGNORECASE), r["code"], r["note"]) for r in table.rows)


def organism_code(text: str) -> OrganismCode | None:
    """The B95-B97 code of the organism these words name, or None."""
    return next((o for o in organism_codes() if o.words.search(text)), None)


# Infections of unspecified site by organism: the organism is an additional code when the site is coded.
_UNSPECIFIED_SITE_INFECTIONS = ("A49", "B34")


def organism_of_a_site_infection(episode: DiagnosisEpisode, classifications=None) -> None:
    """"Pseudomonas urinary tract infection": the index path through the organism (A49.8 bacterial
    infection of unspecified site) and the site (N39.0) describe one infection; the site code stays
    and the organism becomes its additional code (B96.5).

    Standard: WHO ICD-10 Volume 1, A49 and B34 Excl. (agents as the cause of diseases classified to
    other chapters: B95-B97); National Clinical Coding Standards ICD-10 5th Edition, Chapter I
    "Bacterial, viral and other infectious agents (B95-B98)"; ``resources/organisms.tsv``.
    """
    sites = [c for c in episode.candidates if is_infection(c) and not c.code.startswith(("A", "B"))]
    if not sites:
        return
    for cand in [c for c in episode.candidates if c.code.startswith(_UNSPECIFIED_SITE_INFECTIONS)]:
        for f in cand.findings:
            site = next((s for s in sites for g in s.findings if g.evidence.document == f.evidence.document
                         and g.evidence.start < f.evidence.end and f.evidence.start < g.evidence.end), None)
            organism = organism_code(f.evidence.text) if site else None
            if organism is None:
                continue
            episode.add(organism.code, _title(classifications, organism.code) or organism.note,
                        "organism of a site infection",
                        f"{organism.code} identifies the organism of {site.code} ('{f.evidence.text}'): "
                        f"{cand.code} is an infection of unspecified site (B95-B97 additional code)",
                        evidence=[f.evidence], qualifies=site.code, score=cand.score)
            episode.drop(cand, f"the organism of {site.code} is coded {organism.code} (A49/B34 Excl.: B95-B97)")
            break


_COVID = re.compile(r"\b(?:covid(?:[- ]?19)?|sars[- ]?cov[- ]?2|2019[- ]ncov)\b", re.I)


def covid_19_with_its_manifestation(episode: DiagnosisEpisode, classifications=None) -> None:
    """A condition the notes attribute to COVID-19 ("COVID-19 pneumonia", J12.8 from the index's
    "COVID-19, pneumonia") is coded with the virus as well: U07.1, COVID-19 virus identified. The
    longer phrase wins the match, so the virus code is not found on its own.

    Standard: WHO ICD-10 emergency code U07.1 (COVID-19, virus identified) and its use with the
    manifestation code; NHS Digital ICD-10 5th Edition COVID-19 coding guidance (U07.1 with J12.8
    for COVID-19 pneumonia).
    """
    if any(c.code.startswith("U07") for c in episode.candidates):
        return
    for cand in list(episode.candidates):
        if cand.code[:1] in "ZU":  # contact with, screening for, history of COVID-19: no disease now
            continue
        evidence = [f.evidence for f in cand.findings if _COVID.search(f.evidence.text)]
        if evidence:
            episode.add("U07.1", _title(classifications, "U07.1") or "COVID-19, virus identified", "COVID-19",
                        f"U07.1: {cand.code} is stated as due to COVID-19 ('{evidence[0].text}')", evidence)
            return


def organisms_follow_infection(episode: DiagnosisEpisode, classifications=None) -> None:
    """Organism codes B95-B98 are additional codes: kept after the infection they identify, dropped
    (with a warning) when no infection classified elsewhere is coded; an infection whose culture
    is mentioned but whose organism is not stated raises a query.

    Standard: WHO ICD-10 Volume 1 note at B95-B98 ("for use as supplementary or additional codes
    ... not to be used for primary coding"); National Clinical Coding Standards ICD-10 5th Edition,
    Chapter I "Bacterial, viral and other infectious agents (B95-B98)".
    """
    organisms = [c for c in episode.candidates if c.code.startswith(("B95", "B96", "B97", "B98"))]
    infections = [c for c in episode.candidates if is_infection(c) and not c.code.startswith(("A", "B"))]
    for org in organisms:
        if not infections:
            episode.warn(f"{org.code} organism code dropped: no infection classified to another chapter is coded")
            episode.drop(org, "organism code without an infection to qualify")
            continue
        org.qualifies = infections[0].code
        org.note(f"{org.code} identifies the organism of {infections[0].code} (B95-B98 additional code)")
    if infections and not organisms:
        match = _CULTURE.search(episode.text)
        if match:
            inf = infections[0]
            episode.query(f"Please state the organism identified for the infection coded {inf.code}, "
                          f"if the {match.group().lower()} result is known.",
                          "An identified organism is coded with B95-B98 after the infection.", inf.code, inf.evidence)


def _title(classifications, code: str) -> str:
    found = classifications.icd10.get(code) if classifications else None
    return found.title if found else ""
