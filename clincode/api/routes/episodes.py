"""Episodes: the worklist and one episode with its documents, codes and queries."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ...store import services as sv
from ...store.models import Episode
from ..deps import SessionDep, commit, in_api_thread, needs
from ..views import episode_json, episode_view
from ..schemas import AssignIn, AuditOut, CodeOut, EpisodeDetail, EpisodeSummary, QueryOut, WorklistOut

router = APIRouter(prefix="/episodes", tags=["episodes"])


def episode_detail(episode: Episode) -> EpisodeDetail:
    summary = EpisodeSummary.model_validate(episode).model_dump()
    return EpisodeDetail(
        **summary, patient=episode.spell.patient, finalised_at=episode.finalised_at,
        finalised_by=episode.finalised_by, documents=episode.documents,
        final_codes=[CodeOut.model_validate(c) for c in sv.codes_of(episode, "final")],
        proposed_codes=[CodeOut.model_validate(c) for c in sv.codes_of(episode, "proposed")],
        queries=[QueryOut.model_validate(q) for q in episode.queries])


@router.get("", response_model=WorklistOut, summary="The coding worklist, oldest discharge first")
def list_episodes(
    session: SessionDep, actor: needs("episodes:read"),
    status: Annotated[str | None, Query(description="uncoded | proposed | in_progress | finalised")] = None,
    specialty: str | None = None, consultant: str | None = None,
    ward: Annotated[str | None, Query(description="the ward of discharge, as the PAS names it")] = None,
    assigned_to: str | None = None, discharged_from: datetime | None = None, discharged_to: datetime | None = None,
    has_open_query: bool | None = None, search: Annotated[str | None, Query(description="spell number or hospital number")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0,
) -> WorklistOut:
    page = sv.list_worklist(session, actor, sv.WorklistFilters(
        status=status, specialty=specialty, consultant=consultant, ward=ward, assigned_to=assigned_to,
        discharged_from=discharged_from, discharged_to=discharged_to, has_open_query=has_open_query,
        search=search, limit=limit, offset=offset))
    return WorklistOut(total=page.total, episodes=[EpisodeSummary.model_validate(e) for e in page.episodes])


@router.get("/{episode_id}", response_model=EpisodeDetail, summary="One episode: PAS data, documents, codes, queries")
async def read_episode(episode_id: int, request: Request, actor: needs("episodes:read")) -> Response:
    # One thread hop, and the JSON made there: a sync route with a response model would take a
    # second hop just to validate the response (FastAPI runs that in the thread pool too). No
    # session dependency either: each dependency costs FastAPI work on every request.
    body = await in_api_thread(request, _episode_body, request.app.state.database, actor, episode_id)
    return Response(body, media_type="application/json")


def _episode_body(db, actor, episode_id: int) -> bytes:
    body = episode_json(db.engine, actor, episode_id)
    if body is None:  # a database or a response field the one-statement view cannot serve
        with db.sessionmaker() as session:
            detail = episode_view(session, actor, episode_id)
            if detail is None:  # a field that is not a plain column: the ORM path can fill it
                detail = episode_detail(sv.get_episode(session, actor, episode_id))
            body = EpisodeDetail.model_validate(detail).model_dump_json().encode()
    return body


@router.post("/{episode_id}/assign", response_model=EpisodeSummary, summary="Give the episode to a coder")
def assign(episode_id: int, body: AssignIn, session: SessionDep, actor: needs("episodes:code")) -> EpisodeSummary:
    episode = sv.assign_episode(session, actor, episode_id, body.username, body.version)
    commit(session)
    return EpisodeSummary.model_validate(episode)


@router.get("/{episode_id}/audit", response_model=list[AuditOut], summary="The episode's audit trail")
def episode_audit(episode_id: int, session: SessionDep, actor: needs("episodes:read")) -> list[AuditOut]:
    sv.load_episode(session, episode_id)
    return [AuditOut.model_validate(e) for e in sv.audit_trail(session, actor, episode_id=episode_id)]


@router.get("/{episode_id}/queries", response_model=list[QueryOut], summary="The episode's clinician queries")
def episode_queries(episode_id: int, session: SessionDep, actor: needs("episodes:read")) -> list[QueryOut]:
    sv.load_episode(session, episode_id)
    return [QueryOut.model_validate(q) for q in sv.list_queries(session, actor, episode_id=episode_id)]
