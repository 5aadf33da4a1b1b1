"""The store's commands: upgrade, ingest (twice), list, users; clear errors, no tracebacks."""
from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from clincode.cli import app

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "interfaces"


def run(*args):
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_cli_round(tmp_path, settings):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out = run("episodes", "list", "--database-url", url)
    assert code == 1 and "clincode db upgrade" in out and "Traceback" not in out
    from clincode.store.migrate import head_revision

    assert run("db", "upgrade", "--database-url", url) == (0, f"database at revision {head_revision()}\n")
    code, out = run("ingest", str(SAMPLES), "--database-url", url)
    assert code == 0 and "5 applied, 0 duplicate, 1 rejected" in out
    code, out = run("ingest", str(SAMPLES), "--database-url", url, "--strict")
    assert code == 1 and "0 applied, 5 duplicate, 1 rejected" in out
    code, out = run("episodes", "list", "--database-url", url)
    assert code == 0 and "SPL20260001/1" in out and "3 episode(s)" in out
    code, out = run("users", "create", "alice", "--role", "coder", "--database-url", url)
    assert code == 0 and out.startswith("cc_")
    code, out = run("users", "create", "bob", "--role", "wizard", "--database-url", url)
    assert code == 1 and "unknown role" in out
    code, out = run("ingest", str(tmp_path / "missing"), "--database-url", url)
    assert code == 2 and "no such file" in out
