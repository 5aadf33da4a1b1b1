"""The checkpoint's exactly-once commit protocol, including the crash windows of kill -9."""
from __future__ import annotations

import pytest

from clincode.batch import CheckpointMismatch
from clincode.batch.checkpoint import Checkpoint, Coded, checkpoint_dir
from clincode.batch.outcome import Failure

FP = {"input": "/data/notes", "all_findings": False}


def _coded(*ids):
    return [Coded(i, n, f'{{"id": "{i}"}}') for n, i in enumerate(ids)]


def test_commit_records_ids_and_reads_back_in_input_order(tmp_path):
    out = tmp_path / "coded.jsonl"
    cp = Checkpoint.open(out, FP)
    cp.commit([Coded("b", 5, '{"id": "b"}'), Coded("a", 1, '{"id": "a"}')], [(3, Failure("c", "empty", "no text"))])
    cp.commit([Coded("d", 0, '{"id": "d"}')], [])
    assert cp.done_ids() == {"a", "b", "c", "d"}
    assert cp.counts() == (3, 1)
    assert list(cp.coded_lines()) == [b'{"id": "d"}\n', b'{"id": "a"}\n', b'{"id": "b"}\n']
    assert [f.id for f in cp.failures()] == ["c"]
    cp.close()


def test_a_part_written_but_not_recorded_is_discarded_on_reopen(tmp_path):
    """kill -9 between renaming a part into place and the SQLite commit: the part must not count."""
    out = tmp_path / "coded.jsonl"
    cp = Checkpoint.open(out, FP)
    cp.commit(_coded("a", "b"), [])
    # The crash window: part 2 is complete on disk, but its transaction never happened.
    orphan = cp.part_path(2)
    orphan.write_text('{"id": "c"}\n', encoding="utf-8")
    half = cp.parts_dir / "000003.jsonl.tmp"  # and a half-written temporary file
    half.write_text('{"id": "d"', encoding="utf-8")
    cp.close()

    cp = Checkpoint.open(out, FP)
    assert not orphan.exists() and not half.exists()
    assert cp.done_ids() == {"a", "b"}
    cp.commit([Coded("c", 2, '{"id": "c"}')], [])  # the re-coded document takes the freed part number
    assert cp.part_path(2).exists()
    assert [line.decode() for line in cp.coded_lines()] == ['{"id": "a"}\n', '{"id": "b"}\n', '{"id": "c"}\n']
    cp.close()


def test_committing_a_chunk_twice_keeps_each_id_once(tmp_path):
    """A commit cut short after its transaction, then retried, must not duplicate anything."""
    out = tmp_path / "coded.jsonl"
    cp = Checkpoint.open(out, FP)
    cp.commit([Coded("a", 0, '{"id": "a", "v": 1}')], [(1, Failure("b", "empty"))])
    cp.commit([Coded("a", 0, '{"id": "a", "v": 2}'), Coded("c", 2, '{"id": "c"}')], [(1, Failure("b", "empty"))])
    assert cp.counts() == (2, 1)
    assert list(cp.coded_lines()) == [b'{"id": "a", "v": 1}\n', b'{"id": "c"}\n']
    cp.close()


def test_checkpoint_of_other_work_is_refused_unless_restarted(tmp_path):
    out = tmp_path / "coded.jsonl"
    Checkpoint.open(out, FP).close()
    other = {**FP, "all_findings": True}
    with pytest.raises(CheckpointMismatch, match="all_findings: False then, True now.*--restart"):
        Checkpoint.open(out, other)
    cp = Checkpoint.open(out, other, restart=True)
    assert cp.done_ids() == set() and checkpoint_dir(out).is_dir()
    cp.close()
