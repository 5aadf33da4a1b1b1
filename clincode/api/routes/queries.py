"""Clinician queries: raise on an episode, record the clinician's answer, close."""
from __future__ import annotations

from fastapi import APIRouter

from ...store import services as sv
from ..deps import SessionDep, commit, needs
from ..schemas import AnswerIn, CloseIn, QueryIn, QueryOut

router = APIRouter(tags=["clinician queries"])


@router.post("/episodes/{episode_id}/queries", response_model=QueryOut, status_code=201, summary="Raise a clinician query")
def raise_query(episode_id: int, body: QueryIn, session: SessionDep, actor: needs("queries:raise")) -> QueryOut:
    q = sv.raise_query(session, actor, episode_id, body.question, reason=body.reason, code=body.code,
                       addressed_to=body.addressed_to)
    commit(session)
    return QueryOut.model_validate(q)


@router.get("/queries", response_model=list[QueryOut], summary="Clinician queries, by status")
def list_queries(session: SessionDep, actor: needs("episodes:read"), status: str | None = "open",
                 limit: int = 200) -> list[QueryOut]:
    return [QueryOut.model_validate(q) for q in sv.list_queries(session, actor, status=status, limit=limit)]


@router.post("/queries/{query_id}/answer", response_model=QueryOut, summary="Record the clinician's answer")
def answer(query_id: int, body: AnswerIn, session: SessionDep, actor: needs("queries:answer")) -> QueryOut:
    q = sv.answer_query(session, actor, query_id, body.answer, body.answered_by)
    commit(session)
    return QueryOut.model_validate(q)


@router.post("/queries/{query_id}/close", response_model=QueryOut, summary="Close a query")
def close(query_id: int, body: CloseIn, session: SessionDep, actor: needs("queries:close")) -> QueryOut:
    q = sv.close_query(session, actor, query_id, body.reason)
    commit(session)
    return QueryOut.model_validate(q)
