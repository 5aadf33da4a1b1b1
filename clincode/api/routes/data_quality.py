"""Data-quality issues found while coding."""
from __future__ import annotations

from fastapi import APIRouter

from ...store import services as sv
from ..deps import SessionDep, commit, needs
from ..schemas import DQIn, DQOut, ResolveIn

router = APIRouter(prefix="/dq-issues", tags=["data quality"])


@router.post("", response_model=DQOut, status_code=201, summary="Record a data-quality issue")
def record(body: DQIn, session: SessionDep, actor: needs("dq:record")) -> DQOut:
    issue = sv.record_dq_issue(session, actor, body.episode_id, body.category, body.description)
    commit(session)
    return DQOut.model_validate(issue)


@router.get("", response_model=list[DQOut], summary="Data-quality issues")
def list_issues(session: SessionDep, actor: needs("dq:read"), status: str | None = None, category: str | None = None,
                episode_id: int | None = None) -> list[DQOut]:
    return [DQOut.model_validate(i) for i in
            sv.list_dq_issues(session, actor, episode_id=episode_id, status=status, category=category)]


@router.post("/{issue_id}/resolve", response_model=DQOut, summary="Resolve a data-quality issue")
def resolve(issue_id: int, body: ResolveIn, session: SessionDep, actor: needs("dq:resolve")) -> DQOut:
    issue = sv.resolve_dq_issue(session, actor, issue_id, body.resolution)
    commit(session)
    return DQOut.model_validate(issue)
