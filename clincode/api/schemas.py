"""The API's request and response shapes (pydantic), in the coders' terms."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PatientOut(Out):
    nhs_number: str | None
    local_patient_id: str | None
    family_name: str | None
    given_name: str | None
    birth_date: date | None
    sex: str | None


class SpellOut(Out):
    spell_number: str
    admission_date: datetime | None
    admission_method: str | None
    admission_source: str | None
    discharge_date: datetime | None
    discharge_method: str | None
    discharge_destination: str | None


class EpisodeSummary(Out):
    id: int
    episode_number: int
    status: str
    version: int
    consultant_code: str | None
    main_specialty: str | None
    treatment_function: str | None
    ward: str | None = None
    start_date: datetime | None
    end_date: datetime | None
    assigned_to: str | None
    spell: SpellOut


class WorklistOut(BaseModel):
    total: int
    episodes: list[EpisodeSummary]


class DocumentOut(Out):
    id: int
    doc_type: str
    title: str | None
    source_system: str
    external_id: str | None
    authored_at: datetime | None
    received_at: datetime
    text: str


class CodeOut(Out):
    id: int
    system: str
    position: int
    code: str
    title: str
    primary: bool
    score: float | None
    evidence: list[dict]
    rationale: list[str]
    qualifies: str | None
    performed_on: date | None
    source: str
    assigned_by: str
    assigned_at: datetime


class QueryOut(Out):
    id: int
    episode_id: int
    question: str
    reason: str
    code: str | None
    addressed_to: str | None
    status: str
    raised_by: str
    raised_at: datetime
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None


class EpisodeDetail(EpisodeSummary):
    patient: PatientOut
    finalised_at: datetime | None
    finalised_by: str | None
    documents: list[DocumentOut]
    final_codes: list[CodeOut]
    proposed_codes: list[CodeOut]
    queries: list[QueryOut]


class Versioned(BaseModel):
    version: int = Field(description="the episode version you last read (optimistic lock)")


class RunCodingIn(BaseModel):
    version: int | None = None


class RunOut(BaseModel):
    run_id: int
    episode_id: int
    version: int
    duration_ms: int
    proposal: dict


class AcceptIn(Versioned):
    code_ids: list[int] | None = Field(default=None, description="proposed code ids; omit to accept all")


class AddCodeIn(Versioned):
    system: str = Field(pattern="^(icd10|opcs4)$")
    code: str = Field(min_length=1, max_length=12)
    primary: bool = False
    position: int | None = Field(default=None, ge=1)
    performed_on: date | None = None
    reason: str | None = None


class AmendCodeIn(Versioned):
    code: str | None = Field(default=None, min_length=1, max_length=12)
    primary: bool | None = None
    position: int | None = Field(default=None, ge=1)
    performed_on: date | None = None
    reason: str | None = None


class ReopenIn(BaseModel):
    reason: str = Field(min_length=5)
    version: int | None = None


class AssignIn(Versioned):
    username: str | None = None


class QueryIn(BaseModel):
    question: str = Field(min_length=3)
    reason: str = ""
    code: str | None = None
    addressed_to: str | None = None


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1)
    answered_by: str | None = None


class CloseIn(BaseModel):
    reason: str | None = None


class DQIn(BaseModel):
    episode_id: int | None = None
    category: str
    description: str = Field(min_length=3)


class DQOut(Out):
    id: int
    episode_id: int | None
    category: str
    description: str
    status: str
    raised_by: str
    raised_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: str | None


class ResolveIn(BaseModel):
    resolution: str = Field(min_length=3)


class AuditOut(Out):
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    episode_id: int | None
    before: dict | None
    after: dict | None
    reason: str | None


class UserIn(BaseModel):
    username: str
    role: str
    display_name: str = ""


class UserOut(Out):
    id: int
    username: str
    display_name: str
    role: str
    active: bool


class TokenIn(BaseModel):
    label: str = ""
    valid_days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    token: str = Field(description="shown once; only its hash is stored")


class MessageOutcomeOut(BaseModel):
    source: str | None = None
    status: str
    message_id: int | None
    control_id: str
    episode_id: int | None
    reason: str | None


class InboundMessageOut(Out):
    id: int
    channel: str
    control_id: str
    message_type: str | None
    status: str
    reason: str | None
    received_at: datetime
    attempts: int
    raw: str
