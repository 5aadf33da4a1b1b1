"""HL7 v2 in: ADT^A01/A02/A03/A08 keep spells and consultant episodes up to date, ADT^A40 merges
patient records; MDM^T02 and ORU^R01 deliver documents. Parsed with hl7apy.

Each message goes through ``clincode.store.services.receive_message``: applied once in one
transaction, a resend with the same control id (MSH-10) changes nothing, and a message that
cannot be applied is rolled back entirely and kept with its reason for review.

Field use (HL7 v2.4, as NHS trusts' PAS feeds send it):
  PID-3  patient identifiers: the NHS number (CX.4 'NHS' or CX.5 'NH'), the hospital number (CX.5 'MR'/'PI')
  PID-5/7/8  name, date of birth, sex
  PV1-19 visit number = Hospital Provider Spell Number;  PV1-7 attending (consultant) code
  PV1-3.1 assigned patient location's point of care = the ward (A02 transfers and A03 discharges move it)
  PV1-4  admission method;  PV1-14 source of admission;  PV1-10 specialty / treatment function
  PV1-36 discharge method;  PV1-37 discharge destination;  PV1-44/45 admit / discharge date-time
  TXA-2  document type;  TXA-12 unique document number;  OBX-5 the text (one line per OBX)
  MRG-1  (A40) the prior patient's identifiers, merged into the patient in PID
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from pydantic import ValidationError

from ..store.db import Database
from ..store.models import Episode
from ..store.records import DocumentData, EpisodeData, PatientData, SpellData
from .doc_types import document_type_from_label
from ..store.services import (
    INTEGRATION, Actor, MessageOutcome, MessageRejected, add_document, find_patient, latest_episode_of_spell,
    merge_patients, receive_message, upsert_episode, upsert_patient, upsert_spell,
)

HANDLED = ("ADT^A01", "ADT^A02", "ADT^A03", "ADT^A08", "ADT^A40", "MDM^T02", "ORU^R01")
_NHS_AUTHORITIES = {"NHS", "NHSNBR", "NHSNMBR", "2.16.840.1.113883.2.1.4.1"}
_SEX = {"M": "1", "F": "2", "U": "X", "O": "9", "A": "9", "N": "X"}
# HL7 table 0007 admission types, when a feed sends them instead of the NHS admission method.
_ADMISSION_TYPE = {"E": "21", "A": "21", "R": "11", "C": "12", "U": "28", "L": "31", "N": "82"}
_ESCAPES = {"\\F\\": "|", "\\S\\": "^", "\\T\\": "&", "\\R\\": "~", "\\E\\": "\\", "\\.br\\": "\n"}


def split_messages(text: str) -> list[str]:
    """A file or stream may hold many messages: each starts at an MSH segment."""
    text = text.replace("\r\n", "\r").replace("\n", "\r").strip("\x0b\x1c\r ")
    parts = re.split(r"\r(?=MSH\|)", text)
    return [p.strip("\x0b\x1c\r ") for p in parts if p.strip("\x0b\x1c\r ")]


def control_id_of(raw: str) -> str | None:
    """MSH-10, read without a full parse so even a broken message can be filed under it."""
    first = raw.replace("\n", "\r").split("\r", 1)[0]
    if not first.startswith("MSH") or len(first) < 4:
        return None
    fields = first.split(first[3])
    return fields[9].strip() or None if len(fields) > 9 else None


def message_key(raw: str) -> str | None:
    """What makes a message unique: sending application, sending facility and MSH-10. Control
    ids are only unique per sender, and two systems' counters may meet."""
    first = raw.replace("\n", "\r").split("\r", 1)[0]
    control = control_id_of(raw)
    if control is None:
        return None
    fields = first.split(first[3])
    app = fields[2].split("^")[0].strip() if len(fields) > 2 else ""
    facility = fields[3].split("^")[0].strip() if len(fields) > 3 else ""
    return f"{app}/{facility}/{control}"


def _parse(raw: str):
    from hl7apy.parser import parse_message

    raw = raw.replace("\r\n", "\r").replace("\n", "\r").strip("\x0b\x1c\r ")
    if not raw.startswith("MSH"):
        raise MessageRejected("not an HL7 v2 message: it must start with an MSH segment")
    try:
        return parse_message(raw, find_groups=False)
    except Exception as exc:  # hl7apy raises several error types for malformed input
        raise MessageRejected(f"not a well-formed HL7 v2 message: {type(exc).__name__}: {exc}") from None


def _value(field) -> str:
    try:
        return (field.value if hasattr(field, "value") else field.to_er7()).strip() if field is not None else ""
    except Exception:  # noqa: BLE001 - absent fields read as empty
        return ""


def _er7(field) -> str:
    try:
        return field.to_er7().strip()
    except Exception:  # noqa: BLE001
        return ""


def _component(field, n: int) -> str:
    return _er7(field).split("^")[n - 1].strip() if len(_er7(field).split("^")) >= n else ""


def _segment(msg, name: str, required: bool = True):
    seg = getattr(msg, name.lower(), None)
    try:
        present = seg is not None and len(seg.to_er7()) > 3
    except Exception:  # noqa: BLE001
        present = False
    if not present:
        if required:
            raise MessageRejected(f"the message has no {name} segment")
        return None
    return seg


def _ts(text: str, where: str) -> datetime | None:
    text = (text or "").split("^")[0].strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(?:\.\d+)?([+-]\d{4})?", text)
    if not m:
        raise MessageRejected(f"{where}: {text!r} is not an HL7 date/time (YYYYMMDD[HHMM[SS]])")
    y, mo, d, h, mi, s, tz = m.groups()
    try:
        value = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        raise MessageRejected(f"{where}: {text!r} is not a real date") from None
    if tz:
        from datetime import timedelta

        sign = 1 if tz[0] == "+" else -1
        value = value.replace(tzinfo=timezone(sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[3:]))))
    return value.replace(tzinfo=value.tzinfo or timezone.utc)


def _identifiers(field) -> tuple[str | None, str | None]:
    """(NHS number, hospital number) from a CX list (PID-3, MRG-1)."""
    nhs, local = None, None
    for rep in field:
        parts = rep.to_er7().split("^")
        ident = parts[0].strip()
        authority = parts[3].split("&")[0].strip().upper() if len(parts) > 3 else ""
        id_type = parts[4].strip().upper() if len(parts) > 4 else ""
        if not ident:
            continue
        if authority in _NHS_AUTHORITIES or id_type == "NH":
            nhs = ident
        elif id_type in ("MR", "PI", "PN") or local is None:
            local = ident
    return nhs, local


def _patient(msg) -> PatientData:
    pid = _segment(msg, "PID")
    nhs, local = _identifiers(pid.pid_3)
    born = _ts(_er7(pid.pid_7), "PID-7")
    try:
        return PatientData(nhs_number=nhs, local_patient_id=local, family_name=_component(pid.pid_5, 1) or None,
                           given_name=_component(pid.pid_5, 2) or None,
                           birth_date=born.date() if born else None,
                           sex=_SEX.get(_value(pid.pid_8).upper()[:1]) if _value(pid.pid_8) else None)
    except ValidationError as exc:  # its str() would echo the input: keep only the message
        raise MessageRejected("PID: " + "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg'].replace('Value error, ', '')}" for e in exc.errors())) from None


def _code(text: str, length: int) -> str | None:
    """NHS codes in PV1 (admission method '21', destination '19'): keep well-formed ones only."""
    text = (text or "").split("^")[0].strip()
    return text if text and len(text) <= length else None


def _spell_and_episode(msg) -> tuple[SpellData, EpisodeData]:
    pv1 = _segment(msg, "PV1")
    spell_number = _component(pv1.pv1_19, 1)
    if not spell_number:
        raise MessageRejected("PV1-19 (visit number) is empty: cannot tell which hospital provider spell this is")
    adm_type = _value(pv1.pv1_4)
    method = adm_type if adm_type.isdigit() and len(adm_type) == 2 else _ADMISSION_TYPE.get(adm_type.upper()[:1])
    specialty = _component(pv1.pv1_10, 1)
    spell = SpellData(
        spell_number=spell_number, admission_date=_ts(_er7(pv1.pv1_44), "PV1-44"), admission_method=method,
        admission_source=_code(_er7(pv1.pv1_14), 2), discharge_date=_ts(_er7(pv1.pv1_45), "PV1-45"),
        discharge_method=_code(_er7(pv1.pv1_36), 1), discharge_destination=_code(_er7(pv1.pv1_37), 2))
    episode = EpisodeData(consultant_code=_component(pv1.pv1_7, 1)[:8] or None,
                          ward=_unescape(_component(pv1.pv1_3, 1))[:40] or None,  # PV1-3.1 point of care
                          main_specialty=specialty[:3] or None, treatment_function=specialty[:3] or None,
                          start_date=spell.admission_date)
    return spell, episode


def _message_type(msg) -> str:
    parts = _er7(msg.msh.msh_9).split("^")
    return "^".join(p.strip() for p in parts[:2]) if len(parts) >= 2 else (parts[0] if parts else "")


def _apply_merge(session, actor: Actor, msg) -> Episode | None:
    """ADT^A40: the patient in MRG-1 is merged into the patient in PID."""
    mrg = _segment(msg, "MRG")
    nhs, local = _identifiers(mrg.mrg_1)
    if not (nhs or local):
        raise MessageRejected("MRG-1 (prior patient identifiers) is empty: nothing says which record to merge")
    surviving = upsert_patient(session, actor, _patient(msg))
    try:
        prior_nhs = PatientData(nhs_number=nhs).nhs_number if nhs else None
    except ValidationError:
        raise MessageRejected("MRG-1: the prior NHS number's check digit is wrong") from None
    prior = find_patient(session, prior_nhs, local)
    if prior is None:
        return None  # a record this store never held: nothing to move
    merge_patients(session, actor, surviving, prior)
    spells = sorted(surviving.spells, key=lambda sp: sp.id)
    return spells[-1].episodes[-1] if spells and spells[-1].episodes else None


def _apply_adt(session, actor: Actor, msg, kind: str) -> Episode | None:
    if kind == "A40":
        return _apply_merge(session, actor, msg)
    patient = upsert_patient(session, actor, _patient(msg))
    spell_data, episode_data = _spell_and_episode(msg)
    spell = upsert_spell(session, actor, patient, spell_data)
    if not spell.episodes or kind == "A01":
        return upsert_episode(session, actor, spell, episode_data.model_copy(update={"episode_number": 1}))
    last = spell.episodes[-1]
    evn = _segment(msg, "EVN", required=False)
    when = (_ts(_er7(evn.evn_6), "EVN-6") or _ts(_er7(evn.evn_2), "EVN-2")) if evn is not None else None
    if kind == "A02" and episode_data.consultant_code and episode_data.consultant_code != last.consultant_code:
        # A change of consultant starts a new consultant episode in the same spell.
        when = when or datetime.now(timezone.utc)
        upsert_episode(session, actor, spell, EpisodeData(episode_number=last.episode_number, end_date=when))
        return upsert_episode(session, actor, spell, episode_data.model_copy(
            update={"episode_number": last.episode_number + 1, "start_date": when}))
    update = {"episode_number": last.episode_number, "start_date": None}
    if kind == "A03":
        update["end_date"] = spell_data.discharge_date or when
        if update["end_date"] is None:
            raise MessageRejected("ADT^A03 without a discharge date (PV1-45 or EVN-6)")
    return upsert_episode(session, actor, spell, episode_data.model_copy(update=update))


def _unescape(text: str) -> str:
    for k, v in _ESCAPES.items():
        text = text.replace(k, v)
    return text


def _document_text(msg) -> str:
    lines = []
    for obx in [c for c in msg.children if c.name == "OBX"]:
        value = obx.to_er7().split("|")
        if len(value) > 5:
            lines.append(_unescape(value[5].replace("~", "\n")))
    return "\n".join(lines)


def _apply_document(session, actor: Actor, msg, kind: str) -> Episode:
    spell_data, _ = _spell_and_episode(msg)
    try:
        episode = latest_episode_of_spell(session, spell_data.spell_number)
    except Exception:
        raise MessageRejected(f"no spell {spell_data.spell_number} is known: the ADT^A01 admission must come first") from None
    text = _document_text(msg)
    if not text.strip():
        raise MessageRejected(f"{kind} carries no document text (OBX-5 is empty)")
    source = _component(msg.msh.msh_3, 1) or "HL7"
    if kind == "T02":
        txa = _segment(msg, "TXA")
        ext = _component(txa.txa_12, 1) or _component(txa.txa_16, 1)
        label, authored = _er7(txa.txa_2), _ts(_er7(txa.txa_4), "TXA-4") or _ts(_er7(txa.txa_6), "TXA-6")
    else:
        obr = _segment(msg, "OBR")
        ext = _component(obr.obr_3, 1) or _component(obr.obr_2, 1)
        label, authored = _er7(obr.obr_4), _ts(_er7(obr.obr_7), "OBR-7")
    doc = DocumentData(text=text, doc_type=document_type_from_label(label), external_id=ext or None, title=label[:200] or None,
                       source_system=source[:40], authored_at=authored)
    add_document(session, actor, episode, doc)
    return episode


def apply_message(session, actor: Actor, raw: str) -> Episode:
    """Parse and apply one message inside the caller's transaction (raises MessageRejected)."""
    msg = _parse(raw)
    mtype = _message_type(msg)
    if not _value(msg.msh.msh_10):
        raise MessageRejected("MSH-10 (message control id) is empty")
    if mtype not in HANDLED:
        raise MessageRejected(f"{mtype or 'an unknown message type'} is not handled (accepted: {', '.join(HANDLED)})")
    event = mtype.split("^")[1]
    if mtype.startswith("ADT"):
        return _apply_adt(session, actor, msg, event)
    return _apply_document(session, actor, msg, event)


def receive_hl7(db: Database, raw: str, actor: Actor = INTEGRATION) -> MessageOutcome:
    """Receive one HL7 v2 message: applied, duplicate or rejected (kept with its reason)."""
    mtype = None
    first = raw.replace("\n", "\r").split("\r", 1)[0]
    if first.startswith("MSH") and len(first) > 3:
        fields = first.split(first[3])
        mtype = fields[8][:20] if len(fields) > 8 else None
    return receive_message(db, "hl7v2", message_key(raw) or "", mtype, raw,
                           lambda session, who: apply_message(session, who, raw), actor)
