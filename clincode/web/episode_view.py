"""What the coding screen shows for one episode, built from the store's records.

The screen lists, per classification, the coder's codes ('final') and the engine's proposals not
yet taken into them; every row links to the words in the documents that support it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup

from ..store.models import Episode, EpisodeCode
from .clock import local_date, when
from .deadlines import DeadlineRules, Deadlines, days_label, deadlines
from .highlight import Span, highlight
from ..classification import load_classifications
from .validation import Message, missing_laterality, patient_age, validate_code
from .names import (
    ADMISSION_METHODS, DISCHARGE_METHODS, DOCUMENT_TYPES, SEX, nhs_number_display, patient_name,
    specialty_label, status_colour, status_label,
)


@dataclass
class CodeRow:
    ref: str  # "f12" (final code 12) or "p40" (proposal 40): the id linking row and evidence
    id: int
    stage: str  # final | proposed
    system: str  # icd10 | opcs4
    position: int
    code: str
    title: str
    primary: bool
    source: str
    score: float | None
    evidence: list[dict]
    rationale: list[str]
    index_path: str | None = None
    performed_on: date | None = None  # procedure date (the CDS carries one per procedure)
    qualifies: str | None = None  # the code a Y/Z or asterisk code goes with
    mark: str = ""  # "†" dagger or "*" asterisk (the ICD-10 dual classification convention)
    heading: str = ""  # the category's title, for 4th/5th-character titles read under it
    problems: list = field(default_factory=list)  # validation Messages
    first: bool = False
    last: bool = False

    @property
    def primary_label(self) -> str:
        return "Primary diagnosis" if self.system == "icd10" else "Main procedure"

    @property
    def is_procedure(self) -> bool:
        """An OPCS-4 procedure code proper (not a Y method or Z site qualifier): has a date."""
        return self.system == "opcs4" and self.code[:1] not in ("Y", "Z")

    @property
    def evidence_words(self) -> str:
        return " … ".join(e.get("text", "") for e in self.evidence if e.get("text"))


@dataclass
class DocumentView:
    id: int
    heading: str
    meta: str
    html: Markup
    missing: list[Span]
    newer_than_engine: bool = False


@dataclass
class CodeGroup:
    system: str
    heading: str
    final: list[CodeRow]
    pending: list[CodeRow]


@dataclass
class EpisodeView:
    episode: Episode
    patient: str
    facts: list[tuple[str, str]]
    status: str
    status_label: str
    status_colour: str
    deadlines: Deadlines | None
    documents: list[DocumentView]
    groups: list[CodeGroup]
    queries: list
    suggested_queries: list
    finalise_problems: list[str]
    locked: bool
    has_run: bool = False
    spell_start: date | None = None
    spell_end: date | None = None

    @property
    def new_documents(self) -> list[DocumentView]:
        return [d for d in self.documents if d.newer_than_engine]

    @property
    def unreviewed(self) -> int:
        return sum(len(g.pending) for g in self.groups)

    @property
    def version(self) -> int:
        return self.episode.version


def _row(code: EpisodeCode, index_paths: dict[str, str]) -> CodeRow:
    return CodeRow(
        ref=("f" if code.stage == "final" else "p") + str(code.id), id=code.id, stage=code.stage,
        system=code.system, position=code.position, code=code.code, title=code.title or "",
        primary=bool(code.primary), source=code.source, score=code.score, evidence=list(code.evidence or []),
        rationale=list(code.rationale or []), index_path=index_paths.get(code.code),
        performed_on=code.performed_on, qualifies=code.qualifies,
    )


def _category_heading(clf, system: str, code: str) -> str:
    """The title a subdivided code is printed under in the tabular list ('Non-insulin-dependent
    diabetes mellitus' for E11.9 'Without complications'), so a short title is never read alone."""
    try:
        found = clf.table(system).get(code)
    except LookupError:
        return ""
    category = found.category if found is not None else None
    if category is None or category is found:
        return ""
    return category.title


def _dagger_asterisk_marks(clf, rows: list[CodeRow]) -> None:
    """Mark asterisk codes '*' and, when one of its asterisk codes is on the episode too, the
    dagger code '†' (ICD-10 Volume 2, dagger and asterisk system; NCCS DGCS.1), as the coder
    writes them on the coding sheet."""
    is_asterisk = getattr(clf, "is_asterisk", None)
    pairs = getattr(clf, "dagger_asterisk_pairs", None) or {}
    if is_asterisk is None:
        return
    present = {r.code for r in rows}
    for row in rows:
        if is_asterisk(row.code):
            row.mark = "*"
        else:
            partners = pairs.get(row.code) or pairs.get(row.code[:3]) or ()
            if any(p in present or any(c.startswith(p) for c in present) for p in partners):
                row.mark = "†"


def _age(birth: date | None, on: date | None) -> str | None:
    if not birth or not on:
        return None
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return f"{years} years" if years >= 2 else f"{(on - birth).days // 30} months"


def build(episode: Episode, *, today: date, rules: DeadlineRules, proposal=None,
          finalise_problems: list[str] | None = None, engine_ran_at: datetime | None = None) -> EpisodeView:
    spell, patient = episode.spell, episode.spell.patient
    admitted = local_date(spell.admission_date)
    discharged = local_date(spell.discharge_date)
    age = patient_age(patient.birth_date, admitted)
    clf = load_classifications()
    index_paths: dict[str, str] = {}
    suggested = []
    if proposal is not None:
        for a in list(proposal.diagnoses) + list(proposal.procedures):
            if a.index_path:
                index_paths[a.code] = a.index_path
        suggested = list(proposal.queries)

    groups: list[CodeGroup] = []
    for system, heading in (("icd10", "Diagnoses (ICD-10)"), ("opcs4", "Procedures (OPCS-4)")):
        finals = sorted((c for c in episode.codes if c.stage == "final" and c.system == system), key=lambda c: c.position)
        final_codes = {c.code for c in finals}
        proposed = sorted((c for c in episode.codes if c.stage == "proposed" and c.system == system
                           and c.code not in final_codes), key=lambda c: c.position)
        final_rows = [_row(c, index_paths) for c in finals]
        engine_said = {c.code: c for c in episode.codes if c.stage == "proposed" and c.system == system}
        for row in final_rows:
            if not row.evidence and row.code in engine_said:
                # A coder who typed a code the engine had also proposed still sees the engine's evidence.
                row.evidence = list(engine_said[row.code].evidence or [])
            row.problems = validate_code(row.system, row.code, primary=row.primary, sex=patient.sex, age=age).messages
        if system == "opcs4":
            for i, message in missing_laterality([(r.code, r.title) for r in final_rows]).items():
                final_rows[i].problems.append(Message(message, "warning"))
        if final_rows:
            final_rows[0].first, final_rows[-1].last = True, True
        pending_rows = [_row(c, index_paths) for c in proposed]
        for row in pending_rows:
            # What accepting would run into, shown before the coder accepts it.
            row.problems = validate_code(row.system, row.code, primary=row.primary, sex=patient.sex, age=age).messages
        groups.append(CodeGroup(system, heading, final_rows, pending_rows))

    # Evidence marks: every shown row's words, per document (evidence names the document by id).
    spans: dict[str, list[Span]] = {}
    _dagger_asterisk_marks(clf, [r for g in groups if g.system == "icd10" for r in g.final + g.pending])
    for group in groups:
        for row in group.final + group.pending:
            cat_title = _category_heading(clf, row.system, row.code)
            if cat_title and cat_title.lower() not in row.title.lower():
                row.heading = cat_title
            for ev in row.evidence:
                try:
                    spans.setdefault(str(ev.get("document")), []).append(
                        Span(row.ref, row.code, int(ev.get("start", -1)), int(ev.get("end", -1)), ev.get("text") or "",
                             row.system))
                except (TypeError, ValueError):
                    continue  # malformed evidence from an old run: the row still shows, unmarked
    documents = []
    for doc in episode.documents:
        html, missing = highlight(doc.text, spans.get(str(doc.id), []))
        kind = DOCUMENT_TYPES.get(doc.doc_type, doc.doc_type.replace("_", " ").capitalize())
        meta = " · ".join(p for p in (
            doc.source_system if doc.source_system and doc.source_system != "unknown" else "",
            when(doc.authored_at, with_time=True),
        ) if p)
        # A document that arrived (or was amended) after the engine ran, e.g. a late histology report.
        newer = bool(engine_ran_at and doc.received_at and doc.received_at > engine_ran_at)
        documents.append(DocumentView(doc.id, doc.title or kind, meta, html, missing, newer))

    facts = [
        ("NHS number", nhs_number_display(patient.nhs_number)),
        ("Hospital number", patient.local_patient_id or "not recorded"),
        ("Born", (patient.birth_date.strftime("%d %b %Y") if patient.birth_date else "not recorded")
         + (f" ({_age(patient.birth_date, admitted)} on admission)" if _age(patient.birth_date, admitted) else "")),
        ("Sex", SEX.get(patient.sex or "", "not recorded")),
        ("Spell / episode", f"{spell.spell_number} / {episode.episode_number}"),
        ("Admitted", (admitted.strftime("%d %b %Y") if admitted else "not recorded")
         + (f", {ADMISSION_METHODS.get(spell.admission_method, spell.admission_method)}" if spell.admission_method else "")),
        ("Discharged", (discharged.strftime("%d %b %Y") if discharged else "not discharged")
         + (f", {DISCHARGE_METHODS.get(spell.discharge_method, spell.discharge_method)}" if spell.discharge_method else "")),
        ("Specialty", specialty_label(episode.main_specialty)),
        ("Consultant", episode.consultant_code or "not recorded"),
    ]
    open_queries = [q for q in episode.queries if q.status == "open"]
    status = "awaiting_query" if open_queries and episode.status != "finalised" else episode.status
    return EpisodeView(
        episode=episode, patient=patient_name(patient.family_name, patient.given_name), facts=facts,
        status=status, status_label=status_label(status), status_colour=status_colour(status),
        deadlines=deadlines(discharged, today, rules), documents=documents, groups=groups,
        queries=sorted(episode.queries, key=lambda q: (q.status != "open", -q.id)),
        suggested_queries=[q for q in suggested if not any(r.question == q.question for r in episode.queries)],
        finalise_problems=finalise_problems or [], locked=episode.status == "finalised",
        has_run=proposal is not None, spell_start=admitted, spell_end=discharged,
    )


__all__ = ["CodeRow", "CodeGroup", "DocumentView", "EpisodeView", "build", "days_label"]
