"""HL7 v2: A01 + MDM + A03 make one episode with its document; resends change nothing;
malformed messages are rejected, kept, and leave no trace in the episode data."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from clincode.interfaces import receive_hl7
from clincode.store import services as sv
from clincode.store.models import AuditEvent, Document, Episode, InboundMessage, Patient, Spell
from clincode.store.roles import Role

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "interfaces"
READER = sv.Actor("alice", Role.CODER)


def msg(name: str) -> str:
    return (SAMPLES / name).read_text()


def counts(db) -> dict:
    with db.session() as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m))
                for m in (Patient, Spell, Episode, Document, AuditEvent)}


def test_a01_mdm_a03_make_one_episode_with_its_document(db):
    outcomes = [receive_hl7(db, msg(n)) for n in
                ("01_adt_a01_admission.hl7", "02_mdm_t02_discharge_summary.hl7", "03_adt_a03_discharge.hl7")]
    assert [o.status for o in outcomes] == ["applied"] * 3
    assert len({o.episode_id for o in outcomes}) == 1
    with db.session() as s:
        ep = sv.get_episode(s, READER, outcomes[0].episode_id)
        assert ep.spell.spell_number == "SPL20260001"
        assert ep.spell.patient.nhs_number == "9991000003"
        assert ep.spell.patient.local_patient_id == "H100003"
        assert (ep.spell.admission_method, ep.spell.admission_source) == ("21", "19")
        assert (ep.spell.discharge_method, ep.spell.discharge_destination) == ("1", "19")
        assert ep.spell.discharge_date.isoformat().startswith("2026-03-04T16:00")
        assert ep.end_date is not None and ep.consultant_code == "C4567890"
        assert [d.doc_type for d in ep.documents] == ["discharge_summary"]
        doc = ep.documents[0]
        assert doc.external_id == "DOC-EPR-88001" and doc.source_system == "EPR"
        # HL7 escapes restored: 'A&E' was sent as A\T\E
        assert "admitted via A&E" in doc.text
        assert doc.text.startswith("DISCHARGE SUMMARY\n")
        assert s.scalar(select(func.count()).select_from(Episode)) == 1


def test_duplicate_messages_change_nothing(db):
    for n in ("01_adt_a01_admission.hl7", "02_mdm_t02_discharge_summary.hl7", "03_adt_a03_discharge.hl7"):
        receive_hl7(db, msg(n))
    before = counts(db)
    again = [receive_hl7(db, msg(n)) for n in ("02_mdm_t02_discharge_summary.hl7", "01_adt_a01_admission.hl7")]
    assert [o.status for o in again] == ["duplicate", "duplicate"]
    assert counts(db) == before


def test_malformed_message_is_rejected_and_kept(db):
    receive_hl7(db, msg("01_adt_a01_admission.hl7"))
    before = counts(db)
    out = receive_hl7(db, msg("malformed_mdm_t02_no_visit_number.hl7"))
    assert out.status == "rejected" and "PV1-19" in out.reason
    assert counts(db) == before
    with db.session() as s:
        kept = sv.list_messages(s, sv.INTEGRATION)
        assert [(m.control_id, m.status) for m in kept] == [("EPR/RXX01/EPR000202", "rejected")]
        assert kept[0].raw.startswith("MSH|")


def test_document_for_unknown_spell_is_rejected_not_half_applied(db):
    # The MDM carries a patient (PID) but its spell was never admitted: nothing may be stored,
    # not even the patient that the message would otherwise have created.
    out = receive_hl7(db, msg("02_mdm_t02_discharge_summary.hl7"))
    assert out.status == "rejected" and "ADT^A01" in out.reason
    assert counts(db)["Patient"] == 0 and counts(db)["Document"] == 0
    # once the admission arrives, the same message (same control id) is accepted on resend
    receive_hl7(db, msg("01_adt_a01_admission.hl7"))
    again = receive_hl7(db, msg("02_mdm_t02_discharge_summary.hl7"))
    assert again.status == "applied"
    with db.session() as s:
        row = s.scalars(select(InboundMessage).where(InboundMessage.control_id == "EPR/RXX01/EPR000201")).one()
        assert (row.status, row.attempts) == ("applied", 2)


@pytest.mark.parametrize("raw,reason", [
    ("this is not hl7", "must start with an MSH segment"),
    ("MSH|^~\\&|PAS|X|CC|X|20260301||ADT^A05|C1|P|2.4\rPID|1||9991000003^^^NHS^NH\rPV1|1|I|||||||||||||||||V1",
     "ADT^A05 is not handled"),
    ("MSH|^~\\&|PAS|X|CC|X|20260301||ADT^A01|C2|P|2.4\rPID|1||9991000004^^^NHS^NH\rPV1|1|I|||||||||||||||||V1",
     "check digit"),
    ("MSH|^~\\&|PAS|X|CC|X|20260301||ADT^A01|C3|P|2.4\rPID|1||9991000003^^^NHS^NH\rPV1|1|I|||||||||||||||||V1"
     "|||||||||||||||||||||||||2026133",
     "not an HL7 date"),
])
def test_bad_messages_get_a_clear_reason(db, raw, reason):
    out = receive_hl7(db, raw)
    assert out.status == "rejected"
    assert reason in out.reason
    assert "9991000004" not in out.reason  # the reason never repeats patient identifiers
    assert counts(db)["Patient"] == 0


def test_transfer_to_another_consultant_starts_a_new_episode(db):
    receive_hl7(db, msg("01_adt_a01_admission.hl7"))
    a02 = (msg("01_adt_a01_admission.hl7").replace("ADT^A01^ADT_A01", "ADT^A02^ADT_A02")
           .replace("PAS000101", "PAS000150").replace("EVN|A01|20260301093500", "EVN|A02|20260302100000||||20260302100000")
           .replace("C4567890^Surgeon^Sam", "C1112223^Physician^Pat").replace("|100|", "|300|"))
    out = receive_hl7(db, a02)
    assert out.status == "applied", out.reason
    with db.session() as s:
        spell = s.scalars(select(Spell)).one()
        assert [(e.episode_number, e.consultant_code) for e in spell.episodes] == [(1, "C4567890"), (2, "C1112223")]
        assert spell.episodes[0].end_date == spell.episodes[1].start_date


ORU = "\r".join([
    "MSH|^~\\&|LIMS|RXX01|CLINCODE|RXX01|20260306101500||ORU^R01^ORU_R01|LIMS7781|P|2.4",
    "PID|1||9991000003^^^NHS^NH~H100003^^^RXX01^MR||SYNTHETIC^Samuel||19611104|M",
    "PV1|1|I|WARD7^^^RXX01|21|||C4567890^Surgeon^Sam|||100||||19|||||SPL20260001^^^RXX01^VN",
    "OBR|1||HP26-01234|HIST^Histopathology report|||20260305120000",
    "OBX|1|FT|HIST^Histopathology||Gallbladder: acute on chronic cholecystitis with cholelithiasis.\\.br\\No dysplasia or malignancy.||||||F",
])


def test_oru_histology_result_is_a_document(db):
    receive_hl7(db, msg("01_adt_a01_admission.hl7"))
    out = receive_hl7(db, ORU)
    assert out.status == "applied", out.reason
    with db.session() as s:
        doc = s.scalars(select(Document)).one()
        assert (doc.doc_type, doc.external_id, doc.source_system) == ("histopathology", "HP26-01234", "LIMS")
        assert doc.text == ("Gallbladder: acute on chronic cholecystitis with cholelithiasis.\n"
                            "No dysplasia or malignancy.")
        assert doc.authored_at.isoformat().startswith("2026-03-05T12:00")


def test_a08_updates_without_erasing(db):
    receive_hl7(db, msg("01_adt_a01_admission.hl7"))
    # an A08 correcting the admission source, sent without the consultant: nothing else is erased
    a08 = (msg("01_adt_a01_admission.hl7").replace("ADT^A01^ADT_A01", "ADT^A08^ADT_A08")
           .replace("PAS000101", "PAS000190").replace("C4567890^Surgeon^Sam", "").replace("|19|", "|51|"))
    assert receive_hl7(db, a08).status == "applied"
    with db.session() as s:
        spell = s.scalars(select(Spell)).one()
        assert spell.admission_source == "51"
        assert spell.episodes[0].consultant_code == "C4567890"
        changes = [e for e in s.scalars(select(AuditEvent)) if e.action == "update" and e.entity == "spell"]
        assert changes[0].before["admission_source"] == "19" and changes[0].after["admission_source"] == "51"


def test_control_ids_are_unique_per_sender_and_reuse_is_caught(db):
    receive_hl7(db, msg("01_adt_a01_admission.hl7"))
    receive_hl7(db, msg("02_mdm_t02_discharge_summary.hl7"))
    # another system whose counter happens to reach the same MSH-10: a different message, applied
    other = msg("02_mdm_t02_discharge_summary.hl7").replace("|EPR|RXX01|", "|THEATRES|RXX01|").replace(
        "DOC-EPR-88001", "THR-1").replace("DS^Discharge summary", "OP^Operation note")
    assert receive_hl7(db, other).status == "applied"
    # the same sender reusing a control id for different content: not applied, kept for review
    reused = msg("02_mdm_t02_discharge_summary.hl7").replace("Hypertension", "Hypertension and gout")
    before = counts(db)
    out = receive_hl7(db, reused)
    assert out.status == "rejected" and "already used" in out.reason
    assert counts(db) == before
    # while an exact resend (even with other line endings) is a harmless duplicate
    resend = msg("02_mdm_t02_discharge_summary.hl7").replace("\n", "\r\n")
    assert receive_hl7(db, resend).status == "duplicate"


def test_amended_document_after_finalising_raises_a_dq_issue_and_keeps_the_old_text(db, settings):
    receive_hl7(db, msg("01_adt_a01_admission.hl7"))
    eid = receive_hl7(db, msg("02_mdm_t02_discharge_summary.hl7")).episode_id
    coder = sv.Actor("alice", Role.CODER)
    with db.session() as s:
        sv.add_code(s, coder, eid, None, "icd10", "K80.0", primary=True)
    with db.session() as s:
        sv.finalise(s, coder, eid, None)
    amended = (msg("02_mdm_t02_discharge_summary.hl7").replace("EPR000201", "EPR000299")
               .replace("No malignancy.", "Focus of adenocarcinoma."))
    assert receive_hl7(db, amended).status == "applied"
    with db.session() as s:
        ep = sv.get_episode(s, coder, eid)
        assert ep.status == "finalised" and "adenocarcinoma" in ep.documents[0].text
        issues = sv.list_dq_issues(s, coder, episode_id=eid)
        assert [i.category for i in issues] == ["amended_document"]
        amend = next(e for e in sv.audit_trail(s, coder, episode_id=eid) if e.action == "amend")
        assert "No malignancy." in amend.before["text"]


def test_a40_merge_moves_spells_to_the_surviving_patient(db):
    receive_hl7(db, msg("01_adt_a01_admission.hl7"))  # spell under 9991000003 / H100003
    a40 = "\r".join([
        "MSH|^~\\&|PAS|RXX01|CLINCODE|RXX01|20260310090000||ADT^A40^ADT_A39|PAS000300|P|2.4",
        "EVN|A40|20260310090000",
        "PID|1||9991000011^^^NHS^NH~H100011^^^RXX01^MR||SYNTHETIC^Samuel||19611104|M",
        "MRG|9991000003^^^NHS^NH~H100003^^^RXX01^MR",
    ])
    out = receive_hl7(db, a40)
    assert out.status == "applied", out.reason
    with db.session() as s:
        spell = s.scalars(select(Spell)).one()
        assert spell.patient.nhs_number == "9991000011"
        assert out.episode_id == spell.episodes[0].id
        merge = next(e for e in s.scalars(select(AuditEvent)) if e.action == "merge")
        assert merge.after["spells"] == ["SPL20260001"]
    assert receive_hl7(db, a40).status == "duplicate"
    bad = a40.replace("PAS000300", "PAS000301").replace("MRG|9991000003^^^NHS^NH~H100003^^^RXX01^MR", "MRG|")
    out = receive_hl7(db, bad)
    assert out.status == "rejected" and "MRG" in out.reason
