"""`clincode text FILE`: shows how a document is read; bad files give a clear message, not a traceback."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from clincode.cli import app

runner = CliRunner()


def test_text_command_json(tmp_path):
    doc = tmp_path / "letter.txt"
    doc.write_text("Family history: Mother had breast cancer.\nPlan: ?PE, CTPA to exclude PE.\n", encoding="utf-8")
    result = runner.invoke(app, ["text", str(doc), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [s["name"] for s in data["sections"]] == ["family_history", "plan"]
    text = doc.read_text(encoding="utf-8")
    for s in data["sentences"]:
        assert text[s["start"]:s["end"]] == s["text"]
    triggers = {(t["category"], t["trigger"]) for s in data["sentences"] for t in s["triggers"]}
    assert ("family", "Mother") in triggers and ("hypothetical", "to exclude") in triggers
    assert any(a["text"] == "PE" and a["expansion"] == "pulmonary embolism" for a in data["abbreviations"])


def test_text_command_human_and_bad_files(tmp_path):
    doc = tmp_path / "note.txt"
    doc.write_text("No evidence of malignancy.", encoding="utf-8")
    result = runner.invoke(app, ["text", str(doc)])
    assert result.exit_code == 0 and "negated_existence: 'No evidence of'" in result.output
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x00\x01\x02\x03PDF")
    result = runner.invoke(app, ["text", str(binary)])
    assert result.exit_code == 1 and "binary" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["text", str(tmp_path / "missing.txt")])
    assert result.exit_code != 0 and "no such file" in result.output
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\xe9 au lait spots. No neurofibromas.".encode("cp1252"))
    result = runner.invoke(app, ["text", str(latin)])
    assert result.exit_code == 0 and "not valid UTF-8" in result.output
