"""The API's fast paths give the same answers as the service layer's reference paths: the episode
as one JSON statement, coding in two short transactions (engine in between, in processes of its
own), the SQLite write queue across processes, and clincode serve's defaults."""
from __future__ import annotations

import gc
import json
import os
import signal
import threading
import time
from concurrent.futures.process import BrokenProcessPool

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clincode.api.engine_pool import EngineProcesses
from clincode.api.schemas import EpisodeDetail, RunOut
from clincode.api.sqlite_writes import WriteLock
from clincode.api.views import episode_json, episode_view
from clincode.coding import CodedEpisode, Document
from clincode.store import services as sv
from clincode.store.errors import EpisodeLocked, NotFound, PermissionDenied, VersionConflict
from clincode.store.models import AuditEvent, CodingRun
from clincode.store.roles import Role

from .test_api_read_path import CODER, SUMMARY, coded_episode


def test_one_statement_json_equals_the_column_view(db):
    eid = coded_episode(db)
    body = episode_json(db.engine, CODER, eid)
    with db.session() as s:
        reference = EpisodeDetail.model_validate(episode_view(s, CODER, eid))
    assert body == reference.model_dump_json().encode()
    detail = json.loads(body)
    assert detail["spell"]["admission_date"] == "2026-03-01T09:00:00Z"  # UTC on SQLite too
    assert detail["final_codes"] and detail["proposed_codes"] and len(detail["documents"]) == 2
    assert isinstance(detail["final_codes"][0]["evidence"], list)  # JSON columns embedded, not as strings
    with pytest.raises(NotFound):
        episode_json(db.engine, CODER, eid + 1000)
    with pytest.raises(PermissionDenied):
        episode_json(db.engine, sv.Actor("x", Role.INTEGRATION), eid)


def test_store_proposal_writes_what_run_coding_writes(db, settings):
    """Two episodes with the same document, one coded by run_coding (ORM), one by coding_job +
    store_proposal: the same proposed codes, status, version step and audit summary."""
    from clincode.engine import default_engine
    from clincode.store.records import EpisodeRecord

    engine = default_engine()
    ids = []
    with db.session() as s:
        for n, nhs in enumerate(("9434765919", "9434765870")):
            ids.append(sv.ingest_record(s, sv.INTEGRATION, EpisodeRecord.model_validate({
                "patient": {"nhs_number": nhs}, "spell": {"spell_number": f"SP{n}"},
                "documents": [{"text": SUMMARY, "doc_type": "discharge_summary"}]})).id)
    with db.session() as s:
        sv.run_coding(s, CODER, ids[0], engine=engine)
    with db.session() as s:
        job = sv.coding_job(s, CODER, ids[1])
    result = engine.code_episode(str(ids[1]), list(job.documents))
    with db.session() as s:
        run_id, version = sv.store_proposal(s, CODER, job, result.model_dump(mode="json"), 7)
    assert version == job.version + 1

    def stored(eid):
        with db.session() as s:
            episode = sv.load_episode(s, eid)
            # evidence names the episode's own document: compare it without the document id
            codes = [(c.system, c.position, c.code, c.title, c.primary, c.score,
                      [{**e, "document": None} for e in c.evidence], c.rationale, c.qualifies,
                      c.source, c.assigned_by) for c in sv.codes_of(episode, "proposed")]
            event = s.scalars(select(AuditEvent).where(AuditEvent.episode_id == eid,
                                                       AuditEvent.action == "run_engine")).one()
            after = {k: v for k, v in event.after.items() if k != "run_id"}
            return codes, episode.status, episode.version, after, event.actor

    assert stored(ids[0]) == stored(ids[1])
    assert stored(ids[1])[0]  # the sample does give codes
    with db.session() as s:
        run = s.get(CodingRun, run_id)
        assert run.duration_ms == 7 and CodedEpisode.model_validate(run.result) == result


def test_store_proposal_refuses_a_changed_or_finalised_episode(db):
    eid = coded_episode(db)  # has final codes and an open query
    with db.session() as s:
        job = sv.coding_job(s, CODER, eid)
        runs_before = s.scalar(select(func.count()).select_from(CodingRun))
    proposal = {"episode_id": str(eid), "diagnoses": [{"code": "K80.0"}], "procedures": [], "queries": []}
    with db.session() as s:  # someone changes the episode while the engine works
        sv.assign_episode(s, CODER, eid, "user_coder", job.version)
    with db.session() as s, pytest.raises(VersionConflict):
        sv.store_proposal(s, CODER, job, proposal, 1)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CodingRun)) == runs_before
        job = sv.coding_job(s, CODER, eid)
        assert sv.load_episode(s, eid).version == job.version
        with pytest.raises(VersionConflict):
            sv.coding_job(s, CODER, eid, expected_version=job.version - 1)
    with db.session() as s:
        sv.store_proposal(s, CODER, job, proposal, 1)  # at the current version: stored
    with db.session() as s:
        assert [c.code for c in sv.codes_of(sv.load_episode(s, eid), "proposed")] == ["K80.0"]
        episode = sv.load_episode(s, eid)
        episode.status = "finalised"  # as finalise leaves it
    with db.session() as s:
        with pytest.raises(EpisodeLocked):
            sv.coding_job(s, CODER, eid)
    with db.session() as s, pytest.raises(EpisodeLocked):
        sv.store_proposal(s, CODER, sv.CodingJob(eid, sv.load_episode(s, eid).version, "in_progress", job.documents),
                          proposal, 1)


def test_coding_through_engine_processes(db, settings, tokens):
    """POST /code with the engine in a process of its own: the response is RunOut, its proposal is
    the stored one and equals the in-process engine's; a killed engine process fails one coding
    (500, nothing stored) and the next one works."""
    from clincode.api import create_app
    from clincode.engine import default_engine

    from .test_api_workflow import auth, ingest_samples

    processes = EngineProcesses(1).start()
    try:
        with TestClient(create_app(settings=settings, database=db, engine_factory=lambda: processes),
                        raise_server_exceptions=False) as c:
            eid = ingest_samples(c, tokens)
            headers = auth(tokens[Role.CODER])
            version = c.get(f"/episodes/{eid}", headers=headers).json()["version"]
            r = c.post(f"/episodes/{eid}/code", json={"version": version}, headers=headers)
            assert r.status_code == 200, r.text
            out = RunOut.model_validate_json(r.content)
            assert out.version == version + 1 == c.get(f"/episodes/{eid}", headers=headers).json()["version"]
            stored = c.get(f"/episodes/{eid}/proposal", headers=headers).json()
            assert stored["run_id"] == out.run_id and stored["proposal"] == out.proposal
            with db.session() as s:
                docs = list(sv.coding_job(s, CODER, eid).documents)
            assert CodedEpisode.model_validate(out.proposal) == default_engine().code_episode(str(eid), docs)
            assert c.post(f"/episodes/{eid}/code", json={"version": version}, headers=headers).status_code == 409

            # killed while coding: that coding fails (500, nothing stored), the next one works
            long_docs = [Document(id="1", text=SUMMARY * 1000, type="discharge_summary")]  # codes for seconds
            killer = threading.Timer(0.3, lambda: [os.kill(pid, signal.SIGKILL) for pid in processes.pids()])
            real_submit = processes._submit
            processes._submit = lambda episode_id, documents, all_findings: (
                killer.start(), real_submit(episode_id, long_docs, all_findings))[1]
            r = c.post(f"/episodes/{eid}/code", json={}, headers=headers)
            processes._submit = real_submit
            assert r.status_code == 500 and "coding engine failed" in r.json()["detail"]
            assert c.get(f"/episodes/{eid}", headers=headers).json()["version"] == out.version
            r = c.post(f"/episodes/{eid}/code", json={}, headers=headers)
            assert r.status_code == 200 and r.json()["version"] == out.version + 1
    finally:
        processes.close()


def test_engine_process_killed_while_idle_is_replaced(settings):
    """An engine process that dies with nothing to do fails nothing: a new one takes its place
    and codes the next episode."""
    docs = [Document(id="1", text=SUMMARY, type="discharge_summary")]
    processes = EngineProcesses(1).start()
    try:
        first = processes.code_episode("e1", docs)
        old = processes.pids()
        os.kill(old[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while processes.pids() == old and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes.pids() != old
        assert processes.code_episode("e1", docs) == first
    finally:
        processes.close()
    with pytest.raises(RuntimeError):
        processes.code_episode("e1", docs)


class _EngineWhileSomeoneElseWrites:
    """Looks like EngineProcesses to the route; while it "codes", ``meanwhile`` changes the episode
    (a coder assigns it, or finalises it), as can happen during a real engine run."""

    def __init__(self, meanwhile):
        self.meanwhile = meanwhile

    async def code_json(self, episode_id, documents, all_findings=False):
        self.meanwhile()
        return json.dumps({"episode_id": episode_id, "diagnoses": [{"code": "K80.0", "title": "t", "primary": True}],
                           "procedures": [], "queries": []}), 3


def test_coding_refused_when_the_episode_changed_during_the_engine_run(db, settings, tokens):
    """POST /code stores nothing when the episode changed while the engine worked: 409, no run, no
    proposed codes, no audit event, version as the rival left it (on PostgreSQL this is the
    one-statement store on an autocommit connection). Then a clean run stores all of it."""
    from clincode.api import create_app

    from .test_api_workflow import auth, ingest_samples

    def counts(eid):
        with db.session() as s:
            return (s.scalar(select(func.count()).select_from(CodingRun).where(CodingRun.episode_id == eid)),
                    s.scalar(select(func.count()).select_from(AuditEvent).where(
                        AuditEvent.episode_id == eid, AuditEvent.action == "run_engine")),
                    [c.code for c in sv.codes_of(sv.load_episode(s, eid), "proposed")],
                    sv.load_episode(s, eid).version)

    engine = _EngineWhileSomeoneElseWrites(lambda: None)
    with TestClient(create_app(settings=settings, database=db, engine_factory=lambda: engine)) as c:
        eid = ingest_samples(c, tokens)
        headers = auth(tokens[Role.CODER])

        def assign():
            with db.session() as s:
                sv.assign_episode(s, CODER, eid, "user_coder", sv.load_episode(s, eid).version)

        engine.meanwhile = assign
        before = counts(eid)
        r = c.post(f"/episodes/{eid}/code", json={}, headers=headers)
        assert r.status_code == 409
        assert r.json()["detail"].startswith(f"episode {eid} was changed by someone else (you had version {before[3]}, "
                                             f"it is now {before[3] + 1})")
        assert counts(eid) == (before[0], before[1], before[2], before[3] + 1)  # only the rival's change

        def finalise_meanwhile():
            with db.session() as s:
                sv.load_episode(s, eid).status = "finalised"  # as finalise leaves it

        engine.meanwhile = lambda: None
        r = c.post(f"/episodes/{eid}/code", json={}, headers=headers)
        assert r.status_code == 200, r.text
        stored = counts(eid)
        assert stored[:3] == (before[0] + 1, before[1] + 1, ["K80.0"]) and r.json()["version"] == stored[3]
        assert r.json()["proposal"]["diagnoses"][0]["code"] == "K80.0"
        with db.session() as s:
            event = s.scalars(select(AuditEvent).where(AuditEvent.episode_id == eid,
                                                       AuditEvent.action == "run_engine")).one()
            assert event.after == {"run_id": r.json()["run_id"], "diagnoses": ["K80.0"], "procedures": [], "queries": 0}
            assert event.actor == "user_coder" and event.entity_id == str(eid)

        engine.meanwhile = finalise_meanwhile
        r = c.post(f"/episodes/{eid}/code", json={}, headers=headers)
        assert r.status_code == 409 and "finalised" in r.json()["detail"]
        assert counts(eid)[:3] == stored[:3]


def test_engine_processes_code_like_the_engine(settings):
    from clincode.engine import default_engine

    docs = [Document(id="1", text=SUMMARY, type="discharge_summary")]
    processes = EngineProcesses(1).start()
    try:
        assert processes.code_episode("e1", docs) == default_engine().code_episode("e1", docs)
    finally:
        processes.close()
    with pytest.raises(ValueError):
        EngineProcesses(0)


def test_sqlite_write_lock_spans_processes(tmp_path):
    """Two locks on the same file (two open files, as two server workers have) exclude each other."""
    path = str(tmp_path / "db.sqlite-writes.lock")
    first, second = WriteLock(path), WriteLock(path)
    assert first.acquire(timeout=1)
    assert not second.acquire(timeout=0.05)
    assert not second.locked()  # a failed wait leaves nothing held
    first.release()
    assert second.acquire(timeout=1)
    second.release()


def test_serve_defaults(tmp_path, monkeypatch):
    """One worker per four cores; the engine processes share the cores."""
    import uvicorn
    from typer.testing import CliRunner

    from clincode.cli import app
    from clincode.store import upgrade

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: calls.append((target, kw)))
    monkeypatch.delenv("CLINCODE_ENGINE_PROCESSES", raising=False)
    monkeypatch.delenv("CLINCODE_PRELOAD_ENGINE", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(gc, "freeze", lambda: None)  # served_app runs in this process (one worker)
    url = f"sqlite:///{tmp_path / 's.db'}"
    upgrade(url)
    result = CliRunner().invoke(app, ["serve", "--database-url", url, "--no-preload"])
    assert result.exit_code == 0, result.output
    assert "1 worker process(es), 4 engine process(es) each" in result.output
    assert calls[-1][1].get("workers") is None  # one worker: the app object itself
    monkeypatch.delenv("CLINCODE_ENGINE_PROCESSES")
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    result = CliRunner().invoke(app, ["serve", "--database-url", url, "--no-preload"])
    assert result.exit_code == 0 and "2 worker process(es), 4 engine process(es) each" in result.output
    assert calls[-1] == ("clincode.api.main:served_app", {**calls[-1][1], "workers": 2, "factory": True})
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.delenv("CLINCODE_ENGINE_PROCESSES")
    result = CliRunner().invoke(app, ["serve", "--database-url", url, "--no-preload", "--workers", "1"])
    assert result.exit_code == 0 and "1 worker process(es), 4 engine process(es) each" in result.output
    assert calls[-1][1].get("workers") is None  # one worker: the app object itself
    result = CliRunner().invoke(app, ["serve", "--database-url", url, "--no-preload", "--workers", "2",
                                      "--engine-processes", "0"])
    assert result.exit_code == 0 and "2 worker process(es), 0 engine process(es) each" in result.output


def test_api_threads_setting(monkeypatch, settings, db, tokens):
    """The hot routes' own thread pool: CLINCODE_API_THREADS, else two per core and at least 4;
    made when the app starts and used by GET /episodes/{id}."""
    from clincode.api import create_app
    from clincode.api.main import api_threads

    from .test_api_workflow import auth, ingest_samples

    monkeypatch.delenv("CLINCODE_API_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert api_threads() == 4
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert api_threads() == 16
    monkeypatch.setenv("CLINCODE_API_THREADS", "3")
    assert api_threads() == 3
    import threading

    from clincode.api.routes import coding, episodes

    threads = []

    def on_thread(fn):
        def record(*args):
            threads.append((fn.__name__, threading.current_thread().name))
            return fn(*args)
        return record

    for module, name in ((episodes, "_episode_body"), (coding, "_read_job"), (coding, "_store_run")):
        monkeypatch.setattr(module, name, on_thread(getattr(module, name)))
    app = create_app(settings=settings, database=db, engine_factory=lambda: _EngineWhileSomeoneElseWrites(lambda: None))
    with TestClient(app) as c:
        assert app.state.api_executor._max_workers == 3
        eid = ingest_samples(c, tokens)
        headers = auth(tokens[Role.CODER])
        assert c.get(f"/episodes/{eid}", headers=headers).json()["id"] == eid
        assert c.post(f"/episodes/{eid}/code", json={}, headers=headers).status_code == 200
    assert [name for name, _ in threads] == ["_episode_body", "_read_job", "_store_run"]
    assert all(thread.startswith("clincode-api") for _, thread in threads), threads
