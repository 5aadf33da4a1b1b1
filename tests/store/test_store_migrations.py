"""Migrations build, from empty, exactly the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from alembic.script import ScriptDirectory

from clincode.store.migrate import alembic_config, current_revision, downgrade
from clincode.store.models import Base


def test_migrated_schema_matches_the_models(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # type affinities differ harmlessly between backends; tables, columns, indexes and keys must not
    structural = [d for d in diff if not (isinstance(d, list) and d and d[0][0] == "modify_type")]
    assert structural == []


def test_downgrade_to_empty_and_back(db):
    from clincode.store.migrate import upgrade

    downgrade(db.url, "base")
    assert current_revision(db.url) is None
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade(db.url)
    assert current_revision(db.url) == ScriptDirectory.from_config(alembic_config(db.url)).get_current_head()
    assert "audit_events" in inspect(db.engine).get_table_names()
