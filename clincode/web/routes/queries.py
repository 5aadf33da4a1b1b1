"""Clinician queries and data-quality flags raised from the coding screen."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from ...store import services
from ...store.errors import ValidationFailed
from ..auth import Changer, DbSession
from .coding import workspace

router = APIRouter(prefix="/episodes/{episode_id}")

Text = Annotated[str, Form()]


@router.post("/queries")
def raise_query(request: Request, episode_id: int, session: DbSession, user: Changer, question: Text = "",
                reason: Text = "", code: Text = ""):
    """Raise a query; while it is open the episode is on hold (it cannot be finalised)."""
    services.raise_query(session, user.actor, episode_id, question, reason=reason.strip(),
                         code=code.strip().upper() or None)
    return workspace(request, session, user, episode_id, "Query raised: the episode is on hold until it is answered.")


def _own_query(session, user, episode_id: int, query_id: int):
    query = next((q for q in services.list_queries(session, user.actor, episode_id=episode_id) if q.id == query_id), None)
    if query is None:
        raise ValidationFailed(f"query {query_id} is not on this episode")
    return query


@router.post("/queries/{query_id}/answer")
def answer_query(request: Request, episode_id: int, query_id: int, session: DbSession, user: Changer,
                 answer: Text = "", answered_by: Text = ""):
    _own_query(session, user, episode_id, query_id)
    services.answer_query(session, user.actor, query_id, answer, answered_by=answered_by.strip() or None)
    return workspace(request, session, user, episode_id, "Answer recorded.")


@router.post("/queries/{query_id}/close")
def close_query(request: Request, episode_id: int, query_id: int, session: DbSession, user: Changer):
    _own_query(session, user, episode_id, query_id)
    services.close_query(session, user.actor, query_id)
    return workspace(request, session, user, episode_id, "Query closed.")


@router.post("/data-quality")
def flag_data_quality(request: Request, episode_id: int, session: DbSession, user: Changer,
                      category: Text = "other", description: Text = ""):
    services.record_dq_issue(session, user.actor, episode_id, category, description)
    return workspace(request, session, user, episode_id, "Flagged for a senior coder.")


@router.post("/data-quality/{issue_id}/resolve")
def resolve_data_quality(request: Request, episode_id: int, issue_id: int, session: DbSession, user: Changer,
                         resolution: Text = ""):
    if not any(i.id == issue_id for i in services.list_dq_issues(session, user.actor, episode_id=episode_id)):
        raise ValidationFailed(f"data-quality issue {issue_id} is not on this episode")
    services.resolve_dq_issue(session, user.actor, issue_id, resolution)
    return workspace(request, session, user, episode_id, "Data-quality problem resolved.")
