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
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
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


def _ready() -> bool:
    return _ENGINE is not None


def configured_processes() -> int:
    """``CLINCODE_ENGINE_PROCESSES``, default the number of cores."""
    value = os.environ.get("CLINCODE_ENGINE_PROCESSES", "").strip()
    return max(0, int(value)) if value else (os.cpu_count() or 1)


class EngineProcesses:
    """Looks like the engine (``code_episode``) to the service layer; codes in ``processes``
    worker processes. Safe to call from many threads at once."""

    def __init__(self, processes: int):
        if processes < 1:
            raise ValueError("at least one engine process")
        self.processes = processes
        self._lock = threading.Lock()
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn: a clean interpreter, never a fork of a server that already runs threads
        return ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_load_engine)

    def start(self) -> "EngineProcesses":
        """Start every process and wait until each has loaded the engine (so the first
        codings do not pay for it)."""
        futures = [self._executor.submit(_ready) for _ in range(self.processes)]
        for f in futures:
            f.result()
        return self

    def _submit(self, episode_id: str, documents, all_findings: bool) -> tuple[ProcessPoolExecutor, Future]:
        payload = [(d.id, d.text, d.type) for d in documents]
        executor = self._executor
        try:
            return executor, executor.submit(_code, episode_id, payload, all_findings)
        except BrokenProcessPool:
            self._replace(executor)
            raise

    def _replace(self, executor: ProcessPoolExecutor) -> None:
        # An engine process died (killed, out of memory): this coding fails (the caller reports
        # it); the next one gets fresh processes.
        with self._lock:
            if self._executor is executor:
                log.error("an engine process died; starting new ones")
                self._executor = self._new_executor()
        executor.shutdown(wait=False, cancel_futures=True)

    async def code_json(self, episode_id: str, documents, all_findings: bool = False) -> tuple[str, int]:
        """The coded episode as JSON and the engine's time in ms, awaited without holding a
        thread (the request's thread is free for other requests while the engine works)."""
        executor, future = self._submit(episode_id, documents, all_findings)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._replace(executor)
            raise

    def code_episode(self, episode_id: str, documents, all_findings: bool = False) -> CodedEpisode:
        executor, future = self._submit(episode_id, documents, all_findings)
        try:
            data, _ = future.result()
        except BrokenProcessPool:
            self._replace(executor)
            raise
        return CodedEpisode.model_validate_json(data)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
