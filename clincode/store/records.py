"""What the interfaces hand to the store: one episode's PAS data and documents, parsed.

Every interface (text/JSON files, FHIR R4, HL7 v2) turns its input into these records, and
``clincode.store.services.ingest_record`` stores them. Validation happens here, so a bad
field is refused with a clear reason before anything is written.
"""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, field_validator

from .nhs_number import validate_nhs_number

DOCUMENT_TYPES = (
    "discharge_summary", "operation_note", "histopathology", "radiology", "clinic_letter",
    "clinical_note", "other",
)


class PatientData(BaseModel):
    nhs_number: str | None = None
    local_patient_id: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    birth_date: date | None = None
    sex: str | None = Field(default=None, max_length=1)

    @field_validator("nhs_number")
    @classmethod
    def _nhs(cls, v: str | None) -> str | None:
        return validate_nhs_number(v) if v else None

    def has_identifier(self) -> bool:
        return bool(self.nhs_number or self.local_patient_id)


class SpellData(BaseModel):
    spell_number: str = Field(min_length=1, max_length=30)
    admission_date: datetime | None = None
    admission_method: str | None = Field(default=None, max_length=2)
    admission_source: str | None = Field(default=None, max_length=2)
    discharge_date: datetime | None = None
    discharge_method: str | None = Field(default=None, max_length=1)
    discharge_destination: str | None = Field(default=None, max_length=2)


class EpisodeData(BaseModel):
    episode_number: int = Field(default=1, ge=1, le=99)
    consultant_code: str | None = Field(default=None, max_length=8)
    main_specialty: str | None = Field(default=None, max_length=3)
    treatment_function: str | None = Field(default=None, max_length=3)
    ward: str | None = Field(default=None, max_length=40)  # last assigned ward (the ward of discharge)
    start_date: datetime | None = None
    end_date: datetime | None = None

    @field_validator("ward", mode="before")
    @classmethod
    def _ward(cls, v):
        # PAS feeds pad fields; a blank ward is no ward (it must never erase a stored one)
        return (v.strip() or None) if isinstance(v, str) else v


class DocumentData(BaseModel):
    text: str = Field(min_length=1)
    doc_type: str = "other"
    external_id: str | None = Field(default=None, max_length=64)
    title: str | None = Field(default=None, max_length=200)
    source_system: str = Field(default="unknown", max_length=40)
    authored_at: datetime | None = None

    @field_validator("doc_type")
    @classmethod
    def _type(cls, v: str) -> str:
        v = (v or "other").strip().lower().replace(" ", "_").replace("-", "_")
        return v if v in DOCUMENT_TYPES else "other"

    @field_validator("text")
    @classmethod
    def _text(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the document has no text")
        return v


class EpisodeRecord(BaseModel):
    """One consultant episode with its patient, spell and documents."""

    patient: PatientData
    spell: SpellData
    episode: EpisodeData = Field(default_factory=EpisodeData)
    documents: list[DocumentData] = Field(default_factory=list)
