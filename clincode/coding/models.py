"""The coded episode: what the engines produce and every later stage (store, API, export) reads.

The JSON shape of ``CodedEpisode.model_dump()`` is the stable interface measured by
``../shared/tools/score.py``: keep field names as they are.
"""
from __future__ import annotations

from pydantic import BaseModel, Field


class Evidence(BaseModel):
    """The words in a document that justify a code (character offsets into the document text)."""

    document: str
    start: int
    end: int
    text: str
    section: str | None = None


class CodeAssignment(BaseModel):
    """One ICD-10 or OPCS-4 code in an episode's coding sequence."""

    code: str
    title: str = ""
    primary: bool = False
    score: float = Field(default=0.0, ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)
    rationale: list[str] = Field(default_factory=list)  # rules and standards applied, in order
    index_path: str | None = None  # e.g. "Cholecystitis > acute > with calculus -> K80.0"
    qualifies: str | None = None  # for OPCS-4 Y/Z codes and ICD-10 asterisk codes: the code qualified
    links_to: list[str] = Field(default_factory=list)  # procedure -> diagnosis codes it treats


class ClinicianQuery(BaseModel):
    """A question a coder would put to the clinician because a detail needed for a code is missing."""

    question: str
    reason: str = ""
    code: str | None = None  # the code that would change with the answer
    evidence: list[Evidence] = Field(default_factory=list)


class CodedEpisode(BaseModel):
    id: str
    diagnoses: list[CodeAssignment] = Field(default_factory=list)
    procedures: list[CodeAssignment] = Field(default_factory=list)
    queries: list[ClinicianQuery] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @property
    def primary_diagnosis(self) -> CodeAssignment | None:
        return next((d for d in self.diagnoses if d.primary), None)

    @property
    def main_procedure(self) -> CodeAssignment | None:
        return next((p for p in self.procedures if p.primary), None)


class Document(BaseModel):
    """A clinical document of an episode, as received (text already decoded)."""

    id: str
    text: str
    type: str | None = None  # discharge summary, operation note, histopathology, clinic letter ...
