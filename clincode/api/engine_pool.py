"""The coding engine in worker processes of its own, for the API server.

The engine is pure Python CPU work (~6-15 ms a document). Run in the server's request threads it
holds the worker's GIL, so one uvicorn worker codes on one core and every read waits behind the
codings. Here each engine process loads the engine once at start; a coding request's thread
sends the documents over, waits (without the GIL) for the coded episode as JSON and stores it.
The server process keeps to HTTP and the store, and the engine work spreads over all the cores
from one first come, first served queue.

``CLINCODE_ENGINE_PROCESSES``: how many engine processes ``clincode serve`` starts per server
worker (default: the number of cores; 0 codes in the server's own threads, as before).
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import multiprocessing.connection
import threading
import time
from collections import deque
from concurrent.futures import Future, InvalidStateError
from concurrent.futures.process import BrokenProcessPool

from ..coding import CodedEpisode, Document

log = logging.getLogger("clincode.api")

_ENGINE = None  # in an engine process: the engine it loaded at start


WARM_UP = "Discharge summary. Diagnosis: acute cholecystitis. Procedure: laparoscopic cholecystectomy."


def _load_engine() -> None:
    global _ENGINE
    import gc

    from ..engine import default_engine

    engine = default_engine()
    engine.code_episode("warm-up", [Document(id="warm-up", text=WARM_UP)])  # lazy tables, compiled patterns
    # The engine's tables are millions of long-lived objects: without this, every full garbage
    # collection walks them all, stalling a coding by hundreds of milliseconds now and then.
    gc.freeze()
    _ENGINE = engine


def _code(episode_id: str, documents: list[tuple[str, str, str | None]], all_findings: bool) -> tuple[str, int]:
    """In an engine process: code the documents. The result goes back as JSON (a string pickles
    in microseconds, a pydantic model tree does not) with the engine's own time in ms."""
    started = time.perf_counter()
    docs = [Document(id=doc_id, text=text, type=doc_type) for doc_id, text, doc_type in documents]
    result = _ENGINE.code_episode(episode_id, docs, all_findings).model_dump_json()
    return result, int((time.perf_counter() - started) * 1000)


def _serve(conn) -> None:
    """An engine process: load the engine, say so, then code what comes down the pipe, one
    episode at a time, until told to stop (None) or the server goes away."""
    _load_engine()
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            reply = ("ok", _code(*job))
        except Exception as exc:  # the engine failed on this episode: the server reports it
            reply = ("error", exc)
        try:
            conn.send(reply)
        except Exception:  # an exception that does not pickle: its type is all the server needs
            conn.send(("error", RuntimeError(type(reply[1]).__name__)))


def configured_processes() -> int:
    """``CLINCODE_ENGINE_PROCESSES``, default the number of cores."""
    value = os.environ.get("CLINCODE_ENGINE_PROCESSES", "").strip()
    return max(0, int(value)) if value else (os.cpu_count() or 1)


class _EngineProcess:
    """One engine process and the server's end of its pipe."""

    def __init__(self, ctx):
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_serve, args=(child,), daemon=True, name="clincode-engine")
        self.process.start()
        child.close()
        self.ready = False
        self.job: Future | None = None  # the coding it is doing


class EngineProcesses:
    """Looks like the engine (``code_episode``) to the service layer; codes in ``processes``
    processes of its own. Safe to call from many threads and from the event loop at once.

    Each process has a pipe of its own and codes one episode at a time; codings wait in one first
    come, first served queue for an idle process. The caller's thread writes the job straight
    into an idle process's pipe and one reader thread takes the results (and hands the next job
    on): a coding wakes one thread of the server. (``concurrent.futures.ProcessPoolExecutor``
    woke its manager thread twice and its queue-feeder thread once per coding, ~12% of a
    worker's CPU under load.) A process that dies fails the coding it was doing
    (``BrokenProcessPool``) and is replaced; codings waiting in the queue go to the others or
    to the replacement once it has loaded the engine.
    """

    def __init__(self, processes: int):
        if processes < 1:
            raise ValueError("at least one engine process")
        self.processes = processes
        # spawn: a clean interpreter, never a fork of a server that already runs threads
        self._ctx = multiprocessing.get_context("spawn")
        self._lock = threading.Condition()
        self._waiting: deque[tuple[tuple, Future]] = deque()
        self._closed = False
        self._broken: str | None = None  # why no engine process can start (the engine does not load)
        self._wake_reader, self._wake = self._ctx.Pipe(duplex=False)  # wakes the reader to stop
        self._engines: list[_EngineProcess] = []  # started on first use (start() or a coding)
        self._reader: threading.Thread | None = None

    def _ensure_started(self) -> None:
        # under self._lock
        if self._reader is None and not self._closed:
            self._engines = [_EngineProcess(self._ctx) for _ in range(self.processes)]
            self._reader = threading.Thread(target=self._read_results, daemon=True, name="clincode-engine-results")
            self._reader.start()

    def pids(self) -> list[int]:
        with self._lock:
            return [e.process.pid for e in self._engines]

    def start(self) -> "EngineProcesses":
        """Wait until every process has loaded the engine (so the first codings do not pay for it)."""
        with self._lock:
            self._ensure_started()
            self._lock.wait_for(lambda: self._closed or self._broken or all(e.ready for e in self._engines))
            if self._broken:
                raise BrokenProcessPool(self._broken)
        return self

    def _submit(self, episode_id: str, documents, all_findings: bool) -> Future:
        job = (episode_id, [(d.id, d.text, d.type) for d in documents], all_findings)
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the engine processes are closed")
            if self._broken:
                raise BrokenProcessPool(self._broken)
            self._ensure_started()
            idle = next((e for e in self._engines if e.ready and e.job is None), None)
            if idle is None:
                self._waiting.append((job, future))
            else:
                future.set_running_or_notify_cancel()  # a coding under way cannot be cancelled
                self._send(idle, job, future)
        return future

    def _send(self, engine: _EngineProcess, job: tuple, future: Future) -> None:
        # under self._lock; the process is idle, so its pipe is empty and this does not wait
        # (beyond copying a document larger than the pipe's buffer)
        engine.job = future
        try:
            engine.conn.send(job)
        except OSError:  # it died just now: the reader replaces it and fails this coding
            pass

    def _hand_on(self, engine: _EngineProcess) -> None:
        # under self._lock: the next waiting coding to a process that just became idle
        while self._waiting and engine.job is None:
            job, future = self._waiting.popleft()
            if future.set_running_or_notify_cancel():
                self._send(engine, job, future)

    def _read_results(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                by_conn = {e.conn: e for e in self._engines}
            for conn in multiprocessing.connection.wait([*by_conn, self._wake_reader]):
                if conn is self._wake_reader:
                    self._wake_reader.recv_bytes()
                    continue
                engine = by_conn[conn]
                try:
                    kind, value = conn.recv()
                except (EOFError, OSError):
                    self._replace(engine)
                    continue
                with self._lock:
                    future, engine.job = engine.job, None
                    if kind == "ready":
                        engine.ready = True
                        self._lock.notify_all()
                    self._hand_on(engine)
                if future is not None:
                    _settle(future, value if kind == "ok" else None, None if kind == "ok" else value)

    def _replace(self, engine: _EngineProcess) -> None:
        # An engine process died (killed, out of memory): the coding it was doing fails (the
        # caller reports it); a new process takes its place.
        with self._lock:
            if engine not in self._engines:
                return
            future = engine.job
            engine.conn.close()
            engine.process.join(timeout=1)
            index = self._engines.index(engine)
            if engine.ready and not self._closed:
                log.error("an engine process died; starting a new one")
                self._engines[index] = _EngineProcess(self._ctx)
                failed = []
            else:  # it died loading the engine: another would too; the others carry on
                log.error("an engine process died before the engine was loaded")
                del self._engines[index]
                failed = []
                if not self._engines:
                    self._broken = "no engine process could load the coding engine"
                    failed, self._waiting = [f for _, f in self._waiting], deque()
                self._lock.notify_all()
        if future is not None:
            _settle(future, None, BrokenProcessPool("an engine process died while coding"))
        for waiting in failed:
            _settle(waiting, None, BrokenProcessPool(self._broken or "no engine process"))

    async def code_json(self, episode_id: str, documents, all_findings: bool = False) -> tuple[str, int]:
        """The coded episode as JSON and the engine's time in ms, awaited without holding a
        thread (the request's thread is free for other requests while the engine works)."""
        return await asyncio.wrap_future(self._submit(episode_id, documents, all_findings))

    def code_episode(self, episode_id: str, documents, all_findings: bool = False) -> CodedEpisode:
        data, _ = self._submit(episode_id, documents, all_findings).result()
        return CodedEpisode.model_validate_json(data)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            engines, self._engines = self._engines, []
            waiting, self._waiting = list(self._waiting), deque()
            self._lock.notify_all()
        self._wake.send_bytes(b"")
        if self._reader is not None:
            self._reader.join(timeout=5)
        for engine in engines:
            try:
                engine.conn.send(None)
            except OSError:
                pass
        for engine in engines:
            engine.process.join(timeout=5)
            if engine.process.is_alive():
                engine.process.terminate()
                engine.process.join(timeout=5)
            engine.conn.close()
            if engine.job is not None:
                _settle(engine.job, None, RuntimeError("the engine processes were closed"))
        for _, future in waiting:
            _settle(future, None, RuntimeError("the engine processes were closed"))


def _settle(future: Future, result, error: BaseException | None) -> None:
    """Give a coding its result or error, unless its caller gave up on it (cancelled) meanwhile."""
    try:
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)
    except InvalidStateError:
        pass
