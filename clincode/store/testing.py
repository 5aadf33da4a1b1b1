"""Throw-away databases for tests (used by tests/store, tests/api, tests/interfaces and the web tests).

``temporary_database("sqlite")`` makes a migrated SQLite file in a temporary folder;
``temporary_database("postgresql")`` a migrated schema of its own in the PostgreSQL test
database (``CLINCODE_TEST_POSTGRES_URL``, default postgres@127.0.0.1:5432/test), dropped after.
"""
from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text

from .db import Database, normalise_url
from .migrate import upgrade

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    return normalise_url(os.environ.get("CLINCODE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))


def postgres_available(url: str | None = None) -> str | None:
    """None when the server answers, else the reason it does not."""
    try:
        engine = create_engine(url or postgres_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


@contextmanager
def temporary_database(backend: str = "sqlite", *, migrate: bool = True) -> Iterator[Database]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="clincode-db-") as tmp:
            url = f"sqlite:///{Path(tmp) / 'test.db'}"
            if migrate:
                upgrade(url)
            db = Database(url)
            try:
                yield db
            finally:
                db.dispose()
        return
    if backend != "postgresql":
        raise ValueError(f"unknown backend {backend!r}")
    base = postgres_url()
    schema = f"clincode_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    db = None
    try:
        if migrate:
            upgrade(url)
        db = Database(url, pool_size=5, max_overflow=5)
        yield db
    finally:
        if db is not None:
            db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def db_fixture():
    """A pytest fixture ``db``: each test runs on SQLite and on PostgreSQL, in a fresh migrated
    database. PostgreSQL unreachable: the variant fails under ``CI`` and is skipped locally.

    In a conftest: ``db = db_fixture()``.
    """
    import pytest

    @pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
    def db(request):
        if request.param == "postgresql":
            reason = postgres_available()
            if reason:
                if os.environ.get("CI"):
                    pytest.fail(f"PostgreSQL is required in CI but not reachable: {reason}")
                pytest.skip(f"PostgreSQL not reachable: {reason}")
        with temporary_database(request.param) as database:
            yield database

    return db
