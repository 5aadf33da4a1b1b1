"""Bad input: empty, binary, non-UTF-8 and oversized documents give a clear result, never a traceback."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from clincode.cli import app
from clincode.cli.coding_commands import read_document_text


def test_reader_decodes_cp1252_with_a_warning(tmp_path):
    p = tmp_path / "letter.txt"
    p.write_bytes("Diagnosis: hypertension \u2013 BP 160/100, fee \u00a3120.".encode("cp1252"))
    text, warnings = read_document_text(p, 1_000_000)
    assert text is not None and "\u2013" in text and "\u00a3" in text
    assert any("cp1252" in w for w in warnings)


def test_reader_refuses_binary_and_oversized(tmp_path):
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"%PDF-1.4\x00\x01\x02\x03" * 100)
    text, warnings = read_document_text(binary, 1_000_000)
    assert text is None and "binary" in warnings[0]
    big = tmp_path / "big.txt"
    big.write_text("hypertension. " * 1000)
    text, warnings = read_document_text(big, 1000)
    assert text is None and "limit" in warnings[0]


def test_reader_empty_file(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    text, warnings = read_document_text(p, 1000)
    assert text == "" and "empty" in warnings[0]


@pytest.fixture()
def cases(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Discharge diagnosis: community acquired pneumonia.\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "latin.txt").write_bytes("Diagnosis: an\u00e6mia, hypertension.".encode("latin-1"))
    (folder / "huge.txt").write_text("Known asthma. " * 400_000, encoding="utf-8")  # ~5.6 MB, over 5 MB
    return folder


def test_cli_codes_what_it_can_and_explains_the_rest(cases, tmp_path):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["code", str(cases), "--all-findings", "--output", str(out)])
    assert result.exit_code == 1, result.output  # some documents could not be coded
    assert "Traceback" not in result.output
    rows = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert set(rows) == {"good", "empty", "binary", "latin", "huge"}  # nothing lost
    assert any(d["code"].startswith("J18") for d in rows["good"]["diagnoses"])
    assert rows["empty"]["diagnoses"] == [] and "empty" in rows["empty"]["warnings"][0]
    assert "binary" in rows["binary"]["warnings"][0]
    assert "limit" in rows["huge"]["warnings"][0]
    assert any("cp1252" in w for w in rows["latin"]["warnings"])
    assert any(d["code"] == "I10" for d in rows["latin"]["diagnoses"])


def test_engine_refuses_oversized_text_with_a_warning(settings):
    from clincode.coding import Document
    from clincode.engine import CodingEngine

    engine = CodingEngine(settings.model_copy(update={"max_document_bytes": 100}))
    episode = engine.code_episode("e", [Document(id="d", text="hypertension. " * 50)], all_findings=True)
    assert episode.diagnoses == [] and "limit" in episode.warnings[0]


def test_folder_per_episode_codes_documents_together(tmp_path):
    root = tmp_path / "episodes"
    (root / "ep1").mkdir(parents=True)
    (root / "ep1" / "discharge.txt").write_text("Discharge diagnosis: acute cholecystitis with gallstones.\n")
    (root / "ep1" / "clinic.txt").write_text("Known type 2 diabetes mellitus.\n")
    (root / "ep2").mkdir()
    (root / "ep2" / "letter.txt").write_text("Diagnosis: community acquired pneumonia.\n")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["code", str(root), "--folder-per-episode", "--all-findings", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert set(rows) == {"ep1", "ep2"}
    ep1 = rows["ep1"]["diagnoses"]
    assert {e["document"] for d in ep1 for e in d["evidence"]} == {"discharge.txt", "clinic.txt"}
    assert any(d["code"].startswith("K80") for d in ep1) and any(d["code"].startswith("E11") for d in ep1)
    for d in ep1:
        for e in d["evidence"]:
            text = (root / "ep1" / e["document"]).read_text()
            assert text[e["start"]:e["end"]] == e["text"]
