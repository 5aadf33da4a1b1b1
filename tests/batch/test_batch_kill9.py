"""Resumption after a real `kill -9` (and a SIGTERM) of a running `clincode batch`: every id exactly once."""
from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _done(output: Path) -> int:
    db = output.with_name(output.name + ".checkpoint") / "checkpoint.sqlite"
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            return con.execute("SELECT (SELECT COUNT(*) FROM done) + (SELECT COUNT(*) FROM failures)").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:  # tables not created yet
        return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")  # exited; a zombie only waits for its new parent to reap it


def _kill_after_progress(cmd: list[str], output: Path, at_least: int, sig=signal.SIGKILL) -> int:
    """Start the batch, send ``sig`` once ``at_least`` more documents are committed; the count then."""
    before = _done(output)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    workers: list[int] = []
    while _done(output) < before + at_least:
        assert proc.poll() is None, f"batch ended before it could be killed: {proc.stderr.read().decode()}"
        assert time.monotonic() < deadline, "no progress within 240 s"
        workers = _children(proc.pid) or workers
        time.sleep(0.02)
    workers = _children(proc.pid) or workers
    proc.send_signal(sig)
    proc.wait(timeout=120)
    message = proc.stderr.read().decode()
    proc.stderr.close()
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:  # a polite stop: commits, ends its workers, says how to go on
        assert proc.returncode == 130, message
        assert "run the same command again" in " ".join(message.split())
    # Orphaned workers notice their parent is gone (their pipe closes) and exit by themselves.
    deadline = time.monotonic() + 30
    while not all(_gone(w) for w in workers):
        assert time.monotonic() < deadline, "worker processes outlived the killed batch"
        time.sleep(0.1)
    return _done(output)


def _documents_for_seconds(timings: dict[str, float], seconds: float, workers: int) -> int:
    """How many short documents keep ``workers`` busy for about ``seconds`` with today's engine.

    The engine's speed changes as its finders change (from ~2 ms to ~200 ms a document so far):
    the batch must run long enough to be killed twice mid-way, and no longer.
    """
    per_doc = sum(timings.values()) / len(timings)
    return int(min(3000, max(48, seconds * workers / max(per_doc, 1e-4))))


def test_killed_three_times_then_resumed_gives_every_id_exactly_once(tmp_path, short_texts, settings, batch_helpers,
                                                             reference):
    n_docs = _documents_for_seconds(reference[1], seconds=3, workers=2)
    rows = [{"id": f"{doc_id}#{n // len(short_texts)}", "text": text}
            for n, (doc_id, text) in ((n, short_texts[n % len(short_texts)]) for n in range(n_docs))]
    rows.insert(n_docs // 10, "{this line is not JSON")
    rows.insert(n_docs // 3, {"id": "blank", "text": ""})
    step = max(5, n_docs // 10)
    src = batch_helpers.write_jsonl(tmp_path / "docs.jsonl", rows)
    n = len(rows)
    out = tmp_path / "coded.jsonl"
    cmd = batch_helpers.clincode_cmd("batch", src, "--output", out, "--workers", "2", "--commit-every", str(max(2, step // 4)),
                                     "--no-progress")

    first = _kill_after_progress(cmd, out, at_least=step)
    assert not out.exists() and step <= first < n
    second = _kill_after_progress(cmd, out, at_least=step, sig=signal.SIGTERM)
    assert first + step <= second < n
    third = _kill_after_progress(cmd, out, at_least=step)
    assert second + step <= third < n

    finished = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr
    assert "done:" in finished.stderr

    coded = batch_helpers.read_lines(out)
    failures = [json.loads(line) for line in batch_helpers.read_lines(out.with_name("coded.failures.jsonl"))]
    ids = [json.loads(line)["id"] for line in coded]
    assert len(ids) == len(set(ids)) == n - 2  # nothing duplicated ...
    assert [f["reason"] for f in failures] == ["malformed_record", "empty"]
    expected_ids = [r["id"] for r in rows if isinstance(r, dict) and r["text"]]
    assert ids == expected_ids  # ... nothing lost, and in input order

    clean = tmp_path / "clean.jsonl"
    subprocess.run(batch_helpers.clincode_cmd("batch", src, "--output", clean, "--workers", "2", "--no-progress"),
                   check=True, capture_output=True, timeout=600)
    # Equal to an uninterrupted run, episode for episode (and byte for byte when the engine is
    # reproducible: see assert_same_coding).
    resumed, uninterrupted = batch_helpers.read_lines(out), batch_helpers.read_lines(clean)
    assert [json.loads(line)["id"] for line in uninterrupted] == ids
    texts = {r["id"]: r["text"] for r in rows if isinstance(r, dict)}
    batch_helpers.assert_same_coding(dict(zip(ids, resumed)), dict(zip(ids, uninterrupted)), settings,
                                     [(i, texts[i]) for i in ids])
