"""Document types from the labels other systems give them ('DS^Discharge summary', 'Op note' ...)."""
from __future__ import annotations

import re

_LABELS = [
    (re.compile(r"discharge|\bDS\b|\bTTO\b|\bEDL\b", re.I), "discharge_summary"),
    (re.compile(r"operat|theatre|\bOP\b|\bON\b|procedure (note|report)", re.I), "operation_note"),
    (re.compile(r"histo|patholog|\bPATH\b|\bHP\b|cytolog", re.I), "histopathology"),
    (re.compile(r"radiol|imaging|x-?ray|\bCT\b|\bMRI\b|ultrasound|\bRAD\b", re.I), "radiology"),
    (re.compile(r"clinic|letter|\bCL\b|outpatient", re.I), "clinic_letter"),
    (re.compile(r"progress|ward round|note|\bCN\b", re.I), "clinical_note"),
]


def document_type_from_label(*labels: str | None) -> str:
    """The store's document type for the first label that names one, else 'other'."""
    for label in labels:
        for pattern, kind in _LABELS:
            if label and pattern.search(label):
                return kind
    return "other"
