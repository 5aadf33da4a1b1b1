"""The audit trail across episodes (auditors, coding managers, administrators)."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from ...store import services as sv
from ...store.roles import allowed
from ..deps import SessionDep, needs
from ..schemas import AuditOut

# Entities whose values identify a patient: shown only to roles that may read episodes.
_IDENTIFYING = {"patient"}

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=list[AuditOut], summary="Audit events, oldest first")
def audit_events(session: SessionDep, actor: needs("audit:read"), episode_id: int | None = None,
                 username: str | None = None, since: datetime | None = None, limit: int = 500) -> list[AuditOut]:
    events = [AuditOut.model_validate(e) for e in
              sv.audit_trail(session, actor, episode_id=episode_id, username=username, since=since, limit=limit)]
    if not allowed(actor.role, "episodes:read"):
        # an administrator audits who did what, without seeing who the patient is
        for e in events:
            if e.entity in _IDENTIFYING:
                e.before = {k: "(redacted)" for k in e.before} if e.before else e.before
                e.after = {k: "(redacted)" for k in e.after} if e.after else e.after
    return events
