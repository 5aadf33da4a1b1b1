"""A flat, CSV record per finalised consultant episode, shaped like the Commissioning Data Set
(CDS) Admitted Patient Care fields that SUS receives.

Field names follow the NHS Data Dictionary data elements. Codes are written undotted as the
CDS carries them; a 3-character ICD-10 code is padded with the filler 'X' to 4 characters
(``I10`` -> ``I10X``), as in HES/SUS. Dates are ``YYYY-MM-DD``. The primary diagnosis and main
procedure come first, then the secondary codes in the coder's order; each procedure carries its
date when the coder recorded one.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable

from ..store.models import Episode
from ..store.services import codes_of

SECONDARY_DIAGNOSES = 19  # 20 diagnosis positions, as HES
PROCEDURES = 24

EPISODE_FIELDS = [
    "NHS_NUMBER", "LOCAL_PATIENT_IDENTIFIER", "PERSON_BIRTH_DATE", "PERSON_STATED_GENDER_CODE",
    "HOSPITAL_PROVIDER_SPELL_NUMBER", "EPISODE_NUMBER", "START_DATE_HOSPITAL_PROVIDER_SPELL",
    "ADMISSION_METHOD_CODE", "SOURCE_OF_ADMISSION_CODE", "START_DATE_EPISODE", "END_DATE_EPISODE",
    "DISCHARGE_DATE_HOSPITAL_PROVIDER_SPELL", "DISCHARGE_METHOD_CODE", "DISCHARGE_DESTINATION_CODE",
    "CONSULTANT_CODE", "MAIN_SPECIALTY_CODE", "TREATMENT_FUNCTION_CODE",
]


def cds_code(code: str, system: str) -> str:
    """Undotted, as the CDS carries it; 3-character ICD-10 codes padded with 'X'."""
    key = code.replace(".", "")
    return key + "X" if system == "icd10" and len(key) == 3 else key


def header(n_secondary: int = SECONDARY_DIAGNOSES, n_procedures: int = PROCEDURES) -> list[str]:
    cols = EPISODE_FIELDS + ["PRIMARY_DIAGNOSIS_ICD"]
    cols += [f"SECONDARY_DIAGNOSIS_ICD_{i}" for i in range(1, n_secondary + 1)]
    cols += ["PRIMARY_PROCEDURE_OPCS", "PRIMARY_PROCEDURE_DATE"]
    for i in range(2, n_procedures + 1):
        cols += [f"PROCEDURE_OPCS_{i}", f"PROCEDURE_DATE_{i}"]
    return cols


def _date(value) -> str:
    return value.date().isoformat() if hasattr(value, "date") and callable(value.date) else (value.isoformat() if value else "")


def episode_row(episode: Episode) -> dict[str, str]:
    """One CDS-shaped row; raises ValueError if the episode is not finalised."""
    if not episode.finalised:
        raise ValueError(f"episode {episode.id} is not finalised: only finalised coding goes to SUS")
    spell, patient = episode.spell, episode.spell.patient
    row = dict.fromkeys(EPISODE_FIELDS, "")
    row.update({
        "NHS_NUMBER": patient.nhs_number or "", "LOCAL_PATIENT_IDENTIFIER": patient.local_patient_id or "",
        "PERSON_BIRTH_DATE": _date(patient.birth_date), "PERSON_STATED_GENDER_CODE": patient.sex or "",
        "HOSPITAL_PROVIDER_SPELL_NUMBER": spell.spell_number, "EPISODE_NUMBER": f"{episode.episode_number:02d}",
        "START_DATE_HOSPITAL_PROVIDER_SPELL": _date(spell.admission_date),
        "ADMISSION_METHOD_CODE": spell.admission_method or "", "SOURCE_OF_ADMISSION_CODE": spell.admission_source or "",
        "START_DATE_EPISODE": _date(episode.start_date or spell.admission_date),
        "END_DATE_EPISODE": _date(episode.end_date or spell.discharge_date),
        "DISCHARGE_DATE_HOSPITAL_PROVIDER_SPELL": _date(spell.discharge_date),
        "DISCHARGE_METHOD_CODE": spell.discharge_method or "", "DISCHARGE_DESTINATION_CODE": spell.discharge_destination or "",
        "CONSULTANT_CODE": episode.consultant_code or "", "MAIN_SPECIALTY_CODE": episode.main_specialty or "",
        "TREATMENT_FUNCTION_CODE": episode.treatment_function or "",
    })
    dx = codes_of(episode, "final", "icd10")  # primary first: positions are kept that way
    px = codes_of(episode, "final", "opcs4")
    row["PRIMARY_DIAGNOSIS_ICD"] = cds_code(dx[0].code, "icd10") if dx else ""
    for i, d in enumerate(dx[1:], start=1):
        row[f"SECONDARY_DIAGNOSIS_ICD_{i}"] = cds_code(d.code, "icd10")
    if px:
        row["PRIMARY_PROCEDURE_OPCS"] = cds_code(px[0].code, "opcs4")
        row["PRIMARY_PROCEDURE_DATE"] = _date(px[0].performed_on)
    for i, p in enumerate(px[1:], start=2):
        row[f"PROCEDURE_OPCS_{i}"] = cds_code(p.code, "opcs4")
        row[f"PROCEDURE_DATE_{i}"] = _date(p.performed_on)
    return row


def write_csv(episodes: Iterable[Episode], out: io.TextIOBase | None = None) -> str:
    """CSV of the finalised episodes (others are skipped); returns the text when ``out`` is None."""
    rows = [episode_row(e) for e in episodes if e.finalised]
    n_sec = max([SECONDARY_DIAGNOSES] + [sum(k.startswith("SECONDARY_DIAGNOSIS") for k in r) for r in rows])
    n_proc = max([PROCEDURES] + [sum(k.startswith("PROCEDURE_OPCS_") for k in r) + 1 for r in rows])
    buffer = out or io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header(n_sec, n_proc), restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue() if out is None else ""
