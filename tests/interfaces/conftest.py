"""Every store test runs on SQLite and on PostgreSQL, each in a fresh migrated database."""
from clincode.store.testing import db_fixture

db = db_fixture()
