"""The service layer on SQLite and PostgreSQL: ingest, coding, locking, finalising, audit."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, text

from clincode.coding.models import CodeAssignment, CodedEpisode, Evidence
from clincode.store import services as sv
from clincode.store.errors import EpisodeLocked, InvalidCode, PermissionDenied, ValidationFailed, VersionConflict
from clincode.store.migrate import current_revision, head_revision
from clincode.store.models import AuditEvent, Document, Episode, Patient
from clincode.store.records import DocumentData, EpisodeData, EpisodeRecord, PatientData, SpellData
from clincode.store.roles import Role

CODER = sv.Actor("alice", Role.CODER)
CODER2 = sv.Actor("bob", Role.CODER)
SENIOR = sv.Actor("sam", Role.SENIOR_CODER)
AUDITOR = sv.Actor("audrey", Role.AUDITOR)

SUMMARY = ("DISCHARGE SUMMARY\nDiagnosis: acute cholecystitis with gallstones.\n"
           "Procedure: laparoscopic cholecystectomy on 02/03/2026.\nBackground: type 2 diabetes.")


def record(spell="S1001", nhs="9991000003", text=SUMMARY, doc_id="D1") -> EpisodeRecord:
    return EpisodeRecord(
        patient=PatientData(nhs_number=nhs, local_patient_id="H" + nhs[-6:], family_name="Testpatient",
                            given_name="Alex", sex="2"),
        spell=SpellData(spell_number=spell, admission_date=datetime(2026, 3, 1, 9, tzinfo=timezone.utc),
                        admission_method="21", admission_source="19",
                        discharge_date=datetime(2026, 3, 4, 12, tzinfo=timezone.utc), discharge_method="1",
                        discharge_destination="19"),
        episode=EpisodeData(episode_number=1, consultant_code="C1234567", main_specialty="100",
                            treatment_function="100"),
        documents=[DocumentData(text=text, doc_type="discharge summary", external_id=doc_id, source_system="EPR")],
    )


class FixedEngine:
    """Stands in for the coding engine with a known proposal, so the store's handling of it is
    what is tested (the real engine is exercised in test_run_coding_stores_engine_output)."""

    def __init__(self):
        self.calls = 0

    def code_episode(self, episode_id, documents):
        self.calls += 1
        doc = documents[0]
        start = doc.text.index("acute cholecystitis")
        ev = Evidence(document=doc.id, start=start, end=start + 35, text=doc.text[start:start + 35])
        return CodedEpisode(id=episode_id, diagnoses=[
            CodeAssignment(code="K80.0", title="Calculus of gallbladder with acute cholecystitis", primary=True,
                           score=0.9, evidence=[ev], rationale=["index: Cholecystitis, acute, with calculus"]),
            CodeAssignment(code="E11.9", title="Type 2 diabetes mellitus without complications", score=0.8),
        ], procedures=[CodeAssignment(code="J18.3", title="Total cholecystectomy NEC", primary=True, score=0.8),
                       CodeAssignment(code="Y75.2", title="Laparoscopically assisted approach", score=0.8,
                                      qualifies="J18.3")])


def ingest(db, rec=None):
    with db.session() as s:
        return sv.ingest_record(s, sv.INTEGRATION, rec or record()).id


def coded(db, settings):
    eid = ingest(db)
    with db.session() as s:
        sv.run_coding(s, CODER, eid, engine=FixedEngine())
    with db.session() as s:
        v = sv.load_episode(s, eid).version
        sv.accept_proposal(s, CODER, eid, v)
    return eid


def version(db, eid):
    with db.session() as s:
        return sv.load_episode(s, eid).version


def first_difference(a, b, path="") -> str | None:
    """Where two JSON-like values first differ (a readable assertion message)."""
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            d = first_difference(a.get(k), b.get(k), f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
        return next((d for i, (x, y) in enumerate(zip(a, b)) if (d := first_difference(x, y, f"{path}[{i}]"))), None)
    return None if a == b else f"{path}: {a!r} != {b!r}"


def test_migrations_reach_head(db):
    assert current_revision(db.url) == head_revision()


def test_ingest_is_idempotent(db):
    eid = ingest(db)
    with db.session() as s:
        n_audit = s.scalar(select(func.count(AuditEvent.id)))
    assert ingest(db) == eid
    with db.session() as s:
        assert s.scalar(select(func.count(Patient.id))) == 1
        assert s.scalar(select(func.count(Document.id))) == 1
        assert s.scalar(select(func.count(AuditEvent.id))) == n_audit
        ep = sv.get_episode(s, CODER, eid)
        assert ep.spell.patient.nhs_number == "9991000003"
        assert ep.documents[0].doc_type == "discharge_summary"
        assert ep.status == "uncoded"


def test_invalid_nhs_number_is_refused():
    with pytest.raises(ValueError, match="check digit"):
        record(nhs="9991000004")


class Recorder:
    """The real default engine, remembering what it returned and what it was given."""

    def __init__(self):
        from clincode.engine import default_engine

        self.engine, self.calls = default_engine(), []

    def code_episode(self, episode_id, documents):
        result = self.engine.code_episode(episode_id, documents)
        self.calls.append((episode_id, list(documents), result))
        return result


def test_run_coding_stores_engine_output(db, settings):
    eid = ingest(db)
    engine = Recorder()
    with db.session() as s:
        run = sv.run_coding(s, CODER, eid, engine=engine)
        doc_id = str(s.get(Episode, eid).documents[0].id)
        run_id = run.id
    (episode_id, documents, produced), = engine.calls
    assert episode_id == str(eid)
    assert [(d.id, d.type, d.text) for d in documents] == [(doc_id, "discharge_summary", SUMMARY)]
    assert produced.diagnoses, "the engine codes the sample discharge summary"
    with db.session() as s:
        stored = sv.proposal(s, CODER, eid)
        ep = sv.get_episode(s, CODER, eid)
        assert first_difference(stored.model_dump(), produced.model_dump()) is None
        for system, assignments in (("icd10", produced.diagnoses), ("opcs4", produced.procedures)):
            rows = sv.codes_of(ep, "proposed", system)
            assert [(c.code, c.primary, c.position) for c in rows] == [
                (a.code, a.primary, i) for i, a in enumerate(assignments, start=1)]
            assert [c.evidence for c in rows] == [[e.model_dump() for e in a.evidence] for a in assignments]
        assert sv.latest_run(s, eid).id == run_id
        assert ep.status == "proposed"


def test_accept_amend_add_remove(db, settings):
    eid = coded(db, settings)
    with db.session() as s:
        ep = sv.get_episode(s, CODER, eid)
        finals = sv.codes_of(ep, "final")
        assert [(c.system, c.code, c.position, c.primary) for c in finals] == [
            ("icd10", "K80.0", 1, True), ("icd10", "E11.9", 2, False),
            ("opcs4", "J18.3", 1, True), ("opcs4", "Y75.2", 2, False)]
        assert finals[0].evidence[0]["text"].startswith("acute cholecystitis")
        assert all(c.assigned_by == "alice" and c.source == "engine" for c in finals)
        v = ep.version
        # add a coder's code, undotted, as the PAS would show it
        added = sv.add_code(s, CODER, eid, v, "icd10", "i10", reason="hypertension in PMH")
        assert (added.code, added.source, added.position) == ("I10", "coder", 3)
    with db.session() as s:
        v = sv.load_episode(s, eid).version
        # make the new code primary: it moves to position 1, the old primary loses the flag
        sv.amend_code(s, CODER, eid, v, added.id, primary=True)
    with db.session() as s:
        ep = sv.get_episode(s, CODER, eid)
        dx = sv.codes_of(ep, "final", "icd10")
        assert [(c.code, c.primary) for c in dx] == [("I10", True), ("K80.0", False), ("E11.9", False)]
        sv.remove_code(s, CODER, eid, ep.version, dx[2].id, reason="not relevant")
    with db.session() as s:
        ep = sv.get_episode(s, CODER, eid)
        assert [c.code for c in sv.codes_of(ep, "final", "icd10")] == ["I10", "K80.0"]
        # the engine's proposal is untouched by the coder's edits
        assert [c.code for c in sv.codes_of(ep, "proposed", "icd10")] == ["K80.0", "E11.9"]


@pytest.mark.parametrize("code,primary,reason", [
    ("K80", False, "subdivided"),
    ("K99.9", False, "no ICD-10 (UK) category"),
    ("K80.9", False, "not in ICD-10 (UK)"),
    ("K80-K87", False, "is not an ICD-10 code"),
    ("X59.9", True, "not valid as primary"),
    ("N40", False, "male patients only"),  # the test patient is female
    ("G63.0", True, "asterisk"),
    ("D63.8", True, "asterisk"),
])
def test_invalid_codes_are_refused_with_reason(db, settings, code, primary, reason):
    eid = coded(db, settings)
    with db.session() as s:
        with pytest.raises(InvalidCode) as exc:
            sv.add_code(s, CODER, eid, sv.load_episode(s, eid).version, "icd10", code, primary=primary)
    assert reason in str(exc.value)


def test_opcs_site_code_cannot_be_main_procedure(db, settings):
    eid = coded(db, settings)
    with db.session() as s:
        with pytest.raises(InvalidCode, match="not valid as primary"):
            sv.add_code(s, CODER, eid, sv.load_episode(s, eid).version, "opcs4", "Z94.2", primary=True)


def test_stale_version_is_a_conflict(db, settings):
    eid = coded(db, settings)
    v = version(db, eid)
    with db.session() as s:
        sv.add_code(s, CODER, eid, v, "icd10", "I10")
    with db.session() as s, pytest.raises(VersionConflict):
        sv.add_code(s, CODER2, eid, v, "icd10", "J45.9")
    with db.session() as s:
        assert "J45.9" not in [c.code for c in sv.get_episode(s, CODER, eid).codes]


def test_concurrent_writers_cannot_both_win(db, settings):
    """Two sessions read the same version; the second commit is refused by the version column."""
    eid = coded(db, settings)
    v = version(db, eid)
    s1, s2 = db.sessionmaker(), db.sessionmaker()
    try:
        sv.add_code(s1, CODER, eid, v, "icd10", "I10")
        sv.load_episode(s2, eid)  # s2 has read version v too
        s1.commit()
        with pytest.raises(Exception) as exc:
            sv.add_code(s2, CODER2, eid, v, "icd10", "J45.9")
            s2.commit()
        assert type(exc.value).__name__ in ("VersionConflict", "StaleDataError")
    finally:
        s1.close()
        s2.rollback()
        s2.close()


def test_finalise_locks_and_reopen_needs_reason(db, settings):
    eid = coded(db, settings)
    with db.session() as s:
        sv.finalise(s, CODER, eid, sv.load_episode(s, eid).version)
    with db.session() as s, pytest.raises(EpisodeLocked):
        sv.add_code(s, CODER, eid, sv.load_episode(s, eid).version, "icd10", "I10")
    with db.session() as s, pytest.raises(PermissionDenied):
        sv.reopen(s, CODER, eid, "late histology result")
    with db.session() as s, pytest.raises(ValidationFailed):
        sv.reopen(s, SENIOR, eid, "")
    with db.session() as s:
        sv.reopen(s, SENIOR, eid, "late histology result")
    with db.session() as s:
        sv.add_code(s, CODER, eid, sv.load_episode(s, eid).version, "icd10", "I10")
        trail = sv.audit_trail(s, AUDITOR, episode_id=eid)
        actions = [e.action for e in trail]
        assert actions.index("finalise") < actions.index("reopen") < actions.index("add_code")
        reopen_event = trail[actions.index("reopen")]
        assert (reopen_event.actor, reopen_event.reason) == ("sam", "late histology result")
        assert reopen_event.before["status"] == "finalised"


def test_finalise_refuses_with_every_reason(db, settings):
    eid = ingest(db)
    with db.session() as s:
        sv.raise_query(s, CODER, eid, "Was the cholecystitis acute or chronic?")
    with db.session() as s, pytest.raises(ValidationFailed) as exc:
        sv.finalise(s, CODER, eid, sv.load_episode(s, eid).version)
    problems = exc.value.problems
    assert any("no diagnosis codes" in p for p in problems)
    assert any("query is still open" in p for p in problems)


def test_query_lifecycle_blocks_then_allows_finalise(db, settings):
    eid = coded(db, settings)
    with db.session() as s:
        q = sv.raise_query(s, CODER, eid, "Please confirm the diabetes type.", code="E11.9")
    with db.session() as s, pytest.raises(ValidationFailed, match="still open"):
        sv.finalise(s, CODER, eid, sv.load_episode(s, eid).version)
    with db.session() as s:
        sv.answer_query(s, CODER, q.id, "Type 2, diet controlled", answered_by="Dr Consultant")
    with db.session() as s:
        sv.close_query(s, CODER, q.id)
        sv.finalise(s, CODER, eid, sv.load_episode(s, eid).version)
    with db.session() as s:
        assert sv.load_episode(s, eid).status == "finalised"
        assert sv.list_queries(s, CODER, episode_id=eid)[0].status == "closed"


def test_permissions_are_enforced_in_services(db, settings):
    eid = coded(db, settings)
    with db.session() as s, pytest.raises(PermissionDenied):
        sv.add_code(s, AUDITOR, eid, None, "icd10", "I10")
    with db.session() as s, pytest.raises(PermissionDenied):
        sv.get_episode(s, sv.Actor("ian", Role.INTEGRATION), eid)


def test_audit_trail_is_append_only_in_the_database(db, settings):
    eid = coded(db, settings)
    with db.session() as s:
        assert s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.episode_id == eid)) >= 3
    for sql in ("UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"):
            with db.session() as s:
                s.execute(text(sql))


def test_dq_issue_record_and_resolve(db, settings):
    eid = ingest(db)
    with db.session() as s:
        issue = sv.record_dq_issue(s, CODER, eid, "missing_document", "Operation note not received")
    with db.session() as s, pytest.raises(PermissionDenied):
        sv.resolve_dq_issue(s, CODER, issue.id, "found")
    with db.session() as s:
        sv.resolve_dq_issue(s, SENIOR, issue.id, "Theatre system resent the note")
        assert [i.status for i in sv.list_dq_issues(s, CODER, episode_id=eid)] == ["resolved"]
    with db.session() as s, pytest.raises(ValidationFailed, match="unknown data-quality category"):
        sv.record_dq_issue(s, CODER, eid, "gossip", "x")


def test_worklist_filters(db, settings):
    e1 = ingest(db, record("S1", "9991000003", doc_id="A"))
    e2 = ingest(db, record("S2", "9991000011", doc_id="B"))
    with db.session() as s:
        sv.run_coding(s, CODER, e2, engine=FixedEngine())
        sv.raise_query(s, CODER, e1, "Which side?")
    with db.session() as s:
        page = sv.list_worklist(s, CODER)
        assert page.total == 2
        assert [e.id for e in sv.list_worklist(s, CODER, sv.WorklistFilters(status="proposed")).episodes] == [e2]
        assert [e.id for e in sv.list_worklist(s, CODER, sv.WorklistFilters(has_open_query=True)).episodes] == [e1]
        assert [e.id for e in sv.list_worklist(s, CODER, sv.WorklistFilters(search="S2")).episodes] == [e2]
        with pytest.raises(ValidationFailed):
            sv.list_worklist(s, CODER, sv.WorklistFilters(status="bogus"))


def test_tokens(db):
    admin = sv.Actor("root", Role.ADMINISTRATOR)
    with db.session() as s:
        sv.create_user(s, admin, "alice", "coder", "Alice Coder")
        token = sv.issue_token(s, admin, "alice", "laptop")
    with db.session() as s:
        user = sv.authenticate(s, token)
        assert user.username == "alice" and user.role == "coder"
        assert sv.authenticate(s, token + "x") is None
        assert sv.authenticate(s, "") is None
        stored = [t.token_hash for t in user.tokens]
        assert token not in stored and sv.hash_token(token) in stored
        sv.revoke_tokens(s, admin, "alice")
    with db.session() as s:
        assert sv.authenticate(s, token) is None
    with db.session() as s, pytest.raises(ValidationFailed, match="unknown role"):
        sv.create_user(s, admin, "eve", "superuser")


def test_moving_a_secondary_code_keeps_the_primary_first(db, settings):
    eid = coded(db, settings)
    with db.session() as s:
        row = sv.add_code(s, CODER, eid, sv.load_episode(s, eid).version, "icd10", "I10")
    with db.session() as s:
        sv.amend_code(s, CODER, eid, sv.load_episode(s, eid).version, row.id, position=1)
    with db.session() as s:
        dx = sv.codes_of(sv.get_episode(s, CODER, eid), "final", "icd10")
        # asked for position 1, but the primary diagnosis stays first: I10 becomes the first secondary
        assert [(c.code, c.position) for c in dx] == [("K80.0", 1), ("I10", 2), ("E11.9", 3)]


def test_reject_proposal_keeps_the_run(db, settings):
    eid = ingest(db)
    with db.session() as s:
        run = sv.run_coding(s, CODER, eid, engine=FixedEngine())
    with db.session() as s:
        ep = sv.get_episode(s, CODER, eid)
        e119 = next(c for c in sv.codes_of(ep, "proposed") if c.code == "E11.9")
        sv.reject_proposal(s, CODER, eid, ep.version, e119.id, reason="diet-controlled, not relevant")
    with db.session() as s:
        ep = sv.get_episode(s, CODER, eid)
        assert "E11.9" not in [c.code for c in sv.codes_of(ep, "proposed")]
        assert "E11.9" in [d.code for d in sv.proposal(s, CODER, eid).diagnoses]
        assert sv.latest_run(s, eid).id == run.id
