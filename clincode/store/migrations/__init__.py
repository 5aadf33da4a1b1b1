"""Alembic migrations of the episode store (packaged so that installed clincode can migrate)."""
