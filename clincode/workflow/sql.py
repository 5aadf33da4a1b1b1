"""SQL pieces the reports share: the episode's discharge date as a UK calendar day, portable
between PostgreSQL (the department's database) and SQLite (the embedded default).

Reports group rows in the database (``GROUP BY`` day, specialty, coder ...) and only the grouped
counts come back to Python, so a report over 100,000 episodes moves a few thousand rows at most.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Date, cast, func
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..store.models import Episode, Spell


def discharged_at(e=Episode, s=Spell) -> ColumnElement:
    """When the coding clock starts: the episode's end, or its spell's discharge."""
    return func.coalesce(e.end_date, s.discharge_date)


def uk_day(session: Session, column: ColumnElement) -> ColumnElement:
    """A timestamp as its UK calendar day. PostgreSQL converts to Europe/London (a 00:30 BST
    discharge belongs to its UK day); SQLite stores UTC and has no time-zone table, so there
    the day is the UTC day (an hour out for discharges between midnight and 01:00 in summer)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("Europe/London", column), Date)
    return func.date(column)


def as_date(value) -> date | None:
    """A day as the driver returns it (date on PostgreSQL, 'YYYY-MM-DD' text on SQLite)."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def day_start(day: date) -> datetime:
    """The start of a UK day as a UTC instant, good to the hour for comparisons with stored times
    (reports compare whole days, so the BST hour only matters at midnight)."""
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def day_end(day: date) -> datetime:
    return day_start(day + timedelta(days=1))
