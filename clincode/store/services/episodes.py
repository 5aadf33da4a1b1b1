"""Episodes: the worklist, reading one episode, and storing what the interfaces deliver."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..errors import NotFound, ValidationFailed
from ..models import ClinicianQuery, Document, Episode, Patient, Spell
from ..records import DocumentData, EpisodeData, EpisodeRecord, PatientData, SpellData
from ._common import Actor, audit, episode_for_change, load_episode, require, snapshot, touch

STATUSES = ("uncoded", "proposed", "in_progress", "finalised")
_PATIENT_FIELDS = ("nhs_number", "local_patient_id", "family_name", "given_name", "birth_date", "sex")
_SPELL_FIELDS = ("spell_number", "admission_date", "admission_method", "admission_source",
                 "discharge_date", "discharge_method", "discharge_destination")
_EPISODE_FIELDS = ("episode_number", "consultant_code", "main_specialty", "treatment_function", "ward",
                   "start_date", "end_date")


@dataclass
class WorklistFilters:
    status: str | tuple[str, ...] | None = None  # one of STATUSES, or several (the web worklist's 'to code')
    specialty: str | None = None  # main specialty or treatment function code
    consultant: str | None = None
    ward: str | None = None  # the ward of discharge (last assigned ward), as the PAS names it
    assigned_to: str | None = None
    discharged_from: datetime | None = None
    discharged_to: datetime | None = None
    has_open_query: bool | None = None
    search: str | None = None  # spell number or local patient id
    limit: int = 50
    offset: int = 0


@dataclass
class WorklistPage:
    episodes: list[Episode]
    total: int


def _open_query_exists():
    return select(ClinicianQuery.id).where(
        ClinicianQuery.episode_id == Episode.id, ClinicianQuery.status == "open").exists()


def _worklist_select(f: WorklistFilters, *, with_status: bool = True):
    """The worklist's SELECT of episodes under the filters (the status filter optional)."""
    statuses = (f.status,) if isinstance(f.status, str) else tuple(f.status or ())
    for status in statuses:
        if status not in STATUSES:
            raise ValidationFailed(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    q = select(Episode).join(Episode.spell)
    if statuses and with_status:
        q = q.where(Episode.status.in_(statuses))
    if f.specialty:
        q = q.where(or_(Episode.main_specialty == f.specialty, Episode.treatment_function == f.specialty))
    if f.consultant:
        q = q.where(Episode.consultant_code == f.consultant)
    if f.ward:
        q = q.where(Episode.ward == f.ward)
    if f.assigned_to:
        q = q.where(Episode.assigned_to == f.assigned_to)
    if f.discharged_from:
        q = q.where(Spell.discharge_date >= f.discharged_from)
    if f.discharged_to:
        q = q.where(Spell.discharge_date <= f.discharged_to)
    if f.has_open_query is not None and with_status:
        open_q = _open_query_exists()
        q = q.where(open_q if f.has_open_query else ~open_q)
    if f.search:
        q = q.join(Spell.patient).where(or_(Spell.spell_number == f.search, Patient.local_patient_id == f.search,
                                              Patient.nhs_number == f.search.replace(" ", "")))
    return q


def list_worklist(session: Session, actor: Actor, filters: WorklistFilters | None = None) -> WorklistPage:
    """Episodes to code, oldest discharge first (the order coding deadlines run in)."""
    require(actor, "episodes:read")
    f = filters or WorklistFilters()
    q = _worklist_select(f)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    q = (q.options(selectinload(Episode.spell).selectinload(Spell.patient))
         .order_by(Spell.discharge_date.is_(None), Spell.discharge_date, Episode.id)
         .limit(max(1, min(f.limit, 500))).offset(max(0, f.offset)))
    return WorklistPage(list(session.scalars(q)), total)


def worklist_counts(session: Session, actor: Actor, filters: WorklistFilters | None = None, *,
                    discharged_before: datetime | None = None) -> dict[str, int]:
    """Counts at a glance for the worklist under ``filters`` (their status and open-query filters
    are ignored), in one query: episodes per status; 'open_query', those not finalised with an
    open clinician query; and, given ``discharged_before``, 'discharged_before', those not
    finalised discharged before it (past a coding deadline)."""
    require(actor, "episodes:read")
    sub = _worklist_select(filters or WorklistFilters(), with_status=False).with_only_columns(
        Episode.status.label("status"), _open_query_exists().label("open_query"),
        Spell.discharge_date.label("discharged")).subquery()
    not_final = sub.c.status != "finalised"
    late = (sub.c.discharged < discharged_before) if discharged_before is not None else None
    columns = [sub.c.status, func.count(),
               func.sum(case((and_(not_final, sub.c.open_query), 1), else_=0))]
    if late is not None:
        columns.append(func.sum(case((and_(not_final, late), 1), else_=0)))
    counts: dict[str, int] = {status: 0 for status in STATUSES}
    counts["open_query"] = counts["discharged_before"] = 0
    for row in session.execute(select(*columns).group_by(sub.c.status)):
        counts[row[0]] = counts.get(row[0], 0) + int(row[1])
        counts["open_query"] += int(row[2] or 0)
        if late is not None:
            counts["discharged_before"] += int(row[3] or 0)
    return counts


def get_episode(session: Session, actor: Actor, episode_id: int) -> Episode:
    """One episode with its spell, patient, documents, codes and queries loaded."""
    require(actor, "episodes:read")
    # one joined query for the episode, spell and patient; one each for the three collections
    q = (select(Episode).where(Episode.id == episode_id).options(
        joinedload(Episode.spell).joinedload(Spell.patient),
        selectinload(Episode.documents), selectinload(Episode.codes), selectinload(Episode.queries)))
    episode = session.scalars(q).first()
    if episode is None:
        raise NotFound(f"no episode {episode_id}")
    return episode


def assign_episode(session: Session, actor: Actor, episode_id: int, username: str | None,
                   expected_version: int | None = None) -> Episode:
    """Give an episode to a coder (None: back to the pool)."""
    require(actor, "episodes:code")
    episode = episode_for_change(session, episode_id, expected_version)
    before = {"assigned_to": episode.assigned_to}
    episode.assigned_to = username
    touch(episode)
    audit(session, actor, "assign", "episode", episode.id, episode_id=episode.id, before=before,
          after={"assigned_to": username})
    session.flush()
    return episode


# --- ingest ---------------------------------------------------------------------------------
def upsert_patient(session: Session, actor: Actor, data: PatientData) -> Patient:
    if not data.has_identifier():
        raise ValidationFailed("the patient has neither an NHS number nor a local patient identifier")
    patient = None
    if data.nhs_number:
        patient = session.scalars(select(Patient).where(Patient.nhs_number == data.nhs_number)).first()
    if patient is None and data.local_patient_id:
        patient = session.scalars(select(Patient).where(Patient.local_patient_id == data.local_patient_id)).first()
    return _upsert(session, actor, patient, Patient, data.model_dump(), _PATIENT_FIELDS, "patient", None)


def upsert_spell(session: Session, actor: Actor, patient: Patient, data: SpellData) -> Spell:
    spell = session.scalars(select(Spell).where(Spell.spell_number == data.spell_number)).first()
    if spell is not None and spell.patient_id != patient.id:
        raise ValidationFailed(f"spell {data.spell_number} belongs to another patient")
    values = data.model_dump()
    if spell is None:
        values["patient_id"] = patient.id
    return _upsert(session, actor, spell, Spell, values, _SPELL_FIELDS + (("patient_id",) if spell is None else ()),
                   "spell", None)


def upsert_episode(session: Session, actor: Actor, spell: Spell, data: EpisodeData) -> Episode:
    episode = session.scalars(select(Episode).where(
        Episode.spell_id == spell.id, Episode.episode_number == data.episode_number)).first()
    values = data.model_dump()
    if episode is None:
        values["spell_id"] = spell.id
        episode = _upsert(session, actor, None, Episode, values, _EPISODE_FIELDS + ("spell_id",), "episode", None)
        episode.status = "uncoded"
        return episode
    # PAS corrections reach finalised episodes too: they are recorded, but the coding stays locked.
    return _upsert(session, actor, episode, Episode, values, _EPISODE_FIELDS, "episode", episode.id)


def _upsert(session, actor, row, model, values: dict, fields: tuple[str, ...], entity: str, episode_id):
    if row is None:
        row = model(**{f: values.get(f) for f in fields})
        session.add(row)
        session.flush()
        audit(session, actor, "create", entity, row.id, episode_id=row.id if entity == "episode" else episode_id,
              after=snapshot(row, fields))
        return row
    before = snapshot(row, fields)
    changed = False
    for f in fields:
        new = values.get(f)
        if new is not None and getattr(row, f) != new:  # absent fields never erase stored ones
            setattr(row, f, new)
            changed = True
    if changed:
        if isinstance(row, Episode):
            touch(row)
        session.flush()
        audit(session, actor, "update", entity, row.id, episode_id=episode_id, before=before,
              after=snapshot(row, fields))
    return row


def add_document(session: Session, actor: Actor, episode: Episode, data: DocumentData) -> tuple[Document, bool]:
    """Store a document on an episode; returns (document, created). The same document sent
    again (same source and id, or same text on the same episode) is not stored twice."""
    digest = hashlib.sha256(data.text.encode("utf-8")).hexdigest()
    existing = None
    if data.external_id:
        existing = session.scalars(select(Document).where(
            Document.source_system == data.source_system, Document.external_id == data.external_id)).first()
        if existing is not None and existing.sha256 != digest:
            # An amended document (same id, new text) replaces the old one; coding must be revisited.
            # The old text goes into the (append-only) audit trail: an amendment loses nothing.
            before = {"sha256": existing.sha256, "doc_type": existing.doc_type, "text": existing.text}
            existing.text, existing.sha256, existing.doc_type = data.text, digest, data.doc_type
            audit(session, actor, "amend", "document", existing.id, episode_id=existing.episode_id,
                  before=before, after={"sha256": digest, "doc_type": data.doc_type})
            if existing.episode.status == "finalised":
                from .queries import new_dq_issue

                new_dq_issue(session, actor, existing.episode_id, "amended_document",
                             f"document {existing.id} was amended after the episode was finalised: "
                             "review the coding (re-open the episode if it changes)")
            else:
                touch(existing.episode)
            return existing, True
    if existing is None:
        existing = session.scalars(select(Document).where(
            Document.episode_id == episode.id, Document.sha256 == digest)).first()
    if existing is not None:
        return existing, False
    doc = Document(episode_id=episode.id, sha256=digest, **data.model_dump())
    session.add(doc)
    session.flush()
    audit(session, actor, "create", "document", doc.id, episode_id=episode.id,
          after={"doc_type": doc.doc_type, "source_system": doc.source_system, "external_id": doc.external_id,
                 "sha256": digest, "chars": len(doc.text)})
    if episode.status == "proposed":
        touch(episode)  # new evidence arrived after the engine ran
    return doc, True


def ingest_record(session: Session, actor: Actor, record: EpisodeRecord) -> Episode:
    """Store one episode record (patient, spell, episode, documents) in the caller's transaction."""
    require(actor, "ingest:write")
    patient = upsert_patient(session, actor, record.patient)
    spell = upsert_spell(session, actor, patient, record.spell)
    episode = upsert_episode(session, actor, spell, record.episode)
    for doc in record.documents:
        add_document(session, actor, episode, doc)
    session.flush()
    return episode


def find_patient(session: Session, nhs_number: str | None, local_patient_id: str | None) -> Patient | None:
    if nhs_number:
        found = session.scalars(select(Patient).where(Patient.nhs_number == nhs_number)).first()
        if found is not None:
            return found
    if local_patient_id:
        return session.scalars(select(Patient).where(Patient.local_patient_id == local_patient_id)).first()
    return None


def merge_patients(session: Session, actor: Actor, surviving: Patient, prior: Patient) -> list[str]:
    """A PAS merge (ADT^A40): the prior record's spells, with their episodes and coding, move to
    the surviving patient. The prior record stays, empty, so old references still resolve; the
    audit trail says what moved. Returns the spell numbers moved."""
    require(actor, "ingest:write")
    if prior.id == surviving.id:
        return []
    moved = [sp.spell_number for sp in prior.spells]
    for spell in list(prior.spells):
        spell.patient_id = surviving.id
    session.flush()
    session.expire(prior, ["spells"])
    session.expire(surviving, ["spells"])
    audit(session, actor, "merge", "patient", prior.id, before={"patient_id": prior.id, "spells": moved},
          after={"patient_id": surviving.id, "spells": moved})
    return moved


def latest_episode_of_spell(session: Session, spell_number: str) -> Episode:
    spell = session.scalars(select(Spell).where(Spell.spell_number == spell_number)).first()
    if spell is None or not spell.episodes:
        raise NotFound(f"no spell {spell_number} (the admission message must come first)")
    return spell.episodes[-1]


def episode_label(episode: Episode) -> str:
    """'<spell number>/<episode order>': how coders and the PAS refer to an episode."""
    return f"{episode.spell.spell_number}/{episode.episode_number}"


__all__ = [
    "STATUSES", "WorklistFilters", "WorklistPage", "list_worklist", "worklist_counts", "get_episode", "assign_episode",
    "upsert_patient", "upsert_spell", "upsert_episode", "add_document", "ingest_record",
    "latest_episode_of_spell", "episode_label", "load_episode", "find_patient", "merge_patients",
]
