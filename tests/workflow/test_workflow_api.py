"""The report routes of the API: permissions, CSV, the audit round trip (blind) and the PDF."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from fastapi.testclient import TestClient

from clincode.store.roles import Role
from clincode.store.services import SYSTEM, create_user, issue_token
from clincode.workflow.export import chromium_path
from clincode.workflow.synthetic import SyntheticEpisode as E, insert_episodes


@pytest.fixture
def api(wdb, settings):
    from clincode.api import create_app

    tokens = {}
    with wdb.session() as s:
        for role in Role:
            create_user(s, SYSTEM, f"user_{role.value}", role)
            tokens[role] = {"Authorization": "Bearer " + issue_token(s, SYSTEM, f"user_{role.value}", "t")}
        insert_episodes(s, [E(discharged=date(2026, 11, 2), diagnoses=["S72.00", "I10"], procedures=[("W37.1", None)],
                              assigned_to="user_coder"),
                            E(discharged=date(2026, 11, 20), status="uncoded", assigned_to=None)])
    with TestClient(create_app(settings=settings, database=wdb)) as client:
        yield client, tokens


def test_outstanding_json_and_csv(api):
    client, tok = api
    r = client.get("/reports/outstanding", params={"today": "2026-11-25"}, headers=tok[Role.CODER])
    assert r.status_code == 200 and r.json()["department"]["total"] == 1
    r = client.get("/reports/outstanding.csv", params={"today": "2026-11-25"}, headers=tok[Role.CODING_MANAGER])
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 1 and rows[0]["days_since_discharge"] == "5"
    assert client.get("/reports/outstanding", headers=tok[Role.INTEGRATION]).status_code == 403
    assert client.get("/reports/outstanding").status_code == 401
    assert client.get("/reports/outstanding", params={"today": "not-a-date"}, headers=tok[Role.CODER]).status_code == 422


def test_data_quality_run_and_resolve(api):
    client, tok = api
    assert client.post("/reports/data-quality/run", headers=tok[Role.CODER]).status_code == 403
    run = client.post("/reports/data-quality/run", headers=tok[Role.SENIOR_CODER]).json()
    assert run["episodes"] == 1 and run["new"] == 3  # no external cause, no Z94, no procedure date
    body = client.get("/reports/data-quality", headers=tok[Role.CODER]).json()
    checks = sorted(f["check"] for f in body["flags"])
    assert checks == ["injury_without_external_cause", "laterality_missing", "procedure_without_date"]
    fid = body["flags"][0]["id"]
    r = client.post(f"/reports/data-quality/flags/{fid}/assign", json={"username": "user_senior_coder"},
                    headers=tok[Role.CODING_MANAGER])
    assert r.status_code == 200 and r.json()["assigned_to"] == "user_senior_coder"
    r = client.post(f"/reports/data-quality/flags/{fid}/resolve", json={"note": ""}, headers=tok[Role.SENIOR_CODER])
    assert r.status_code == 422
    r = client.post(f"/reports/data-quality/flags/{fid}/resolve", json={"note": "W19.0 added"},
                    headers=tok[Role.SENIOR_CODER])
    assert r.json()["status"] == "resolved"


def test_statistics_and_csv(api):
    client, tok = api
    r = client.get("/reports/statistics", params={"start": "2026-11-01", "end": "2026-11-30"}, headers=tok[Role.AUDITOR])
    assert r.json()["episodes"] == 1 and r.json()["by_chapter"] == [["XIX", "Injury and poisoning", 1]]
    r = client.get("/reports/statistics.csv", params={"table": "specialty", "start": "2026-11-01"},
                   headers=tok[Role.CODING_MANAGER])
    assert r.text.splitlines()[0] == "specialty,episodes,mean_secondary_diagnoses"
    bad = client.get("/reports/statistics", params={"start": "2026-12-01", "end": "2026-11-01"},
                     headers=tok[Role.AUDITOR])
    assert bad.status_code == 422 and "starts after it ends" in bad.json()["detail"]


def test_audit_round_trip_is_blind_until_recoded(api):
    client, tok = api
    assert client.post("/coding-audits", json={"title": "x"}, headers=tok[Role.CODER]).status_code == 403
    a = client.post("/coding-audits", json={"title": "Q4", "size": 5, "seed": 1}, headers=tok[Role.AUDITOR]).json()
    item = a["items"][0]
    assert "coder_codes" not in item
    blind = client.get(f"/coding-audits/items/{item['id']}/documents", headers=tok[Role.AUDITOR]).json()
    assert blind["documents"] and "S72" not in str(blind)
    r = client.post(f"/coding-audits/items/{item['id']}/recode",
                    json={"diagnoses": ["S72.00", "W19.0", "I10"], "procedures": ["W37.1", "Z94.1"]},
                    headers=tok[Role.AUDITOR])
    assert r.status_code == 200
    rep = client.get(f"/coding-audits/{a['id']}/report", headers=tok[Role.AUDITOR]).json()
    assert rep["areas"]["primary_diagnosis"] == {"correct": 1, "total": 1, "percent": 100.0,
                                                 "attainment": "Standards exceeded"}
    assert rep["areas"]["secondary_diagnoses"]["percent"] == 50.0  # I10 right, W19.0 omitted
    html = client.get(f"/coding-audits/{a['id']}/report", params={"format": "html"}, headers=tok[Role.AUDITOR])
    assert "W19.0 omitted" in html.text
    if chromium_path():
        pdf = client.get(f"/coding-audits/{a['id']}/report", params={"format": "pdf"}, headers=tok[Role.AUDITOR])
        assert pdf.content.startswith(b"%PDF-")
