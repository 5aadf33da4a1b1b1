"""API tests run against SQLite and PostgreSQL, each in a fresh migrated database, with one
user and token per role."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from clincode.store.roles import Role
from clincode.store.services import SYSTEM, create_user, issue_token
from clincode.store.testing import db_fixture

db = db_fixture()


@pytest.fixture
def tokens(db) -> dict[Role, str]:
    out = {}
    with db.session() as s:
        for role in Role:
            create_user(s, SYSTEM, f"user_{role.value}", role)
            out[role] = issue_token(s, SYSTEM, f"user_{role.value}", "tests")
    return out


@pytest.fixture
def client(db, settings):
    from clincode.api import create_app

    with TestClient(create_app(settings=settings, database=db)) as c:
        yield c
