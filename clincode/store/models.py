"""The episode store's tables, in the coders' terms (SQLAlchemy 2 declarative models).

patient -> hospital provider spell -> consultant episode -> documents, coding runs (the engine's
proposal), episode codes (proposed and final, kept apart), clinician queries, data-quality issues;
plus the append-only audit trail, users and their API tokens, and every inbound interface message.

Field names follow the NHS Data Dictionary / Commissioning Data Set where one exists
(admission method, source of admission, discharge destination, treatment function ...).
The schema itself is created by the Alembic migrations in ``clincode.store.migrations``.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# --- the PAS side ---------------------------------------------------------------------------
class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    nhs_number: Mapped[str | None] = mapped_column(String(10), unique=True)  # check digit validated
    local_patient_id: Mapped[str | None] = mapped_column(String(20), unique=True)  # hospital (PAS) number
    family_name: Mapped[str | None] = mapped_column(String(100))
    given_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))  # Person Stated Gender Code: 1, 2, 9, X
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    spells: Mapped[list["Spell"]] = relationship(back_populates="patient", order_by="Spell.admission_date")


class Spell(Base):
    """A hospital provider spell: admission to discharge in one provider."""

    __tablename__ = "spells"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    spell_number: Mapped[str] = mapped_column(String(30), unique=True)  # Hospital Provider Spell Number
    admission_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    admission_method: Mapped[str | None] = mapped_column(String(2))  # e.g. 11 elective waiting list, 21 A&E
    admission_source: Mapped[str | None] = mapped_column(String(2))  # e.g. 19 usual place of residence
    discharge_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discharge_method: Mapped[str | None] = mapped_column(String(1))  # e.g. 1 on clinical advice, 4 died
    discharge_destination: Mapped[str | None] = mapped_column(String(2))  # e.g. 19 usual residence
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient: Mapped[Patient] = relationship(back_populates="spells")
    episodes: Mapped[list["Episode"]] = relationship(back_populates="spell", order_by="Episode.episode_number")


class Episode(Base):
    """A consultant episode: the unit that is coded and sent to SUS.

    ``version`` is the optimistic lock: every change bumps it, and a change made against an
    older version is refused (HTTP 409) instead of silently overwriting another coder's work.
    """

    __tablename__ = "episodes"
    __table_args__ = (UniqueConstraint("spell_id", "episode_number", name="uq_episodes_spell_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spell_id: Mapped[int] = mapped_column(ForeignKey("spells.id"), index=True)
    episode_number: Mapped[int] = mapped_column(Integer, default=1)  # order within the spell
    consultant_code: Mapped[str | None] = mapped_column(String(8))  # GMC number or national code
    main_specialty: Mapped[str | None] = mapped_column(String(3))
    treatment_function: Mapped[str | None] = mapped_column(String(3))
    # The ward the patient was last assigned to in this episode (the ward of discharge once it
    # has ended): PAS point of care (HL7 PV1-3.1) or FHIR Encounter.location. Coders' worklists
    # are often split by ward, so it is indexed for the worklist filter.
    ward: Mapped[str | None] = mapped_column(String(40), index=True)
    start_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="uncoded", index=True)
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    spell: Mapped[Spell] = relationship(back_populates="episodes")
    documents: Mapped[list["Document"]] = relationship(back_populates="episode", order_by="Document.id")
    codes: Mapped[list["EpisodeCode"]] = relationship(
        back_populates="episode", order_by="EpisodeCode.position", cascade="all, delete-orphan"
    )
    runs: Mapped[list["CodingRun"]] = relationship(back_populates="episode", order_by="CodingRun.id")
    queries: Mapped[list["ClinicianQuery"]] = relationship(back_populates="episode", order_by="ClinicianQuery.id")

    @property
    def finalised(self) -> bool:
        return self.status == "finalised"


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("source_system", "external_id", name="uq_documents_source_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    doc_type: Mapped[str] = mapped_column(String(40), default="other")  # discharge_summary, operation_note ...
    title: Mapped[str | None] = mapped_column(String(200))
    source_system: Mapped[str] = mapped_column(String(40), default="unknown")
    authored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)

    episode: Mapped[Episode] = relationship(back_populates="documents")


# --- coding -----------------------------------------------------------------------------------
class CodingRun(Base):
    """One run of the coding engine on an episode: its full proposal, kept as produced."""

    __tablename__ = "coding_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    engine: Mapped[str] = mapped_column(String(64), default="clincode")
    result: Mapped[dict] = mapped_column(JSON)  # CodedEpisode.model_dump()

    episode: Mapped[Episode] = relationship(back_populates="runs")


class EpisodeCode(Base):
    """One code of an episode: ``stage`` 'proposed' (the engine's) or 'final' (the coder's).

    ``source`` says who chose the code ('engine' for an accepted proposal, 'coder' for one
    entered by hand); ``assigned_by`` who put it in this list, ``assigned_at`` when.
    """

    __tablename__ = "episode_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("coding_runs.id"))
    stage: Mapped[str] = mapped_column(String(10))  # proposed | final
    system: Mapped[str] = mapped_column(String(8))  # icd10 | opcs4
    position: Mapped[int] = mapped_column(Integer)  # 1 = primary diagnosis / main procedure
    code: Mapped[str] = mapped_column(String(10))  # dotted, e.g. K80.2, W37.1
    title: Mapped[str] = mapped_column(String(300), default="")
    primary: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float | None] = mapped_column()
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    rationale: Mapped[list] = mapped_column(JSON, default=list)
    qualifies: Mapped[str | None] = mapped_column(String(10))
    performed_on: Mapped[date | None] = mapped_column(Date)  # procedure date (CDS)
    source: Mapped[str] = mapped_column(String(10), default="engine")  # engine | coder
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    episode: Mapped[Episode] = relationship(back_populates="codes")


class ClinicianQuery(Base):
    """A question put to the responsible clinician when the notes lack a detail needed to code."""

    __tablename__ = "clinician_queries"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    code: Mapped[str | None] = mapped_column(String(10))
    addressed_to: Mapped[str | None] = mapped_column(String(100))  # consultant or team
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open|answered|closed
    raised_by: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(100))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    episode: Mapped[Episode] = relationship(back_populates="queries")


class DataQualityIssue(Base):
    """A data-quality problem found while coding (wrong PAS data, missing or conflicting notes)."""

    __tablename__ = "data_quality_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open | resolved
    raised_by: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)


class AuditEvent(Base):
    """Append-only: one row per change (who, when, what, before/after). Never updated or deleted;
    the migrations add database triggers that refuse UPDATE and DELETE on this table."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    episode_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the trail outlives rows
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)


# --- people and interfaces ------------------------------------------------------------------
class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20))  # see clincode.store.roles.Role
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user")


class ApiToken(Base):
    """A bearer token: only its SHA-256 is stored, the token itself is shown once at issue."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class InboundMessage(Base):
    """Every message an interface received, applied or not: the key to idempotency
    (channel + control id) and the review queue for rejected messages."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "control_id", name="uq_inbound_channel_control"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # hl7v2 | fhir | json | text
    control_id: Mapped[str] = mapped_column(String(100))
    message_type: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), index=True)  # applied | rejected
    reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    episode_id: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)


# --- department workflow (clincode.workflow): data-quality checks and coding audits ------------
class DataQualityFlag(Base):
    """A finding of the automatic data-quality checks (``clincode.workflow.checks``) on a coded
    episode. ``fingerprint`` (check + what it found) keeps a re-run from raising it twice;
    a senior coder is assigned to act and resolves it with a note."""

    __tablename__ = "dq_flags"
    __table_args__ = (UniqueConstraint("episode_id", "fingerprint", name="uq_dq_flags_episode_fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    check: Mapped[str] = mapped_column(String(40), index=True)  # e.g. asterisk_primary
    severity: Mapped[str] = mapped_column(String(10), default="error")  # error | warning
    fingerprint: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open | resolved
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)


class CodingAudit(Base):
    """A clinical coding audit (DSPT style): a sample of finalised episodes re-coded blind."""

    __tablename__ = "coding_audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(20))  # random | specialty | coder
    criteria: Mapped[dict] = mapped_column(JSON, default=dict)  # the sampling filters and seed
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | complete

    items: Mapped[list["CodingAuditItem"]] = relationship(back_populates="audit", order_by="CodingAuditItem.id",
                                                          cascade="all, delete-orphan")


class CodingAuditItem(Base):
    """One sampled episode: the codes as the coder finalised them and the engine proposed them
    (both frozen when sampled), the auditor's blind re-coding and each error's classification."""

    __tablename__ = "coding_audit_items"
    __table_args__ = (UniqueConstraint("audit_id", "episode_id", name="uq_coding_audit_items_audit_episode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("coding_audits.id"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    coded_by: Mapped[str | None] = mapped_column(String(64))
    coder_codes: Mapped[dict] = mapped_column(JSON, default=dict)  # {"icd10": [...], "opcs4": [...]} in order
    engine_codes: Mapped[dict] = mapped_column(JSON, default=dict)
    auditor_codes: Mapped[dict | None] = mapped_column(JSON)
    audited_by: Mapped[str | None] = mapped_column(String(64))
    audited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_causes: Mapped[dict] = mapped_column(JSON, default=dict)  # error key -> coder|documentation|engine
    notes: Mapped[str | None] = mapped_column(Text)

    audit: Mapped[CodingAudit] = relationship(back_populates="items")


# Department reports (clincode.workflow.statistics) read every episode's final codes, and count its
# proposed ones, in one pass: partial covering indexes let PostgreSQL answer from the index alone.
Index("ix_episode_codes_final_facts", EpisodeCode.episode_id, EpisodeCode.system, EpisodeCode.position,
      EpisodeCode.source, EpisodeCode.code, postgresql_where=EpisodeCode.stage == "final",
      sqlite_where=EpisodeCode.stage == "final")
Index("ix_episode_codes_proposed", EpisodeCode.episode_id, postgresql_where=EpisodeCode.stage == "proposed",
      sqlite_where=EpisodeCode.stage == "proposed")
