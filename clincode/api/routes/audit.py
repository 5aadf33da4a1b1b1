"""The audit trail across episodes (auditors, coding managers, administrators)."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from ...store import services as sv
from ..deps import SessionDep, needs
from ..schemas import AuditOut

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=list[AuditOut], summary="Audit events, oldest first")
def audit_events(session: SessionDep, actor: needs("audit:read"), episode_id: int | None = None,
                 username: str | None = None, since: datetime | None = None, limit: int = 500) -> list[AuditOut]:
    return [AuditOut.model_validate(e) for e in
            sv.audit_trail(session, actor, episode_id=episode_id, username=username, since=since, limit=limit)]
