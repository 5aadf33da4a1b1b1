"""FHIR R4 in: a Bundle with Patient, Encounter and DocumentReference / Composition resources.

The bundle is validated with ``fhir.resources`` (its R4B models, which read R4 Patient,
Encounter, DocumentReference and Composition unchanged). Each Encounter becomes a hospital
provider spell with its consultant episode; an Encounter that is ``partOf`` another is a
further consultant episode of that spell. Documents attach to the Encounter named in
``DocumentReference.context.encounter`` / ``Composition.encounter``. The episode's ward comes
from ``Encounter.location`` (the last ward it was in: see ``_ward``).
"""
from __future__ import annotations

import base64
import binascii
import html
import json
import re
from datetime import date, datetime, timezone

from pydantic import ValidationError

from ..store.db import Database
from .doc_types import document_type_from_label
from ..store.models import Episode
from ..store.records import DocumentData, EpisodeData, EpisodeRecord, PatientData, SpellData
from ..store.services import INTEGRATION, Actor, MessageOutcome, MessageRejected, ingest_record, receive_message

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
_GENDER = {"male": "1", "female": "2", "other": "9", "unknown": "X"}
# LOINC and SNOMED CT document types most trusts send, to the store's document types.
_DOC_CODES = {
    "18842-5": "discharge_summary", "11504-8": "operation_note", "28583-3": "operation_note",
    "11526-1": "histopathology", "60570-9": "histopathology", "18748-4": "radiology",
    "11488-4": "clinic_letter", "34109-9": "clinical_note", "11506-3": "clinical_note",
    "373942005": "discharge_summary", "371526002": "operation_note", "371528001": "histopathology",
    "371527006": "radiology", "371531000": "clinic_letter",
}
_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"</?(p|div|br|li|tr|h\d)[^>]*>", re.I)


def parse_bundle(raw: str | dict) -> list[EpisodeRecord]:
    """The episode records in a FHIR R4 Bundle; MessageRejected says what is wrong."""
    from fhir.resources.R4B.bundle import Bundle

    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise MessageRejected(f"not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise MessageRejected("expected a FHIR Bundle (resourceType 'Bundle')")
    try:
        bundle = Bundle.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ()))
        raise MessageRejected(f"not a valid FHIR R4 Bundle: {where}: {first.get('msg')}") from None
    by_ref: dict[str, object] = {}
    for entry in bundle.entry or []:
        res = entry.resource
        if res is None:
            continue
        kind = res.get_resource_type()
        if entry.fullUrl:
            by_ref[str(entry.fullUrl)] = res
        if res.id:
            by_ref[f"{kind}/{res.id}"] = res
    resources = [e.resource for e in bundle.entry or [] if e.resource is not None]
    encounters = [r for r in resources if r.get_resource_type() == "Encounter"]
    if not encounters:
        raise MessageRejected("the bundle has no Encounter: nothing says which spell the documents belong to")
    records: dict[int, EpisodeRecord] = {}
    spells: dict[int, tuple] = {}
    for enc in encounters:
        patient = _resolve(by_ref, enc.subject, "Encounter.subject")
        if patient is None or patient.get_resource_type() != "Patient":
            raise MessageRejected("Encounter.subject must reference a Patient in the bundle")
        parent = _resolve(by_ref, enc.partOf, "Encounter.partOf") if enc.partOf else None
        spell_enc = parent or enc
        spells[id(enc)] = (spell_enc, patient)
    order: dict[int, list] = {}
    spell_episodes: dict[int, list] = {}  # spell Encounter -> its consultant-episode Encounters
    for enc in encounters:
        spell_enc, _ = spells[id(enc)]
        order.setdefault(id(spell_enc), []).append(enc)
    for spell_id, encs in order.items():
        # consultant episodes in the order they started; a spell Encounter with children is not itself one
        children = [e for e in encs if e.partOf]
        episodes = children or encs
        episodes.sort(key=lambda e: str(e.period.start) if e.period and e.period.start else "")
        spell_episodes[spell_id] = episodes
        for n, enc in enumerate(episodes, start=1):
            spell_enc, patient = spells[id(enc)]
            episode = _episode(enc, n)
            # the spell Encounter's location is where the patient was discharged from: the last episode's ward
            ward = _ward(enc, by_ref) or (_ward(spell_enc, by_ref) if n == len(episodes) else None)
            records[id(enc)] = EpisodeRecord(patient=_patient(patient), spell=_spell(spell_enc),
                                             episode=episode.model_copy(update={"ward": ward}), documents=[])
    for res in resources:
        kind = res.get_resource_type()
        if kind not in ("DocumentReference", "Composition"):
            continue
        enc_ref = (res.context.encounter[0] if res.context and res.context.encounter else None) \
            if kind == "DocumentReference" else res.encounter
        enc = _resolve(by_ref, enc_ref, f"{kind}.encounter") if enc_ref else (encounters[0] if len(encounters) == 1 else None)
        doc = _document(res) if kind == "DocumentReference" else _composition(res)
        if enc is not None and id(enc) not in records and id(enc) in spell_episodes:
            enc = _episode_at(spell_episodes[id(enc)], doc.authored_at)
        if enc is None or id(enc) not in records:
            raise MessageRejected(f"{kind} {res.id or ''} does not say which Encounter it belongs to".replace("  ", " "))
        records[id(enc)].documents.append(doc)
    return list(records.values())


def _episode_at(episodes: list, when: datetime | None):
    """The consultant episode under way at ``when`` (a document sent against the whole spell)."""
    if when is not None:
        for enc in reversed(episodes):
            start = _dt(enc.period.start) if enc.period else None
            if start is None or start <= when:
                return enc
    return episodes[-1]


def _resolve(by_ref, reference, where: str):
    if reference is None or not reference.reference:
        return None
    found = by_ref.get(reference.reference)
    if found is None:
        raise MessageRejected(f"{where} refers to {reference.reference}, which is not in the bundle")
    return found


def _patient(p) -> PatientData:
    nhs = local = None
    for ident in p.identifier or []:
        if str(ident.system or "") == NHS_NUMBER_SYSTEM:
            nhs = ident.value
        elif local is None and ident.value:
            local = ident.value
    name = (p.name or [None])[0]
    try:
        return PatientData(nhs_number=nhs, local_patient_id=local, family_name=name.family if name else None,
                           given_name=(name.given or [None])[0] if name else None,
                           birth_date=p.birthDate if isinstance(p.birthDate, date) else None,
                           sex=_GENDER.get(p.gender or "") if p.gender else None)
    except ValidationError as exc:
        raise MessageRejected("Patient.identifier (NHS number): " + exc.errors()[0]["msg"].replace("Value error, ", "")) from None


def _code(concept, length: int) -> str | None:
    for coding in (concept.coding or []) if concept else []:
        if coding.code and len(coding.code) <= length:
            return coding.code
    return None


def _dt(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    return None


def _spell(enc) -> SpellData:
    number = None
    for ident in enc.identifier or []:
        if ident.value:
            number = ident.value
            if "spell" in str(ident.system or "").lower():
                break
    if not number:
        raise MessageRejected("Encounter.identifier is missing: it carries the hospital provider spell number")
    hosp = enc.hospitalization
    method = None
    for ext in (hosp.extension or []) if hosp else []:
        if "AdmissionMethod" in str(ext.url):
            method = _code(ext.valueCodeableConcept, 2)
    return SpellData(spell_number=number[:30], admission_date=_dt(enc.period.start) if enc.period else None,
                     discharge_date=_dt(enc.period.end) if enc.period else None, admission_method=method,
                     admission_source=_code(hosp.admitSource, 2) if hosp else None,
                     discharge_destination=_code(hosp.dischargeDisposition, 2) if hosp else None)


def _episode(enc, number: int) -> EpisodeData:
    consultant = None
    for part in enc.participant or []:
        if part.individual is not None and part.individual.identifier is not None:
            consultant = part.individual.identifier.value
            break
    service = _code(enc.serviceType, 3) if enc.serviceType else None
    return EpisodeData(episode_number=number, consultant_code=(consultant or "")[:8] or None,
                       main_specialty=service, treatment_function=service,
                       start_date=_dt(enc.period.start) if enc.period else None,
                       end_date=_dt(enc.period.end) if enc.period else None)


_NOT_A_WARD = {"bd", "ro"}  # Location physical types (bed, room) below ward level: use their ward
_NOT_THERE = {"planned", "reserved"}  # EncounterLocation statuses: the patient has not been there


def _ward(enc, by_ref) -> str | None:
    """The ward of an Encounter: its last ``location`` the patient was actually in (by period
    start, else list order), named by the Location's name, else its identifier, else the
    reference's display. A bed or room Location gives its ``partOf`` ward when the bundle has
    it. A Location outside the bundle is not an error: the display text, if any, is used."""
    stays = [(i, loc) for i, loc in enumerate(enc.location or [])
             if loc.location is not None and (loc.status or "") not in _NOT_THERE]
    if not stays:
        return None
    stays.sort(key=lambda s: (str(s[1].period.start) if s[1].period and s[1].period.start else "", s[0]))
    reference = stays[-1][1].location
    place = by_ref.get(reference.reference) if reference.reference else None
    for _ in range(3):  # bed -> room -> ward
        if place is None or place.get_resource_type() != "Location":
            break
        if _physical_type(place) not in _NOT_A_WARD or place.partOf is None or not place.partOf.reference:
            break
        parent = by_ref.get(place.partOf.reference)
        if parent is None:
            break
        place = parent
    if place is not None and place.get_resource_type() == "Location":
        name = place.name or next((i.value for i in place.identifier or [] if i.value), None)
        if name and name.strip():
            return name.strip()[:40]
    named = reference.display or (reference.identifier.value if reference.identifier else None)
    return named.strip()[:40] if named and named.strip() else None


def _physical_type(place) -> str:
    for coding in (place.physicalType.coding or []) if place.physicalType else []:
        if coding.code:
            return coding.code.lower()
    return ""


def _doc_type(concept) -> str:
    for coding in (concept.coding or []) if concept else []:
        if coding.code in _DOC_CODES:
            return _DOC_CODES[coding.code]
    if concept is None:
        return "other"
    return document_type_from_label(concept.text, *[c.display for c in concept.coding or []])


def _document(ref) -> DocumentData:
    texts = []
    for content in ref.content or []:
        att = content.attachment
        ctype = (att.contentType or "text/plain").lower()
        if not ctype.startswith("text/"):
            raise MessageRejected(f"DocumentReference {ref.id or ''}: only text attachments are read, not {ctype}")
        if att.data is None:
            raise MessageRejected(f"DocumentReference {ref.id or ''}: the attachment has no inline data "
                                  "(send the text in attachment.data; URLs are not fetched)")
        data = att.data
        try:
            raw = data if isinstance(data, bytes) else base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise MessageRejected(f"DocumentReference {ref.id or ''}: attachment.data is not base64") from None
        texts.append(raw.decode("utf-8", errors="replace"))
    if not texts:
        raise MessageRejected(f"DocumentReference {ref.id or ''} has no content")
    ident = (ref.identifier or [None])[0] if hasattr(ref, "identifier") else None
    title = ref.content[0].attachment.title or ref.description
    return DocumentData(text="\n\n".join(texts), doc_type=_doc_type(ref.type), title=title,
                        external_id=(ident.value if ident else ref.id), source_system="FHIR",
                        authored_at=_dt(ref.date))


def _xhtml_text(div: str) -> str:
    return html.unescape(_TAG.sub("", _BLOCK.sub("\n", div))).strip()


def _composition(comp) -> DocumentData:
    parts = []
    for section in comp.section or []:
        if section.title:
            parts.append(section.title)
        if section.text is not None and section.text.div:
            parts.append(_xhtml_text(str(section.text.div)))
    text = "\n".join(parts).strip()
    if not text:
        raise MessageRejected(f"Composition {comp.id or ''} has no section text")
    ident = comp.identifier
    return DocumentData(text=text, doc_type=_doc_type(comp.type), title=comp.title,
                        external_id=(ident.value if ident else comp.id), source_system="FHIR", authored_at=_dt(comp.date))


def control_id_of(raw: str) -> str | None:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    ident = data.get("identifier") or {}
    value = ident.get("value") if isinstance(ident, dict) else None
    return f"Bundle/{value or data.get('id')}" if (value or data.get("id")) else None


def receive_bundle(db: Database, raw: str, actor: Actor = INTEGRATION) -> MessageOutcome:
    """Receive a FHIR Bundle: all its episodes stored in one transaction, or none of them."""

    def apply(session, who) -> Episode | None:
        episode = None
        for record in parse_bundle(raw):
            episode = ingest_record(session, who, record)
        return episode

    return receive_message(db, "fhir", control_id_of(raw) or "", "Bundle", raw, apply, actor)
