"""The coders' reference books: ICD-10 (UK 5th Edition) and OPCS-4 as a fast, correct library.

Public surface:
    load_classifications(settings=None) -> Classifications   (cached per process)
    Classifications.icd10 / .opcs4 -> ClassificationTable
    Code, Kind, System
"""
from .codes import Code, Kind, System
from .tables import ClassificationTable
from .service import Classifications, load_classifications

__all__ = ["Code", "Kind", "System", "ClassificationTable", "Classifications", "load_classifications"]
