"""The coders' reference books: ICD-10 (UK 5th Edition) and OPCS-4 as a fast, correct library.

Public surface:
    load_classifications(settings=None) -> Classifications   (cached per process)
    Classifications.icd10 / .opcs4 -> ClassificationTable
    ClassificationTable.normalise(text) -> Normalised(code, note)   (raises CodeError)
    ClassificationTable.map_cm(cm_code) -> Code | None            (ICD-10-CM -> UK)
    Classifications.validate(code, sex=None, age=None, primary=False) -> ValidationResult
    Classifications.search(text, system=None, limit=10) -> list[SearchHit]
    Classifications.is_asterisk(code), .dagger_asterisk_pairs
    load_index(settings=None) -> AlphabeticIndex of IndexEntry      (ICD-10-CM Alphabetic Index, UK codes)
    Code, Kind, System

See docs/classification.md.
"""
from .codes import Code, Kind, System
from .normalise import CodeError, Normalised
from .tables import ClassificationTable
from .service import Classifications, FallbackWarning, load_classifications
from .validation import Failure, ValidationResult, is_asterisk
from .search import SearchHit
from .index import AlphabeticIndex, IndexEntry, load_index

__all__ = [
    "Code", "Kind", "System", "ClassificationTable", "Classifications", "load_classifications",
    "CodeError", "Normalised", "FallbackWarning", "ValidationResult", "Failure", "is_asterisk",
    "SearchHit", "AlphabeticIndex", "IndexEntry", "load_index",
]
