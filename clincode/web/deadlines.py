"""Coding deadlines shown on the worklist: days left before the local and national deadlines.

Two clocks run from the day a patient is discharged:

* the trust's **local target**, usually a number of working days after discharge (five is common)
  so that income is claimed and the clinical record is complete before the data flows on;
* the **national deadline**: Admitted Patient Care activity must be coded before the SUS+
  submission for its month closes. SUS+ publishes a Flex/Freeze timetable each year; by default
  clincode takes the freeze date of a discharge month as day 20 of the second month after it
  (for example May discharges: 20 July). A trust sets its own values in the settings.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class DeadlineRules:
    local_working_days: int = 5  # CLINCODE_LOCAL_CODING_DEADLINE_DAYS
    national_month_offset: int = 2  # CLINCODE_NATIONAL_DEADLINE_MONTHS
    national_day: int = 20  # CLINCODE_NATIONAL_DEADLINE_DAY


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days (Monday to Friday) after ``start``.

    Bank holidays are not known to clincode; a trust with a long holiday period sets a larger
    local target instead.
    """
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def local_deadline(discharged: date, rules: DeadlineRules = DeadlineRules()) -> date:
    """The trust's local coding target: N working days after discharge."""
    return add_working_days(discharged, rules.local_working_days)


def national_deadline(discharged: date, rules: DeadlineRules = DeadlineRules()) -> date:
    """The SUS+ freeze date for the month of discharge (day D of the month M months later).

    The day is clamped to the month's length, so day 31 means the month's last day.
    """
    month_index = discharged.year * 12 + (discharged.month - 1) + rules.national_month_offset
    year, month = divmod(month_index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(rules.national_day, last))


@dataclass(frozen=True, slots=True)
class Deadlines:
    local: date
    national: date
    local_days_left: int
    national_days_left: int

    @property
    def urgency(self) -> str:
        """'overdue', 'due' (2 days or fewer), or 'ok' against the nearer deadline."""
        left = min(self.local_days_left, self.national_days_left)
        if left < 0:
            return "overdue"
        if left <= 2:
            return "due"
        return "ok"


def deadlines(discharged: date | None, today: date, rules: DeadlineRules = DeadlineRules()) -> Deadlines | None:
    """Both deadlines and the days left before each (negative when missed); None when the
    patient has not been discharged (an open episode has no coding clock yet)."""
    if discharged is None:
        return None
    loc, nat = local_deadline(discharged, rules), national_deadline(discharged, rules)
    return Deadlines(loc, nat, (loc - today).days, (nat - today).days)


def days_label(days: int) -> str:
    """Human wording for the worklist: '3 days left', 'due today', '2 days overdue'."""
    if days == 0:
        return "due today"
    if days > 0:
        return f"{days} day{'s' if days != 1 else ''} left"
    return f"{-days} day{'s' if days != -1 else ''} overdue"
