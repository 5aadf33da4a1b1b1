"""Workflow tests: a fresh migrated SQLite database per test (PostgreSQL where a test asks)."""
from __future__ import annotations

import pytest

from clincode.store.testing import db_fixture, temporary_database


@pytest.fixture
def wdb():
    with temporary_database("sqlite") as db:
        yield db


# The store's own fixture: SQLite and PostgreSQL (which must be reachable in CI).
any_db = db_fixture()
