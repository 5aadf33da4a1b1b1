"""Choice of the primary diagnosis: the main condition treated or investigated in the episode.

The choice is made in steps a coder can follow: codes that may never be primary are set aside;
superseded clinical impressions give way (post-operative over pre-operative diagnosis, histology
over clinical impression); then the remaining codes are ranked by where the clinician states them
(diagnosis sections over narrative over history), whether they are the condition operated on,
and the order in which the clinician lists them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ...coding.findings import Finding
from .comorbidities import comorbidity, history_status_policy
from .episode import Candidate, DiagnosisEpisode
from .etiology import is_asterisk, is_infection
from .resources import PrefixSet, matches, read_table
from .secondary import effective_rank, in_statement
from .symptoms import is_symptom_code


def not_valid_as_primary(cand: Candidate) -> str | None:
    """Why a code may not be the primary diagnosis, or None.

    Standard: WHO ICD-10 Volume 2, 3.1.3 (asterisk codes are never primary); Volume 1 notes at
    B95-B98 and Chapter XX (supplementary codes, never primary); National Clinical Coding Standards
    ICD-10 5th Edition, "Dagger and asterisk convention", Chapter XX (external causes are always
    secondary) and Chapter XXI (status codes are secondary to the condition treated).
    """
    code = cand.code
    if is_asterisk(code, cand.title) or cand.qualifies:
        return "asterisk or supplementary code: follows the code it qualifies"
    if code[:1] in "VWXY":
        return "external cause code: always secondary"
    if code.startswith(("B95", "B96", "B97", "B98")):
        return "organism code: additional code only"
    if code.startswith("U"):
        return "special purpose code: secondary only"
    policy = history_status_policy(code)
    if policy and policy[0] in ("always", "never"):
        return "status or history code: secondary to the condition treated"
    if code.startswith("Z37"):
        return "outcome of delivery: secondary code"
    return None


# "Sequelae of ..." categories: the residual condition is coded first, the sequela code after it.
_SEQUELAE = ("B90", "B91", "B92", "B94", "E64", "E68", "G09", "I69", "O94", "O97", "T90", "T91", "T92",
             "T93", "T94", "T95", "T96", "T97", "T98", "Y85", "Y86", "Y87", "Y88", "Y89")


def is_sequela(code: str) -> bool:
    """A 'sequelae of' code. Standard: WHO ICD-10 Volume 2, 4.4.4 "Coding of sequelae of certain
    conditions" (the nature of the sequela is the main condition; the 'sequelae of' category is an
    additional code); National Clinical Coding Standards ICD-10 5th Edition, "Sequelae" (late effects)."""
    return code.startswith(_SEQUELAE)


# Care the episode was admitted for, whose Z code is the primary diagnosis when it is the stated
# reason for the episode (the condition cared for follows as a secondary diagnosis).
_CARE_ENCOUNTERS = ("Z43", "Z45", "Z47.0", "Z48.0", "Z49", "Z50", "Z51.0", "Z51.1", "Z51.2")


def is_care_encounter(cand: Candidate, episode: DiagnosisEpisode) -> bool:
    """A stated admission for specific care: radiotherapy Z51.0, chemotherapy Z51.1, dialysis Z49,
    attention to an artificial opening Z43, adjustment of a device Z45, removal of a fixation
    device Z47.0, rehabilitation Z50.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, Chapter XXI standards for
    admissions for chemotherapy, radiotherapy and dialysis (the Z code is the primary diagnosis,
    the condition treated a secondary code); WHO ICD-10 Volume 1, Z40-Z54 note.
    """
    return cand.code.startswith(_CARE_ENCOUNTERS) and any(in_statement(f, episode) for f in cand.findings)


_COMPLICATIONS_OF_CARE = ("T80", "T81", "T82", "T83", "T84", "T85", "T86", "T87", "T88")
# Complications that happen during the episode's own care (accidental puncture or laceration during a
# procedure, complications of anaesthesia): the condition operated on stays the main condition.
_ARISE_DURING_THE_EPISODE = ("T81.2", "T88.2", "T88.3", "T88.4", "T88.5")


def is_complication_of_care(cand: Candidate, episode: DiagnosisEpisode) -> bool:
    """A complication of surgical and medical care (T80-T88) stated in this episode: when the episode
    treats it, it is the main condition, before the conditions it coexists with. Not one that arose
    during this episode's own operation (accidental puncture T81.2, anaesthetic complications).

    Standard: National Clinical Coding Standards ICD-10 5th Edition, Chapter XIX "Complications of
    surgical and medical care" (T80-T88 with an external cause Y60-Y84; the complication treated is
    the main condition of the episode); house policy ../shared/data/uk_dev/README.md ("Complications
    of care: T-code plus the Y60-Y84 external cause").
    """
    # Only as the clinician's statement (diagnosis lists, impression, complications heading): a lexicon
    # match in an unheaded narrative ("suture" -> T81.3) must not take the primary position.
    if cand.code.startswith(_ARISE_DURING_THE_EPISODE):
        return False
    return (cand.code.startswith(_COMPLICATIONS_OF_CARE) and cand.current
            and any(in_statement(f, episode) for f in cand.findings))


# "A secondary to B", "A due to B": B is the underlying condition the episode treats.
_CAUSE_BEFORE = re.compile(r"\b(?:secondary to|due to|caused by|as a result of|resulting from)\s+(?:\S+\s+){0,4}$",
                           re.IGNORECASE)


def stated_as_the_cause(cand: Candidate, episode: DiagnosisEpisode) -> bool:
    """Whether the clinician's statement names this condition as the cause of another ("conductive
    hearing loss secondary to otosclerosis"): between conditions stated equally, the underlying
    condition is the main condition.

    Standard: WHO ICD-10 Volume 2, 4.4.1 and rule MB3 (a condition and its cause: the underlying
    condition is selected as the main condition) and National Clinical Coding Standards ICD-10 5th
    Edition, General Coding Standards "Primary diagnosis" (for a surgical episode, the condition
    operated on: the stapes fixed by otosclerosis, not the hearing loss).
    """
    for f in cand.findings:
        if f.historical or not in_statement(f, episode):
            continue
        text = episode.texts.get(f.evidence.document, "")
        before = text[max(0, f.evidence.start - 60):f.evidence.start]
        before = re.split(r"[.;\n]", before)[-1]  # the same sentence or list item only
        if _CAUSE_BEFORE.search(before):
            return True
    return False


# "admitted with", "presented with", "admission for": the words that state a condition as the
# reason for this admission (the clause before it, within the same sentence)
_ADMITTED_FOR = re.compile(
    r"\b(?:admitted|admission|re-?admitted|presents?|presented|presenting|attended|came in)\b"
    r"[^.;\n]{0,40}\b(?:with|for|due to|because of)\b[^.;\n]{0,60}$", re.I)


def stated_as_reason_for_admission(cand: Candidate, episode: DiagnosisEpisode) -> bool:
    """Whether the record says the patient was admitted with (or for) this condition: between
    conditions stated equally, that is the main condition, not a known comorbidity mentioned first
    ("Known HIV. Admitted with community acquired pneumonia." -> J18.9 primary, B24 secondary).

    Standard: National Clinical Coding Standards ICD-10 5th Edition, General Coding Standards
    "Primary diagnosis" (the main condition treated or investigated, the reason for admission);
    WHO ICD-10 Volume 2, 4.4.1.
    """
    for f in cand.findings:
        if f.historical:
            continue
        text = episode.texts.get(f.evidence.document, "")
        if _ADMITTED_FOR.search(text[max(0, f.evidence.start - 100):f.evidence.start]):
            return True
    return False


def source_of_coded_sepsis(cand: Candidate, episode: DiagnosisEpisode) -> bool:
    """Whether this is the localised infection of a sepsis coded in the same episode ("sepsis
    secondary to a urinary tract infection"): the sepsis is sequenced before its source.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, Chapter I "Sepsis" (the sepsis
    code A40-A41 is sequenced first, followed by the code for the localised infection).
    """
    if cand.code.startswith(("A40", "A41")) or not is_infection(cand):
        return False
    return any(c.code.startswith(("A40", "A41")) and c.current for c in episode.candidates)


def preoperative_diagnosis_superseded(episode: DiagnosisEpisode, classifications=None) -> None:
    """When the operation note gives a post-operative diagnosis, a diagnosis found only in the
    pre-operative diagnosis is not coded: the operation did not confirm it.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, General Coding Standards
    "Primary diagnosis" (the diagnosis established at the end of the episode; for a surgical
    episode the post-operative diagnosis); house policy ../shared/data/uk_dev/README.md.
    """
    post_docs = {f.evidence.document for c in episode.candidates for f in c.findings
                 if f.section == "postoperative_diagnosis"}
    if not post_docs:
        return
    for cand in list(episode.candidates):
        if cand.added_by or comorbidity(cand.code):
            continue
        if cand.sections == {"preoperative_diagnosis"} and {f.evidence.document for f in cand.findings} <= post_docs:
            episode.drop(cand, "pre-operative diagnosis not confirmed by the post-operative diagnosis")


@lru_cache(maxsize=2)
def _neoplasm_sites(index_dir) -> dict[str, frozenset[int]]:
    """Each neoplasm code -> the Table of Neoplasms rows (sites) it appears in. Cached on disk beside
    the index: a batch worker would otherwise load the whole index (0.2 s) for this small table."""
    from ...classification.cache import cached
    from ...classification.index import index_sources, load_index
    from ...classification.service import load_classifications
    from ...config import get_settings

    settings = get_settings()
    if settings.index_dir is None:
        return _sites_in(load_index())  # raises as before: no index
    sources = index_sources(Path(settings.index_dir), load_classifications(settings).icd10) + [Path(__file__)]
    return cached("neoplasm-sites", sources, settings.cache_dir, lambda: _sites_in(load_index()))


def _sites_in(index) -> dict[str, frozenset[int]]:
    sites: dict[str, set[int]] = {}
    for pos, entry in enumerate(index):
        if entry.source != "neoplasm" or not entry.codes_by_behaviour:
            continue
        for code in entry.codes_by_behaviour.values():
            if code:
                sites.setdefault(code, set()).add(pos)
                sites.setdefault(code[:3], set()).add(pos)
    return {k: frozenset(v) for k, v in sites.items()}


def same_neoplasm_site(a: str, b: str, sites: dict[str, frozenset[int]]) -> bool:
    """Two neoplasm codes for the same site (bladder: C67.9, D09.0, D30.3, D41.4), by the Table of Neoplasms."""
    if a[:3] == b[:3]:
        return True
    return bool(sites.get(a, sites.get(a[:3], frozenset())) & sites.get(b, sites.get(b[:3], frozenset())))


def _is_neoplasm(code: str) -> bool:
    return code[:1] == "C" or (code[:1] == "D" and code[:3] <= "D48")


def _configured_neoplasm_sites() -> dict[str, frozenset[int]]:
    """The Table of Neoplasms' sites of the configured index; none (same category only) without one."""
    try:
        from ...config import get_settings

        return _neoplasm_sites(get_settings().index_dir)
    except Exception:  # noqa: BLE001 - no index: fall back to same category only
        return {}


def histology_confirms(episode: DiagnosisEpisode, classifications=None) -> None:
    """Histology outranks the clinical impression: a neoplasm code found in the histology replaces
    a clinically stated neoplasm code of the same site with another behaviour (a 'tumour of
    uncertain behaviour' becomes the carcinoma the pathologist reports).

    Standard: National Clinical Coding Standards ICD-10 5th Edition, Chapter II "Neoplasms"
    (histology confirms the behaviour and morphology) and General Coding Standards "Primary
    diagnosis"; house policy ../shared/data/uk_dev/README.md ("or histology when given").
    """
    histology = [c for c in episode.candidates if "histology" in c.sections and _is_neoplasm(c.code)]
    if not histology:
        return
    sites = _configured_neoplasm_sites()
    for cand in list(episode.candidates):
        if cand in histology or not _is_neoplasm(cand.code) or "histology" in cand.sections:
            continue
        for confirmed in histology:
            if same_neoplasm_site(cand.code, confirmed.code, sites):
                confirmed.note(f"histology confirms {confirmed.code}; clinical impression {cand.code} not coded")
                episode.drop(cand, f"clinical impression superseded by histology {confirmed.code}")
                break


_STATED_UNCERTAIN = ("uncertain", "borderline", "unknown behaviour", "unknown behavior", "malignant potential")


def _unspecified_behaviour(code: str) -> bool:
    return code[:1] == "D" and "D37" <= code[:3] <= "D48"


def known_behaviour_outranks_unspecified(episode: DiagnosisEpisode, classifications=None) -> None:
    """A tumour whose behaviour the record states elsewhere is coded by that behaviour: "renal
    tumour" (D41.0) and, later, "renal cell carcinoma" (C64) are one neoplasm, coded C64. A
    behaviour the clinician states as uncertain or borderline is kept.

    Standard: WHO ICD-10 Volume 2, rule MB4 "Specificity" (a condition recorded in general terms and
    precisely elsewhere is coded precisely); National Clinical Coding Standards ICD-10 5th Edition,
    Chapter II "Neoplasms" (D37-D48 are for neoplasms whose behaviour is documented as uncertain or
    cannot be determined).
    """
    known = [c for c in episode.candidates if _is_neoplasm(c.code) and not _unspecified_behaviour(c.code)]
    if not known:
        return
    sites = _configured_neoplasm_sites()
    for cand in list(episode.candidates):
        if not _unspecified_behaviour(cand.code):
            continue
        if any(word in f.evidence.text.lower() for f in cand.findings for word in _STATED_UNCERTAIN):
            continue
        for stated in known:
            if same_neoplasm_site(cand.code, stated.code, sites):
                stated.note(f"the tumour coded {cand.code} is this {stated.code}: behaviour stated in the record")
                episode.drop(cand, f"neoplasm behaviour stated elsewhere as {stated.code}")
                break


@dataclass(frozen=True, slots=True)
class BodySystem:
    chapter: str
    diagnoses: PrefixSet
    note: str


@lru_cache(maxsize=1)
def procedure_body_systems() -> dict[str, BodySystem]:
    table = read_table("procedure_body_systems.tsv", ("chapter", "diagnoses", "note"), ("diagnoses",))
    return {r["chapter"]: BodySystem(r["chapter"], PrefixSet.of(r["diagnoses"]), r["note"]) for r in table.rows}


def operated_on(cand: Candidate, main_procedure: str | None) -> bool:
    """Whether the episode's main procedure (OPCS-4) treats this diagnosis: the procedure
    engine's organ-level links (``procedures.links_to``) when available, else the body system of
    the procedure's OPCS-4 chapter (``procedure_body_systems.tsv``)."""
    if not main_procedure:
        return False
    try:
        from ..procedures import links_to

        return bool(links_to(main_procedure, [cand.code]))
    except ImportError:
        system = procedure_body_systems().get(main_procedure[:1].upper())
        return bool(system and matches(cand.code, system.diagnoses))


def primary_sort_key(cand: Candidate, episode: DiagnosisEpisode) -> tuple:
    """Ranks candidates for primary: higher is better, compared in this order:
    1. may be primary at all; 1b. not a 'sequelae of' code (the residual condition goes first);
    2. stated as this episode's condition (not history-only comorbidity); 2b. a stated admission
    for specific care (chemotherapy, radiotherapy, dialysis ...);
    3. the strongest section stating it (histology, post-operative, discharge diagnosis ...);
    3b. a complication of care (T80-T88) among equally stated conditions; 4. the condition operated on;
    4a. not the localised source of a coded sepsis (sepsis first); 4b. stated as the cause of another
    condition ("A secondary to B" -> B) (surgical episode);
    4c. stated as the reason for admission ("admitted with"); 5. listed first by the clinician (the
    clinician's main condition is respected: WHO rules MB1-MB5 only reselect for the reasons the
    other rules handle); 6. a definitive diagnosis over a symptom; 7. finder confidence.
    """
    doc, offset = episode.position(cand)
    rank = max((effective_rank(f, episode) for f in cand.findings if not f.historical), default=0)
    return (
        not_valid_as_primary(cand) is None,
        not is_sequela(cand.code),
        cand.current,
        is_care_encounter(cand, episode),
        rank,
        is_complication_of_care(cand, episode),
        operated_on(cand, episode.main_procedure),
        not source_of_coded_sepsis(cand, episode),
        stated_as_the_cause(cand, episode),
        stated_as_reason_for_admission(cand, episode),
        -doc,
        -offset,
        not is_symptom_code(cand.code),
        cand.score,
    )


def choose_primary(episode: DiagnosisEpisode, classifications=None) -> None:
    """Mark the main condition treated or investigated as the primary diagnosis, saying why.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, General Coding Standards
    "Primary diagnosis" (the main condition treated or investigated during the episode; for a
    surgical episode the condition operated on; a past-history condition is not the reason for
    admission; a symptom is primary only when no related definitive diagnosis is made); WHO ICD-10
    Volume 2, 4.4.1 "Main condition".
    """
    if not episode.candidates:
        episode.warn("no diagnosis could be coded from the documents: the episode needs a primary diagnosis")
        episode.query("Please state the main condition treated or investigated in this episode.",
                      "No codable diagnosis is documented (every episode needs a primary diagnosis).", None)
        return
    for cand in episode.candidates:
        cand.primary = False
    best = max(episode.candidates, key=lambda c: primary_sort_key(c, episode))
    why = not_valid_as_primary(best)
    if why:
        episode.warn(f"no code valid as primary diagnosis was found ({best.code}: {why})")
        episode.query("Please state the main condition treated or investigated in this episode.",
                      "No condition valid as the primary diagnosis is documented.", None, best.evidence)
        return
    best.primary = True
    reasons = [f"stated in the {', '.join(sorted(s.replace('_', ' ') for s in best.sections))}"]
    if operated_on(best, episode.main_procedure):
        reasons.append(f"the condition operated on ({episode.main_procedure})")
    if is_symptom_code(best.code):
        reasons.append("a symptom: no related definitive diagnosis was made")
    if not best.current:
        reasons.append("only documented in the history")
        episode.warn(f"primary diagnosis {best.code} is only documented in the history: check the reason for admission")
    best.note("primary diagnosis: main condition treated or investigated (" + "; ".join(reasons) + ")")


@dataclass(frozen=True)
class ArtificialOpening:
    procedure: PrefixSet
    attention: str
    complications: PrefixSet
    note: str


@lru_cache(maxsize=1)
def artificial_openings() -> tuple[ArtificialOpening, ...]:
    table = read_table("artificial_openings.tsv", ("procedure", "attention", "complications", "note"),
                       ("procedure", "attention", "complications"))
    return tuple(ArtificialOpening(PrefixSet.of(r["procedure"]), r["attention"], PrefixSet.of(r["complications"]),
                                   r["note"]) for r in table.rows)


def closure_of_artificial_opening(episode: DiagnosisEpisode, classifications=None) -> None:
    """An episode whose main operation closes a stoma (gastrostomy, colostomy, ileostomy,
    tracheostomy, cystostomy ...) is coded Z43.- Attention to artificial opening, which becomes the
    primary diagnosis as a stated admission for specific care; not when a complication of that
    opening is coded (then the complication is the condition treated).

    Standard: WHO ICD-10 Volume 1, Z43 (Incl.: closure; Excl.: artificial openings requiring
    attention for complications); National Clinical Coding Standards ICD-10 5th Edition, Chapter XXI
    (Z40-Z54: the Z code is the main condition); ``resources/artificial_openings.tsv``.
    """
    if not episode.main_procedure:
        return
    rule = next((r for r in artificial_openings() if matches(episode.main_procedure, r.procedure)), None)
    if rule is None or any(matches(c.code, rule.complications) for c in episode.candidates):
        return
    operation = next((p for p in episode.procedures if p.code == episode.main_procedure), None)
    if operation is None:
        return
    found = classifications.icd10.get(rule.attention) if classifications is not None else None
    title = found.title if found else "Attention to artificial opening"
    stated = Finding(code=rule.attention, system="icd10", term=title, evidence=operation.evidence,
                     section=operation.section, score=max(operation.score, 0.8))
    cand = episode.add(rule.attention, title, "attention to artificial opening",
                       f"{rule.attention} attention to artificial opening: the operation is a {rule.note} "
                       f"({episode.main_procedure}) with no complication of the opening coded (Z43 includes closure)",
                       score=stated.score)
    # the operation's own words state the care: ranked for primary as the procedure statement
    cand.findings.append(stated)


def stated_reason_when_nothing_else(episode: DiagnosisEpisode, classifications=None) -> None:
    """When no condition passes the other rules, the condition the clinician states as the reason for
    the episode (indications, presenting complaint, a diagnosis heading) is coded as the primary
    diagnosis even when the finder scored it below its cut-off, with a query asking the clinician to
    confirm it: every episode needs a primary diagnosis, and the stated reason ("temporal artery
    biopsy for headaches, to rule out arteritis" -> R51) is what a coder would take.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, General Coding Standards
    "Primary diagnosis" (the main condition treated or investigated; a symptom when no definitive
    diagnosis is made); house policy ../shared/data/uk_dev/README.md ("'rule out' is not coded:
    temporal artery biopsy -> R51").
    """
    if episode.candidates:
        return
    from .certainty import weak_but_documented

    options = [f for f, why in episode.excluded if weak_but_documented(f, why, episode)
               and in_statement(f, episode) and not_valid_as_primary(Candidate(f.code)) is None]
    if not options:
        return
    best = max(options, key=lambda f: (effective_rank(f, episode), f.score, -f.evidence.start))
    found = classifications.icd10.get(best.code) if classifications is not None else None
    cand = Candidate(found.code if found else best.code, found.title if found else best.term,
                     findings=[best], score=best.score)
    cand.note(f"'{best.evidence.text}' is the reason stated for the episode ({best.section.replace('_', ' ')}); "
              f"the finder scored it {best.score:.2f}, below its cut-off, and nothing else was coded: coded "
              "as the primary diagnosis, to be confirmed")
    episode.candidates.append(cand)
    episode.dropped.pop(cand.code, None)
    episode.query(f"Please confirm the main condition: the notes state '{best.evidence.text}' as the reason for "
                  "this episode and no diagnosis.", "Only a weakly supported statement names the main condition.",
                  cand.code, cand.evidence)
