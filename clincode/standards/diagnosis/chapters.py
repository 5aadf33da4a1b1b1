"""Chapter-specific standards that decide between codes by what the documentation states."""
from __future__ import annotations

import re

from .episode import DiagnosisEpisode

_TYPE_1 = re.compile(r"\b(type\s*(1|i|one)\b|t1\s*dm|iddm|insulin[- ]dependent|juvenile[- ]onset)", re.I)
_TYPE_2 = re.compile(r"\b(type\s*(2|ii|two)\b|t2\s*dm|dm\s*(2|ii)\b|niddm|non[- ]insulin[- ]dependent|adult[- ]onset|maturity[- ]onset)", re.I)


def diabetes_type_must_be_documented(episode: DiagnosisEpisode, classifications) -> None:
    """Type 1 (E10) or type 2 (E11) diabetes is coded only when the documents state the type;
    otherwise the diabetes is coded E14 (unspecified diabetes mellitus, same 4th character) and the
    type is queried. (The US index defaults 'diabetes' to type 2; the UK classification does not.)

    Standard: National Clinical Coding Standards ICD-10 5th Edition, Chapter IV "Diabetes mellitus"
    (the type must be documented by the clinician; not assumed from treatment); ICD-10 Volume 3
    index "Diabetes, diabetic (mellitus) E14.-"; house policy ../shared/data/uk_dev/README.md
    (diabetes, type not stated: E14.9 with a query).
    """
    stated_1 = bool(episode.search(_TYPE_1.pattern))
    stated_2 = bool(episode.search(_TYPE_2.pattern))
    for cand in list(episode.candidates):
        if not cand.code.startswith(("E10", "E11")):
            continue
        said = stated_1 if cand.code.startswith("E10") else stated_2
        if said:
            continue
        unspecified = "E14" + cand.code[3:]
        if classifications is not None and classifications.icd10.get(unspecified) is None:
            continue
        kind = "type 1" if cand.code.startswith("E10") else "type 2"
        title = classifications.icd10.get(unspecified).title if classifications else ""
        episode.replace([cand], unspecified, title,
                        f"{cand.code} needs {kind} to be documented and the text does not say so: "
                        f"{unspecified} (diabetes mellitus, type not stated)")
