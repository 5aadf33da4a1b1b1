"""Inbound interface messages: applied once, in one transaction, or rejected and kept for review.

``receive_message`` is the single door every interface goes through:
- a control id already applied -> 'duplicate', nothing changes (HL7 resends, FHIR retries);
- the message is parsed and applied inside one transaction together with its InboundMessage
  row, so it is never half-applied;
- any parse/validation failure rolls everything back, and the raw message is then stored with
  status 'rejected' and the reason, for an integration analyst to review and resend.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import Database
from ..errors import NotFound, StoreError
from ..models import Episode, InboundMessage, utcnow
from ._common import INTEGRATION, Actor, log, require


class MessageRejected(ValueError):
    """Raised by parsers: the message cannot be applied, for the reason given."""


@dataclass
class MessageOutcome:
    status: str  # applied | duplicate | rejected
    message_id: int | None
    control_id: str
    episode_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("applied", "duplicate")


def content_control_id(raw: str) -> str:
    """For inputs without a control id (files, bundles without an id): the content's hash,
    so the same content received twice is still recognised."""
    return "sha256:" + hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors()[:5]:
            where = ".".join(str(x) for x in err.get("loc", ()))
            parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return "invalid data: " + "; ".join(parts)
    return str(exc) or type(exc).__name__


def receive_message(db: Database, channel: str, control_id: str, message_type: str | None, raw: str,
                    apply: Callable[[Session, Actor], Episode | None], actor: Actor = INTEGRATION) -> MessageOutcome:
    require(actor, "ingest:write")
    control_id = (control_id or content_control_id(raw))[:100]
    with db.session() as s:
        previous = s.scalars(select(InboundMessage).where(
            InboundMessage.channel == channel, InboundMessage.control_id == control_id)).first()
        conflict = None
        if previous is not None and previous.status == "applied":
            if _same_content(previous.raw, raw):
                log.info("inbound %s %s duplicate of message %s", channel, control_id, previous.id)
                return MessageOutcome("duplicate", previous.id, control_id, previous.episode_id)
            # Same control id, different content: a sender reusing ids. Applying it could
            # overwrite; ignoring it could lose data. Keep it for review under its own key.
            conflict = (f"control id {control_id} was already used by message {previous.id} with different "
                        "content: not applied, kept for review (check the sender's message numbering)")
            control_id = f"{control_id}#{content_control_id(raw)[7:19]}"[-100:]
            previous = s.scalars(select(InboundMessage).where(
                InboundMessage.channel == channel, InboundMessage.control_id == control_id)).first()
        previous_id = previous.id if previous else None
    if conflict:
        return _reject(db, channel, control_id, message_type, raw, previous_id, conflict)
    try:
        with db.session() as s:
            episode = apply(s, actor)
            episode_id = episode.id if episode is not None else None
            row = s.get(InboundMessage, previous_id) if previous_id else None
            if row is None:
                row = InboundMessage(channel=channel, control_id=control_id, raw=raw)
                s.add(row)
            else:
                row.attempts += 1
                row.raw = raw
            row.status, row.reason, row.message_type = "applied", None, message_type
            row.episode_id, row.received_at = episode_id, utcnow()
            s.flush()
            message_id = row.id
        log.info("inbound %s %s applied as message %s episode=%s", channel, control_id, message_id, episode_id)
        return MessageOutcome("applied", message_id, control_id, episode_id)
    except IntegrityError:
        # Another worker applied the same control id at the same moment: it is a duplicate,
        # or a constraint in the data failed; look which.
        with db.session() as s:
            row = s.scalars(select(InboundMessage).where(
                InboundMessage.channel == channel, InboundMessage.control_id == control_id)).first()
            if row is not None and row.status == "applied":
                return MessageOutcome("duplicate", row.id, control_id, row.episode_id)
        reason = "the message conflicts with stored data (a unique identifier is already in use)"
    except (MessageRejected, StoreError, ValidationError, ValueError, NotFound) as exc:
        reason = _reason(exc)
    return _reject(db, channel, control_id, message_type, raw, previous_id, reason)


def _same_content(a: str, b: str) -> bool:
    """Equal but for line endings and surrounding blanks (a resend through another engine)."""
    return _lines(a) == _lines(b)


def _lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    return [line.strip() for line in text.split("\r") if line.strip()]


def _reject(db: Database, channel: str, control_id: str, message_type: str | None, raw: str,
            previous_id: int | None, reason: str) -> MessageOutcome:
    """Store the message as rejected, with its reason, in a transaction of its own."""
    with db.session() as s:
        row = s.get(InboundMessage, previous_id) if previous_id else None
        if row is None:
            row = InboundMessage(channel=channel, control_id=control_id, raw=raw, attempts=0)
            s.add(row)
        row.attempts = (row.attempts or 0) + 1
        row.raw, row.status, row.reason, row.message_type, row.received_at = raw, "rejected", reason, message_type, utcnow()
        s.flush()
        message_id = row.id
    log.warning("inbound %s %s rejected (message %s): %s", channel, control_id, message_id, reason)
    return MessageOutcome("rejected", message_id, control_id, None, reason)


def list_messages(session: Session, actor: Actor, status: str | None = "rejected", limit: int = 100) -> list[InboundMessage]:
    require(actor, "messages:read")
    q = select(InboundMessage)
    if status:
        q = q.where(InboundMessage.status == status)
    return list(session.scalars(q.order_by(InboundMessage.id.desc()).limit(limit)))
