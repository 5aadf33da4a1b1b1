"""Codes of the PAS shown in words: specialties, sex, admission and discharge methods, statuses."""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# Episode statuses of the store (clincode.store.services.STATUSES) in the coders' words, with
# the NHS.UK tag colour each is shown in.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "uncoded": ("Not started", "grey"),
    "proposed": ("Engine proposal ready", "blue"),
    "in_progress": ("In progress", "yellow"),
    "awaiting_query": ("Awaiting clinician query", "orange"),
    "finalised": ("Coded", "green"),
    "audited": ("Audited", "purple"),
}

# Person Stated Gender Code (NHS Data Dictionary).
SEX = {"1": "Male", "2": "Female", "9": "Indeterminate", "X": "Not known", "0": "Not known"}

# Admission Method (NHS Data Dictionary), the ones coders meet most.
ADMISSION_METHODS = {
    "11": "Elective: waiting list", "12": "Elective: booked", "13": "Elective: planned",
    "21": "Emergency: A&E", "22": "Emergency: GP", "23": "Emergency: bed bureau",
    "24": "Emergency: consultant clinic", "25": "Emergency: mental health crisis team",
    "28": "Emergency: other", "2A": "Emergency: A&E of another provider", "2B": "Emergency: transfer",
    "31": "Maternity: ante-partum", "32": "Maternity: post-partum", "81": "Transfer from another provider",
}

# Discharge Method (NHS Data Dictionary).
DISCHARGE_METHODS = {
    "1": "On clinical advice", "2": "Self-discharged", "3": "By court", "4": "Died", "5": "Stillbirth",
}


@lru_cache(maxsize=1)
def specialties() -> dict[str, str]:
    with open(DATA / "specialties.tsv", encoding="utf-8", newline="") as fh:
        rows = csv.reader((line for line in fh if not line.startswith("#")), delimiter="\t")
        next(rows, None)
        return {r[0].strip(): r[1].strip() for r in rows if len(r) >= 2}


def specialty_label(code: str | None) -> str:
    if not code:
        return "not recorded"
    name = specialties().get(code)
    return f"{name} ({code})" if name else code


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, (status.replace("_", " ").capitalize(), "grey"))[0]


def status_colour(status: str) -> str:
    return STATUS_LABELS.get(status, ("", "grey"))[1]


def nhs_number_display(nhs: str | None) -> str:
    """'9434765919' -> '943 476 5919', the way NHS numbers are written for people to read."""
    if not nhs:
        return "no NHS number"
    digits = nhs.replace(" ", "")
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else nhs


def patient_name(family: str | None, given: str | None) -> str:
    """'SMITH, John': the NHS convention of family name in capitals first."""
    if not family and not given:
        return "Name not recorded"
    return ", ".join(p for p in ((family or "").upper(), given or "") if p)


DOCUMENT_TYPES = {
    "discharge_summary": "Discharge summary", "operation_note": "Operation note",
    "histopathology": "Histopathology report", "radiology": "Radiology report",
    "clinic_letter": "Clinic letter", "clinical_note": "Clinical note", "other": "Document",
}
