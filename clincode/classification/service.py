"""Load the classifications named by the settings, once per process."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..config import Settings, get_settings
from .codes import System
from .tables import ClassificationTable, read_shared_table


@dataclass
class Classifications:
    icd10: ClassificationTable
    opcs4: ClassificationTable | None  # None when no OPCS-4 source is available

    def table(self, system: System | str) -> ClassificationTable:
        system = System(system)
        table = self.icd10 if system is System.ICD10 else self.opcs4
        if table is None:
            raise LookupError("OPCS-4 is unavailable: no OPCS-4 classification file was found")
        return table


def load_classifications(settings: Settings | None = None) -> Classifications:
    settings = settings or get_settings()
    return _load(settings.classification_dir)


@lru_cache(maxsize=4)
def _load(directory: Path | None) -> Classifications:
    if directory is None:
        raise FileNotFoundError("no classification directory: set CLINCODE_CLASSIFICATION_DIR")
    icd = ClassificationTable(System.ICD10, read_shared_table(directory / "icd10_uk.tsv"), str(directory))
    opcs = ClassificationTable(System.OPCS4, read_shared_table(directory / "opcs4.tsv"), str(directory))
    icd.source_files = (str(directory / "icd10_uk.tsv"),)
    opcs.source_files = (str(directory / "opcs4.tsv"),)
    return Classifications(icd10=icd, opcs4=opcs)
