"""``clincode reports``: outstanding (with CSV), the data-quality check run, statistics."""
from __future__ import annotations

from datetime import date

from typer.testing import CliRunner

from clincode.cli import app
from clincode.workflow.synthetic import SyntheticEpisode as E, insert_episodes


def test_reports_commands(wdb, tmp_path):
    with wdb.session() as s:
        insert_episodes(s, [E(discharged=date(2026, 11, 2), diagnoses=["S72.00", "I10"]),
                            E(discharged=date(2026, 9, 1), status="uncoded")])
    runner = CliRunner()
    out = tmp_path / "out.csv"
    r = runner.invoke(app, ["reports", "outstanding", "--database-url", wdb.url, "--today", "2026-11-25",
                            "--csv", str(out)])
    assert r.exit_code == 0, r.output
    assert "1 outstanding on 2026-11-25" in r.output and "1 past the national deadline" in r.output
    assert out.read_text().count("\n") == 2
    r = runner.invoke(app, ["reports", "check", "--database-url", wdb.url])
    assert r.exit_code == 0 and "1 new flags" in r.output and "Injury without an external cause" in r.output
    r = runner.invoke(app, ["reports", "statistics", "--database-url", wdb.url, "--start", "2026-11-01",
                            "--end", "2026-11-30"])
    assert r.exit_code == 0 and "1 coded episodes" in r.output and "Injury and poisoning" in r.output
    r = runner.invoke(app, ["reports", "outstanding", "--database-url", wdb.url, "--today", "25/11/2026"])
    assert r.exit_code != 0 and "is not a date" in r.output


def test_a_database_without_the_schema_is_a_clear_error(tmp_path):
    r = CliRunner().invoke(app, ["reports", "outstanding", "--database-url", f"sqlite:///{tmp_path / 'empty.db'}"])
    assert r.exit_code == 1 and "clincode db upgrade" in r.output and "Traceback" not in r.output
