"""Run a batch: read the input, code every document once in the worker pool, write the output.

The loop lives in the parent process; it reads the input (skipping what the checkpoint says is
done), keeps every worker busy, and commits results to the checkpoint in chunks (every
``commit_every`` documents or ``commit_seconds``, whichever is first). Killed at any moment,
the batch loses at most the uncommitted chunk, which the next run codes again; when every
document is done the output is written from the checkpoint, in input order.
"""
from __future__ import annotations

import random
import signal
import statistics
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__ as clincode_version
from ..config import Settings, get_settings
from . import sinks, sources
from .checkpoint import Checkpoint, Coded
from .outcome import Failure
from .pool import Task, WorkerPool, default_workers


@dataclass
class BatchReport:
    """What a run did: counts, where the files are, and the figures benchmarks print."""

    output: Path
    failures_file: Path
    total: int = 0  # records in the input
    coded: int = 0  # coded episodes in the output (all runs)
    failed: int = 0  # records in the failures file (all runs)
    this_run: int = 0  # records finished by this run
    elapsed: float = 0.0  # seconds, this run
    already_complete: bool = False
    not_in_output: int = 0  # records the input has gained since the batch was completed
    interrupted: bool = False
    reasons: Counter = field(default_factory=Counter)  # failure reason -> count (all runs)
    latencies: list[float] = field(default_factory=list)  # engine seconds per document, this run
    cpu_seconds: list[float] = field(default_factory=list)  # engine CPU seconds per document, this run
    timed: int = 0  # documents whose latency was seen (latencies holds a sample of at most 100,000)
    load_seconds: list[float] = field(default_factory=list)  # engine load time per worker
    load_cpu_seconds: list[float] = field(default_factory=list)  # CPU time of each worker's whole start-up
    peak_rss_mb: dict[int, float] = field(default_factory=dict)  # worker pid -> peak RSS

    @property
    def docs_per_second(self) -> float:
        return self.this_run / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(q) - 1]


class _Interrupted(Exception):
    pass


class _StopRequest:
    requested = False


@contextmanager
def _stop_on_signals():
    """Ctrl-C or SIGTERM (a scheduler stopping the job): commit what is done, then stop.

    The first signal only asks: the loop stops at its next turn (within a quarter of a second),
    outside any commit. A second one stops at once; even then nothing is lost, because a commit
    cut short is redone or discarded by the checkpoint (see clincode.batch.checkpoint).
    """
    stop = _StopRequest()

    def handler(signum, frame):
        if stop.requested:
            raise _Interrupted()
        stop.requested = True

    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for s in previous:
            signal.signal(s, handler)
    except ValueError:  # not the main thread (e.g. called from a web worker): leave signals alone
        previous = {}
    try:
        yield stop
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def run_batch(
    input_path: Path,
    output: Path,
    *,
    workers: int | None = None,
    all_findings: bool = False,
    output_format: str | None = None,
    id_field: str = "id",
    text_field: str = "text",
    encoding: str = "utf-8",
    folder_per_episode: bool = False,
    settings: Settings | None = None,
    restart: bool = False,
    timeout: float = 600.0,
    commit_every: int = 500,
    commit_seconds: float = 2.0,
    progress=None,
) -> BatchReport:
    """Code every document of ``input_path`` into ``output`` exactly once; resumable.

    ``progress`` is a ``rich.progress.Progress`` to report on (None: silent). Raises
    :class:`~clincode.batch.sources.BatchInputError` or
    :class:`~clincode.batch.checkpoint.CheckpointMismatch` before any work for a bad input.
    """
    settings = settings or get_settings()
    output = Path(output)
    spec = sources.detect(Path(input_path), id_field, text_field, encoding, folder_per_episode)
    fmt = sinks.output_format(output, output_format)
    if output.is_dir():
        raise sources.BatchInputError(f"--output {output} is a folder: name the file to write, e.g. {output / 'coded.jsonl'}")
    if output.resolve() == spec.path.resolve():
        raise sources.BatchInputError("--output is the input file: choose another name")
    output.parent.mkdir(parents=True, exist_ok=True)
    fingerprint = {
        "input": str(spec.path.resolve()), "input_format": spec.format, "id_field": id_field,
        "text_field": text_field, "encoding": encoding, "all_findings": all_findings,
        "folder_per_episode": folder_per_episode,
        "output_format": fmt, "clincode": clincode_version,
    }
    report = BatchReport(output, sinks.failures_path(output))
    checkpoint = Checkpoint.open(output, fingerprint, restart=restart)
    try:
        report.total = sources.count(spec)
        if checkpoint.completed:
            if not output.exists():
                raise sources.BatchInputError(
                    f"{output} was finished earlier and has since been removed: run with --restart to code again")
            report.already_complete = True
            coded, failed = checkpoint.counts()
            report.not_in_output = max(0, report.total - coded - failed)
        else:
            _code_pending(spec, checkpoint, settings, report, workers or default_workers(), all_findings,
                          timeout, commit_every, commit_seconds, progress)
            if not report.interrupted:
                _finish(checkpoint, output, fmt, report)
        report.coded, report.failed = checkpoint.counts()
        report.reasons = Counter(f.reason for f in checkpoint.failures())
    finally:
        checkpoint.close()
    return report


def _code_pending(spec, checkpoint: Checkpoint, settings: Settings, report: BatchReport, workers: int,
                  all_findings: bool, timeout: float, commit_every: int, commit_seconds: float, progress) -> None:
    done = checkpoint.done_ids()
    # No more workers than documents left: each one loads the whole engine.
    workers = max(1, min(workers, report.total - len(done)))
    task_id = progress.add_task(f"loading the engine in {workers} workers", total=report.total,
                                completed=min(len(done), report.total)) if progress is not None else None
    coded: list[Coded] = []
    failed: list[tuple[int, Failure]] = []
    records = enumerate(sources.read(spec, settings.max_document_bytes))
    exhausted = False

    def next_task() -> Task | None:
        """The next record still to code; records that failed on reading go straight to ``failed``."""
        nonlocal exhausted
        for seq, record in records:
            if record.id in done:
                continue
            done.add(record.id)  # also guards against coding one id twice in this run
            if record.failure is not None:
                failed.append((seq, record.failure))
                report.this_run += 1
                if task_id is not None:
                    progress.advance(task_id)
                continue
            return Task(seq, record.id, record.text, record.source)
        exhausted = True
        return None

    pool = WorkerPool(workers, settings.model_dump(), all_findings, settings.max_document_bytes, timeout)
    to_send, sent = report.total - len(done), 0  # (an estimate: ids read twice or unreadable count too)
    started = time.perf_counter()
    last_commit = time.monotonic()
    first = next_task()
    with _stop_on_signals() as stop:
        try:
            if first is not None:
                pool.retry.append(first)
                pool.start(should_stop=lambda: stop.requested)
            if task_id is not None:
                progress.update(task_id, description="coding")
            while (pool.retry or pool.inflight or not exhausted) and not stop.requested:
                for worker in pool.idle():
                    # near the end, smaller messages, so that the workers finish together instead of
                    # one coding a last full message while the other waits
                    tasks = pool.take(next_task, limit=max(1, (to_send - sent) // (2 * workers)))
                    if not tasks:
                        break
                    sent += len(tasks)
                    pool.send(worker, tasks)
                # commit now, while the workers code what they were just sent (a commit waits for
                # its fsyncs: done after the results were read, it kept a worker idle that long)
                if len(coded) + len(failed) >= commit_every or time.monotonic() - last_commit > commit_seconds:
                    checkpoint.commit(coded, failed)
                    coded, failed = [], []
                    last_commit = time.monotonic()
                if not (pool.retry or pool.inflight):
                    continue  # only already-done or unreadable records were read: read on
                for result in pool.poll(timeout=0.25):
                    report.this_run += 1
                    _sample(report, result.seconds, result.cpu_seconds)
                    if result.line is not None:
                        coded.append(Coded(result.task.id, result.task.seq, result.line))
                    else:
                        failed.append((result.task.seq, result.failure))
                    if task_id is not None:
                        progress.advance(task_id)
            report.interrupted = stop.requested
        except _Interrupted:
            report.interrupted = True
        finally:
            checkpoint.commit(coded, failed)  # whatever finished is kept, even when interrupted
            pool.close()
            report.elapsed = time.perf_counter() - started
            report.load_seconds = list(pool.load_seconds)
            report.load_cpu_seconds = list(pool.load_cpu_seconds)
            report.peak_rss_mb = dict(pool.peak_rss_mb)


_SAMPLE_SIZE = 100_000  # latencies kept for percentiles: a uniform sample, not one per document


def _sample(report: BatchReport, seconds: float, cpu: float) -> None:
    """Reservoir sampling (Vitter's algorithm R): fixed memory however long the batch."""
    report.timed += 1
    if len(report.latencies) < _SAMPLE_SIZE:
        report.latencies.append(seconds)
        report.cpu_seconds.append(cpu)
        return
    j = random.randrange(report.timed)
    if j < _SAMPLE_SIZE:
        report.latencies[j], report.cpu_seconds[j] = seconds, cpu


def _finish(checkpoint: Checkpoint, output: Path, fmt: str, report: BatchReport) -> None:
    """Write the output and failures file from the checkpoint, then mark the batch complete.

    The order matters: output renamed into place, *then* 'completed' recorded, *then* the parts
    deleted. Killed before the mark, a rerun writes the same output again from the parts.
    """
    lines = checkpoint.coded_lines()
    if fmt == "parquet":
        sinks.write_parquet(output, lines)
    else:
        sinks.write_jsonl(output, lines)
    sinks.write_failures(report.failures_file, checkpoint.failures())
    checkpoint.mark_completed()
    checkpoint.drop_parts()
