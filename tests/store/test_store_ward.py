"""The ward on a consultant episode (migration 0004): stored from ingest, never erased by a blank,
and filtering the worklist and its counts, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pydantic import ValidationError
from sqlalchemy import inspect

from clincode.store import services as sv
from clincode.store.records import EpisodeData, EpisodeRecord, PatientData, SpellData
from clincode.store.roles import Role

CODER = sv.Actor("alice", Role.CODER)


def record(n: int, ward: str | None, consultant: str = "C1234567") -> EpisodeRecord:
    return EpisodeRecord(
        patient=PatientData(local_patient_id=f"H{n:05d}", family_name="Testpatient"),
        spell=SpellData(spell_number=f"W{n:04d}", discharge_date=datetime(2026, 3, n, 12, tzinfo=timezone.utc)),
        episode=EpisodeData(consultant_code=consultant, main_specialty="100", ward=ward))


def ingest(db, *records: EpisodeRecord) -> list[int]:
    with db.session() as s:
        return [sv.ingest_record(s, sv.INTEGRATION, r).id for r in records]


def test_migration_adds_an_indexed_ward_column(db):
    insp = inspect(db.engine)
    assert "ward" in {c["name"] for c in insp.get_columns("episodes")}
    assert any(ix["column_names"] == ["ward"] for ix in insp.get_indexes("episodes"))


def test_worklist_filters_and_counts_by_ward(db):
    ids = ingest(db, record(1, "Ward 7"), record(2, "Ward 12"), record(3, "Ward 7", "C7654321"), record(4, None))
    with db.session() as s:
        page = sv.list_worklist(s, CODER, sv.WorklistFilters(ward="Ward 7"))
        assert page.total == 2 and [e.id for e in page.episodes] == [ids[0], ids[2]]
        assert all(e.ward == "Ward 7" for e in page.episodes)
        # ward combines with the other filters
        both = sv.list_worklist(s, CODER, sv.WorklistFilters(ward="Ward 7", consultant="C7654321"))
        assert [e.id for e in both.episodes] == [ids[2]]
        assert sv.list_worklist(s, CODER, sv.WorklistFilters(ward="Ward 99")).total == 0
        assert sv.list_worklist(s, CODER, sv.WorklistFilters()).total == 4  # no ward filter: every episode
        counts = sv.worklist_counts(s, CODER, sv.WorklistFilters(ward="Ward 12"))
        assert counts["uncoded"] == 1 and counts["finalised"] == 0
        assert sv.worklist_counts(s, CODER, sv.WorklistFilters(ward="Ward 7"))["uncoded"] == 2


def test_a_later_message_moves_the_ward_but_a_blank_never_erases_it(db):
    (eid,) = ingest(db, record(1, "Ward 7"))
    ingest(db, record(1, "  "))  # a PAS feed padding an empty field
    with db.session() as s:
        assert sv.get_episode(s, CODER, eid).ward == "Ward 7"
    ingest(db, record(1, "Discharge Lounge"))
    with db.session() as s:
        ep = sv.get_episode(s, CODER, eid)
        assert ep.ward == "Discharge Lounge"
        assert sv.list_worklist(s, CODER, sv.WorklistFilters(ward="Ward 7")).total == 0


def test_an_overlong_ward_is_refused_with_its_reason():
    with pytest.raises(ValidationError, match="ward"):
        EpisodeData(ward="W" * 41)
