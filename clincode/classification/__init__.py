"""The coders' reference books: ICD-10 (UK 5th Edition) and OPCS-4 as a fast, correct library.

Public surface:
    load_classifications(settings=None) -> Classifications   (cached per process)
    Classifications.icd10 / .opcs4 -> ClassificationTable
    ClassificationTable.normalise(text) -> Normalised(code, note)   (raises CodeError)
    ClassificationTable.map_cm(cm_code) -> Code | None            (ICD-10-CM -> UK)
    Code, Kind, System
"""
from .codes import Code, Kind, System
from .normalise import CodeError, Normalised
from .tables import ClassificationTable
from .service import Classifications, load_classifications

__all__ = [
    "Code", "Kind", "System", "ClassificationTable", "Classifications", "load_classifications",
    "CodeError", "Normalised",
]
