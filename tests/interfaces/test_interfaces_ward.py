"""The episode's ward from each interface: HL7 PV1-3.1 (A01 admits, A02 transfers, A08 corrects,
A03 discharges), FHIR Encounter.location -> Location, and the JSON record's 'ward' field."""
from __future__ import annotations

import copy
import json
from pathlib import Path

from sqlalchemy import func, select

from clincode.interfaces import receive_bundle, receive_hl7
from clincode.interfaces.fhir_in import parse_bundle
from clincode.interfaces.files import json_records, receive_records
from clincode.store import services as sv
from clincode.store.models import AuditEvent, Episode, Spell
from clincode.store.roles import Role

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "interfaces"
READER = sv.Actor("alice", Role.CODER)
A01 = (SAMPLES / "01_adt_a01_admission.hl7").read_text()
A03 = (SAMPLES / "03_adt_a03_discharge.hl7").read_text()
BUNDLE = json.loads((SAMPLES / "fhir_bundle_hip_replacement.json").read_text())


def adt(base: str, kind: str, control_id: str, ward: str, consultant: str = "C4567890^Surgeon^Sam") -> str:
    """The sample A01 as another ADT event: new control id, ward (PV1-3) and consultant (PV1-7)."""
    return (base.replace("ADT^A01^ADT_A01", f"ADT^{kind}^ADT_{kind}").replace("PAS000101", control_id)
            .replace("EVN|A01|20260301093500", f"EVN|{kind}|20260302100000||||20260302100000")
            .replace("|WARD7^^^RXX01|", f"|{ward}^^^RXX01|").replace("C4567890^Surgeon^Sam", consultant))


def episodes(db) -> list[tuple[int, str | None, str | None]]:
    with db.session() as s:
        spell = s.scalars(select(Spell)).one()
        return [(e.episode_number, e.consultant_code, e.ward) for e in spell.episodes]


def test_hl7_admission_transfer_and_discharge_keep_the_ward_current(db):
    assert receive_hl7(db, A01).status == "applied"
    assert episodes(db) == [(1, "C4567890", "WARD7")]
    # a transfer under the same consultant moves the episode's ward; no new episode
    assert receive_hl7(db, adt(A01, "A02", "PAS000160", "WARD9")).status == "applied"
    assert episodes(db) == [(1, "C4567890", "WARD9")]
    # a PAS correction (A08) of the ward
    assert receive_hl7(db, adt(A01, "A08", "PAS000161", "WARD10")).status == "applied"
    assert episodes(db) == [(1, "C4567890", "WARD10")]
    # a transfer to another consultant on another ward: the first episode keeps the ward it ended on
    assert receive_hl7(db, adt(A01, "A02", "PAS000162", "CCU", "C1112223^Physician^Pat")).status == "applied"
    assert episodes(db) == [(1, "C4567890", "WARD10"), (2, "C1112223", "CCU")]
    # the discharge names the ward of discharge (the sample A03 says WARD7, the consultant C4567890
    # of episode 1 again: no consultant change on A03, so the last episode is updated)
    assert receive_hl7(db, A03).status == "applied"
    assert episodes(db)[-1][2] == "WARD7"


def test_hl7_resend_changes_nothing_and_a_blank_location_erases_nothing(db):
    receive_hl7(db, A01)
    with db.session() as s:
        audits = s.scalar(select(func.count()).select_from(AuditEvent))
    assert receive_hl7(db, A01).status == "duplicate"
    blank = A01.replace("PAS000101", "PAS000170").replace("|WARD7^^^RXX01|", "||").replace("ADT^A01^ADT_A01", "ADT^A08^ADT_A08")
    assert receive_hl7(db, blank).status == "applied"
    assert episodes(db) == [(1, "C4567890", "WARD7")]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == audits  # nothing changed, nothing audited


def test_hl7_escaped_ward_name_is_restored(db):
    receive_hl7(db, A01.replace("|WARD7^^^RXX01|", "|A\\T\\E OBS^^^RXX01|"))
    assert episodes(db)[0][2] == "A&E OBS"


def with_locations(bundle: dict, locations: list[dict], resources: list[dict]) -> dict:
    b = copy.deepcopy(bundle)
    enc = next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Encounter")
    enc["location"] = locations
    b["entry"] += [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]
    return b


WARD_A = {"resourceType": "Location", "id": "0a1b2c3d-0000-4000-8000-00000000000a", "name": "Ward 7 (Orthopaedics)",
          "physicalType": {"coding": [{"code": "wa"}]}}
WARD_B = {"resourceType": "Location", "id": "0a1b2c3d-0000-4000-8000-00000000000b",
          "identifier": [{"system": "https://example.nhs.uk/Id/ward", "value": "W12"}],
          "physicalType": {"coding": [{"code": "wa"}]}}
BED = {"resourceType": "Location", "id": "0a1b2c3d-0000-4000-8000-00000000000c", "name": "Bed 4",
       "physicalType": {"coding": [{"code": "bd"}]}, "partOf": {"reference": f"urn:uuid:{WARD_B['id']}"}}


def ref(loc: dict) -> dict:
    return {"reference": f"urn:uuid:{loc['id']}"}


def test_fhir_encounter_location_gives_the_last_ward(db):
    bundle = with_locations(BUNDLE, [
        {"location": ref(WARD_B), "status": "completed", "period": {"start": "2026-03-11T09:00:00+00:00"}},
        {"location": ref(WARD_A), "status": "completed", "period": {"start": "2026-03-09T08:00:00+00:00"}},
        {"location": {"display": "Discharge lounge"}, "status": "planned"},  # never went there
    ], [WARD_A, WARD_B])
    out = receive_bundle(db, json.dumps(bundle))
    assert out.status == "applied", out.reason
    with db.session() as s:
        assert s.get(Episode, out.episode_id).ward == "W12"  # no name: the identifier
        page = sv.list_worklist(s, READER, sv.WorklistFilters(ward="W12"))
        assert [e.id for e in page.episodes] == [out.episode_id]


def test_fhir_bed_gives_its_ward_and_an_absent_location_its_display():
    bed = with_locations(BUNDLE, [{"location": ref(BED), "status": "active"}], [BED, WARD_B])
    assert parse_bundle(bed)[0].episode.ward == "W12"
    outside = with_locations(BUNDLE, [{"location": {"reference": "Location/elsewhere", "display": " Ward 3 "}}], [])
    assert parse_bundle(outside)[0].episode.ward == "Ward 3"
    assert parse_bundle(copy.deepcopy(BUNDLE))[0].episode.ward is None  # the sample has no location


def test_json_record_ward(db):
    raw = json.dumps({"patient": {"local_patient_id": "H900001"}, "spell": {"spell_number": "J1"},
                      "episode": {"consultant_code": "C1234567", "ward": "Beech Ward"}})
    assert json_records(raw)[0].episode.ward == "Beech Ward"
    out = receive_records(db, raw, json_records)
    assert out.status == "applied"
    with db.session() as s:
        assert s.get(Episode, out.episode_id).ward == "Beech Ward"
    too_long = receive_records(db, raw.replace("Beech Ward", "B" * 60), json_records)
    assert too_long.status == "rejected" and "ward" in too_long.reason


def test_fhir_spell_location_is_the_ward_of_the_last_episode_only():
    b = with_locations(BUNDLE, [{"location": ref(WARD_A), "status": "completed"}], [WARD_A])
    spell = next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Encounter")
    for n, start in ((1, "2026-03-09T08:00:00+00:00"), (2, "2026-03-11T08:00:00+00:00")):
        child = {k: v for k, v in spell.items() if k not in ("id", "location", "identifier")}
        child.update(id=f"ep{n}", partOf={"reference": f"Encounter/{spell['id']}"},
                     period={"start": start})
        b["entry"].append({"resource": child})
    records = parse_bundle(b)
    assert [(r.episode.episode_number, r.episode.ward) for r in records] == [(1, None), (2, "Ward 7 (Orthopaedics)")]


def test_fhir_out_carries_the_ward_and_reads_back_in(db):
    from clincode.interfaces import episode_bundle
    from fhir.resources.R4B.bundle import Bundle

    eid = receive_hl7(db, A01).episode_id
    receive_hl7(db, A03)
    with db.session() as s:
        bundle = episode_bundle(sv.get_episode(s, READER, eid))
    Bundle.model_validate(json.loads(json.dumps(bundle)))  # still a valid bundle
    enc = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter")
    assert enc["location"] == [{"location": {"display": "WARD7"}, "status": "completed"}]
    assert parse_bundle(json.loads(json.dumps(bundle)))[0].episode.ward == "WARD7"
