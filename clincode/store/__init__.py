"""The episode store: patients, spells, consultant episodes, documents, coding and its audit trail.

Public surface:
    Database(url) .session()                  connect (SQLite default, PostgreSQL supported)
    upgrade(url) / current_revision(url)      create or migrate the schema (Alembic)
    services                                  every read and change, for the API and the web app
    models                                    the tables (SQLAlchemy 2)
    Role, PERMISSIONS, allowed                who may do what
    errors                                    NotFound, VersionConflict, EpisodeLocked, InvalidCode ...
"""
import logging

from .db import Database, make_engine
from .errors import EpisodeLocked, InvalidCode, NotFound, PermissionDenied, StoreError, ValidationFailed, VersionConflict
from .migrate import current_revision, upgrade
from .roles import PERMISSIONS, Role, allowed

# A library logs, the application decides where: no output unless clincode serve/CLI configures it.
logging.getLogger("clincode.store").addHandler(logging.NullHandler())

__all__ = [
    "Database", "make_engine", "upgrade", "current_revision", "Role", "PERMISSIONS", "allowed",
    "StoreError", "NotFound", "PermissionDenied", "VersionConflict", "EpisodeLocked", "InvalidCode", "ValidationFailed",
]
