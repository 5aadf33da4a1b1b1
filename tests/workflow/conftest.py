"""Workflow tests: a fresh migrated SQLite database per test (PostgreSQL where a test asks)."""
from __future__ import annotations

import os
import pytest

from clincode.store.testing import postgres_available, temporary_database


@pytest.fixture
def wdb():
    with temporary_database("sqlite") as db:
        yield db


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db(request):
    if request.param == "postgresql":
        reason = postgres_available()
        if reason:
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL is required in CI but not reachable: {reason}")
            pytest.skip(f"PostgreSQL not reachable: {reason}")
    with temporary_database(request.param) as db:
        yield db
