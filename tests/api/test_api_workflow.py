"""A coder's day through the API: interfaces in, code, conflict, finalise, re-open, export."""
from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from clincode.store.roles import Role

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "interfaces"


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def ingest_samples(client, tokens) -> int:
    integ = auth(tokens[Role.INTEGRATION])
    hl7 = "".join((SAMPLES / n).read_text() for n in
                  ("01_adt_a01_admission.hl7", "02_mdm_t02_discharge_summary.hl7", "03_adt_a03_discharge.hl7"))
    r = client.post("/ingest/hl7", content=hl7, headers={**integ, "Content-Type": "text/plain"})
    assert r.status_code == 200, r.text
    outcomes = r.json()
    assert [o["status"] for o in outcomes] == ["applied"] * 3
    return outcomes[0]["episode_id"]


def test_workflow(client, tokens, caplog):
    caplog.set_level(logging.DEBUG)
    coder, coder2 = auth(tokens[Role.CODER]), auth(tokens[Role.SENIOR_CODER])
    eid = ingest_samples(client, tokens)

    work = client.get("/episodes", params={"status": "uncoded"}, headers=coder).json()
    assert work["total"] == 1 and work["episodes"][0]["spell"]["spell_number"] == "SPL20260001"
    ep = client.get(f"/episodes/{eid}", headers=coder).json()
    assert ep["patient"]["nhs_number"] == "9991000003" and ep["documents"][0]["doc_type"] == "discharge_summary"
    v = ep["version"]

    # a refused code says why
    r = client.post(f"/episodes/{eid}/codes", json={"version": v, "system": "icd10", "code": "K80"}, headers=coder)
    assert r.status_code == 422 and "subdivided" in r.json()["detail"]
    r = client.post(f"/episodes/{eid}/codes", json={"version": v, "system": "icd10", "code": "K80.0", "primary": True},
                    headers=coder)
    assert r.status_code == 201, r.text
    k800 = r.json()
    assert (k800["code"], k800["primary"], k800["source"], k800["assigned_by"]) == ("K80.0", True, "coder", "user_coder")

    # a second coder working from the old version is refused, not silently overwriting
    r = client.post(f"/episodes/{eid}/codes", json={"version": v, "system": "icd10", "code": "E11.9"}, headers=coder2)
    assert r.status_code == 409 and "changed by someone else" in r.json()["detail"]
    v = client.get(f"/episodes/{eid}", headers=coder2).json()["version"]
    for code in ("E11.9", "I10"):
        r = client.post(f"/episodes/{eid}/codes", json={"version": v, "system": "icd10", "code": code}, headers=coder2)
        assert r.status_code == 201, r.text
        v += 1
    r = client.post(f"/episodes/{eid}/codes", json={"version": v, "system": "opcs4", "code": "J183", "primary": True,
                                                     "performed_on": "2026-03-02"}, headers=coder)
    assert r.status_code == 201 and r.json()["code"] == "J18.3"
    v += 1
    r = client.post(f"/episodes/{eid}/codes", json={"version": v, "system": "opcs4", "code": "Y75.2"}, headers=coder)
    v += 1

    # a query holds finalising back until closed
    q = client.post(f"/episodes/{eid}/queries", json={"question": "Was the cholecystitis acute on chronic?"},
                    headers=coder).json()
    v = client.get(f"/episodes/{eid}", headers=coder).json()["version"]
    r = client.post(f"/episodes/{eid}/finalise", json={"version": v}, headers=coder)
    assert r.status_code == 422 and any("still open" in p for p in r.json()["problems"])
    assert client.post(f"/queries/{q['id']}/answer", json={"answer": "Acute", "answered_by": "Mr Surgeon"},
                       headers=coder).json()["status"] == "answered"
    assert client.post(f"/queries/{q['id']}/close", json={}, headers=coder).json()["status"] == "closed"
    r = client.post(f"/episodes/{eid}/finalise", json={"version": v}, headers=coder)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "finalised"
    v = r.json()["version"]

    # locked: no change until a senior coder re-opens with a reason
    r = client.post(f"/episodes/{eid}/codes", json={"version": v, "system": "icd10", "code": "J45.9"}, headers=coder)
    assert r.status_code == 409 and "locked" in r.json()["detail"]
    assert client.post(f"/episodes/{eid}/reopen", json={"reason": "x"}, headers=coder2).status_code == 422
    r = client.post(f"/episodes/{eid}/reopen", json={"reason": "histology changed the diagnosis"}, headers=coder2)
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    v = r.json()["version"]
    r = client.post(f"/episodes/{eid}/finalise", json={"version": v}, headers=coder)
    assert r.status_code == 200

    # exports (coding manager)
    manager = auth(tokens[Role.CODING_MANAGER])
    fhir = client.get(f"/export/episodes/{eid}/fhir", headers=manager)
    assert fhir.status_code == 200 and fhir.headers["content-type"].startswith("application/fhir+json")
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(fhir.json())
    rows = list(csv.DictReader(io.StringIO(client.get("/export/cds.csv", headers=manager).text)))
    assert [(r["PRIMARY_DIAGNOSIS_ICD"], r["SECONDARY_DIAGNOSIS_ICD_1"], r["SECONDARY_DIAGNOSIS_ICD_2"],
             r["PRIMARY_PROCEDURE_OPCS"], r["PRIMARY_PROCEDURE_DATE"], r["PROCEDURE_OPCS_2"]) for r in rows] == [
        ("K800", "E119", "I10X", "J183", "2026-03-02", "Y752")]

    # the audit trail tells the story, with the re-open reason
    trail = client.get("/audit", params={"episode_id": eid}, headers=auth(tokens[Role.AUDITOR])).json()
    actions = [e["action"] for e in trail]
    for action in ("create", "add_code", "raise_query", "answer_query", "close_query", "finalise", "reopen", "export_fhir"):
        assert action in actions, action
    everything = client.get("/audit", headers=auth(tokens[Role.AUDITOR])).json()
    assert any(e["action"] == "export_cds" and e["after"]["episodes"] == [eid] for e in everything)
    assert next(e for e in trail if e["action"] == "reopen")["reason"] == "histology changed the diagnosis"

    # nothing that identifies the patient reached the logs
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "api" in logged or "audit" in logged  # logging was on
    for secret in ("9991000003", "SYNTHETIC", "Samuel", "1961"):
        assert secret not in logged


def test_run_engine_and_accept(client, tokens):
    coder = auth(tokens[Role.CODER])
    eid = ingest_samples(client, tokens)
    r = client.post(f"/episodes/{eid}/code", json={}, headers=coder)
    assert r.status_code == 200, r.text
    proposal = r.json()["proposal"]
    stored = client.get(f"/episodes/{eid}/proposal", headers=coder).json()["proposal"]
    assert stored == proposal
    ep = client.get(f"/episodes/{eid}", headers=coder).json()
    assert [c["code"] for c in ep["proposed_codes"] if c["system"] == "icd10"] == [d["code"] for d in proposal["diagnoses"]]
    assert ep["proposed_codes"], "the engine proposes codes for the sample discharge summary"
    rejected = ep["proposed_codes"][-1]
    r = client.post(f"/episodes/{eid}/proposal/{rejected['id']}/reject", json={"version": ep["version"]},
                    params={"reason": "not supported by the notes"}, headers=coder)
    assert r.status_code == 204, r.text
    ep = client.get(f"/episodes/{eid}", headers=coder).json()
    assert rejected["id"] not in [c["id"] for c in ep["proposed_codes"]]
    r = client.post(f"/episodes/{eid}/accept", json={"version": ep["version"]}, headers=coder)
    assert r.status_code == 200
    assert [c["code"] for c in r.json()["final_codes"]] == [c["code"] for c in ep["proposed_codes"]]
    # the run still holds the engine's full proposal, the audit trail the rejection and its reason
    assert client.get(f"/episodes/{eid}/proposal", headers=coder).json()["proposal"] == proposal
    trail = client.get(f"/episodes/{eid}/audit", headers=coder).json()
    assert any(e["action"] == "reject_proposal" and e["reason"] == "not supported by the notes" for e in trail)


def test_ingest_rejections_are_reviewable(client, tokens):
    integ = auth(tokens[Role.INTEGRATION])
    bad = (SAMPLES / "malformed_mdm_t02_no_visit_number.hl7").read_text()
    out = client.post("/ingest/hl7", content=bad, headers={**integ, "Content-Type": "text/plain"}).json()
    assert out[0]["status"] == "rejected" and "PV1-19" in out[0]["reason"]
    acks = client.post("/ingest/hl7", params={"ack": "true"}, content=bad,
                       headers={**integ, "Content-Type": "text/plain"}).text
    assert "\rMSA|AE|EPR000202|PV1-19" in acks
    review = client.get("/ingest/messages", headers=integ).json()
    assert [(m["control_id"], m["status"]) for m in review] == [("EPR/RXX01/EPR000202", "rejected")]
    r = client.post("/ingest/fhir", content="{not json", headers={**integ, "Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["status"] == "rejected" and "not JSON" in r.json()["reason"]
    bundle = (SAMPLES / "fhir_bundle_hip_replacement.json").read_text()
    assert client.post("/ingest/fhir", content=bundle, headers=integ).json()["status"] == "applied"
    assert client.post("/ingest/fhir", content=bundle, headers=integ).json()["status"] == "duplicate"
    record = (SAMPLES / "episode_record.json").read_text()
    assert client.post("/ingest/records", content=record, headers=integ).json()["status"] == "applied"


def test_dq_and_users(client, tokens):
    coder, admin = auth(tokens[Role.CODER]), auth(tokens[Role.ADMINISTRATOR])
    eid = ingest_samples(client, tokens)
    r = client.post("/dq-issues", json={"episode_id": eid, "category": "pas_data_error",
                                        "description": "Discharge destination does not match the summary"}, headers=coder)
    assert r.status_code == 201
    r = client.post("/dq-issues", json={"episode_id": eid, "category": "nonsense", "description": "xyz"}, headers=coder)
    assert r.status_code == 422 and "unknown data-quality category" in r.json()["detail"]
    r = client.post("/users", json={"username": "new.coder", "role": "coder"}, headers=admin)
    assert r.status_code == 201
    token = client.post("/users/new.coder/tokens", json={"label": "pc"}, headers=admin).json()["token"]
    assert client.get("/episodes", headers=auth(token)).status_code == 200
    assert client.delete("/users/new.coder/tokens", headers=admin).json() == {"revoked": 1}
    assert client.get("/episodes", headers=auth(token)).status_code == 401
    assert client.get("/health").json() == {"status": "ok"}


def test_simultaneous_changes_give_409_not_500(client, tokens):
    """Many clients changing one episode at once: exactly the winners succeed, the rest get 409."""
    from concurrent.futures import ThreadPoolExecutor

    coder = auth(tokens[Role.CODER])
    eid = ingest_samples(client, tokens)
    v = client.get(f"/episodes/{eid}", headers=coder).json()["version"]
    codes = ["I10", "E11.9", "J45.9", "I48.9", "K80.0", "N39.0"]

    def add(code):
        return client.post(f"/episodes/{eid}/codes", json={"version": v, "system": "icd10", "code": code},
                           headers=coder).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(add, codes))
    assert statuses.count(201) == 1 and statuses.count(409) == 5, statuses
    final = client.get(f"/episodes/{eid}", headers=coder).json()["final_codes"]
    assert len(final) == 1


def test_administrator_audits_without_seeing_the_patient(client, tokens):
    ingest_samples(client, tokens)
    admin = client.get("/audit", headers=auth(tokens[Role.ADMINISTRATOR])).json()
    auditor = client.get("/audit", headers=auth(tokens[Role.AUDITOR])).json()
    created = lambda events: next(e for e in events if e["entity"] == "patient" and e["action"] == "create")  # noqa: E731
    assert created(auditor)["after"]["nhs_number"] == "9991000003"
    assert created(admin)["after"]["nhs_number"] == "(redacted)"
    assert "9991000003" not in str(admin)


def test_unexpected_errors_are_clear_and_leak_nothing(db, settings, tokens, caplog):
    """An engine that breaks: the client gets a clear 500 with a reference, the log no data."""
    from fastapi.testclient import TestClient

    from clincode.api import create_app

    class BrokenEngine:
        def code_episode(self, episode_id, documents):
            raise RuntimeError("boom: " + documents[0].text[:40])

    with TestClient(create_app(settings=settings, database=db, engine_factory=BrokenEngine),
                    raise_server_exceptions=False) as c:
        eid = ingest_samples(c, tokens)
        r = c.post(f"/episodes/{eid}/code", json={}, headers=auth(tokens[Role.CODER]))
        assert r.status_code == 500 and "coding engine failed" in r.json()["detail"]
        assert "DISCHARGE" not in r.text
        assert c.get(f"/episodes/{eid}", headers=auth(tokens[Role.CODER])).json()["status"] == "uncoded"
    assert "DISCHARGE" not in "\n".join(rec.getMessage() for rec in caplog.records)

    class WrongEngine:  # returns nothing: a programming error, caught by the last-resort handler
        def code_episode(self, episode_id, documents):
            return None

    with TestClient(create_app(settings=settings, database=db, engine_factory=WrongEngine),
                    raise_server_exceptions=False) as c:
        r = c.post(f"/episodes/{eid}/code", json={}, headers=auth(tokens[Role.CODER]))
        assert r.status_code == 500 and "reference" in r.json()["detail"]
        assert c.get(f"/episodes/{eid}", headers=auth(tokens[Role.CODER])).json()["status"] == "uncoded"


def test_database_unavailable_is_503(settings, tmp_path):
    """A store that cannot be reached answers 503 with a clear message, not a traceback."""
    from fastapi.testclient import TestClient

    from clincode.api import create_app
    from clincode.store import Database

    missing = Database(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    with TestClient(create_app(settings=settings, database=missing), raise_server_exceptions=False) as c:
        r = c.get("/episodes", headers=auth("cc_anything"))
        assert r.status_code == 503 and "unavailable" in r.json()["detail"]
        assert c.get("/health").status_code == 503
