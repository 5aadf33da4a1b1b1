"""Clinician queries through their lifecycle: open, escalated, answered, applied, closed.

The store keeps a query's own status (open, answered, closed) and the audit trail keeps every
code change; the lifecycle is read from both, so nothing has to remember to update it:

* **open**: raised, not answered;
* **escalated**: open for ``CLINCODE_QUERY_ESCALATION_DAYS`` (default 7) or more: the coding
  manager takes it to the consultant's secretary or clinical lead;
* **answered**: the clinician replied, the coding has not changed since;
* **applied**: the episode's codes changed after the answer (the answer was acted on);
* **closed**: closed, with ``applied`` telling whether the answer changed the coding.

A reminder is due every ``CLINCODE_QUERY_REMINDER_DAYS`` (default 3) while a query is open.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from ..store.models import AuditEvent, ClinicianQuery, Episode, Spell
from .settings import WorkflowSettings

# Audit actions that change an episode's codes (clincode.store.services.coding).
CODE_CHANGES = ("accept_proposal", "add_code", "amend_code", "remove_code", "reject_proposal")
STAGES = ("open", "escalated", "answered", "applied", "closed")


def query_stage(status: str, days_open: int, changed_after_answer: bool, escalation_days: int) -> str:
    """The lifecycle stage of one query (see the module docstring)."""
    if status == "closed":
        return "closed"
    if status == "answered":
        return "applied" if changed_after_answer else "answered"
    return "escalated" if days_open >= escalation_days else "open"


def reminder_due(days_open: int, reminder_days: int) -> bool:
    """A reminder is due on every ``reminder_days``-th day a query stays open (day 3, 6, 9 ...),
    and overdue ones are listed until answered."""
    return reminder_days > 0 and days_open >= reminder_days


@dataclass
class QueryRow:
    id: int
    episode_id: int
    spell_number: str
    question: str
    addressed_to: str
    raised_by: str
    raised_at: datetime
    status: str
    stage: str
    days_open: int
    applied: bool
    answered_at: datetime | None
    answer: str | None


@dataclass
class QueryLifecycle:
    rows: list[QueryRow]
    by_stage: dict[str, int]
    reminders: list[QueryRow]  # open queries due a reminder, longest waiting first
    mean_days_to_answer: float | None
    by_clinician: list[tuple[str, int, int]]  # (addressed to, open, escalated)


def _changed_after_answer():
    """EXISTS a code change on the query's episode after its answer."""
    return exists().where(AuditEvent.episode_id == ClinicianQuery.episode_id,
                          AuditEvent.action.in_(CODE_CHANGES), ClinicianQuery.answered_at.is_not(None),
                          AuditEvent.at > ClinicianQuery.answered_at,
                          or_(ClinicianQuery.closed_at.is_(None), AuditEvent.at <= ClinicianQuery.closed_at))


def _days(later: datetime, earlier: datetime | None) -> int:
    if earlier is None:
        return 0
    if earlier.tzinfo is None:
        earlier = earlier.replace(tzinfo=timezone.utc)
    return max(0, (later - earlier).days)


def _stage_sql(now: datetime, escalation_days: int):
    """``query_stage`` as a SQL CASE, so the department's counts are one GROUP BY."""
    return case(
        (ClinicianQuery.status == "closed", "closed"),
        (and_(ClinicianQuery.status == "answered", _changed_after_answer()), "applied"),
        (ClinicianQuery.status == "answered", "answered"),
        (ClinicianQuery.raised_at <= now - timedelta(days=escalation_days), "escalated"),
        else_="open")


def _row(cq: ClinicianQuery, spell_number: str, applied: bool, now: datetime, escalation_days: int) -> QueryRow:
    days_open = _days(now if cq.status == "open" else (cq.answered_at or cq.closed_at or now), cq.raised_at)
    return QueryRow(cq.id, cq.episode_id, spell_number, cq.question, cq.addressed_to or "", cq.raised_by, cq.raised_at,
                    cq.status, query_stage(cq.status, days_open, bool(applied), escalation_days), days_open,
                    bool(applied), cq.answered_at, cq.answer)


def query_lifecycle(session: Session, now: datetime, settings: WorkflowSettings | None = None,
                    limit: int = 500) -> QueryLifecycle:
    """The department's queries: counts by stage, per clinician and the mean time to answer
    (GROUP BY queries over every query), the reminders due, and the latest ``limit`` queries."""
    settings = settings or WorkflowSettings()
    esc = settings.query_escalation_days
    stage = _stage_sql(now, esc).label("stage")
    by_stage = {st: 0 for st in STAGES}
    for st, n in session.execute(select(stage, func.count()).group_by(stage)):
        by_stage[st] = int(n)
    escalated = case((ClinicianQuery.raised_at <= now - timedelta(days=esc), 1), else_=0)
    who = func.coalesce(ClinicianQuery.addressed_to, "(not named)")
    by_clinician = sorted(((k, int(n), int(e or 0)) for k, n, e in session.execute(
        select(who, func.count(), func.sum(escalated)).where(ClinicianQuery.status == "open").group_by(who))),
        key=lambda t: (-t[2], -t[1], t[0]))
    if session.get_bind().dialect.name == "postgresql":
        waited = func.avg(func.extract("epoch", ClinicianQuery.answered_at - ClinicianQuery.raised_at) / 86400.0)
    else:
        waited = func.avg(func.julianday(ClinicianQuery.answered_at) - func.julianday(ClinicianQuery.raised_at))
    mean_days = session.scalar(select(waited).where(ClinicianQuery.answered_at.is_not(None)))
    base = (select(ClinicianQuery, Spell.spell_number, _changed_after_answer().label("applied"))
            .join(Episode, Episode.id == ClinicianQuery.episode_id).join(Spell, Spell.id == Episode.spell_id))
    reminder_cutoff = now - timedelta(days=settings.query_reminder_days)
    reminders = [_row(cq, sn, ap, now, esc) for cq, sn, ap in session.execute(
        base.where(ClinicianQuery.status == "open", ClinicianQuery.raised_at <= reminder_cutoff)
        .order_by(ClinicianQuery.raised_at, ClinicianQuery.id).limit(limit))] if settings.query_reminder_days > 0 else []
    rows = [_row(cq, sn, ap, now, esc) for cq, sn, ap in session.execute(
        base.order_by(ClinicianQuery.raised_at.desc(), ClinicianQuery.id.desc()).limit(limit))]
    rows.reverse()
    return QueryLifecycle(rows, by_stage, reminders, round(float(mean_days), 1) if mean_days is not None else None,
                          by_clinician)


@dataclass
class QueryEvent:
    at: datetime
    actor: str
    what: str  # raised | answered | code change | closed
    detail: str


def query_history(session: Session, query_id: int) -> list[QueryEvent]:
    """Who asked what, who answered, and what changed in the coding because of it (the code
    changes on the episode between the answer and the close), in time order."""
    cq = session.get(ClinicianQuery, query_id)
    if cq is None:
        from ..store.errors import NotFound

        raise NotFound(f"no clinician query {query_id}")
    events = [QueryEvent(cq.raised_at, cq.raised_by, "raised", cq.question)]
    if cq.answered_at:
        events.append(QueryEvent(cq.answered_at, cq.answered_by or "", "answered", cq.answer or ""))
        changes = select(AuditEvent).where(
            AuditEvent.episode_id == cq.episode_id, AuditEvent.action.in_(CODE_CHANGES), AuditEvent.at > cq.answered_at,
            *([AuditEvent.at <= cq.closed_at] if cq.closed_at else [])).order_by(AuditEvent.id)
        for ev in session.scalars(changes):
            events.append(QueryEvent(ev.at, ev.actor, "code change", describe_change(ev)))
    if cq.closed_at:
        events.append(QueryEvent(cq.closed_at, cq.closed_by or "", "closed", ""))
    return events


def describe_change(ev: AuditEvent) -> str:
    """An audit event's code change in words: 'K80.1 -> K80.0', 'added I10', 'removed R10.4'."""
    before, after = ev.before or {}, ev.after or {}
    if ev.action == "amend_code":
        return f"{before.get('code', '?')} -> {after.get('code', '?')}"
    if ev.action == "add_code":
        return f"added {after.get('code', '?')}"
    if ev.action in ("remove_code", "reject_proposal"):
        return f"{'removed' if ev.action == 'remove_code' else 'rejected proposal'} {before.get('code', '?')}"
    finals = [c.get("code") for c in (after.get("final") or [])]
    return "accepted the engine's proposal" + (f": {', '.join(finals)}" if finals else "")
