"""Coding an episode: run the engine, then the coder accepts, amends, adds or removes codes,
and finalises. The engine's proposal (stage 'proposed') and the coder's codes (stage 'final')
are kept apart, so an auditor can always see what the engine said and what the coder decided.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import Integer, Text, bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from ...classification import System, load_classifications
from ...coding.models import CodedEpisode
from ...coding.models import Document as EngineDocument
from ..code_checks import check_for_episode
from ..errors import EpisodeLocked, InvalidCode, NotFound, StoreError, ValidationFailed, VersionConflict
from ..models import AuditEvent, ClinicianQuery, CodingRun, Document, Episode, EpisodeCode, UTCDateTime, utcnow
from ._common import Actor, audit, audit_row, episode_for_change, log_audit, load_episode, require, snapshot, touch

_CODE_FIELDS = ("system", "position", "code", "title", "primary", "qualifies", "performed_on", "source", "assigned_by")


class EngineFailed(StoreError):
    status_code = 500


# --- reading -------------------------------------------------------------------------------
def codes_of(episode: Episode, stage: str, system: System | str | None = None) -> list[EpisodeCode]:
    """The episode's codes of one stage ('proposed' | 'final'), optionally one system, in order."""
    sys_value = System(system).value if system else None
    rows = [c for c in episode.codes if c.stage == stage and (sys_value is None or c.system == sys_value)]
    return sorted(rows, key=lambda c: (c.system, c.position))


def latest_run(session: Session, episode_id: int) -> CodingRun | None:
    return session.scalars(select(CodingRun).where(CodingRun.episode_id == episode_id)
                           .order_by(CodingRun.id.desc()).limit(1)).first()


def proposal(session: Session, actor: Actor, episode_id: int) -> CodedEpisode | None:
    """The engine's latest proposal as produced (codes, evidence, rationale, suggested queries)."""
    require(actor, "episodes:read")
    load_episode(session, episode_id)
    run = latest_run(session, episode_id)
    return CodedEpisode.model_validate(run.result) if run else None


# --- the engine ----------------------------------------------------------------------------
def run_coding(session: Session, actor: Actor, episode_id: int, engine=None,
               expected_version: int | None = None) -> CodingRun:
    """Run the coding engine on the episode's documents and store its proposal.

    Replaces the previous proposal; never touches the coder's final codes.
    """
    require(actor, "episodes:code")
    episode = episode_for_change(session, episode_id, expected_version)
    if not episode.documents:
        raise ValidationFailed(f"episode {episode_id} has no documents to code")
    if engine is None:
        from ...engine import default_engine

        engine = default_engine()
    docs = [EngineDocument(id=str(d.id), text=d.text, type=d.doc_type) for d in episode.documents]
    started = time.perf_counter()
    try:
        result = engine.code_episode(str(episode.id), docs)
    except Exception as exc:  # the engine's failure must not lose the episode or leak note text
        raise EngineFailed(f"the coding engine failed on episode {episode_id}: {type(exc).__name__}") from exc
    duration = int((time.perf_counter() - started) * 1000)
    proposal = result.model_dump(mode="json")
    run = CodingRun(episode_id=episode.id, requested_by=actor.username, duration_ms=duration,
                    result=proposal, created_at=utcnow())
    session.add(run)
    session.flush()
    session.execute(delete(EpisodeCode).where(EpisodeCode.episode_id == episode.id, EpisodeCode.stage == "proposed"))
    session.expire(episode, ["codes"])
    for values in _proposed_code_rows(proposal, episode.id, run.id, run.created_at):
        session.add(EpisodeCode(**values))
    touch(episode, "proposed" if episode.status in ("uncoded", "proposed") else None)
    audit(session, actor, "run_engine", "episode", episode.id, episode_id=episode.id, after=_run_summary(run.id, proposal))
    session.flush()
    session.refresh(episode)
    return run


def _proposed_code_rows(proposal: dict, episode_id: int, run_id: int, at) -> list[dict]:
    """The proposed codes' rows from the engine's result as JSON (``CodedEpisode`` dumped)."""
    return [dict(episode_id=episode_id, run_id=run_id, stage="proposed", system=system.value, position=i,
                 code=a["code"], title=a.get("title", ""), primary=a.get("primary", False), score=a.get("score"),
                 evidence=list(a.get("evidence") or []), rationale=list(a.get("rationale") or []),
                 qualifies=a.get("qualifies"), source="engine", assigned_by="engine", assigned_at=at)
            for system, key in ((System.ICD10, "diagnoses"), (System.OPCS4, "procedures"))
            for i, a in enumerate(proposal.get(key) or [], start=1)]


def _run_summary(run_id: int, proposal: dict) -> dict:
    return {"run_id": run_id, "diagnoses": [a["code"] for a in proposal.get("diagnoses") or []],
            "procedures": [a["code"] for a in proposal.get("procedures") or []],
            "queries": len(proposal.get("queries") or [])}


# --- the engine, in two short transactions (the API) ----------------------------------------
@dataclass(frozen=True)
class CodingJob:
    """What the engine needs to code an episode, read before it runs: the episode's documents
    and the version and status they were read at."""

    episode_id: int
    version: int
    status: str
    documents: tuple[EngineDocument, ...]


def coding_job(session: Session, actor: Actor, episode_id: int, expected_version: int | None = None) -> CodingJob:
    """The checks ``run_coding`` makes (permission, version, not finalised, has documents) and
    the documents, in one read-only statement. With ``store_proposal`` this lets a server run
    the engine with no transaction (and no database connection) open meanwhile."""
    require(actor, "episodes:code")
    rows = session.execute(_job_statement(), {"e_id": episode_id}).all()
    if not rows:
        raise NotFound(f"no episode {episode_id}")
    version, status = rows[0].version, rows[0].status
    if expected_version is not None and version != expected_version:
        raise VersionConflict(episode_id, expected_version, version)
    if status == "finalised":
        raise EpisodeLocked(f"episode {episode_id} is finalised and locked: re-open it with a reason first")
    documents = tuple(EngineDocument(id=str(r.id), text=r.text, type=r.doc_type) for r in rows if r.id is not None)
    if not documents:
        raise ValidationFailed(f"episode {episode_id} has no documents to code")
    return CodingJob(episode_id, version, status, documents)


@lru_cache(maxsize=1)
def _job_statement():
    """``coding_job``'s statement, built once: the episode's version and status with its documents
    (a plain table select: no ORM work to run it)."""
    episodes, documents = Episode.__table__, Document.__table__
    return (select(episodes.c.version, episodes.c.status, documents.c.id, documents.c.text, documents.c.doc_type)
            .select_from(episodes.outerjoin(documents, documents.c.episode_id == episodes.c.id))
            .where(episodes.c.id == bindparam("e_id")).order_by(documents.c.id))


def store_proposal(session: Session, actor: Actor, job: CodingJob, proposal: dict, duration_ms: int,
                   proposal_json: str | None = None) -> tuple[int, int]:
    """Store the engine's proposal (``CodedEpisode`` as JSON) for ``job`` as ``run_coding`` does:
    the run, the proposed codes replacing the previous ones, the audit event, the episode's status
    and version. Plain prepared statements behind one version-guarded UPDATE (no ORM unit of
    work): refused (409) if the episode changed since the job was read, so a proposal is never
    stored over documents it did not see. ``proposal_json``, when given, is ``proposal`` as the
    engine wrote it: stored as the run's result as it is (not dumped again). Returns (run id, new
    version); the caller commits (on an autocommit connection PostgreSQL's one statement is
    committed by itself)."""
    require(actor, "episodes:code")
    now = utcnow()
    status = "proposed" if job.status in ("uncoded", "proposed") else job.status
    rows = _proposed_code_rows(proposal, job.episode_id, 0, now)
    event = audit_row(actor, "run_engine", "episode", job.episode_id, episode_id=job.episode_id)
    result_json = proposal_json if proposal_json is not None else json.dumps(proposal)
    if session.get_bind().dialect.name == "postgresql":
        run_id = _store_in_one_statement(session, actor, job, status, now, rows, event, proposal, result_json,
                                         duration_ms)
    else:
        run_id = _store_statement_by_statement(session, actor, job, status, now, rows, event, proposal, result_json,
                                               duration_ms)
    if run_id is None:
        _refuse_lost_race(session, job)
    log_audit(actor, "run_engine", "episode", job.episode_id, job.episode_id)
    return run_id, job.version + 1


def _store_statement_by_statement(session: Session, actor: Actor, job: CodingJob, status: str, now, rows: list[dict],
                                  event: dict, proposal: dict, result_json: str, duration_ms: int) -> int | None:
    """SQLite (in process: a statement costs no round trip): the version-guarded UPDATE first, so
    a lost race writes nothing, then the run, the codes and the audit event."""
    s = _store_statements()
    changed = session.execute(s["episode"], {"e_id": job.episode_id, "e_version": job.version, "e_status": status,
                                             "e_now": now, "e_new_version": job.version + 1}).rowcount
    if changed != 1:
        return None
    run_id = session.execute(s["run"], {"episode_id": job.episode_id, "requested_by": actor.username,
                                        "duration_ms": duration_ms, "result_json": result_json,
                                        "created_at": now}).scalar_one()
    session.execute(s["clear"], {"e_id": job.episode_id})
    if rows:
        session.execute(s["codes"], [{**row, "run_id": run_id} for row in rows])
    session.execute(s["audit"], {**event, "after": _run_summary(run_id, proposal)})
    return run_id


def _store_in_one_statement(session: Session, actor: Actor, job: CodingJob, status: str, now, rows: list[dict],
                            event: dict, proposal: dict, result_json: str, duration_ms: int) -> int | None:
    """PostgreSQL: the whole store as one statement (data-modifying CTEs), one round trip instead
    of eight (BEGIN, UPDATE, INSERT run, DELETE, the codes, the audit INSERT, COMMIT), which is
    both the server's and PostgreSQL's CPU. Everything hangs off the version-guarded UPDATE: when
    it matches no row (a rival writer won, or the episode was finalised) nothing is written."""
    codes = [{k: row[k] for k in _CODE_COLUMNS} for row in rows]
    summary = _run_summary(0, proposal)
    return session.execute(_one_statement_store(), {
        "e_id": job.episode_id, "e_version": job.version, "e_new_version": job.version + 1, "e_status": status,
        "now": now, "requested_by": actor.username, "duration_ms": duration_ms, "result": result_json,
        "codes": json.dumps(codes), "actor": event["actor"], "entity_id": event["entity_id"], "at": event["at"],
        "diagnoses": json.dumps(summary["diagnoses"]), "procedures": json.dumps(summary["procedures"]),
        "queries": summary["queries"]}).scalar()


def _refuse_lost_race(session: Session, job: CodingJob) -> None:
    current = session.execute(select(Episode.version, Episode.status).where(Episode.id == job.episode_id)).first()
    if current is None:
        raise NotFound(f"no episode {job.episode_id}")
    if current.status == "finalised":
        raise EpisodeLocked(f"episode {job.episode_id} is finalised and locked: re-open it with a reason first")
    raise VersionConflict(job.episode_id, job.version, current.version)


# The proposed code's columns the engine fills (``_proposed_code_rows``); the rest are the same for
# every code of a run.
_CODE_COLUMNS = ("system", "position", "code", "title", "primary", "score", "evidence", "rationale", "qualifies")


@lru_cache(maxsize=1)
def _store_statements() -> dict:
    """``store_proposal``'s statements, built once (SQLAlchemy then reuses their compiled form)."""
    episodes, runs, codes, events = (Episode.__table__, CodingRun.__table__, EpisodeCode.__table__,
                                     AuditEvent.__table__)
    return {
        "episode": update(episodes).where(episodes.c.id == bindparam("e_id"), episodes.c.version == bindparam("e_version"),
                                          episodes.c.status != "finalised")
        .values(status=bindparam("e_status"), updated_at=bindparam("e_now"), version=bindparam("e_new_version")),
        # the result as JSON text, stored as given (a JSON column is text on SQLite)
        "run": insert(runs).values(result=bindparam("result_json", type_=Text)).returning(runs.c.id),
        "clear": delete(codes).where(codes.c.episode_id == bindparam("e_id"), codes.c.stage == "proposed"),
        "codes": insert(codes),
        "audit": insert(events),
    }


@lru_cache(maxsize=1)
def _one_statement_store():
    """PostgreSQL's store_proposal statement. All parts see the same snapshot, so the DELETE of
    the previous proposal never meets the codes inserted beside it; the run's id reaches the codes
    and the audit summary through ``run``. Returns the run's id, or no row when nothing was written."""
    return text("""
        WITH episode AS (
            UPDATE episodes SET status = :e_status, updated_at = :now, version = :e_new_version
            WHERE id = :e_id AND version = :e_version AND status <> 'finalised'
            RETURNING id
        ), run AS (
            INSERT INTO coding_runs (episode_id, requested_by, created_at, duration_ms, engine, result)
            SELECT id, :requested_by, :now, :duration_ms, 'clincode', CAST(:result AS json) FROM episode
            RETURNING id, episode_id
        ), cleared AS (
            DELETE FROM episode_codes WHERE stage = 'proposed' AND episode_id = (SELECT id FROM episode)
        ), codes AS (
            INSERT INTO episode_codes (episode_id, run_id, stage, system, position, code, title, "primary", score,
                                       evidence, rationale, qualifies, source, assigned_by, assigned_at)
            SELECT run.episode_id, run.id, 'proposed', c.system, c.position, c.code, c.title, c."primary", c.score,
                   c.evidence, c.rationale, c.qualifies, 'engine', 'engine', :now
            FROM run, json_to_recordset(CAST(:codes AS json)) AS c(system text, position integer, code text,
                 title text, "primary" boolean, score double precision, evidence json, rationale json, qualifies text)
        ), event AS (
            INSERT INTO audit_events (at, actor, action, entity, entity_id, episode_id, before, after, reason)
            SELECT :at, :actor, 'run_engine', 'episode', :entity_id, run.episode_id, NULL,
                   json_build_object('run_id', run.id, 'diagnoses', CAST(:diagnoses AS json),
                                     'procedures', CAST(:procedures AS json), 'queries', :queries), NULL
            FROM run
        )
        SELECT id FROM run""").bindparams(bindparam("now", type_=UTCDateTime), bindparam("at", type_=UTCDateTime),
                                          bindparam("queries", type_=Integer))


# --- the coder's codes ---------------------------------------------------------------------
def accept_proposal(session: Session, actor: Actor, episode_id: int, expected_version: int | None,
                    code_ids: list[int] | None = None) -> Episode:
    """Accept the engine's proposal: all of it (replacing the final codes) or the listed codes
    (added to the final codes, skipping any already there)."""
    require(actor, "episodes:code")
    episode = episode_for_change(session, episode_id, expected_version)
    proposed = codes_of(episode, "proposed")
    if not proposed:
        raise ValidationFailed("there is no proposal to accept: run the engine first")
    if code_ids is not None:
        by_id = {c.id: c for c in proposed}
        missing = [i for i in code_ids if i not in by_id]
        if missing:
            raise NotFound(f"no proposed code {missing[0]} on episode {episode_id}")
        chosen = [by_id[i] for i in code_ids]
    else:
        chosen = proposed
    before = [snapshot(c, _CODE_FIELDS) for c in codes_of(episode, "final")]
    if code_ids is None:
        for c in codes_of(episode, "final"):
            episode.codes.remove(c)
    now = utcnow()
    for p in chosen:
        finals = codes_of(episode, "final", p.system)
        if any(f.code == p.code for f in finals):
            continue
        keep_primary = p.primary and not any(f.primary for f in finals)
        episode.codes.append(EpisodeCode(
            stage="final", system=p.system, position=p.position if code_ids is None else len(finals) + 1,
            code=p.code, title=p.title, primary=keep_primary, score=p.score, evidence=p.evidence,
            rationale=p.rationale, qualifies=p.qualifies, run_id=p.run_id, source="engine",
            assigned_by=actor.username, assigned_at=now, performed_on=procedure_date(episode, p)))
    _renumber(episode)
    touch(episode, "in_progress")
    audit(session, actor, "accept_proposal", "episode", episode.id, episode_id=episode.id, before={"final": before},
          after={"final": [snapshot(c, _CODE_FIELDS) for c in codes_of(episode, "final")]})
    session.flush()
    return episode


def procedure_date(episode: Episode, code: EpisodeCode) -> date | None:
    """The date a proposed procedure was done, when the notes say it: the date of the operation
    note it was found in (operation notes are written on the day). A Y/Z code takes the date of
    the code it qualifies. None when unknown: the coder enters it (CDS PROCEDURE DATE)."""
    if code.system != System.OPCS4.value:
        return None
    notes = {str(d.id): d for d in episode.documents}
    for ev in code.evidence or []:
        doc = notes.get(str(ev.get("document")))
        if doc is not None and doc.doc_type == "operation_note" and doc.authored_at is not None:
            return doc.authored_at.date()
    if code.qualifies:
        main = next((c for c in codes_of(episode, "proposed", System.OPCS4) if c.code == code.qualifies), None)
        if main is not None and main is not code:
            return procedure_date(episode, main)
    return None


def add_code(session: Session, actor: Actor, episode_id: int, expected_version: int | None, system: System | str,
             code: str, *, primary: bool = False, position: int | None = None,
             performed_on: date | None = None, qualifies: str | None = None, reason: str | None = None) -> EpisodeCode:
    """Add a coder-entered code, validated against the classification and sequencing rules."""
    require(actor, "episodes:code")
    episode = episode_for_change(session, episode_id, expected_version)
    system = System(system)
    check = check_for_episode(load_classifications(), episode, system, code, primary=primary)
    if not check.ok:
        raise InvalidCode(check.code, check.problems)
    finals = codes_of(episode, "final", system)
    if any(f.code == check.code for f in finals):
        raise ValidationFailed(f"{check.code} is already coded on this episode")
    row = EpisodeCode(stage="final", system=system.value, code=check.code, title=check.title, primary=primary,
                      position=(position - 0.5) if position else len(finals) + 1, performed_on=performed_on,
                      qualifies=qualifies, evidence=[], rationale=[f"entered by {actor.username}"] + ([reason] if reason else [])
                      + [f"check: {w}" for w in check.warnings],
                      source="coder", assigned_by=actor.username, assigned_at=utcnow())
    if primary:
        for f in finals:
            f.primary = False
    episode.codes.append(row)
    _renumber(episode)
    touch(episode, "in_progress")
    session.flush()
    audit(session, actor, "add_code", "episode_code", row.id, episode_id=episode.id,
          after=snapshot(row, _CODE_FIELDS), reason=reason)
    return row


def amend_code(session: Session, actor: Actor, episode_id: int, expected_version: int | None, code_id: int, *,
               code: str | None = None, primary: bool | None = None, position: int | None = None,
               performed_on: date | None = None, reason: str | None = None) -> EpisodeCode:
    """Change a final code: the code itself, its primary flag, its position or procedure date."""
    require(actor, "episodes:code")
    episode = episode_for_change(session, episode_id, expected_version)
    row = _final_code(episode, code_id)
    before = snapshot(row, _CODE_FIELDS)
    will_be_primary = row.primary if primary is None else primary
    if code is not None or (primary and not row.primary):
        check = check_for_episode(load_classifications(), episode, row.system, code or row.code,
                                  primary=will_be_primary)
        if not check.ok:
            raise InvalidCode(check.code, check.problems)
        if check.code != row.code:
            if any(f.code == check.code for f in codes_of(episode, "final", row.system) if f is not row):
                raise ValidationFailed(f"{check.code} is already coded on this episode")
            row.code, row.title, row.source = check.code, check.title, "coder"
            row.assigned_by, row.assigned_at = actor.username, utcnow()
    if primary is not None:
        if primary:
            for f in codes_of(episode, "final", row.system):
                f.primary = False
        row.primary = primary
    if position is not None:
        row.position = position - 0.5 if position < row.position else position + 0.5
    if performed_on is not None:
        row.performed_on = performed_on
    _renumber(episode)
    touch(episode, "in_progress")
    audit(session, actor, "amend_code", "episode_code", row.id, episode_id=episode.id, before=before,
          after=snapshot(row, _CODE_FIELDS), reason=reason)
    session.flush()
    return row


def remove_code(session: Session, actor: Actor, episode_id: int, expected_version: int | None, code_id: int,
                reason: str | None = None) -> None:
    require(actor, "episodes:code")
    episode = episode_for_change(session, episode_id, expected_version)
    row = _final_code(episode, code_id)
    before = snapshot(row, _CODE_FIELDS)
    episode.codes.remove(row)
    _renumber(episode)
    touch(episode, "in_progress")
    audit(session, actor, "remove_code", "episode_code", code_id, episode_id=episode.id, before=before, reason=reason)
    session.flush()


def reject_proposal(session: Session, actor: Actor, episode_id: int, expected_version: int | None, code_id: int,
                    reason: str | None = None) -> None:
    """The coder rejects one of the engine's proposed codes: it leaves the list to review.

    The engine's full proposal stays in its ``CodingRun`` and the rejection (with any reason) in
    the audit trail, so an auditor can still compare what the engine said with what was coded.
    """
    require(actor, "episodes:code")
    episode = episode_for_change(session, episode_id, expected_version)
    row = next((c for c in episode.codes if c.id == code_id and c.stage == "proposed"), None)
    if row is None:
        raise NotFound(f"no proposed code {code_id} on episode {episode_id}")
    before = snapshot(row, _CODE_FIELDS)
    episode.codes.remove(row)
    touch(episode, "in_progress")
    audit(session, actor, "reject_proposal", "episode_code", code_id, episode_id=episode.id, before=before,
          reason=reason)
    session.flush()


def _final_code(episode: Episode, code_id: int) -> EpisodeCode:
    for c in episode.codes:
        if c.id == code_id and c.stage == "final":
            return c
    raise NotFound(f"no final code {code_id} on episode {episode.id}")


def _renumber(episode: Episode) -> None:
    """Positions 1..n per system with the primary diagnosis / main procedure first."""
    for system in (System.ICD10, System.OPCS4):
        rows = sorted(codes_of(episode, "final", system), key=lambda c: (not c.primary, c.position))
        for i, c in enumerate(rows, start=1):
            c.position = i


# --- finalise and re-open ------------------------------------------------------------------
def finalise_problems(episode: Episode) -> list[str]:
    """Why the episode cannot be finalised yet (empty when it can)."""
    problems: list[str] = []
    clf = load_classifications()
    diagnoses = codes_of(episode, "final", System.ICD10)
    procedures = codes_of(episode, "final", System.OPCS4)
    primaries = [d for d in diagnoses if d.primary]
    if not diagnoses:
        problems.append("there are no diagnosis codes: every episode needs a primary diagnosis")
    elif len(primaries) != 1:
        problems.append("exactly one diagnosis must be marked primary")
    if procedures and sum(p.primary for p in procedures) != 1:
        problems.append("exactly one procedure must be the main procedure")
    for c in diagnoses + procedures:
        check = check_for_episode(clf, episode, c.system, c.code, primary=c.primary)
        problems.extend(f"{c.code}: {p}" for p in check.problems)
    open_queries = [q for q in episode.queries if q.status == "open"]
    if open_queries:
        problems.append(f"{len(open_queries)} clinician quer{'y is' if len(open_queries) == 1 else 'ies are'} still open")
    return problems


def finalise(session: Session, actor: Actor, episode_id: int, expected_version: int | None) -> Episode:
    """Finalise the coding: checked, then locked against change until re-opened."""
    require(actor, "episodes:finalise")
    episode = episode_for_change(session, episode_id, expected_version)
    problems = finalise_problems(episode)
    if problems:
        raise ValidationFailed("the episode cannot be finalised", problems)
    episode.finalised_at, episode.finalised_by = utcnow(), actor.username
    touch(episode, "finalised")
    audit(session, actor, "finalise", "episode", episode.id, episode_id=episode.id,
          after={"final": [snapshot(c, _CODE_FIELDS) for c in codes_of(episode, "final")]})
    session.flush()
    return episode


def reopen(session: Session, actor: Actor, episode_id: int, reason: str, expected_version: int | None = None) -> Episode:
    """Re-open a finalised episode; the reason is mandatory and kept in the audit trail."""
    require(actor, "episodes:reopen")
    if not reason or len(reason.strip()) < 5:
        raise ValidationFailed("give the reason for re-opening a finalised episode")
    episode = load_episode(session, episode_id)
    if expected_version is not None and episode.version != expected_version:
        from ..errors import VersionConflict

        raise VersionConflict(episode_id, expected_version, episode.version)
    if not episode.finalised:
        raise EpisodeLocked(f"episode {episode_id} is not finalised")
    before = {"status": episode.status, "finalised_by": episode.finalised_by,
              "finalised_at": episode.finalised_at}
    episode.finalised_at = episode.finalised_by = None
    touch(episode, "in_progress")
    audit(session, actor, "reopen", "episode", episode.id, episode_id=episode.id, before=before,
          after={"status": "in_progress"}, reason=reason.strip())
    session.flush()
    return episode


def open_queries(episode: Episode) -> list[ClinicianQuery]:
    return [q for q in episode.queries if q.status == "open"]
