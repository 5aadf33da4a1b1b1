"""One writer at a time on an SQLite store, queued by the server instead of by SQLite.

SQLite lets one connection write at a time; a second writer waits in SQLite's busy handler,
which polls with sleeps growing to 100 ms, so under load a writer can sleep long after the lock
was freed (coding p95 over a second with 20 clients). Here a session takes a write lock just
before its first flush (or its first INSERT, UPDATE or DELETE run through ``session.execute``)
and gives it back when its transaction ends, so waiting writers wake the moment the lock is
free. Readers never take it (WAL: they do not block the writer).

The lock is a thread lock (writers in this process queue on it, first come first served) and,
for a database file, an ``flock`` on ``<database>-writes.lock`` beside it, so writers in other
server workers (``--workers N``) are queued too; only the one writer holding this process's
thread lock polls for the file lock, in sleeps of at most 2 ms.
"""
from __future__ import annotations

import os
import threading
import time

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

try:
    import fcntl
except ImportError:  # Windows: the thread lock alone (other processes meet SQLite's own handler)
    fcntl = None

_KEY = "clincode.sqlite_write_lock"
WAIT_SECONDS = 30  # as SQLite's own busy timeout (store/db.py): after that, let SQLite decide


class WriteLock:
    """A thread lock, plus an exclusive ``flock`` on ``lock_file`` when one is given."""

    def __init__(self, lock_file: str | None = None):
        self._thread_lock = threading.Lock()
        self._fd = None
        if lock_file and fcntl is not None:
            try:
                self._fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # a read-only folder: the thread lock alone
                self._fd = None

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self._thread_lock.acquire(timeout=timeout):
            return False
        if self._fd is None:
            return True
        delay = 0.0002
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                pass
            if time.monotonic() >= deadline:
                self._thread_lock.release()
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.002)

    def locked(self) -> bool:
        return self._thread_lock.locked()

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()


def lock_file_for(database_path: str | None) -> str | None:
    """The lock file beside an SQLite database file (None for an in-memory database)."""
    if not database_path or database_path == ":memory:" or database_path.startswith("file::memory:"):
        return None
    return database_path + "-writes.lock"


def serialise_writes(factory: sessionmaker, database_path: str | None = None) -> None:
    """Register the write lock on every session ``factory`` makes (idempotent)."""
    if getattr(factory, "_clincode_write_lock", None) is not None:
        return
    lock = WriteLock(lock_file_for(database_path))
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
