"""Data-quality checks: each rule on episodes that should and should not trip it, then the flags'
life in the store (re-runs, automatic closing, assigning, resolving)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from clincode.store.errors import PermissionDenied, ValidationFailed
from clincode.store.models import AuditEvent, DataQualityFlag, EpisodeCode
from clincode.store.roles import Role
from clincode.store.services import SYSTEM, Actor, create_user
from clincode.workflow.checks import CodedItem as C, EpisodeFacts, check_episode
from clincode.workflow.flags import AUTO_RESOLVED, assign_flag, flag_summary, list_flags, resolve_flag, run_checks
from clincode.workflow.synthetic import SyntheticEpisode, insert_episodes
from sqlalchemy import select

SENIOR = Actor("tom.reed", Role.SENIOR_CODER)
CODER = Actor("amira.shah", Role.CODER)
DAY = date(2026, 11, 2)


def facts(dx=(), px=(), **kw):
    return EpisodeFacts(1, diagnoses=[C(c, i) for i, c in enumerate(dx, 1)],
                        procedures=[C(c, i, d) for i, (c, d) in enumerate(px, 1)], **{"sex": "2", "age": 50, **kw})


def checks_of(f, clf):
    return sorted({x.check for x in check_episode(f, clf)})


def test_a_clean_episode_has_no_findings(classifications):
    f = facts(["K80.0", "E11.9", "I10"], [("J18.3", DAY), ("Y75.2", None)])
    assert check_episode(f, classifications) == []


@pytest.mark.parametrize("dx, px, kw, expected", [
    (["K80.0", "K35.0"], [], {}, "retired_code"),  # K35.0 retired in the 5th Edition
    (["K80.0", "ZZZ.9"], [], {}, "invalid_code"),
    (["K80"], [], {}, "invalid_code"),  # subdivided category: 4th character required
    (["N40", "I10"], [], {"sex": "2"}, "sex_conflict"),  # prostatic hyperplasia in a woman
    (["N80.0", "I10"], [], {"sex": "1"}, "sex_conflict"),  # endometriosis in a man
    (["G63.2", "E11.4"], [], {}, "asterisk_primary"),  # diabetic polyneuropathy (asterisk) first
    (["K80.0", "R10.1"], [], {}, "symptom_with_definitive"),  # upper abdominal pain with gallstones
    (["C67.9", "R31"], [], {}, "symptom_with_definitive"),  # haematuria with bladder cancer
    (["S72.00"], [], {}, "injury_without_external_cause"),
    (["K80.0"], [("W37.1", DAY)], {}, "laterality_missing"),  # hip replacement, no Z94
    (["K80.0"], [("J18.3", None)], {}, "procedure_without_date"),
])
def test_each_check_finds_its_problem(classifications, dx, px, kw, expected):
    assert expected in checks_of(facts(dx, px, **kw), classifications)


def test_checks_do_not_fire_when_the_coding_is_right(classifications):
    assert "injury_without_external_cause" not in checks_of(facts(["S72.00", "W19.0"]), classifications)
    assert "laterality_missing" not in checks_of(facts(["M16.1"], [("W37.1", DAY), ("Z94.1", None)]), classifications)
    assert "sex_conflict" not in checks_of(facts(["N40"], sex="1"), classifications)
    assert "symptom_with_definitive" not in checks_of(facts(["R31", "N20.0"]), classifications)  # not attributed
    assert "asterisk_primary" not in checks_of(facts(["E11.4", "G63.2"]), classifications)


def test_asterisk_primary_is_reported_once_in_the_coders_words(classifications):
    found = check_episode(facts(["G63.2", "E11.4"]), classifications)
    assert [f.check for f in found].count("asterisk_primary") == 1
    assert not any(f.check == "not_valid_primary" and f.detail == "G63.2" for f in found)
    assert "dagger" in next(f.message for f in found if f.check == "asterisk_primary")


def test_episode_level_checks():
    late = datetime(2026, 11, 10, tzinfo=timezone.utc)
    coded = datetime(2026, 11, 5, tzinfo=timezone.utc)
    assert checks_of(facts(["K80.0"], finalised_at=coded, last_document_at=late), None) == ["documents_changed_after_coding"]
    assert checks_of(facts(["K80.0"], finalised_at=late, last_document_at=coded), None) == []
    assert checks_of(facts(["J18.1"], age=82, admission_method="21"), None) == ["unusual_no_secondary"]
    assert checks_of(facts(["J18.1"], age=82, admission_method="11"), None) == []  # elective
    assert checks_of(facts(["J18.1", "I10"], age=82, admission_method="21"), None) == []
    assert checks_of(facts(["J18.1"], age=60, admission_method="21"), None) == []
    assert checks_of(facts([]), None) == ["missing_primary"]


def _store(db):
    with db.session() as s:
        create_user(s, SYSTEM, "tom.reed", Role.SENIOR_CODER)
        create_user(s, SYSTEM, "amira.shah", Role.CODER)
        return insert_episodes(s, [
            SyntheticEpisode(diagnoses=["S72.00"], sex="2", age=80, admission_method="21"),  # 2 findings
            SyntheticEpisode(diagnoses=["K80.0", "I10"], procedures=[("J18.3", DAY)]),  # clean
            SyntheticEpisode(status="in_progress", diagnoses=["S72.00"]),  # not finalised: not checked
        ])


def test_run_checks_raises_flags_once_and_closes_them_when_fixed(wdb, classifications):
    ids = _store(wdb)
    with wdb.session() as s:
        first = run_checks(s, classifications)
    assert (first.episodes, first.found, first.new, first.closed) == (2, 2, 2, 0)
    with wdb.session() as s:
        again = run_checks(s, classifications)
        assert (again.new, again.closed) == (0, 0)
        flags = list_flags(s, SENIOR)
        assert sorted(f.check for f in flags) == ["injury_without_external_cause", "unusual_no_secondary"]
        assert all(f.episode_id == ids[0] for f in flags)
        # the coder adds the external cause: the injury flag closes itself on the next run
        s.add(EpisodeCode(episode_id=ids[0], stage="final", system="icd10", position=2, code="W19.0",
                          assigned_by="amira.shah"))
    with wdb.session() as s:
        fixed = run_checks(s, classifications)
        assert (fixed.new, fixed.closed) == (0, 2)  # W19.0 is a secondary diagnosis too: not 'no secondary'
        closed = list_flags(s, SENIOR, status="resolved")
        assert {f.resolution for f in closed} == {AUTO_RESOLVED}
        summary = {r["check"]: (r["open"], r["resolved"]) for r in flag_summary(s)}
        assert summary["injury_without_external_cause"] == (0, 1)


def test_assign_and_resolve_need_seniority_and_leave_an_audit_trail(wdb, classifications):
    _store(wdb)
    with wdb.session() as s:
        run_checks(s, classifications)
        flag = list_flags(s, SENIOR)[0]
        with pytest.raises(PermissionDenied):
            assign_flag(s, CODER, flag.id, "tom.reed")
        with pytest.raises(ValidationFailed, match="not a senior coder"):
            assign_flag(s, SENIOR, flag.id, "amira.shah")
        assign_flag(s, SENIOR, flag.id, "tom.reed")
        with pytest.raises(PermissionDenied):
            resolve_flag(s, CODER, flag.id, "fixed")
        with pytest.raises(ValidationFailed):
            resolve_flag(s, SENIOR, flag.id, "  ")
        resolve_flag(s, SENIOR, flag.id, "external cause added after query")
        fid = flag.id
    with wdb.session() as s:
        flag = s.get(DataQualityFlag, fid)
        assert (flag.status, flag.assigned_to, flag.resolved_by) == ("resolved", "tom.reed", "tom.reed")
        actions = [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.entity == "dq_flag"))]
        assert actions == ["assign_dq_flag", "resolve_dq_flag"]
        with pytest.raises(ValidationFailed, match="already resolved"):
            resolve_flag(s, SENIOR, fid, "again")
