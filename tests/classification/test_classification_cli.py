"""``clincode lookup``, ``search`` and ``validate``: output, --json and exit codes."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from clincode.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _shared(settings, monkeypatch):
    monkeypatch.setenv("CLINCODE_CLASSIFICATION_DIR", str(settings.classification_dir))


def run(*args):
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


def test_lookup_shows_title_hierarchy_and_rules():
    result = run("lookup", "k802")
    assert result.exit_code == 0
    assert "K80.2" in result.output and "Calculus of gallbladder without cholecystitis" in result.output
    assert "K80-K87" in result.output and "current" in result.output
    result = run("lookup", "G01")
    assert "asterisk" in result.output


def test_lookup_json_and_cm_note():
    data = json.loads(run("lookup", "S22.49XA", "--json").output)
    assert data["code"] == "S22.4" and "ICD-10-CM" in data["note"]
    assert [h["code"] for h in data["hierarchy"]] == ["Chapter XIX", "S20-S29", "S22"]


def test_lookup_unknown_code_exits_2_with_a_message():
    result = run("lookup", "ZZZ")
    assert result.exit_code == 2 and "not an ICD-10 code" in result.output


def test_lookup_opcs4():
    result = run("lookup", "J183", "--system", "opcs4")
    assert result.exit_code == 0 and "Total cholecystectomy NEC" in result.output


def test_search_table_and_json(settings):
    if settings.index_dir is None:
        pytest.skip("needs the Alphabetic Index")
    result = run("search", "acute", "cholecystitis", "--limit", "3")
    assert result.exit_code == 0 and "K81.0" in result.output
    data = json.loads(run("search", "NSTEMI", "--json", "-n", "2").output)
    assert data[0]["code"] == "I21.4" and "path" in data[0] and len(data) <= 2
    data = json.loads(run("search", "lap chole", "--system", "opcs4", "--json").output)
    assert data[0]["code"] == "J18.3" and all(h["system"] == "opcs4" for h in data)


def test_search_bad_input():
    assert run("search", "--system", "snomed", "x").exit_code == 2
    assert run("search", "  ").exit_code == 2
    assert run("search", "qwertyuiop").exit_code == 1


def test_validate_exit_codes_and_reasons():
    ok = run("validate", "K80.2", "I10", "--sex", "F", "--age", "50", "--primary")
    assert ok.exit_code == 0 and "valid" in ok.output
    bad = run("validate", "K80.2", "N40", "--sex", "F")
    assert bad.exit_code == 1 and "invalid" in bad.output and "N40" in bad.output
    data = json.loads(run("validate", "N40", "--sex", "F", "--json").output)
    assert data[0]["failures"][0]["rule"] == "sex" and "male patients only" in data[0]["failures"][0]["reason"]
    data = json.loads(run("validate", "G01", "Y75.2", "--primary", "--json").output)
    assert [d["valid"] for d in data] == [False, False]
    assert data[1]["system"] == "icd10"  # a bare code means ICD-10 first: Y75.2 exists in both
    data = json.loads(run("validate", "Y75.2", "--system", "opcs4", "--primary", "--json").output)
    assert data[0]["system"] == "opcs4" and data[0]["failures"][0]["rule"] == "not_primary"
    assert run("validate", "K80.2", "--sex", "X").exit_code == 2


def test_global_classification_dir_option(tmp_path):
    from pathlib import Path

    trud = Path(__file__).resolve().parent / "fixtures" / "trud"
    result = run("--classification-dir", str(trud), "--cache-dir", str(tmp_path), "lookup", "N40", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["title"] == "Hyperplasia of prostate"
    assert run("--classification-dir", str(tmp_path / "missing"), "lookup", "K80.2").exit_code == 2


def test_index_browses_the_tree(settings):
    if settings.index_dir is None:
        pytest.skip("needs the Alphabetic Index")
    result = run("index", "Cholecystitis", "--depth", "1")
    assert result.exit_code == 0 and "K81.9" in result.output and "acute" in result.output
    data = json.loads(run("index", "Neoplasm, stomach", "-d", "1", "--json").output)
    assert data[0]["codes_by_behaviour"]["malignant_primary"] == "C16.9"
    assert all(row["path"][:2] == ["Neoplasm, neoplastic", "stomach"] for row in data)
    assert run("index", "no such term anywhere").exit_code == 2


def test_info_reports_the_source():
    data = json.loads(run("info", "--json").output)
    assert data["source_kind"] == "shared" and data["icd10"]["retired"] > 0 and data["opcs4"]["codes"] > 10000
