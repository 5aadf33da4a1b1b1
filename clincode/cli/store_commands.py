"""``clincode db``, ``clincode ingest``, ``clincode episodes``, ``clincode users``, ``clincode serve``:
the episode store, its interfaces and the coding API from the command line."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app

db_app = typer.Typer(help="The episode store's schema (Alembic migrations).", no_args_is_help=True)
users_app = typer.Typer(help="API users, their roles and tokens.", no_args_is_help=True)
episodes_app = typer.Typer(help="Episodes in the store: list them, run the coding engine on them.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(episodes_app, name="episodes")

DatabaseUrl = Annotated[Optional[str], typer.Option(
    "--database-url", envvar="CLINCODE_DATABASE_URL",
    help="sqlite:///clincode.db (default) or postgresql://user@host/db")]


def _url(database_url: str | None) -> str:
    from ..config import get_settings

    if database_url:
        os.environ["CLINCODE_DATABASE_URL"] = database_url
        get_settings.cache_clear()
    return get_settings().database_url


@contextmanager
def _clear_errors():
    """Turn the store's and the database's errors into one clear line and exit code 1."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from ..store.errors import StoreError

    try:
        yield
    except StoreError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(1)
    except (OperationalError, ProgrammingError) as exc:
        text = str(exc.orig) if getattr(exc, "orig", None) else str(exc)
        hint = " (run `clincode db upgrade` first?)" if "no such table" in text or "does not exist" in text else ""
        typer.secho(f"error: the database refused: {text.splitlines()[0]}{hint}", fg="red", err=True)
        raise typer.Exit(1)


def _database(database_url: str | None):
    from ..store.db import Database

    return Database(_url(database_url))


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None,
               revision: Annotated[str, typer.Option(help="target revision")] = "head") -> None:
    """Create the schema, or bring it up to date."""
    from ..store.migrate import current_revision, upgrade

    url = _url(database_url)
    with _clear_errors():
        upgrade(url, revision)
        typer.echo(f"database at revision {current_revision(url)}")


@db_app.command("current")
def db_current(database_url: DatabaseUrl = None) -> None:
    """Show the schema's revision (none: run `clincode db upgrade`)."""
    from ..store.migrate import current_revision

    with _clear_errors():
        typer.echo(current_revision(_url(database_url)) or "none")


@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="files or folders: .txt, .json (record or FHIR Bundle), .jsonl, .hl7")],
           database_url: DatabaseUrl = None,
           strict: Annotated[bool, typer.Option("--strict", help="exit 1 if any message is rejected")] = False) -> None:
    """Store episodes and documents from files; sending the same file twice stores nothing twice."""
    from ..interfaces import ingest_path

    db = _database(database_url)
    counts = {"applied": 0, "duplicate": 0, "rejected": 0}
    with _clear_errors():
        for path in paths:
            if not path.exists():
                typer.secho(f"error: no such file or folder: {path}", fg="red", err=True)
                raise typer.Exit(2)
            for result in ingest_path(db, path):
                o = result.outcome
                counts[o.status] += 1
                where = f" -> episode {o.episode_id}" if o.episode_id else ""
                line = f"{o.status:9} {result.source}{where}" + (f": {o.reason}" if o.reason else "")
                typer.secho(line, fg="red" if o.status == "rejected" else None)
    typer.echo(", ".join(f"{n} {k}" for k, n in counts.items()))
    if strict and counts["rejected"]:
        raise typer.Exit(1)


@episodes_app.command("list")
def episodes_list(database_url: DatabaseUrl = None, status: Optional[str] = None, limit: int = 50) -> None:
    """The worklist: id, spell/episode, status, version, discharge date, codes."""
    from ..store import services as sv

    db = _database(database_url)
    with _clear_errors(), db.session() as s:
        page = sv.list_worklist(s, sv.SYSTEM_READER, sv.WorklistFilters(status=status, limit=limit))
        for e in page.episodes:
            final = " ".join(c.code for c in sv.codes_of(e, "final"))
            disch = e.spell.discharge_date.date().isoformat() if e.spell.discharge_date else "-"
            typer.echo(f"{e.id}\t{sv.episode_label(e)}\t{e.status}\tv{e.version}\t{disch}\t{final}")
        typer.echo(f"{page.total} episode(s)")


@episodes_app.command("code")
def episodes_code(ids: Annotated[Optional[list[int]], typer.Argument(help="episode ids (default: every uncoded episode)")] = None,
                  database_url: DatabaseUrl = None) -> None:
    """Run the coding engine on episodes and store its proposals (the coder's codes are untouched)."""
    from ..store import services as sv

    db = _database(database_url)
    with _clear_errors():
        if not ids:
            with db.session() as s:
                ids = [e.id for e in sv.list_worklist(s, sv.SYSTEM_READER, sv.WorklistFilters(status="uncoded", limit=500)).episodes]
        for eid in ids:
            with db.session() as s:
                run = sv.run_coding(s, sv.ENGINE_RUNNER, eid)
                dx = " ".join(d["code"] + ("*" if d.get("primary") else "") for d in run.result["diagnoses"])
                px = " ".join(p["code"] for p in run.result["procedures"])
                typer.echo(f"episode {eid}: {dx or '-'} | {px or '-'} ({run.duration_ms} ms)")
        typer.echo(f"coded {len(ids)} episode(s)")


@users_app.command("create")
def users_create(username: str, role: Annotated[str, typer.Option(help="coder, senior_coder, auditor, coding_manager, administrator, integration")],
                 display_name: str = "", token: Annotated[bool, typer.Option("--token/--no-token", help="issue a token too")] = True,
                 database_url: DatabaseUrl = None) -> None:
    """Create a user; prints their first API token (shown once)."""
    from ..store import services as sv

    db = _database(database_url)
    with _clear_errors(), db.session() as s:
        sv.create_user(s, sv.SYSTEM, username, role, display_name)
        if token:
            typer.echo(sv.issue_token(s, sv.SYSTEM, username, "cli"))


@users_app.command("token")
def users_token(username: str, label: str = "cli", valid_days: Optional[int] = None, database_url: DatabaseUrl = None) -> None:
    """Issue another API token for a user (printed once; only its hash is kept)."""
    from ..store import services as sv

    db = _database(database_url)
    with _clear_errors(), db.session() as s:
        typer.echo(sv.issue_token(s, sv.SYSTEM, username, label, valid_days))


@users_app.command("list")
def users_list(database_url: DatabaseUrl = None) -> None:
    from ..store import services as sv

    db = _database(database_url)
    with _clear_errors(), db.session() as s:
        for u in sv.list_users(s, sv.SYSTEM):
            typer.echo(f"{u.username}\t{u.role}\t{'active' if u.active else 'inactive'}")


@app.command("hl7-listen")
def hl7_listen(host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
               port: Annotated[int, typer.Option(help="TCP port (2575 is HL7's registered port)")] = 2575,
               database_url: DatabaseUrl = None) -> None:
    """Receive HL7 v2 over MLLP from an integration engine; every message is ACKed (AA/AE/AR)."""
    import asyncio
    import logging

    from ..interfaces.mllp import serve_mllp

    db = _database(database_url)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    typer.echo(f"clincode: HL7 v2 MLLP listener on {host}:{port}")
    try:
        asyncio.run(serve_mllp(db, host, port))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        typer.secho(f"error: cannot listen on {host}:{port}: {exc.strerror}", fg="red", err=True)
        raise typer.Exit(1)


@app.command()
def serve(host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="TCP port")] = 8000,
          database_url: DatabaseUrl = None,
          workers: Annotated[Optional[int], typer.Option(
              help="server worker processes (default: one per four cores)")] = None,
          engine_processes: Annotated[Optional[int], typer.Option(
              help="coding engine processes per worker (default: cores / workers; 0: in the worker's threads)")] = None,
          preload: Annotated[bool, typer.Option(help="load the coding engine before the first request")] = True) -> None:
    """Serve the coding API (OpenAPI at /docs) and the coders' web application (/coding/)."""
    import logging

    import uvicorn

    from ..store.migrate import current_revision

    url = _url(database_url)
    with _clear_errors():
        if current_revision(url) is None:
            typer.secho("error: the database has no schema: run `clincode db upgrade` first", fg="red", err=True)
            raise typer.Exit(1)
    cores = os.cpu_count() or 1
    if workers is None:
        # One worker per four cores. A worker's event loop hands each coding to its least busy
        # engine process, so one worker keeps all the engine processes evenly fed; with a worker per
        # core each has its own engine processes, clients' keep-alive connections split unevenly
        # between workers and the busier worker's codings queue (2 cores, 20 clients, 3.3 KB notes,
        # PostgreSQL: coding p95 157-160 ms with one worker, 166-221 ms with two). A worker's own
        # share is ~2 ms of CPU per coding, so past about four cores a second worker pays.
        # SQLite writers of all the workers queue on one lock file (clincode/api/sqlite_writes.py).
        workers = max(1, cores // 4)
    if url.startswith("sqlite") and workers > 1:
        typer.secho("note: several workers share one SQLite file; writes are queued one at a time (PostgreSQL scales better)", err=True)
    os.environ["CLINCODE_PRELOAD_ENGINE"] = "1" if preload else "0"
    # The engine runs in processes of its own (clincode/api/engine_pool.py): together one per core.
    if engine_processes is not None:
        os.environ["CLINCODE_ENGINE_PROCESSES"] = str(max(0, engine_processes))
    elif not os.environ.get("CLINCODE_ENGINE_PROCESSES", "").strip():
        os.environ["CLINCODE_ENGINE_PROCESSES"] = str(max(1, cores // workers))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        from ..web import PREFIX
        typer.echo(f"clincode: coders' web application at http://{host}:{port}{PREFIX}/ ; API at /docs")
    except ImportError:
        typer.echo(f"clincode: API at http://{host}:{port}/docs")
    typer.echo(f"clincode: {workers} worker process(es), {os.environ['CLINCODE_ENGINE_PROCESSES']} engine process(es) each")
    # uvicorn's access log would print query strings (search terms can be hospital numbers):
    # clincode.api logs method, route template, status and time instead.
    if workers > 1:
        uvicorn.run("clincode.api.main:served_app", factory=True, workers=workers, host=host, port=port,
                    access_log=False, log_level="info")
    else:
        from ..api.main import served_app

        uvicorn.run(served_app(), host=host, port=port, access_log=False, log_level="info")
