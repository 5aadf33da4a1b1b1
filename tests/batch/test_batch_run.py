"""run_batch end to end: every document once, equal to the engine's own results, failures recorded."""
from __future__ import annotations

import json
import os
import signal
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clincode.batch import run_batch
from clincode.batch.checkpoint import checkpoint_dir
from clincode.batch.outcome import ENGINE_ERROR, code_document
from clincode.batch.pool import Task, WorkerPool


def _by_id(lines: list[str]) -> dict[str, str]:
    return {json.loads(line)["id"]: line for line in lines}


def test_folder_to_jsonl_equals_engine_results_in_input_order(tmp_path, settings, text_folder, short_texts,
                                                               batch_helpers, reference):
    out = tmp_path / "out" / "coded.jsonl"
    report = run_batch(text_folder, out, workers=2, settings=settings, commit_every=5)
    docs = short_texts[:12]
    expected = reference[0]
    lines = batch_helpers.read_lines(out)
    assert [json.loads(line)["id"] for line in lines] == [i for i, _ in docs]  # input order
    batch_helpers.assert_same_coding(_by_id(lines), expected, settings, docs)
    assert (report.total, report.coded, report.failed, report.this_run) == (12, 12, 0, 12)
    assert report.failures_file.read_text() == ""
    assert len(report.load_seconds) == 2 and all(rss > 0 for rss in report.peak_rss_mb.values())
    assert not (checkpoint_dir(out) / "parts").exists()  # disk freed once the output is whole

    again = run_batch(text_folder, out, workers=2, settings=settings)  # a rerun does nothing
    assert again.already_complete and again.this_run == 0 and again.coded == 12
    assert batch_helpers.read_lines(out) == lines


def test_jsonl_with_bad_records_codes_the_rest_and_lists_failures(tmp_path, settings, short_texts, batch_helpers,
                                                                  reference):
    docs = short_texts[:6]
    limit = max(len(t.encode()) for _, t in docs) + 1
    rows = [{"id": i, "text": t} for i, t in docs[:3]] + [
        "{broken", {"id": "empty-1", "text": "   "}, {"id": docs[0][0], "text": "duplicate"},
        {"id": "huge", "text": "a" * (limit + 1)}] + [{"id": i, "text": t} for i, t in docs[3:]]
    src = batch_helpers.write_jsonl(tmp_path / "in.jsonl", rows)
    small = settings.model_copy(update={"max_document_bytes": limit})
    out = tmp_path / "coded.jsonl"
    report = run_batch(src, out, workers=1, settings=small)
    lines = batch_helpers.read_lines(out)
    assert [json.loads(line)["id"] for line in lines] == [i for i, _ in docs]
    batch_helpers.assert_same_coding(_by_id(lines), reference[0], settings, docs)
    failures = [json.loads(line) for line in batch_helpers.read_lines(report.failures_file)]
    assert [(f["id"], f["reason"], f["source"]) for f in failures] == [
        ("#line-4", "malformed_record", "line 4"), ("empty-1", "empty", "line 5"),
        (f"{docs[0][0]}@line 6", "duplicate_id", "line 6"), ("huge", "oversized", "line 7")]
    assert report.reasons == {"malformed_record": 1, "empty": 1, "duplicate_id": 1, "oversized": 1}
    assert (report.coded, report.failed) == (6, 4)


def test_parquet_in_parquet_out(tmp_path, settings, short_texts, batch_helpers, reference):
    docs = short_texts[30:40]  # (within the reference's 64)
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"note_id": [i for i, _ in docs], "body": [t for _, t in docs]}), src)
    out = tmp_path / "coded.parquet"
    run_batch(src, out, workers=1, settings=settings, id_field="note_id", text_field="body")
    table = pq.read_table(out).to_pylist()
    expected = reference[0]
    assert [r["id"] for r in table] == [i for i, _ in docs]
    batch_helpers.assert_same_coding({r["id"]: r["coding_json"] for r in table}, expected, settings, docs)
    for row in table:
        episode = json.loads(row["coding_json"])
        assert row["diagnoses"] == [d["code"] for d in episode["diagnoses"]]
        assert row["primary_diagnosis"] == next((d["code"] for d in episode["diagnoses"] if d["primary"]), None)
        assert row["procedures"] == [p["code"] for p in episode["procedures"]]


def test_interrupted_run_keeps_its_work_and_the_next_run_finishes(tmp_path, settings, text_folder, short_texts,
                                                                  batch_helpers, reference):
    """SIGTERM mid-run (a scheduler stopping the job): committed work stays; resuming codes the rest."""
    out = tmp_path / "coded.jsonl"

    class StopAfterFirstResults:
        """A progress sink that sends SIGTERM to this process once 5 documents are done."""

        def __init__(self):
            self.done = 0

        def add_task(self, *a, completed=0, **k):
            return 0

        def update(self, task_id, **changes):
            pass

        def advance(self, task_id, n=1):
            self.done += n
            if self.done == 5:
                os.kill(os.getpid(), signal.SIGTERM)

    first = run_batch(text_folder, out, workers=1, settings=settings, commit_every=2,
                      progress=StopAfterFirstResults())
    assert first.interrupted and not out.exists()
    assert 5 <= first.coded < 12
    second = run_batch(text_folder, out, workers=1, settings=settings)
    assert not second.interrupted and second.this_run == 12 - first.coded
    docs = short_texts[:12]
    lines = batch_helpers.read_lines(out)
    assert [json.loads(line)["id"] for line in lines] == [i for i, _ in docs]
    batch_helpers.assert_same_coding(_by_id(lines), reference[0], settings, docs)


def test_a_killed_worker_is_replaced_and_its_documents_coded_once(settings, short_texts):
    pool = WorkerPool(1, settings.model_dump(), False, settings.max_document_bytes)
    pool.start()
    try:
        tasks = [Task(n, i, t, i) for n, (i, t) in enumerate(short_texts[:6])]
        worker = pool.idle()[0]
        pool.send(worker, tasks)
        os.kill(worker.process.pid, signal.SIGKILL)  # dies holding all six
        results = []
        deadline = time.monotonic() + 180  # a replacement worker loads the engine again: slow on a busy machine
        while time.monotonic() < deadline:
            for w in pool.idle():
                batch = pool.take(lambda: None)
                if batch:
                    pool.send(w, batch)
            results += pool.poll(0.05)
            if len(results) == 6:
                break
        assert sorted(r.task.id for r in results) == sorted(i for i, _ in short_texts[:6])
        assert all(r.line is not None for r in results)
    finally:
        pool.close()


def test_an_engine_exception_becomes_a_recorded_failure():
    class BrokenEngine:  # stands for any engine bug: a real exception raised from code_episode
        def code_episode(self, *a, **k):
            return {}["no such key"]

    line, failure = code_document(BrokenEngine(), "e1", "Cholecystitis.", False, 1000)
    assert line is None and failure.reason == ENGINE_ERROR and "KeyError" in failure.detail


def test_a_worker_that_cannot_load_the_engine_stops_the_batch_with_a_clear_error(tmp_path, text_folder):
    from clincode.batch import EngineLoadError
    from clincode.config import Settings

    bad = Settings(classification_dir=tmp_path / "no-such-release")
    with pytest.raises(EngineLoadError, match="could not load the coding engine"):
        run_batch(text_folder, tmp_path / "coded.jsonl", workers=1, settings=bad)


def test_folder_per_episode_codes_each_episode_from_all_its_documents(tmp_path, settings, short_texts, batch_helpers):
    folder = tmp_path / "episodes"
    episodes = []
    for n in range(3):
        ep = folder / f"episode-{n}"
        ep.mkdir(parents=True)
        docs = short_texts[10 + 2 * n: 12 + 2 * n]
        for doc_id, text in docs:
            (ep / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        episodes.append((ep.name, sorted((f"{i}.txt", t, None) for i, t in docs)))
    out = tmp_path / "coded.jsonl"
    report = run_batch(folder, out, workers=1, settings=settings, folder_per_episode=True)
    assert (report.coded, report.failed) == (3, 0)
    lines = _by_id(batch_helpers.read_lines(out))
    expected = batch_helpers.engine_lines(settings, [(i, [list(d) for d in docs]) for i, docs in episodes])
    batch_helpers.assert_same_coding(lines, expected, settings, [(i, [list(d) for d in docs]) for i, docs in episodes])
    for episode_id, docs in episodes:  # the evidence points into each of the episode's documents
        cited = {e["document"] for d in json.loads(lines[episode_id])["diagnoses"] for e in d["evidence"]}
        assert cited <= {name for name, _, _ in docs}


def test_latency_sample_stays_bounded_and_uniform(monkeypatch):
    from clincode.batch import runner

    monkeypatch.setattr(runner, "_SAMPLE_SIZE", 100)
    report = runner.BatchReport(output="o", failures_file="f")
    for i in range(20_000):
        runner._sample(report, float(i), float(i) / 2)
    assert len(report.latencies) == len(report.cpu_seconds) == 100 and report.timed == 20_000
    assert all(c == s / 2 for s, c in zip(report.latencies, report.cpu_seconds))  # pairs stay together
    assert 5_000 < sum(report.latencies) / 100 < 15_000  # a sample of the whole run, not its start


def test_a_document_over_the_time_limit_is_recorded_and_the_batch_goes_on(tmp_path, settings, short_texts,
                                                                          codiesp_texts, batch_helpers, reference):
    """The time limit is set from this engine's own speed, so the test holds as the engine changes."""
    lines, timings = reference
    docs = short_texts[:4]
    slowest = max(timings[i] for i, _ in docs)
    limit = max(2.0, 20 * slowest)
    # A long document expected to need ten times the limit, at the engine's speed per KB on short texts.
    per_kb = max(sum(timings.values()) / sum(len(t) / 1024 for _, t in short_texts[:64]), 1e-4)
    big_kb = min(settings.max_document_bytes // 1024 - 1, int(10 * limit / per_kb) + 1)
    pieces, size = [], 0
    while size < big_kb * 1024:
        text = codiesp_texts[len(pieces) % len(codiesp_texts)][1]
        pieces.append(text)
        size += len(text) + 1
    big = "\n".join(pieces)[: big_kb * 1024]
    rows = [{"id": i, "text": t} for i, t in docs[:2]] + [{"id": "long", "text": big}] + \
           [{"id": i, "text": t} for i, t in docs[2:]]
    src = batch_helpers.write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "coded.jsonl"
    report = run_batch(src, out, workers=1, settings=settings, timeout=limit)
    failures = [json.loads(line) for line in batch_helpers.read_lines(report.failures_file)]
    assert [(f["id"], f["reason"]) for f in failures] == [("long", "timeout")]
    assert f"{limit:g} s" in failures[0]["detail"]
    assert [json.loads(line)["id"] for line in batch_helpers.read_lines(out)] == [i for i, _ in docs]


def test_the_equality_check_catches_mixed_up_results(settings, short_texts, batch_helpers, reference):
    """The helper every equality test relies on must fail for the faults a batch could make."""
    docs = short_texts[:6]
    expected = reference[0]
    got = {i: expected[i] for i, _ in docs}
    batch_helpers.assert_same_coding(got, expected, settings, docs)  # identical: passes
    (a, _), (b, _) = docs[0], docs[1]
    with pytest.raises(AssertionError, match="not its own"):  # two results swapped
        batch_helpers.assert_same_coding({**got, a: got[b], b: got[a]}, expected, settings, docs)
    with pytest.raises(AssertionError):  # one lost
        batch_helpers.assert_same_coding({i: got[i] for i in list(got)[1:]}, expected, settings, docs)
    coded = next(i for i, _ in docs if json.loads(got[i])["diagnoses"])
    episode = json.loads(got[coded])
    episode["diagnoses"][0]["evidence"][0]["start"] += 1  # a result from other text
    with pytest.raises(AssertionError, match="not its own"):
        batch_helpers.assert_same_coding({**got, coded: json.dumps(episode)}, expected, settings, docs)


def test_killed_between_writing_the_output_and_marking_it_complete(tmp_path, settings, text_folder, batch_helpers,
                                                                   monkeypatch):
    """The last crash window: the output is in place but the checkpoint does not say complete yet."""
    from clincode.batch.checkpoint import Checkpoint

    out = tmp_path / "coded.jsonl"

    class Killed(BaseException):
        pass

    def die(self):
        raise Killed()

    monkeypatch.setattr(Checkpoint, "mark_completed", die)
    with pytest.raises(Killed):
        run_batch(text_folder, out, workers=2, settings=settings)
    first = out.read_bytes()
    assert (checkpoint_dir(out) / "parts").is_dir()  # parts kept: the output can be written again
    monkeypatch.undo()
    again = run_batch(text_folder, out, workers=2, settings=settings)
    assert again.this_run == 0 and not again.already_complete and again.coded == 12
    assert out.read_bytes() == first
    assert not (checkpoint_dir(out) / "parts").exists()
    assert run_batch(text_folder, out, workers=2, settings=settings).already_complete
