"""Words of the operative technique are not diagnoses.

An operation note describes how the operation was done (anaesthetic, incisions, sutures, drains,
specimens sent) as well as what was found. A coder codes what the clinician found or diagnosed,
never the instruments and steps: "3-0 silk sutures" is not a burst suture (T81.3), "general
anesthesia" is not anaesthesia of the skin (R20.0), "the tumor forceps" is not a tumour. Words in
the technique count only when their sentence states a finding ("the appendix was found to be
perforated", "there was a large abscess").
"""
from __future__ import annotations

import re

from ...coding.findings import Finding
from .comorbidities import comorbidity
from .episode import DiagnosisEpisode

# Sections that describe how the procedure was done (clincode.text canonical names).
TECHNIQUE_SECTIONS = frozenset({"description_of_procedure", "anaesthesia", "specimens"})

# A second procedure heading whose body runs on this long is the operative description written under
# "PROCEDURE:" / "OPERATIVE PROCEDURE:" after the procedure list (MTSamples dictation).
NARRATIVE_MIN_CHARS = 400

# Words by which an operative description states what was found rather than what was done.
_FINDING_WORDS = re.compile(
    r"\b(found|noted|revealed?|reveals|showed|shows|show|seen|visuali[sz]ed to be|appeared|appears|"
    r"demonstrat\w+|consistent with|compatible with|suggestive of|evidence of|confirm\w*|"
    r"there (?:was|were|is|are)|encountered|diagnos\w+|findings?|"
    # the operative description restating why the patient came: "brought urgently ... with a cardiac arrest"
    r"(?:presented|presenting|admitted|brought|referred|known)\b[^.]{0,80}\bwith)\b",
    re.IGNORECASE,
)


def later_procedure_narrative(episode: DiagnosisEpisode, document: str, offset: int) -> bool:
    """Whether ``offset`` lies in a procedure section that follows the document's first one and runs
    on (the operative description under a second "PROCEDURE:" heading)."""
    parsed = _parsed(episode, document)
    if parsed is None:
        return False
    seen = False
    for section in parsed.sections:
        if section.name != "procedure":
            continue
        if section.start <= offset < section.end:
            return seen and section.end - section.body_start >= NARRATIVE_MIN_CHARS
        seen = True
    return False


def in_operative_technique(f: Finding, episode: DiagnosisEpisode) -> bool:
    if f.section in TECHNIQUE_SECTIONS:
        return True
    return f.section == "procedure" and later_procedure_narrative(episode, f.evidence.document, f.evidence.start)


def states_a_finding(sentence: str) -> bool:
    return bool(_FINDING_WORDS.search(sentence))


def technique_words_are_not_findings(f: Finding, episode: DiagnosisEpisode) -> tuple[bool, str] | None:
    """A word in the operative technique (anaesthesia, operative description, specimens) is not a
    diagnosis unless its sentence states a finding; comorbidities always coded still count.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, General Coding Standards
    (codes are assigned from the conditions the clinician documents; "Primary diagnosis": for a
    surgical episode the condition operated on, as stated by the operation's diagnosis) and WHO
    ICD-10 Volume 2, 4.4.1 (only conditions documented by the clinician are coded).
    """
    if not in_operative_technique(f, episode) or comorbidity(f.code):
        return None
    sentence = _sentence(episode, f)
    if sentence and states_a_finding(sentence):
        return None
    where = f.section.replace("_", " ") if f.section != "procedure" else "operative description"
    return False, f"'{f.evidence.text}' is part of the operative technique ({where}), not a stated finding"


def _parsed(episode: DiagnosisEpisode, document: str):
    return next((p for p in episode.parsed if p.document.id == document), None)


def _sentence(episode: DiagnosisEpisode, f: Finding) -> str:
    parsed = _parsed(episode, f.evidence.document)
    if parsed is not None:
        sentence = parsed.sentence_at(f.evidence.start)
        if sentence is not None:
            return sentence.text
    text = episode.texts.get(f.evidence.document, "")
    start = max(text.rfind(". ", 0, f.evidence.start), text.rfind("\n", 0, f.evidence.start)) + 1
    end = text.find(". ", f.evidence.end)
    return text[start:end if end >= 0 else len(text)]


# "anaesthesia" as the anaesthetic given, not loss of sensation (R20.0): the care words around it.
_ANAESTHETIC_CARE = re.compile(
    r"\b(?:under|general|local|spinal|epidural|regional|caudal|topical|adequate|satisfactory|induction of|"
    r"induced|monitored|sedation|intubat\w*|mac|anesthesiolog\w*|anaesthetist|anesthetist|team|care|"
    r"administered|given|provided|infiltrat\w*|block|lidocaine|xylocaine|marcaine|bupivacaine)\b",
    re.IGNORECASE,
)
_ANAESTHESIA_WORD = re.compile(r"^an(?:a)?esthe(?:sia|tic)s?$", re.IGNORECASE)


def anaesthetic_is_not_a_condition(f: Finding, text: str) -> tuple[bool, str] | None:
    """"Anaesthesia" meaning the anaesthetic ("under general anesthesia", "examination under
    anesthesia", "after adequate anesthesia had been induced") is not anaesthesia of the skin (R20).

    Standard: WHO ICD-10 Volume 2, 4.4.1 (only conditions documented by the clinician are coded);
    National Clinical Coding Standards ICD-10 5th Edition (the anaesthetic is part of the procedure,
    coded if at all with OPCS-4 Y80-Y84, never as a diagnosis).
    """
    if not f.code.startswith("R20") or not _ANAESTHESIA_WORD.match((f.evidence.text or "").strip()):
        return None
    around = text[max(0, f.evidence.start - 40):min(len(text), f.evidence.end + 40)]
    if _ANAESTHETIC_CARE.search(around):
        return False, f"'{f.evidence.text}' is the anaesthetic given, not loss of skin sensation"
    return None


# The heart stopped on purpose for cardiac surgery: cardioplegia, "diastolic arrest", "arrested the heart".
_INDUCED_ARREST = re.compile(r"cardioplegi|diastolic arrest|arrest(?:ed)? the heart with|(?:induced|elective) (?:cardiac )?arrest",
                             re.IGNORECASE)


def induced_cardiac_arrest_is_technique(f: Finding, text: str) -> tuple[bool, str] | None:
    """A cardiac arrest the surgeon induced (cardioplegia, "complete diastolic arrest of the heart")
    is part of the operation on cardiopulmonary bypass, not the condition I46.

    Standard: WHO ICD-10 Volume 2, 4.4.1 (only conditions documented by the clinician are coded);
    OPCS-4 (cardioplegia is part of the open heart operation and its Y73 cardiopulmonary bypass code).
    """
    if not f.code.startswith("I46"):
        return None
    around = text[max(0, f.evidence.start - 60):min(len(text), f.evidence.end + 60)]
    if _INDUCED_ARREST.search(around):
        return False, f"'{f.evidence.text}' is the heart arrested for the operation (cardioplegia), not a cardiac arrest"
    return None
