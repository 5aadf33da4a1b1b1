"""run_batch end to end: every document once, equal to the engine's own results, failures recorded."""
from __future__ import annotations

import json
import os
import signal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clincode.batch import run_batch
from clincode.batch.checkpoint import checkpoint_dir
from clincode.batch.outcome import ENGINE_ERROR, code_document
from clincode.batch.pool import Task, WorkerPool


def test_folder_to_jsonl_equals_engine_results_in_input_order(tmp_path, settings, text_folder, codiesp_texts,
                                                               batch_helpers):
    out = tmp_path / "out" / "coded.jsonl"
    report = run_batch(text_folder, out, workers=2, settings=settings, commit_every=7)
    expected = batch_helpers.engine_lines(settings, codiesp_texts[:30])
    assert batch_helpers.read_lines(out) == [expected[i] for i, _ in codiesp_texts[:30]]
    assert (report.total, report.coded, report.failed, report.this_run) == (30, 30, 0, 30)
    assert report.failures_file.read_text() == ""
    assert len(report.load_seconds) == 2 and all(rss > 0 for rss in report.peak_rss_mb.values())
    assert not (checkpoint_dir(out) / "parts").exists()  # disk freed once the output is whole

    again = run_batch(text_folder, out, workers=2, settings=settings)  # a rerun does nothing
    assert again.already_complete and again.this_run == 0 and again.coded == 30
    assert batch_helpers.read_lines(out) == [expected[i] for i, _ in codiesp_texts[:30]]


def test_jsonl_with_bad_records_codes_the_rest_and_lists_failures(tmp_path, settings, codiesp_texts, batch_helpers):
    docs = codiesp_texts[:6]
    limit = max(len(t.encode()) for _, t in docs) + 1
    rows = [{"id": i, "text": t} for i, t in docs[:3]] + [
        "{broken", {"id": "empty-1", "text": "   "}, {"id": docs[0][0], "text": "duplicate"},
        {"id": "huge", "text": "a" * (limit + 1)}] + [{"id": i, "text": t} for i, t in docs[3:]]
    src = batch_helpers.write_jsonl(tmp_path / "in.jsonl", rows)
    small = settings.model_copy(update={"max_document_bytes": limit})
    out = tmp_path / "coded.jsonl"
    report = run_batch(src, out, workers=1, settings=small)
    expected = batch_helpers.engine_lines(settings, docs)
    assert batch_helpers.read_lines(out) == [expected[i] for i, _ in docs]
    failures = [json.loads(line) for line in batch_helpers.read_lines(report.failures_file)]
    assert [(f["id"], f["reason"], f["source"]) for f in failures] == [
        ("#line-4", "malformed_record", "line 4"), ("empty-1", "empty", "line 5"),
        (f"{docs[0][0]}@line 6", "duplicate_id", "line 6"), ("huge", "oversized", "line 7")]
    assert report.reasons == {"malformed_record": 1, "empty": 1, "duplicate_id": 1, "oversized": 1}
    assert (report.coded, report.failed) == (6, 4)


def test_parquet_in_parquet_out(tmp_path, settings, codiesp_texts, batch_helpers):
    docs = codiesp_texts[30:45]
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"note_id": [i for i, _ in docs], "body": [t for _, t in docs]}), src)
    out = tmp_path / "coded.parquet"
    run_batch(src, out, workers=2, settings=settings, id_field="note_id", text_field="body")
    table = pq.read_table(out).to_pylist()
    expected = batch_helpers.engine_lines(settings, docs)
    assert [r["id"] for r in table] == [i for i, _ in docs]
    for row in table:
        episode = json.loads(row["coding_json"])
        assert row["coding_json"] == expected[row["id"]]
        assert row["diagnoses"] == [d["code"] for d in episode["diagnoses"]]
        assert row["primary_diagnosis"] == next((d["code"] for d in episode["diagnoses"] if d["primary"]), None)
        assert row["procedures"] == [p["code"] for p in episode["procedures"]]


def test_interrupted_run_keeps_its_work_and_the_next_run_finishes(tmp_path, settings, text_folder, codiesp_texts,
                                                                  batch_helpers):
    """SIGTERM mid-run (a scheduler stopping the job): committed work stays; resuming codes the rest."""
    out = tmp_path / "coded.jsonl"

    class StopAfterFirstResults:
        """A progress sink that sends SIGTERM to this process once 5 documents are done."""

        def __init__(self):
            self.done = 0

        def add_task(self, *a, completed=0, **k):
            return 0

        def advance(self, task_id, n=1):
            self.done += n
            if self.done == 5:
                os.kill(os.getpid(), signal.SIGTERM)

    first = run_batch(text_folder, out, workers=1, settings=settings, commit_every=2,
                      progress=StopAfterFirstResults())
    assert first.interrupted and not out.exists()
    assert 5 <= first.coded < 30
    second = run_batch(text_folder, out, workers=1, settings=settings)
    assert not second.interrupted and second.this_run == 30 - first.coded
    expected = batch_helpers.engine_lines(settings, codiesp_texts[:30])
    assert batch_helpers.read_lines(out) == [expected[i] for i, _ in codiesp_texts[:30]]


def test_a_killed_worker_is_replaced_and_its_documents_coded_once(settings, codiesp_texts):
    pool = WorkerPool(1, settings.model_dump(), False, settings.max_document_bytes)
    pool.start()
    try:
        tasks = [Task(n, i, t, i) for n, (i, t) in enumerate(codiesp_texts[:6])]
        worker = pool.idle()[0]
        pool.send(worker, tasks)
        os.kill(worker.process.pid, signal.SIGKILL)  # dies holding all six
        results = []
        for _ in range(400):
            for w in pool.idle():
                batch = pool.take(lambda: None)
                if batch:
                    pool.send(w, batch)
            results += pool.poll(0.05)
            if len(results) == 6:
                break
        assert sorted(r.task.id for r in results) == sorted(i for i, _ in codiesp_texts[:6])
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
