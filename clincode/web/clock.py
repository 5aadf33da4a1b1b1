"""Times as English hospitals read them: the store keeps UTC; coders see UK local time.

A discharge at 00:30 on 1 June (BST) is stored as 23:30 UTC on 31 May: reading the date in UTC
would put it in the wrong day, and month, and so against the wrong SUS+ deadline.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

try:
    from zoneinfo import ZoneInfo

    UK = ZoneInfo("Europe/London")
except Exception:  # noqa: BLE001 - no time-zone database on this system: fall back to UTC
    UK = timezone.utc


def local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(UK)


def uk_today() -> date:
    """Today's date in the UK: the date the queries' and deadlines' UK dates are counted against
    (the server's own clock may be UTC, an hour behind in summer)."""
    return datetime.now(UK).date()


def local_date(moment: datetime | None) -> date | None:
    """The UK calendar date of a stored (UTC) time."""
    when = local(moment)
    return when.date() if when else None


def when(moment: datetime | None, with_time: bool = False) -> str:
    """'25 Nov 2026' or '25 Nov 2026 14:05' in UK time; '' when unknown."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = local(moment)
        return moment.strftime("%d %b %Y %H:%M" if with_time else "%d %b %Y")
    return moment.strftime("%d %b %Y")
