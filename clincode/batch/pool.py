"""A pool of coding worker processes, each loading the engine once, that survives bad documents.

Why not ``multiprocessing.Pool``: when a worker dies (a segfault in a native library, the kernel's
OOM killer) ``Pool`` hangs, and ``ProcessPoolExecutor`` breaks as a whole without saying which
document did it. Here every worker has its own pipe and the pool knows which documents it holds,
in order, so:

* a worker that dies is replaced; the document it was coding is retried once and then recorded
  as ``worker_died``; the documents queued behind it are simply resent;
* a document that takes longer than the time limit gets its worker killed and is recorded as
  ``timeout``, instead of stalling the batch forever.

A worker is sent a new message only when it holds nothing, so the parent never blocks writing to
a worker that is itself blocked writing a result back (the classic pipe deadlock).
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
import resource
import signal
import sys
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import wait

from . import outcome
from .outcome import Failure


class EngineLoadError(RuntimeError):
    """A worker could not load the coding engine (missing classification files, bad settings)."""


@dataclass(slots=True)
class Task:
    seq: int
    id: str
    text: object  # one text, or an episode's documents (see outcome.EpisodeDocuments)
    source: str
    attempts: int = 0


@dataclass(slots=True)
class Result:
    task: Task
    line: str | None  # the coded episode as one JSON line
    failure: Failure | None
    seconds: float  # time the engine took on this document (wall clock)
    cpu_seconds: float = 0.0  # CPU time it took: what it costs on a machine not shared with others


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


_REFREEZE_AFTER = frozenset({20, 200})  # documents coded


def _worker_main(conn, settings_data: dict, all_findings: bool, max_bytes: int) -> None:
    """Runs in the worker process: load the engine once, then code what the pipe brings."""
    # Ctrl-C and a scheduler's SIGTERM reach the whole process group: the parent decides when to
    # stop, commits, then ends its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    started = time.perf_counter()
    try:
        from ..config import Settings
        from ..engine import CodingEngine

        engine = CodingEngine(Settings(**settings_data))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as a clear message
        conn.send(("init_error", f"{type(exc).__name__}: {exc}"))
        return
    # The engine's tables live as long as the worker: set them aside from the cycle collector, whose
    # oldest-generation passes would otherwise walk every lexicon entry again while documents are coded.
    gc.freeze()
    # (the CPU time is the whole start-up: interpreter, imports and engine load)
    conn.send(("ready", time.perf_counter() - started, _peak_rss_mb(), time.process_time()))
    coded = 0
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):  # the parent is gone (even kill -9): nothing left to do
            return
        if batch is None:
            # Everything is sent: leave without tearing the engine down object by object (interpreter
            # shutdown frees its hundreds of thousands of objects one at a time, ~0.1 s the parent's
            # close() would wait for at the end of every batch).
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (AttributeError, OSError, ValueError):
                    pass
            conn.close()
            os._exit(0)
        for seq, doc_id, text in batch:
            t0, c0 = time.perf_counter(), time.process_time()
            line, failure = outcome.code_document(engine, doc_id, text, all_findings, max_bytes)
            coded += 1
            if coded in _REFREEZE_AFTER:
                # what the first documents loaded and cached (rule tables, the model's libraries, word
                # forms) lives as long as the worker too: set it aside as well, garbage collected first
                gc.collect()
                gc.freeze()
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            try:
                conn.send(("done", seq, line, failure, seconds, cpu, _peak_rss_mb()))
            except (BrokenPipeError, OSError):
                return


@dataclass(slots=True, eq=False)
class _Worker:
    process: mp.Process
    conn: object
    ready: bool = False
    inflight: deque = field(default_factory=deque)
    since: float = 0.0  # when its current document started (its last message, or the dispatch)


class WorkerPool:
    """``size`` worker processes coding documents; see the module docstring."""

    def __init__(self, size: int, settings_data: dict, all_findings: bool, max_bytes: int,
                 timeout: float = 600.0, batch_docs: int = 8, batch_bytes: int = 256 * 1024):
        self.size = max(1, size)
        self._args = (settings_data, all_findings, max_bytes)
        self.timeout = timeout
        self.batch_docs = batch_docs
        self.batch_bytes = batch_bytes
        self._ctx = mp.get_context("spawn")  # no fork: the parent runs a progress-bar thread
        self._workers: list[_Worker] = []
        self.retry: deque[Task] = deque()  # resent before new input
        self.load_seconds: list[float] = []
        self.load_cpu_seconds: list[float] = []  # CPU time of each worker's start-up
        self.peak_rss_mb: dict[int, float] = {}

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self, should_stop=lambda: False) -> None:
        """Start the workers and wait until each has loaded the engine (or say why one could not)."""
        for _ in range(self.size):
            self._workers.append(self._spawn())
        while not all(w.ready for w in self._workers) and not should_stop():
            waiting = [w for w in self._workers if not w.ready]
            wait([w.conn for w in waiting] + [w.process.sentinel for w in waiting], 1.0)
            for worker in waiting:
                if not self._drain(worker, []) and not worker.ready:
                    raise EngineLoadError(
                        f"a worker died while loading the coding engine (exit code {worker.process.exitcode})")

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(target=_worker_main, args=(child, *self._args), daemon=True,
                                    name="clincode-batch-worker")
        with _fixed_hash_seed(), _one_thread_per_worker():
            process.start()
        child.close()
        return _Worker(process, parent, since=time.monotonic())

    def close(self, wait_seconds: float = 5.0) -> None:
        for w in self._workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + wait_seconds
        for w in self._workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            w.conn.close()
        self._workers = []

    # --- dispatch -----------------------------------------------------------------------------
    @property
    def inflight(self) -> int:
        return sum(len(w.inflight) for w in self._workers)

    def idle(self) -> list[_Worker]:
        return [w for w in self._workers if not w.inflight]

    def send(self, worker: _Worker, tasks: list[Task]) -> None:
        worker.inflight.extend(tasks)
        if len(worker.inflight) == len(tasks):
            worker.since = time.monotonic()
        try:
            worker.conn.send([(t.seq, t.id, t.text) for t in tasks])
        except OSError:  # it died since it was last seen: poll() notices and resends these
            pass

    def take(self, more, limit: int | None = None) -> list[Task]:
        """A message's worth of tasks (at most ``limit``): retries first, then ``more()`` until it
        returns None."""
        tasks: list[Task] = []
        size = 0
        count = self.batch_docs if limit is None else max(1, min(limit, self.batch_docs))
        while len(tasks) < count and size < self.batch_bytes:
            task = self.retry.popleft() if self.retry else more()
            if task is None:
                break
            tasks.append(task)
            text = task.text or ""
            size += sum(len(t or "") for _, t, _ in text) if isinstance(text, list) else len(text)
        return tasks

    # --- results ------------------------------------------------------------------------------
    def poll(self, timeout: float) -> list[Result]:
        """Results that arrived within ``timeout`` seconds; replaces dead or stuck workers."""
        results: list[Result] = []
        by_conn = {id(w.conn): w for w in self._workers}
        by_sentinel = {w.process.sentinel: w for w in self._workers}
        ready = wait([w.conn for w in self._workers] + list(by_sentinel), timeout)
        dead: list[_Worker] = []
        for obj in ready:
            worker = by_sentinel.get(obj) if isinstance(obj, int) else by_conn.get(id(obj))
            if worker is None or worker in dead:
                continue
            if not self._drain(worker, results):
                dead.append(worker)
        now = time.monotonic()
        for worker in self._workers:
            if worker not in dead and worker.inflight and worker.ready and now - worker.since > self.timeout:
                worker.process.kill()
                worker.process.join()
                task = worker.inflight.popleft()
                results.append(Result(task, None, Failure(
                    task.id, outcome.TIMEOUT, f"not coded within {self.timeout:g} s", task.source), self.timeout))
                self.retry.extendleft(reversed(worker.inflight))  # the rest never started
                worker.inflight.clear()
                dead.append(worker)
        for worker in dead:
            self._replace(worker, results)
        return results

    def _drain(self, worker: _Worker, results: list[Result]) -> bool:
        """Read every message waiting from ``worker``; False when it has died."""
        try:
            while worker.conn.poll():
                msg = worker.conn.recv()
                kind = msg[0]
                if kind == "ready":
                    worker.ready, worker.since = True, time.monotonic()
                    self.load_seconds.append(msg[1])
                    self.load_cpu_seconds.append(msg[3])
                    self.peak_rss_mb[worker.process.pid] = msg[2]
                elif kind == "init_error":
                    raise EngineLoadError(f"a worker could not load the coding engine: {msg[1]}")
                else:
                    _, seq, line, failure, seconds, cpu, rss = msg
                    task = worker.inflight.popleft()
                    assert task.seq == seq, "worker results out of order"
                    if failure is not None and not failure.source:
                        failure.source = task.source
                    results.append(Result(task, line, failure, seconds, cpu))
                    worker.since = time.monotonic()
                    self.peak_rss_mb[worker.process.pid] = rss
        except (EOFError, OSError):
            return False
        if not worker.process.is_alive():
            return False
        return True

    def _replace(self, worker: _Worker, results: list[Result]) -> None:
        worker.process.join(1.0)
        code = worker.process.exitcode
        if not worker.ready:
            raise EngineLoadError(f"a worker died while loading the coding engine (exit code {code})")
        if worker.inflight:
            culprit = worker.inflight.popleft()
            culprit.attempts += 1
            # the rest never started: resend them, ahead of new input, in their order
            self.retry.extendleft(reversed(worker.inflight))
            if culprit.attempts >= 2:  # died twice on it: the document, not bad luck
                results.append(Result(culprit, None, Failure(
                    culprit.id, outcome.WORKER_DIED,
                    f"the worker process died twice while coding it (exit code {code})", culprit.source), 0.0))
            else:
                self.retry.appendleft(culprit)
        worker.conn.close()
        self._workers.remove(worker)
        self._workers.append(self._spawn())


@contextmanager
def _fixed_hash_seed():
    """Start workers with one string-hash seed (the caller's PYTHONHASHSEED, else 0, as Spark does).

    Every worker then iterates sets of strings in the same order, so if the engine anywhere lets
    that order decide a tie, a document is still coded the same way in every worker, in a
    resumed run and on Spark's executors: a batch must be reproducible for audit.
    """
    previous = os.environ.get("PYTHONHASHSEED")
    if previous is None or previous == "random":
        os.environ["PYTHONHASHSEED"] = "0"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("PYTHONHASHSEED", None)
        else:
            os.environ["PYTHONHASHSEED"] = previous


# Numerical libraries start a pool of threads per process, one per core, as numpy is imported (the
# diagnosis scorer uses it): with one worker per core those threads only compete with the other
# workers, and starting them costs each worker ~60 ms of CPU. Results do not depend on them (the
# scorer does no BLAS arithmetic).
_THREAD_POOLS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def _one_thread_per_worker():
    """Start workers with one thread for the numerical libraries, unless the caller chose a number."""
    unset = [name for name in _THREAD_POOLS if name not in os.environ]
    for name in unset:
        os.environ[name] = "1"
    try:
        yield
    finally:
        for name in unset:
            os.environ.pop(name, None)


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
