"""FHIR R4 out: a coded episode as a Bundle of Patient, Encounter (with its ranked diagnoses),
Condition (ICD-10) and Procedure (OPCS-4) resources, validated with ``fhir.resources``.

Code systems: ICD-10 as the NHS names it for secondary care (``http://hl7.org/fhir/sid/icd-10``,
the NHS Digital naming system 'ICD10uk'); OPCS-4 as HL7 UK names it
(``https://fhir.hl7.org.uk/Id/opcs-4``). Codes keep their dots, as the code systems define them.
OPCS-4 method (Y) and site (Z) codes become Procedures that are ``partOf`` the procedure they
qualify, and Z codes are also given as that procedure's ``bodySite``, so the coded sequence
survives the trip.
"""
from __future__ import annotations

from ..store.models import Episode
from ..store.services import codes_of

ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
OPCS4_SYSTEM = "https://fhir.hl7.org.uk/Id/opcs-4"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
SPELL_SYSTEM = "https://clincode.nhs.uk/Id/hospital-provider-spell-number"
_GENDER = {"1": "male", "2": "female", "9": "other", "X": "unknown", "0": "unknown"}


def episode_bundle(episode: Episode) -> dict:
    """The FHIR Bundle (type 'collection') for one episode's final coding, as a dict."""
    spell, patient = episode.spell, episode.spell.patient
    pid, eid = f"urn:uuid:patient-{patient.id}", f"urn:uuid:encounter-{episode.id}"
    entries = [{"fullUrl": pid, "resource": _patient(patient)}]
    diagnoses = codes_of(episode, "final", "icd10")
    procedures = codes_of(episode, "final", "opcs4")
    encounter = _encounter(episode, pid)
    encounter["diagnosis"] = []
    for rank, code in enumerate(diagnoses, start=1):
        cid = f"urn:uuid:condition-{code.id}"
        encounter["diagnosis"].append({
            "condition": {"reference": cid},
            "use": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/diagnosis-role", "code": "billing"}]},
            "rank": rank})
        entries.append({"fullUrl": cid, "resource": {
            "resourceType": "Condition",
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                               "code": "confirmed"}]},
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                      "code": "encounter-diagnosis"}]}],
            "code": {"coding": [{"system": ICD10_SYSTEM, "code": code.code, "display": code.title or None}]},
            "subject": {"reference": pid}, "encounter": {"reference": eid},
            "note": [{"text": "primary diagnosis"}] if code.primary else None}})
    if not encounter["diagnosis"]:
        del encounter["diagnosis"]
    entries.insert(1, {"fullUrl": eid, "resource": encounter})
    last_main = None
    for code in procedures:
        prid = f"urn:uuid:procedure-{code.id}"
        resource = {
            "resourceType": "Procedure", "status": "completed",
            "code": {"coding": [{"system": OPCS4_SYSTEM, "code": code.code, "display": code.title or None}]},
            "subject": {"reference": pid}, "encounter": {"reference": eid},
        }
        if code.performed_on:
            resource["performedDateTime"] = code.performed_on.isoformat()
        supplementary = code.code[:1] in ("Y", "Z")
        if supplementary and last_main is not None:
            resource["partOf"] = [{"reference": last_main[0]}]
            if code.code.startswith("Z"):
                last_main[1].setdefault("bodySite", []).append(
                    {"coding": [{"system": OPCS4_SYSTEM, "code": code.code, "display": code.title or None}]})
        elif not supplementary:
            last_main = (prid, resource)
        if code.primary:
            resource["category"] = {"text": "main procedure"}
        entries.append({"fullUrl": prid, "resource": resource})
    bundle = {"resourceType": "Bundle", "type": "collection",
              "identifier": {"system": SPELL_SYSTEM, "value": f"{spell.spell_number}/{episode.episode_number}"},
              "entry": [_clean(e) for e in entries]}
    validate_bundle(bundle)
    return bundle


def validate_bundle(bundle: dict) -> None:
    """Raise ValueError when the bundle is not valid FHIR (fhir.resources R4B models)."""
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)


def _patient(patient) -> dict:
    res = {"resourceType": "Patient", "identifier": []}
    if patient.nhs_number:
        res["identifier"].append({"system": NHS_NUMBER_SYSTEM, "value": patient.nhs_number})
    if patient.local_patient_id:
        res["identifier"].append({"system": "https://clincode.nhs.uk/Id/local-patient-identifier",
                                  "value": patient.local_patient_id})
    if patient.family_name or patient.given_name:
        res["name"] = [{"family": patient.family_name, "given": [patient.given_name] if patient.given_name else None}]
    if patient.birth_date:
        res["birthDate"] = patient.birth_date.isoformat()
    if patient.sex:
        res["gender"] = _GENDER.get(patient.sex, "unknown")
    return res


def _encounter(episode: Episode, pid: str) -> dict:
    spell = episode.spell
    period = {"start": (episode.start_date or spell.admission_date), "end": (episode.end_date or spell.discharge_date)}
    res = {
        "resourceType": "Encounter",
        "status": "finished" if spell.discharge_date else "in-progress",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP",
                  "display": "inpatient encounter"},
        "identifier": [{"system": SPELL_SYSTEM, "value": spell.spell_number}],
        "subject": {"reference": pid},
        "period": {k: v.isoformat() for k, v in period.items() if v is not None} or None,
    }
    if episode.treatment_function:
        res["serviceType"] = {"coding": [{
            "system": "https://fhir.nhs.uk/CodeSystem/NHSDataModelAndDictionary-treatment-function",
            "code": episode.treatment_function}]}
    if episode.consultant_code:
        res["participant"] = [{"individual": {"identifier": {
            "system": "https://fhir.hl7.org.uk/Id/gmc-number", "value": episode.consultant_code}}}]
    if episode.ward:
        # the store holds the PAS's ward name, not a Location resource: a display-only reference
        res["location"] = [{"location": {"display": episode.ward},
                            "status": "completed" if episode.end_date or spell.discharge_date else "active"}]
    hosp = {}
    if spell.admission_source:
        hosp["admitSource"] = {"coding": [{"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-SourceOfAdmission",
                                           "code": spell.admission_source}]}
    if spell.discharge_destination:
        hosp["dischargeDisposition"] = {"coding": [{
            "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeDestination", "code": spell.discharge_destination}]}
    if hosp:
        res["hospitalization"] = hosp
    return res


def _clean(value):
    """Drop None and empty values: FHIR forbids empty elements."""
    if isinstance(value, dict):
        out = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {}, "")}
    if isinstance(value, list):
        return [v for v in (_clean(v) for v in value) if v not in (None, [], {}, "")]
    return value
