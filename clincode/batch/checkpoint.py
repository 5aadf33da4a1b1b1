"""The resumable checkpoint beside a batch's output: what is done, and where its result lies.

Layout, for an output ``coded.jsonl``::

    coded.jsonl.checkpoint/
        checkpoint.sqlite     ids done (coded or failed), their input position, their part and offset
        parts/000001.jsonl    committed chunks of coded episodes, one JSON line each

Exactly once, even after ``kill -9``: a chunk is committed in two steps.

1. its JSON lines are written to ``parts/NNNNNN.jsonl.tmp``, fsynced, and renamed into place
   (so a part file is either absent or complete: no half-written line ever counts);
2. one SQLite transaction (WAL, ``synchronous=FULL``) records the part and every id in it.

A crash between the two leaves a part file the database does not know: :meth:`Checkpoint.open`
deletes such orphans (and any ``.tmp``), so their documents are simply coded again. An id is done
if and only if the database says so, and the database never names a part that is not complete.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .outcome import Failure

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parts (n INTEGER PRIMARY KEY, records INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS done (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,          -- position in the input, so the output keeps the input's order
    part INTEGER,                  -- NULL for a failure
    offset INTEGER, length INTEGER -- where the JSON line sits in its part file
);
CREATE TABLE IF NOT EXISTS failures (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, reason TEXT NOT NULL, detail TEXT, source TEXT
);
CREATE INDEX IF NOT EXISTS done_seq ON done(seq);
"""


class CheckpointMismatch(RuntimeError):
    """The checkpoint was made for another input or other options."""


@dataclass(slots=True)
class Coded:
    id: str
    seq: int
    line: str  # one JSON object, no newline


def checkpoint_dir(output: Path) -> Path:
    return output.with_name(output.name + ".checkpoint")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, chunks: Iterator[bytes]) -> None:
    """Write ``path`` through a temporary file, fsync and rename: readers see old or new, never half."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        for chunk in chunks:
            fh.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class Checkpoint:
    def __init__(self, directory: Path):
        self.dir = directory
        self.parts_dir = directory / "parts"
        self.db = sqlite3.connect(directory / "checkpoint.sqlite", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)

    # --- opening ------------------------------------------------------------------------------
    @classmethod
    def open(cls, output: Path, fingerprint: dict, restart: bool = False) -> "Checkpoint":
        """Open (or create) the checkpoint of ``output``; refuse one made for other work."""
        directory = checkpoint_dir(output)
        if restart and directory.exists():
            shutil.rmtree(directory)
        (directory / "parts").mkdir(parents=True, exist_ok=True)
        cp = cls(directory)
        stored = cp._meta("fingerprint")
        if stored is None:
            cp._set_meta("fingerprint", json.dumps(fingerprint, sort_keys=True))
        elif json.loads(stored) != fingerprint:
            theirs = json.loads(stored)
            diff = ", ".join(f"{k}: {theirs.get(k)!r} then, {fingerprint.get(k)!r} now"
                             for k in sorted(set(theirs) | set(fingerprint)) if theirs.get(k) != fingerprint.get(k))
            cp.close()
            raise CheckpointMismatch(
                f"{output} has a checkpoint from a different batch ({diff}). "
                "Use --restart to discard it, or choose another --output.")
        cp._remove_orphans()
        return cp

    def _remove_orphans(self) -> None:
        known = {n for (n,) in self.db.execute("SELECT n FROM parts")}
        for path in self.parts_dir.iterdir():
            stem = path.name.split(".")[0]
            if path.name.endswith(".tmp") or not stem.isdigit() or int(stem) not in known:
                path.unlink()

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- state --------------------------------------------------------------------------------
    def done_ids(self) -> set[str]:
        ids = {i for (i,) in self.db.execute("SELECT id FROM done")}
        ids.update(i for (i,) in self.db.execute("SELECT id FROM failures"))
        return ids

    def counts(self) -> tuple[int, int]:
        coded = self.db.execute("SELECT COUNT(*) FROM done").fetchone()[0]
        failed = self.db.execute("SELECT COUNT(*) FROM failures").fetchone()[0]
        return coded, failed

    @property
    def completed(self) -> bool:
        return self._meta("completed") == "1"

    def mark_completed(self) -> None:
        self._set_meta("completed", "1")

    # --- committing ---------------------------------------------------------------------------
    def commit(self, coded: list[Coded], failures: list[tuple[int, Failure]]) -> None:
        """Make a chunk of results durable (see the module docstring for why in this order)."""
        if not coded and not failures:
            return
        part = None
        rows = []
        if coded:
            part = (self.db.execute("SELECT COALESCE(MAX(n), 0) FROM parts").fetchone()[0]) + 1
            payload, offset = [], 0
            for c in coded:
                data = (c.line + "\n").encode("utf-8")
                rows.append((c.id, c.seq, part, offset, len(data)))
                payload.append(data)
                offset += len(data)
            write_atomically(self.part_path(part), iter(payload))
        # OR IGNORE: committing a chunk again (a commit cut short by a second Ctrl-C, then retried)
        # keeps the first record of each id; the new part's copy is never read, because the
        # output is assembled from the offsets recorded here, not by concatenating parts.
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if part is not None:
                self.db.execute("INSERT INTO parts VALUES (?, ?)", (part, len(coded)))
                self.db.executemany("INSERT OR IGNORE INTO done VALUES (?, ?, ?, ?, ?)", rows)
            self.db.executemany(
                "INSERT OR IGNORE INTO failures VALUES (?, ?, ?, ?, ?)",
                [(f.id, seq, f.reason, f.detail, f.source) for seq, f in failures])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def part_path(self, n: int) -> Path:
        return self.parts_dir / f"{n:06d}.jsonl"

    # --- reading back, in input order -----------------------------------------------------------
    def coded_lines(self) -> Iterator[bytes]:
        """Every coded episode's JSON line (with newline), in input order."""
        handles: dict[int, object] = {}
        try:
            for part, offset, length in self.db.execute("SELECT part, offset, length FROM done ORDER BY seq, id"):
                fh = handles.get(part)
                if fh is None:
                    if len(handles) > 64:  # bound open files on huge batches
                        for h in handles.values():
                            h.close()
                        handles.clear()
                    fh = handles[part] = open(self.part_path(part), "rb")
                fh.seek(offset)
                data = fh.read(length)
                if len(data) != length:
                    raise RuntimeError(f"checkpoint part {part} is truncated: delete {self.dir} and run again")
                yield data
        finally:
            for h in handles.values():
                h.close()

    def failures(self) -> Iterator[Failure]:
        for id_, reason, detail, source in self.db.execute(
                "SELECT id, reason, detail, source FROM failures ORDER BY seq, id"):
            yield Failure(id_, reason, detail or "", source or "")

    def drop_parts(self) -> None:
        """Free the disk once the final output is written (the ids stay, so a rerun knows it is done)."""
        shutil.rmtree(self.parts_dir, ignore_errors=True)

    def close(self) -> None:
        self.db.close()
