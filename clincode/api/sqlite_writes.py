"""One writer at a time on an SQLite store, queued in the process instead of in SQLite.

SQLite lets one connection write at a time; a second writer waits in SQLite's busy handler,
which polls with sleeps growing to 100 ms, so under load a writer can sleep long after the lock
was freed (coding p95 over a second with 20 clients). Here a session takes a process-wide lock
just before its first flush (or its first INSERT, UPDATE or DELETE run through
``session.execute``) and gives it back when its transaction ends, so waiting writers wake the
moment the lock is free. Readers never take it (WAL: they do not block the writer).
Writers in other processes (``--workers 2``) still meet SQLite's own busy handler.
"""
from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

_KEY = "clincode.sqlite_write_lock"
WAIT_SECONDS = 30  # as SQLite's own busy timeout (store/db.py): after that, let SQLite decide


def serialise_writes(factory: sessionmaker) -> None:
    """Register the write lock on every session ``factory`` makes (idempotent)."""
    if getattr(factory, "_clincode_write_lock", None) is not None:
        return
    lock = threading.Lock()
    factory._clincode_write_lock = lock

    def take(session: Session) -> None:
        if not session.info.get(_KEY):
            # Never wait for ever: a session left open elsewhere must not stop every writer.
            session.info[_KEY] = lock.acquire(timeout=WAIT_SECONDS)

    @event.listens_for(factory, "before_flush")
    def _take(session: Session, _context, _instances) -> None:
        take(session)

    @event.listens_for(factory, "do_orm_execute")
    def _take_for_statement(state) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            take(state.session)

    @event.listens_for(factory, "after_transaction_end")
    def _give_back(session: Session, transaction) -> None:
        if transaction.parent is None and session.info.pop(_KEY, False):
            lock.release()
