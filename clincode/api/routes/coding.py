"""Coding an episode: run the engine, read its proposal, accept/amend/add/remove codes,
finalise and re-open. Every change carries the episode ``version`` last read (409 if stale)."""
from __future__ import annotations

import json
import time
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from ...coding import CodedEpisode
from ...store import services as sv
from ..deps import SessionDep, commit, in_api_thread, needs
from ..schemas import AcceptIn, AddCodeIn, AmendCodeIn, CodeOut, EpisodeDetail, ReopenIn, RunCodingIn, RunOut, Versioned
from .episodes import episode_detail

router = APIRouter(prefix="/episodes/{episode_id}", tags=["coding"])


@router.post("/code", response_model=RunOut, summary="Run the coding engine and store its proposal")
async def run_engine(episode_id: int, request: Request, actor: needs("episodes:code"),
                     body: RunCodingIn | None = None) -> Response:
    # Read what the engine needs, run the engine holding no thread, transaction or connection
    # (in the engine processes when the server has them), then store the proposal in one short
    # transaction that is refused if the episode changed meanwhile (sv.store_proposal). No session
    # dependency: each step opens and closes its own session in its thread (a dependency is
    # FastAPI work on every request, and its clean-up another thread hop).
    db = request.app.state.database
    job = await in_api_thread(request, _read_job, db, actor, episode_id, body.version if body else None)
    engine = request.app.state.engine()
    try:
        if hasattr(engine, "code_json"):  # clincode.api.engine_pool.EngineProcesses
            result, duration = await engine.code_json(str(episode_id), job.documents)
        else:
            started = time.perf_counter()
            result = await run_in_threadpool(engine.code_episode, str(episode_id), list(job.documents))
            duration = int((time.perf_counter() - started) * 1000)
    except Exception as exc:  # the engine's failure must not lose the episode or leak note text
        raise sv.EngineFailed(f"the coding engine failed on episode {episode_id}: {type(exc).__name__}") from exc
    body_out = await in_api_thread(request, _store_run, db, actor, job, result, duration)
    return Response(body_out, media_type="application/json")


def _read_job(db, actor, episode_id: int, expected_version: int | None) -> sv.CodingJob:
    with db.sessionmaker() as session:  # closed here: the connection goes back while the engine works
        # one statement, no transaction: no BEGIN/ROLLBACK round trips on PostgreSQL
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return sv.coding_job(session, actor, episode_id, expected_version)


def _store_run(db, actor, job: sv.CodingJob, result: CodedEpisode | str, duration: int) -> bytes:
    # JSON from an engine process is stored and sent on as it came (the engine process dumped a
    # valid CodedEpisode), not parsed into models and dumped again. Converted before any write:
    # a wrong result stores nothing.
    raw = result if isinstance(result, str) else None
    proposal = json.loads(raw) if raw is not None else result.model_dump(mode="json")
    # Closed in this thread whatever happens: an unfinished transaction is rolled back (and on
    # SQLite the write queue released) before the error reaches the client.
    with db.sessionmaker() as session:
        if session.get_bind().dialect.name == "postgresql":
            # store_proposal is one statement there: committed by itself, no BEGIN/COMMIT round trips
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        run_id, version = sv.store_proposal(session, actor, job, proposal, duration, proposal_json=raw)
        commit(session)
    if raw is not None:  # RunOut's JSON, with the proposal's text spliced in unchanged
        return (f'{{"run_id":{run_id},"episode_id":{job.episode_id},"version":{version},'
                f'"duration_ms":{duration},"proposal":{raw}}}').encode()
    return RunOut(run_id=run_id, episode_id=job.episode_id, version=version, duration_ms=duration,
                  proposal=proposal).model_dump_json().encode()


@router.get("/proposal", summary="The engine's latest proposal with its evidence, rationale and suggested queries")
def read_proposal(episode_id: int, session: SessionDep, actor: needs("episodes:read")) -> dict:
    proposal = sv.proposal(session, actor, episode_id)
    run = sv.latest_run(session, episode_id)
    return {"episode_id": episode_id, "run_id": run.id if run else None,
            "created_at": run.created_at if run else None, "proposal": proposal.model_dump() if proposal else None}


@router.post("/accept", response_model=EpisodeDetail, summary="Accept the proposal (all of it, or the listed codes)")
def accept(episode_id: int, body: AcceptIn, session: SessionDep, actor: needs("episodes:code")) -> EpisodeDetail:
    sv.accept_proposal(session, actor, episode_id, body.version, body.code_ids)
    commit(session)
    return episode_detail(sv.get_episode(session, actor, episode_id))


@router.post("/proposal/{code_id}/reject", status_code=204, summary="Reject one proposed code (kept in the run and the audit trail)")
def reject(episode_id: int, code_id: int, body: Versioned, session: SessionDep, actor: needs("episodes:code"),
           reason: str | None = None) -> None:
    sv.reject_proposal(session, actor, episode_id, body.version, code_id, reason)
    commit(session)


@router.post("/codes", response_model=CodeOut, status_code=201, summary="Add a code (validated; 422 with the reason)")
def add(episode_id: int, body: AddCodeIn, session: SessionDep, actor: needs("episodes:code")) -> CodeOut:
    row = sv.add_code(session, actor, episode_id, body.version, body.system, body.code, primary=body.primary,
                      position=body.position, performed_on=body.performed_on, reason=body.reason)
    commit(session)
    return CodeOut.model_validate(row)


@router.patch("/codes/{code_id}", response_model=CodeOut, summary="Amend a final code")
def amend(episode_id: int, code_id: int, body: AmendCodeIn, session: SessionDep, actor: needs("episodes:code")) -> CodeOut:
    row = sv.amend_code(session, actor, episode_id, body.version, code_id, code=body.code, primary=body.primary,
                        position=body.position, performed_on=body.performed_on, reason=body.reason)
    commit(session)
    return CodeOut.model_validate(row)


@router.delete("/codes/{code_id}", status_code=204, summary="Remove a final code")
def remove(episode_id: int, code_id: int, session: SessionDep, actor: needs("episodes:code"),
           version: Annotated[int, Query(description="the episode version you last read")],
           reason: str | None = None) -> None:
    sv.remove_code(session, actor, episode_id, version, code_id, reason)
    commit(session)


@router.post("/finalise", response_model=EpisodeDetail, summary="Finalise (checked, then locked)")
def finalise(episode_id: int, body: Versioned, session: SessionDep, actor: needs("episodes:finalise")) -> EpisodeDetail:
    sv.finalise(session, actor, episode_id, body.version)
    commit(session)
    return episode_detail(sv.get_episode(session, actor, episode_id))


@router.post("/reopen", response_model=EpisodeDetail, summary="Re-open a finalised episode, with a reason")
def reopen(episode_id: int, body: ReopenIn, session: SessionDep, actor: needs("episodes:reopen")) -> EpisodeDetail:
    sv.reopen(session, actor, episode_id, body.reason, body.version)
    commit(session)
    return episode_detail(sv.get_episode(session, actor, episode_id))
