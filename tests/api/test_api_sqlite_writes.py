"""The in-process SQLite write queue: taken at the first flush, given back however the
transaction ends, never taken by readers, and concurrent writers all succeed."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from clincode.api.sqlite_writes import serialise_writes
from clincode.store import Database, upgrade
from clincode.store import services as sv
from clincode.store.models import User, utcnow


def sqlite_db(tmp_path) -> Database:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    db = Database(url)
    serialise_writes(db.sessionmaker)
    serialise_writes(db.sessionmaker)  # idempotent: one lock, one pair of listeners
    return db


def test_lock_follows_the_write_transaction(tmp_path):
    db = sqlite_db(tmp_path)
    lock = db.sessionmaker._clincode_write_lock
    for end in ("commit", "rollback", "close"):
        s = db.sessionmaker()
        s.execute(select(User)).all()
        assert not lock.locked()  # a reader never queues
        s.add(User(username=f"u_{end}", role="coder", display_name="u", created_at=utcnow()))
        s.flush()
        assert lock.locked()
        getattr(s, end)()
        assert not lock.locked(), end
        s.close()
    db.dispose()


def test_concurrent_writers_all_succeed(tmp_path):
    db = sqlite_db(tmp_path)

    def create(i: int) -> str:
        with db.session() as s:
            return sv.create_user(s, sv.SYSTEM, f"writer{i}", "coder").username

    with ThreadPoolExecutor(8) as pool:
        names = list(pool.map(create, range(24)))
    assert sorted(names) == sorted(f"writer{i}" for i in range(24))
    assert not db.sessionmaker._clincode_write_lock.locked()
    with db.session() as s:
        assert len(s.scalars(select(User)).all()) == 24
    db.dispose()
