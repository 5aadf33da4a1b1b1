"""Interfaces in over HTTP: HL7 v2 messages, FHIR bundles, JSON episode records; and the
review queue of rejected messages."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from fastapi.concurrency import run_in_threadpool

from ...interfaces.files import json_records, receive_records
from ...interfaces.fhir_in import receive_bundle
from ...interfaces.hl7v2 import receive_hl7, split_messages
from ...interfaces.mllp import ack_for
from ...store import services as sv
from ..deps import DatabaseDep, SessionDep, needs
from ..schemas import InboundMessageOut, MessageOutcomeOut

router = APIRouter(prefix="/ingest", tags=["ingest"])

_TEXT_BODY = {"requestBody": {"content": {"text/plain": {"schema": {"type": "string"}}}, "required": True}}
_JSON_BODY = {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}, "required": True}}


async def _text(request: Request) -> str:
    limit = request.app.state.settings.max_document_bytes * 4
    raw = await request.body()
    if len(raw) > limit:
        from ...store.errors import ValidationFailed

        raise ValidationFailed(f"the request is {len(raw)} bytes, over the {limit}-byte limit")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _out(o: sv.MessageOutcome, source: str | None = None) -> MessageOutcomeOut:
    return MessageOutcomeOut(source=source, status=o.status, message_id=o.message_id, control_id=o.control_id,
                             episode_id=o.episode_id, reason=o.reason)


@router.post("/hl7", response_model=list[MessageOutcomeOut], openapi_extra=_TEXT_BODY,
             summary="HL7 v2 messages (ER7 text, one or more): ADT^A01/A02/A03/A08, MDM^T02, ORU^R01")
async def ingest_hl7(request: Request, db: DatabaseDep, actor: needs("ingest:write"), ack: bool = False):
    """With ``?ack=true`` the answer is the HL7 ACK messages (MSA AA/AE/AR), as over MLLP."""
    raw = await _text(request)
    results, acks = [], []
    for i, message in enumerate(split_messages(raw) or [raw], start=1):
        outcome = await run_in_threadpool(receive_hl7, db, message, actor)
        results.append(_out(outcome, f"message {i}"))
        acks.append(ack_for(message, outcome))
    if ack:
        return PlainTextResponse("".join(acks), media_type="x-application/hl7-v2+er7")
    return results


@router.post("/fhir", response_model=MessageOutcomeOut, openapi_extra=_JSON_BODY,
             summary="A FHIR R4 Bundle with Patient, Encounter, DocumentReference/Composition")
async def ingest_fhir(request: Request, db: DatabaseDep, actor: needs("ingest:write")) -> MessageOutcomeOut:
    raw = await _text(request)
    return _out(await run_in_threadpool(receive_bundle, db, raw, actor))


@router.post("/records", response_model=MessageOutcomeOut, openapi_extra=_JSON_BODY,
             summary="Episode records as JSON (one object or a list): patient, spell, episode, documents")
async def ingest_records(request: Request, db: DatabaseDep, actor: needs("ingest:write")) -> MessageOutcomeOut:
    raw = await _text(request)
    return _out(await run_in_threadpool(receive_records, db, raw, json_records, actor))


@router.get("/messages", response_model=list[InboundMessageOut], summary="Inbound messages (default: the rejected ones)")
def list_messages(session: SessionDep, actor: needs("messages:read"), status: str | None = "rejected",
                  limit: int = 100) -> list[InboundMessageOut]:
    return [InboundMessageOut.model_validate(m) for m in sv.list_messages(session, actor, status or None, limit)]

