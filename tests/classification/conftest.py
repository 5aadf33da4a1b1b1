"""Fixtures for the classification tests: the TRUD-format fixture folder and isolated caches."""
from __future__ import annotations

from pathlib import Path

import pytest

from clincode.config import Settings

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture()
def trud_settings(tmp_path) -> Settings:
    return Settings(classification_dir=FIXTURES / "trud", index_dir=None, cache_dir=tmp_path / "cache")


@pytest.fixture()
def empty_settings(tmp_path) -> Settings:
    empty = tmp_path / "no-classifications"
    empty.mkdir()
    return Settings(classification_dir=empty, index_dir=None, cache_dir=tmp_path / "cache")
