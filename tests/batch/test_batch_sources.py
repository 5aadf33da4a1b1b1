"""Reading batch inputs: every record once, in a stable order, bad records named with their reason."""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clincode.batch import BatchInputError
from clincode.batch import sources


def _read(path, **kw):
    spec = sources.detect(path, **kw)
    return spec, list(sources.read(spec, max_bytes=10_000))


def test_folder_reads_nested_txt_files_with_relative_ids(tmp_path):
    (tmp_path / "ward7").mkdir()
    (tmp_path / "a.txt").write_text("Acute appendicitis.", encoding="utf-8")
    (tmp_path / "ward7" / "b.txt").write_text("Pneumonia.", encoding="utf-8")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    spec, records = _read(tmp_path)
    assert spec.format == "folder"
    assert [(r.id, r.text, r.failure) for r in records] == [("a", "Acute appendicitis.", None),
                                                          ("ward7/b", "Pneumonia.", None)]
    assert sources.count(spec) == 2


def test_folder_failures_name_the_reason(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 au lait spots".encode("latin-1"))
    (tmp_path / "scan.txt").write_bytes(b"%PDF-1.4\x00\x00binary")
    (tmp_path / "big.txt").write_text("x" * 20_000, encoding="utf-8")
    (tmp_path / "bom.txt").write_bytes("\ufeffHypertension.".encode("utf-8"))
    _, records = _read(tmp_path)
    by_id = {r.id: r for r in records}
    assert by_id["latin1"].failure.reason == "encoding" and "cp1252" in by_id["latin1"].failure.detail
    assert by_id["scan"].failure.reason == "not_text"
    assert by_id["big"].failure.reason == "oversized"
    assert by_id["bom"].failure is None and by_id["bom"].text == "Hypertension."  # BOM dropped


def test_folder_with_declared_encoding_decodes_windows_text(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 au lait spots".encode("cp1252"))
    _, records = _read(tmp_path, encoding="cp1252")
    assert records[0].failure is None and records[0].text == "Caf\xe9 au lait spots"


def test_jsonl_bad_lines_become_failures_and_good_lines_survive(tmp_path):
    path = tmp_path / "docs.jsonl"
    lines = [
        json.dumps({"id": "e1", "text": "Sepsis."}),
        "{not json",
        json.dumps({"text": "no id here"}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"id": 42, "text": "Integer id."}),
        json.dumps({"id": "e1", "text": "Duplicate of e1."}),
        json.dumps({"id": "e3", "text": 12}),
        json.dumps({"id": "e4"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(path, "ab") as fh:
        fh.write(b'{"id": "e5", "text": "bad \xff byte"}\n')
    spec, records = _read(path)
    assert sources.count(spec) == 9  # blank lines are not records
    got = [(r.id, r.failure.reason if r.failure else None, r.source) for r in records]
    assert got == [
        ("e1", None, "line 1"),
        ("#line-2", "malformed_record", "line 2"),
        ("#line-3", "missing_id", "line 3"),
        ("#line-4", "malformed_record", "line 4"),
        ("42", None, "line 6"),
        ("e1@line 7", "duplicate_id", "line 7"),
        ("e3", "unreadable", "line 8"),
        ("e4", "empty", "line 9"),
        ("e5", "encoding", "line 10"),
    ]


def test_jsonl_custom_field_names(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"episode": "X1", "note": "Angina."}) + "\n", encoding="utf-8")
    _, records = _read(path, id_field="episode", text_field="note")
    assert (records[0].id, records[0].text) == ("X1", "Angina.")


def test_parquet_reads_columns_and_flags_missing_ids(tmp_path):
    path = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"note_id": [1, None, 3], "body": ["Asthma.", "Gout.", None], "x": [0, 0, 0]}), path)
    spec, records = _read(path, id_field="note_id", text_field="body")
    assert sources.count(spec) == 3
    assert [(r.id, r.text, r.failure.reason if r.failure else None) for r in records] == [
        ("1", "Asthma.", None), ("#row-2", None, "missing_id"), ("3", None, None)]


def test_parquet_without_the_columns_is_a_clear_error(tmp_path):
    path = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"doc": ["a"], "body": ["b"]}), path)
    with pytest.raises(BatchInputError, match=r"no column 'id' or 'text'.*doc, body.*--id-column"):
        sources.detect(path)


def test_whole_input_errors(tmp_path):
    with pytest.raises(BatchInputError, match="input not found"):
        sources.detect(tmp_path / "missing.jsonl")
    (tmp_path / "notes.csv").write_text("id,text\n", encoding="utf-8")
    with pytest.raises(BatchInputError, match="expected a folder of .txt files"):
        sources.detect(tmp_path / "notes.csv")
    (tmp_path / "fake.parquet").write_text("not parquet", encoding="utf-8")
    with pytest.raises(BatchInputError, match="not a readable Parquet file"):
        sources.detect(tmp_path / "fake.parquet")
    with pytest.raises(BatchInputError, match="unknown text encoding"):
        sources.detect(tmp_path, encoding="klingon-8")


def test_a_file_that_is_not_json_lines_is_refused_up_front(tmp_path):
    array = tmp_path / "docs.json"
    array.write_text('[{"id": "a", "text": "Angina."}]\n', encoding="utf-8")
    with pytest.raises(BatchInputError, match="first line is not a JSON object.*JSON array"):
        sources.detect(array)
    csv_like = tmp_path / "docs.jsonl"
    csv_like.write_text("id,text\na,Angina.\n", encoding="utf-8")
    with pytest.raises(BatchInputError, match="expected JSON Lines"):
        sources.detect(csv_like)


def test_folder_per_episode_groups_each_sub_folder(tmp_path):
    (tmp_path / "ep1").mkdir()
    (tmp_path / "ep1" / "discharge.txt").write_text("Cholecystitis.", encoding="utf-8")
    (tmp_path / "ep1" / "op_note.txt").write_text("Laparoscopic cholecystectomy.", encoding="utf-8")
    (tmp_path / "ep1" / "blank.txt").write_text("", encoding="utf-8")
    (tmp_path / "ep2").mkdir()
    (tmp_path / "ep2" / "letter.txt").write_bytes(b"Caf\xe9")
    (tmp_path / "empty-folder").mkdir()
    (tmp_path / "loose.txt").write_text("Asthma.", encoding="utf-8")
    spec = sources.detect(tmp_path, folder_per_episode=True)
    records = list(sources.read(spec, max_bytes=10_000))
    assert sources.count(spec) == 3
    assert records[0].id == "ep1" and records[0].failure is None
    assert records[0].text == [("blank.txt", "", None), ("discharge.txt", "Cholecystitis.", None),
                               ("op_note.txt", "Laparoscopic cholecystectomy.", None)]
    assert records[1].id == "ep2" and records[1].failure.reason == "encoding"
    assert "document letter.txt" in records[1].failure.detail
    assert (records[2].id, records[2].text) == ("loose", "Asthma.")  # a loose file is its own episode
    jsonl = tmp_path / "ep1.jsonl"
    jsonl.write_text('{"id": "a", "text": "b"}\n', encoding="utf-8")
    with pytest.raises(BatchInputError, match="needs a folder"):
        sources.detect(jsonl, folder_per_episode=True)


def test_jsonl_episode_with_several_documents(tmp_path):
    path = tmp_path / "episodes.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": "E1", "documents": [{"id": "ds", "type": "discharge summary", "text": "Sepsis."},
                                              {"text": "Blood cultures grew E. coli."}]}),
        json.dumps({"id": "E2", "documents": [{"id": "x", "text": 5}]}),
        json.dumps({"id": "E3", "documents": []}),
    ]) + "\n", encoding="utf-8")
    _, records = _read(path)
    assert records[0].text == [("ds", "Sepsis.", "discharge summary"), ("E1-2", "Blood cultures grew E. coli.", None)]
    assert [r.failure.reason for r in records[1:]] == ["malformed_record", "malformed_record"]
