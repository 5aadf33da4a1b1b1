"""``clincode batch`` on the command line: clear messages for bad input, a summary for good."""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from clincode.cli import app

runner = CliRunner()


def _batch(*args):
    result = runner.invoke(app, ["batch", *map(str, args), "--no-progress"])
    return result, " ".join(result.output.split())  # Rich wraps long lines


def test_missing_input_is_a_clear_error_not_a_traceback(tmp_path):
    result, output = _batch(tmp_path / "nowhere.jsonl", "--output", tmp_path / "o.jsonl")
    assert result.exit_code == 2
    assert "error: input not found" in output and "Traceback" not in output
    assert not (tmp_path / "o.jsonl").exists()


def test_parquet_without_the_columns_names_what_it_has(tmp_path):
    src = tmp_path / "notes.parquet"
    pq.write_table(pa.table({"note_id": ["a"], "body": ["Angina."]}), src)
    result, output = _batch(src, "--output", tmp_path / "o.parquet")
    assert result.exit_code == 2
    assert "no column 'id' or 'text'" in output and "note_id" in output


def test_changed_options_on_an_existing_checkpoint_are_refused(tmp_path, short_texts, batch_helpers):
    src = batch_helpers.write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in short_texts[:3]])
    out = tmp_path / "o.jsonl"
    result, _ = _batch(src, "--output", out, "--workers", "1")
    assert result.exit_code == 0
    result, output = _batch(src, "--output", out, "--workers", "1", "--all-findings")
    assert result.exit_code == 2 and "--restart" in output
    result, output = _batch(src, "--output", out, "--workers", "1", "--all-findings", "--restart")
    assert result.exit_code == 0 and "3 coded" in output


def test_summary_counts_failures_by_reason(tmp_path, short_texts, batch_helpers):
    src = batch_helpers.write_jsonl(tmp_path / "in.jsonl", [
        {"id": "a", "text": short_texts[0][1]}, "not json", {"id": "b", "text": ""}])
    out = tmp_path / "o.jsonl"
    result, output = _batch(src, "--output", out, "--workers", "1")
    assert result.exit_code == 0, output
    assert "1 coded, 2 failed" in output and "1 malformed_record" in output and "1 empty" in output
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["a"]
    result, output = _batch(src, "--output", out, "--workers", "1")
    assert result.exit_code == 0 and "already complete" in output and "warning" not in output
    with open(src, "a", encoding="utf-8") as fh:  # the input grows after the batch was completed
        fh.write(json.dumps({"id": "late", "text": "Asthma."}) + "\n")
    result, output = _batch(src, "--output", out, "--workers", "1")
    assert "already complete" in output and "1 more records" in output and "new --output" in output


def test_bad_format_option(tmp_path, text_folder):
    result, output = _batch(text_folder, "--output", tmp_path / "o.csv", "--format", "csv")
    assert result.exit_code == 2 and "jsonl or parquet" in output


def test_output_that_is_a_folder_or_the_input_is_refused(tmp_path, text_folder, batch_helpers):
    result, output = _batch(text_folder, "--output", tmp_path)
    assert result.exit_code == 2 and "is a folder" in output
    src = batch_helpers.write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "Angina."}])
    result, output = _batch(src, "--output", src)
    assert result.exit_code == 2 and "is the input file" in output
    assert src.read_text(encoding="utf-8").startswith('{"id": "a"')  # untouched
