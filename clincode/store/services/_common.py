"""Shared pieces of the service layer: who is acting, permission checks, the audit trail, locks."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from ..errors import EpisodeLocked, NotFound, PermissionDenied, VersionConflict
from ..models import AuditEvent, Episode, utcnow
from ..roles import Role, allowed

# Log lines carry ids and actions only: never NHS numbers, names, dates of birth or note text.
log = logging.getLogger("clincode.store")


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or an interface/system process."""

    username: str
    role: Role

    @classmethod
    def of(cls, user) -> "Actor":
        return cls(user.username, Role(user.role))


SYSTEM = Actor("system", Role.ADMINISTRATOR)  # user management from the command line
INTEGRATION = Actor("integration", Role.INTEGRATION)  # interfaces (HL7, FHIR, files)
SYSTEM_READER = Actor("system", Role.CODING_MANAGER)  # command-line listings
ENGINE_RUNNER = Actor("engine", Role.CODER)  # `clincode episodes code`: proposals only, no final codes


def require(actor: Actor, permission: str) -> None:
    if not allowed(actor.role, permission):
        raise PermissionDenied(f"the {Role(actor.role).value} role may not do this ({permission})")


def jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def snapshot(row, fields: tuple[str, ...]) -> dict:
    return {f: jsonable(getattr(row, f)) for f in fields}


def audit_values(
    actor: Actor, action: str, entity: str, entity_id=None, *,
    episode_id: int | None = None, before: dict | None = None, after: dict | None = None,
    reason: str | None = None,
) -> dict:
    """One audit trail row's values (for ``audit`` and for services writing with plain INSERTs)."""
    log_audit(actor, action, entity, entity_id, episode_id)
    return audit_row(actor, action, entity, entity_id, episode_id=episode_id, before=before, after=after,
                     reason=reason)


def log_audit(actor: Actor, action: str, entity: str, entity_id=None, episode_id: int | None = None) -> None:
    log.info("audit %s %s %s/%s episode=%s", actor.username, action, entity, entity_id, episode_id)


def audit_row(
    actor: Actor, action: str, entity: str, entity_id=None, *,
    episode_id: int | None = None, before: dict | None = None, after: dict | None = None,
    reason: str | None = None,
) -> dict:
    """``audit_values`` without the log line (for a writer that logs once the row is written)."""
    return dict(actor=actor.username, action=action, entity=entity,
                entity_id=None if entity_id is None else str(entity_id), episode_id=episode_id,
                before=jsonable(before), after=jsonable(after), reason=reason, at=utcnow())


def audit(
    session: Session, actor: Actor, action: str, entity: str, entity_id=None, *,
    episode_id: int | None = None, before: dict | None = None, after: dict | None = None,
    reason: str | None = None,
) -> AuditEvent:
    event = AuditEvent(**audit_values(actor, action, entity, entity_id, episode_id=episode_id, before=before,
                                      after=after, reason=reason))
    session.add(event)
    return event


def load_episode(session: Session, episode_id: int) -> Episode:
    episode = session.get(Episode, episode_id)
    if episode is None:
        raise NotFound(f"no episode {episode_id}")
    return episode


def episode_for_change(session: Session, episode_id: int, expected_version: int | None) -> Episode:
    """The episode, checked unlocked and at the version the caller last saw.

    ``expected_version`` None skips the check (interfaces, scripts); coders' changes always
    carry it. The UPDATE that follows is also guarded by the version column, so two
    concurrent writers cannot both pass.
    """
    episode = load_episode(session, episode_id)
    if expected_version is not None and episode.version != expected_version:
        raise VersionConflict(episode_id, expected_version, episode.version)
    if episode.finalised:
        raise EpisodeLocked(f"episode {episode_id} is finalised and locked: re-open it with a reason first")
    return episode


def touch(episode: Episode, status: str | None = None) -> None:
    """Mark the episode changed: bumps its version when the session flushes."""
    episode.updated_at = utcnow()
    if status:
        episode.status = status
