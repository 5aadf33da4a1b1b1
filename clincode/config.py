"""One place for clincode's settings.

Every setting can come from an environment variable with the ``CLINCODE_`` prefix
(``CLINCODE_CLASSIFICATION_DIR``, ``CLINCODE_DATABASE_URL`` ...) and the CLI flags override them.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def _shared_data() -> Path | None:
    """The ``../shared/data`` folder beside the checkout (or beside the working directory)."""
    for base in (REPO_ROOT, Path.cwd()):
        candidate = base.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None


def _default_classification_dir() -> Path | None:
    shared = _shared_data()
    return shared / "classifications" if shared and (shared / "classifications").is_dir() else None


def _default_index_dir() -> Path | None:
    shared = _shared_data()
    return shared / "icd10cm_index" if shared and (shared / "icd10cm_index").is_dir() else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLINCODE_", extra="ignore")

    # Classification tables: the shared UK tables, or a trust's own TRUD release folder.
    classification_dir: Path | None = None
    # ICD-10-CM Alphabetic Index (used for search and the diagnosis lexicon).
    index_dir: Path | None = None
    # Where compiled caches (classification pickles, lexicon automata) are written.
    cache_dir: Path = Path.home() / ".cache" / "clincode"
    # The episode store. SQLite is the embedded default; PostgreSQL for a department.
    database_url: str = "sqlite:///clincode.db"
    # Largest document accepted, in bytes (larger ones are refused with a clear error).
    max_document_bytes: int = 5 * 1024 * 1024
    # Coding deadlines on the web worklist: the trust's local target in working days after
    # discharge, and the national (SUS+ freeze) date as day D of the Mth month after discharge.
    local_coding_deadline_days: int = 5
    national_deadline_months: int = 2
    national_deadline_day: int = 20
    # Signs the web application's session cookies; set it when several servers share the load
    # (default: a random secret kept in cache_dir).
    web_secret: str | None = None

    def model_post_init(self, __context) -> None:  # noqa: D401 - pydantic hook
        if self.classification_dir is None:
            self.classification_dir = _default_classification_dir()
        if self.index_dir is None:
            self.index_dir = _default_index_dir()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
