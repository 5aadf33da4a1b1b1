"""GET /episodes?ward=: the API's worklist filtered by the ward of discharge, on SQLite and PostgreSQL."""
from __future__ import annotations

from pathlib import Path

from clincode.store.roles import Role

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "interfaces"


def test_episode_list_filters_by_ward(client, tokens):
    integ = {"Authorization": f"Bearer {tokens[Role.INTEGRATION]}", "Content-Type": "text/plain"}
    coder = {"Authorization": f"Bearer {tokens[Role.CODER]}"}
    a01 = (SAMPLES / "01_adt_a01_admission.hl7").read_text()
    other = (a01.replace("PAS000101", "PAS000901").replace("SPL20260001", "SPL20260901")
             .replace("|WARD7^^^RXX01|", "|WARD9^^^RXX01|"))
    r = client.post("/ingest/hl7", content=a01 + other, headers=integ)
    assert [o["status"] for o in r.json()] == ["applied", "applied"], r.text
    ward7 = client.get("/episodes", params={"ward": "WARD7"}, headers=coder).json()
    assert ward7["total"] == 1
    assert ward7["episodes"][0]["ward"] == "WARD7" and ward7["episodes"][0]["spell"]["spell_number"] == "SPL20260001"
    assert client.get("/episodes", params={"ward": "WARD9"}, headers=coder).json()["total"] == 1
    assert client.get("/episodes", params={"ward": "WARD1"}, headers=coder).json()["total"] == 0
    assert client.get("/episodes", headers=coder).json()["total"] == 2
    eid = ward7["episodes"][0]["id"]
    assert client.get(f"/episodes/{eid}", headers=coder).json()["ward"] == "WARD7"  # the detail read path too
