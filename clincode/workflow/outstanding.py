"""Outstanding coding: episodes discharged but not yet coded, by age against the deadlines.

Two clocks run from discharge (``clincode.web.deadlines``, shared with the worklist): the
trust's local target (N working days) and the national SUS+ freeze date of the discharge month.
An episode is *outstanding* when its patient has been discharged and it is not finalised:
'not started' (no coding yet) or 'incomplete' (a proposal or coding in progress).

Every figure comes from ``GROUP BY`` queries on the discharge day, so the cost does not grow with
the number of episodes beyond one scan; Python only applies the deadline rules to each distinct day.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from ..store.models import ClinicianQuery, Episode, Spell
from ..web.deadlines import DeadlineRules, local_deadline, national_deadline
from .sql import as_date, day_end, discharged_at, uk_day

NOT_STARTED = ("uncoded",)
INCOMPLETE = ("proposed", "in_progress")
OUTSTANDING = NOT_STARTED + INCOMPLETE

# Age since discharge in calendar days: the bands a coding manager reads the backlog in.
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-5 days", 0, 5), ("6-10 days", 6, 10), ("11-20 days", 11, 20), ("21-30 days", 21, 30),
    ("31-60 days", 31, 60), ("over 60 days", 61, None),
)


def age_band(days: int) -> str:
    for label, low, high in AGE_BANDS:
        if days >= low and (high is None or days <= high):
            return label
    return AGE_BANDS[0][0]  # discharged 'in the future' (a PAS date error) counts as new


@dataclass
class BacklogCount:
    """Outstanding episodes of one group (the whole department, a specialty or a coder)."""

    key: str
    total: int = 0
    not_started: int = 0
    incomplete: int = 0
    past_local: int = 0  # the trust's target is missed
    past_national: int = 0  # the SUS+ freeze date has passed: the activity goes uncoded nationally
    due_soon: int = 0  # within 2 days of a deadline, not yet past
    oldest_days: int = 0
    bands: dict[str, int] = field(default_factory=lambda: {label: 0 for label, _, _ in AGE_BANDS})

    def add(self, status: str, days: int, past_local: bool, past_national: bool, due_soon: bool, n: int) -> None:
        self.total += n
        if status in NOT_STARTED:
            self.not_started += n
        else:
            self.incomplete += n
        self.past_local += n if past_local else 0
        self.past_national += n if past_national else 0
        self.due_soon += n if due_soon else 0
        self.oldest_days = max(self.oldest_days, days)
        self.bands[age_band(days)] += n


@dataclass
class OutstandingReport:
    today: date
    rules: DeadlineRules
    department: BacklogCount
    by_specialty: list[BacklogCount]
    by_coder: list[BacklogCount]
    open_queries: int  # outstanding episodes held by an open clinician query
    trend: list[tuple[date, int]]  # (week ending, outstanding at its end), oldest first


@lru_cache(maxsize=4096)
def _clock(discharged: date, today: date, rules: DeadlineRules) -> tuple[int, bool, bool, bool]:
    """(days since discharge, past local target, past national deadline, due within 2 days)."""
    local, national = local_deadline(discharged, rules), national_deadline(discharged, rules)
    past_local, past_national = today > local, today > national
    soon = not past_local and not past_national and min((local - today).days, (national - today).days) <= 2
    return (today - discharged).days, past_local, past_national, soon


def _grouped(session: Session, today: date, group_col) -> list[tuple]:
    day = uk_day(session, discharged_at()).label("day")
    cols = [day, Episode.status, func.count().label("n")]
    if group_col is not None:
        cols.insert(0, group_col.label("grp"))
    q = (select(*cols).select_from(Episode).join(Spell, Spell.id == Episode.spell_id)
         .where(Episode.status.in_(OUTSTANDING), discharged_at().is_not(None), discharged_at() < day_end(today))
         .group_by(*([group_col] if group_col is not None else []), day, Episode.status))
    return list(session.execute(q))


def outstanding_report(session: Session, today: date, rules: DeadlineRules = DeadlineRules(),
                       trend_weeks: int = 12) -> OutstandingReport:
    """The backlog as of ``today``: totals, age bands, per specialty and per coder, and its trend."""
    department = BacklogCount("all")
    for day, status, n in _grouped(session, today, None):
        department.add(status, *_clock(as_date(day), today, rules), n)

    specialty = func.coalesce(Episode.treatment_function, Episode.main_specialty, "")
    groups = {}
    for name, col in (("specialty", specialty), ("coder", func.coalesce(Episode.assigned_to, ""))):
        counts: dict[str, BacklogCount] = {}
        for grp, day, status, n in _grouped(session, today, col):
            counts.setdefault(grp or "", BacklogCount(grp or "")).add(status, *_clock(as_date(day), today, rules), n)
        groups[name] = sorted(counts.values(), key=lambda c: (-c.past_local, -c.total, c.key))

    held = session.scalar(
        select(func.count(func.distinct(ClinicianQuery.episode_id))).select_from(ClinicianQuery)
        .join(Episode, Episode.id == ClinicianQuery.episode_id)
        .where(ClinicianQuery.status == "open", Episode.status.in_(OUTSTANDING))) or 0
    return OutstandingReport(today, rules, department, groups["specialty"], groups["coder"], int(held),
                             backlog_trend(session, today, trend_weeks))


def backlog_trend(session: Session, today: date, weeks: int = 12) -> list[tuple[date, int]]:
    """How many episodes were outstanding at the end of each of the last ``weeks`` weeks.

    An episode was outstanding at instant T when it had been discharged before T and was not yet
    finalised at T (never finalised, or finalised after T). One query: a SUM(CASE) per week.
    """
    ends = [today - timedelta(days=7 * k) for k in range(weeks - 1, -1, -1)]
    when = discharged_at()
    sums = []
    for i, end in enumerate(ends):
        t = day_end(end)
        sums.append(func.sum(case((and_(when < t, or_(Episode.finalised_at.is_(None), Episode.finalised_at >= t)),
                                  1), else_=0)).label(f"w{i}"))
    row = session.execute(select(*sums).select_from(Episode).join(Spell, Spell.id == Episode.spell_id)
                          .where(when.is_not(None))).one()
    return [(end, int(row[i] or 0)) for i, end in enumerate(ends)]


def outstanding_rows(session: Session, today: date, rules: DeadlineRules = DeadlineRules(), limit: int = 100_000):
    """One row per outstanding episode (for the CSV export), oldest discharge first."""
    day = uk_day(session, discharged_at()).label("day")
    q = (select(Episode.id, Spell.spell_number, Episode.episode_number, Episode.status, Episode.assigned_to,
                func.coalesce(Episode.treatment_function, Episode.main_specialty).label("specialty"),
                Episode.consultant_code, day)
         .select_from(Episode).join(Spell, Spell.id == Episode.spell_id)
         .where(Episode.status.in_(OUTSTANDING), discharged_at().is_not(None), discharged_at() < day_end(today))
         .order_by(day, Episode.id).limit(limit))
    for r in session.execute(q):
        discharged = as_date(r.day)
        days, past_local, past_national, _ = _clock(discharged, today, rules)
        yield {
            "episode_id": r.id, "spell_number": r.spell_number, "episode_number": r.episode_number,
            "status": r.status, "assigned_to": r.assigned_to or "", "specialty": r.specialty or "",
            "consultant": r.consultant_code or "", "discharged": discharged.isoformat(), "days_since_discharge": days,
            "local_target": local_deadline(discharged, rules).isoformat(),
            "national_deadline": national_deadline(discharged, rules).isoformat(),
            "past_local_target": "yes" if past_local else "no", "past_national_deadline": "yes" if past_national else "no",
        }
