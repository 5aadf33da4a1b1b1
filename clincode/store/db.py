"""Connecting to the store: one ``Database`` per URL, with a session context manager.

SQLite is the embedded default (``sqlite:///clincode.db``); PostgreSQL works with a
``postgresql+psycopg://`` URL (``postgresql://`` is accepted and mapped to psycopg 3).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ..config import Settings, get_settings
from .errors import VersionConflict


def normalise_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs) -> Engine:
    url = normalise_url(url)
    # SQLAlchemy puts statement parameters (NHS numbers, names) into its error messages,
    # which end up in logs: hide them.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        # Several API worker threads share the file; wait for a writer instead of failing.
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        if ":memory:" not in url:
            # one connection per API worker thread under load (20 clients), not a queue for 5
            kwargs.setdefault("pool_size", 20)
            kwargs.setdefault("max_overflow", 20)
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str | None = None, settings: Settings | None = None, **engine_kwargs):
        self.url = normalise_url(url or (settings or get_settings()).database_url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on any error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except StaleDataError as exc:
            # The version-guarded UPDATE matched no row: another writer got there first.
            session.rollback()
            raise VersionConflict() from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
