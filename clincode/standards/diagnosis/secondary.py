"""Which other conditions are secondary diagnoses of the episode.

A coder codes the conditions that coexist with the main condition and affect the care given, plus
the comorbidities always coded. In a document with a statement of the episode (diagnosis lists,
procedure and findings headings, indications) that statement names those conditions; a condition
met only in the narrative (history of the presenting illness, examination, operative description)
is an incidental finding unless it is a comorbidity always coded. A complication or injury of the
episode is expected in the statement too (the complications heading, the diagnoses, the
procedure list): the operative narrative's routine words ("sutures", "bleeding controlled") are
not complications. A document without any such statement (a letter with no headings) is read whole.
"""
from __future__ import annotations

from .comorbidities import comorbidity, history_status_policy
from .episode import Candidate, DiagnosisEpisode, section_info
from .symptoms import is_symptom_code
from .technique import later_procedure_narrative


def _always_secondary(cand: Candidate) -> bool:
    code = cand.code
    return bool(
        comorbidity(code)
        or history_status_policy(code)
        or cand.added_by
        or cand.qualifies
        or code.startswith(("B95", "B96", "B97", "B98", "U8"))
    )


# Under a procedure, indications, findings or presenting-complaint heading the statement is the
# short text right after the heading; dictated notes often run on into the operative narrative
# under the same heading ("PROCEDURE: This 64-year-old man ... was taken to theatre ...").
_SHORT_STATEMENTS = {"procedure", "indications", "findings", "chief_complaint"}
STATEMENT_LENGTH = 300  # characters after the heading


def in_statement(f, episode: DiagnosisEpisode) -> bool:
    """Whether a finding is part of the clinician's statement of the episode (not the narrative)."""
    info = section_info(f.section)
    if f.historical or not info.statement:
        return False
    if f.section not in _SHORT_STATEMENTS:
        return True
    if f.section == "procedure" and later_procedure_narrative(episode, f.evidence.document, f.evidence.start):
        return False  # the operative description under a second procedure heading
    body_start = _section_body_start(episode, f.evidence.document, f.evidence.start)
    return body_start is None or f.evidence.start - body_start <= STATEMENT_LENGTH


NARRATIVE_RANK = 4  # what a run-on narrative under a statement heading weighs (as an operative description)


def effective_rank(f, episode: DiagnosisEpisode) -> int:
    """The section rank of a finding, with a run-on narrative under a short-statement heading
    weighed as narrative."""
    info = section_info(f.section)
    if f.section in _SHORT_STATEMENTS and not f.historical and not in_statement(f, episode):
        return min(info.rank, NARRATIVE_RANK)
    return info.rank


def _section_body_start(episode: DiagnosisEpisode, document: str, offset: int) -> int | None:
    for doc in episode.parsed:
        if doc.document.id != document:
            continue
        for section in doc.sections:
            if section.start <= offset < section.end:
                return getattr(section, "body_start", section.start)
    return None


def narrative_conditions_need_a_statement(episode: DiagnosisEpisode, classifications=None) -> None:
    """When the episode states its diagnoses, a condition found only in the narrative is not coded
    unless it is a comorbidity always coded (or a code the conventions attach to another).

    Standard: National Clinical Coding Standards ICD-10 5th Edition, General Coding Standards
    "Secondary diagnoses" (conditions that coexist and affect the patient's management) and WHO
    ICD-10 Volume 2, 4.4.1 ("other conditions" are those that coexist or develop during the episode
    and affect its management); house policy ../shared/data/uk_dev/README.md ("untreated
    incidental findings are left out").
    """
    stated = {id(c) for c in episode.candidates if any(in_statement(f, episode) for f in c.findings)}
    if not stated:
        return
    for cand in list(episode.candidates):
        if id(cand) in stated or _always_secondary(cand):
            continue
        kind = "symptom" if is_symptom_code(cand.code) else "condition"
        episode.drop(cand, f"{kind} found only in the narrative, not in the episode's statement of diagnoses")


# Z00-Z13: persons encountering health services for examination and investigation.
_EXAMINATION_ONLY = ("Z00", "Z01", "Z02", "Z03", "Z04", "Z08", "Z09", "Z10", "Z11", "Z12", "Z13")


def examination_codes_only_without_a_diagnosis(episode: DiagnosisEpisode, classifications=None) -> None:
    """Codes for an examination, observation or follow-up with no condition found (Z00-Z13) are not
    used when the episode has a diagnosis of a condition; they stand only when nothing is found.

    Standard: WHO ICD-10 Volume 1, Chapter XXI note to Z00-Z13 (persons without a reported
    diagnosis encountered for examination or investigation); National Clinical Coding Standards
    ICD-10 5th Edition, Chapter XXI ("Observation for suspected diseases and conditions ruled out",
    Z03, only when no condition is found).
    """
    conditions = [c for c in episode.candidates if not c.code.startswith("Z") and not c.qualifies]
    if not conditions:
        return
    for cand in list(episode.candidates):
        if cand.code.startswith(_EXAMINATION_ONLY):
            episode.drop(cand, f"examination/observation code not used: {conditions[0].code} is diagnosed")


# Z40-Z41: persons encountering health services for a specific procedure that does not remedy a
# health state (prophylactic surgery, cosmetic surgery, routine and ritual circumcision ...).
_PROCEDURE_AS_REASON = ("Z40", "Z41")


def procedure_reasons_need_this_episodes_procedure(episode: DiagnosisEpisode, classifications=None) -> None:
    """A code saying the patient came for a procedure (Z40-Z41: prophylactic, cosmetic, routine
    circumcision) is used only when that procedure is done in this episode; a past one ("had a
    circumcision four days ago", "status post circumcision") is not the reason for the care.

    Standard: WHO ICD-10 Volume 1, Chapter XXI note to Z40-Z54 (persons who have been admitted to
    receive a specific procedure); National Clinical Coding Standards ICD-10 5th Edition, Chapter XXI
    (Z codes as the reason for admission) and General Coding Standards "Primary diagnosis".
    """
    if episode.coded_procedures is not None:
        done_here = any(code[:1] not in "YZ" for code in episode.coded_procedures)
    else:
        done_here = any(p.affirmed and not p.historical and p.code[:1] not in "YZ" for p in episode.procedures)
    for cand in list(episode.candidates):
        if not cand.code.startswith(_PROCEDURE_AS_REASON):
            continue
        if done_here and any(not f.historical for f in cand.findings):
            continue
        episode.drop(cand, f"{cand.code}: the procedure is not done in this episode (a past or planned "
                           "procedure is not the reason for the care)")
