"""Clinician queries through their lifecycle, with escalation, reminders and their history."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from clincode.store import services as sv
from clincode.store.models import ClinicianQuery
from clincode.store.roles import Role
from clincode.store.services import Actor
from clincode.workflow.queries import query_history, query_lifecycle, query_stage, reminder_due
from clincode.workflow.settings import WorkflowSettings
from clincode.workflow.synthetic import SyntheticEpisode as E, insert_episodes

CODER = Actor("amira.shah", Role.CODER)


def test_stage_rules():
    assert query_stage("open", 6, False, 7) == "open"
    assert query_stage("open", 7, False, 7) == "escalated"
    assert query_stage("answered", 20, False, 7) == "answered"
    assert query_stage("answered", 2, True, 7) == "applied"
    assert query_stage("closed", 30, True, 7) == "closed"
    assert [reminder_due(d, 3) for d in (0, 2, 3, 10)] == [False, False, True, True]


def test_lifecycle_reminders_and_history(any_db):
    wdb = any_db
    now = datetime.now(timezone.utc)
    with wdb.session() as s:
        ids = insert_episodes(s, [E(status="in_progress", diagnoses=["K80.0"], consultant=f"C{i}") for i in range(5)])
    with wdb.session() as s:
        old = sv.raise_query(s, CODER, ids[0], "Was the cholecystitis acute?")
        new = sv.raise_query(s, CODER, ids[1], "Which side was operated on?")
        acted = sv.raise_query(s, CODER, ids[2], "Is the diabetes type 1 or type 2?")
        idle = sv.raise_query(s, CODER, ids[3], "Was the pneumonia aspiration?")
        dropped = sv.raise_query(s, CODER, ids[4], "Smoking status?")
        s.flush()
        old.raised_at = now - timedelta(days=10)
        sv.answer_query(s, CODER, acted.id, "Type 2 with nephropathy", answered_by="Dr Khan")
        sv.answer_query(s, CODER, idle.id, "No", answered_by="Dr Lee")
        sv.close_query(s, CODER, dropped.id, reason="patient transferred, no longer needed")
        ids_q = (old.id, new.id, acted.id, idle.id, dropped.id)
    with wdb.session() as s:
        episode = sv.get_episode(s, CODER, ids[2])
        sv.add_code(s, CODER, ids[2], episode.version, "icd10", "E11.2", reason="query answered")
    with wdb.session() as s:
        life = query_lifecycle(s, now + timedelta(seconds=5), WorkflowSettings(query_escalation_days=7,
                                                                                query_reminder_days=3))
        stages = {r.id: r.stage for r in life.rows}
        assert [stages[i] for i in ids_q] == ["escalated", "open", "applied", "answered", "closed"]
        assert life.by_stage == {"open": 1, "escalated": 1, "answered": 1, "applied": 1, "closed": 1}
        assert [r.id for r in life.reminders] == [ids_q[0]]
        assert life.by_clinician[0] == ("C0", 1, 1)  # the escalated clinician first
        history = query_history(s, ids_q[2])
        assert [e.what for e in history] == ["raised", "answered", "code change"]
        assert history[1].actor == "Dr Khan" and history[2].detail == "added E11.2"
        assert [e.what for e in query_history(s, ids_q[4])] == ["raised", "closed"]
        assert s.get(ClinicianQuery, ids_q[1]).status == "open"
        assert life.mean_days_to_answer == 0.0  # both answered within seconds of being raised
