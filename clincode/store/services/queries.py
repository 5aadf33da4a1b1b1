"""Clinician queries, data-quality issues and reading the audit trail."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationFailed
from ..models import AuditEvent, ClinicianQuery, DataQualityIssue, utcnow
from ._common import Actor, audit, load_episode, require, snapshot, touch

_QUERY_FIELDS = ("status", "question", "reason", "code", "addressed_to", "answer", "answered_by")
DQ_CATEGORIES = (
    "missing_document", "conflicting_information", "illegible_or_incomplete", "pas_data_error",
    "wrong_patient_document", "amended_document", "other",
)


# --- clinician queries -----------------------------------------------------------------------
def raise_query(session: Session, actor: Actor, episode_id: int, question: str, *, reason: str = "",
                code: str | None = None, addressed_to: str | None = None) -> ClinicianQuery:
    """Put a question to the clinician (e.g. one the engine suggested). An open query holds
    the episode back from finalising."""
    require(actor, "queries:raise")
    episode = load_episode(session, episode_id)
    if not question or not question.strip():
        raise ValidationFailed("a clinician query needs a question")
    q = ClinicianQuery(episode_id=episode.id, question=question.strip(), reason=reason or "", code=code,
                       addressed_to=addressed_to or episode.consultant_code, raised_by=actor.username,
                       raised_at=utcnow(), status="open")
    session.add(q)
    session.flush()
    if not episode.finalised:
        touch(episode)
    audit(session, actor, "raise_query", "clinician_query", q.id, episode_id=episode.id, after=snapshot(q, _QUERY_FIELDS))
    return q


def _query(session: Session, query_id: int) -> ClinicianQuery:
    q = session.get(ClinicianQuery, query_id)
    if q is None:
        raise NotFound(f"no clinician query {query_id}")
    return q


def answer_query(session: Session, actor: Actor, query_id: int, answer: str, answered_by: str | None = None) -> ClinicianQuery:
    """Record the clinician's answer (``answered_by``: the clinician; the actor records it)."""
    require(actor, "queries:answer")
    q = _query(session, query_id)
    if q.status != "open":
        raise ValidationFailed(f"clinician query {query_id} is {q.status}, not open")
    if not answer or not answer.strip():
        raise ValidationFailed("the answer is empty")
    before = snapshot(q, _QUERY_FIELDS)
    q.answer, q.answered_by, q.answered_at, q.status = answer.strip(), answered_by or actor.username, utcnow(), "answered"
    audit(session, actor, "answer_query", "clinician_query", q.id, episode_id=q.episode_id, before=before,
          after=snapshot(q, _QUERY_FIELDS))
    session.flush()
    return q


def close_query(session: Session, actor: Actor, query_id: int, reason: str | None = None) -> ClinicianQuery:
    """Close a query, answered or not (an unanswered one needs a reason)."""
    require(actor, "queries:close")
    q = _query(session, query_id)
    if q.status == "closed":
        raise ValidationFailed(f"clinician query {query_id} is already closed")
    if q.status == "open" and not (reason and reason.strip()):
        raise ValidationFailed("closing an unanswered query needs a reason")
    before = snapshot(q, _QUERY_FIELDS)
    q.status, q.closed_by, q.closed_at = "closed", actor.username, utcnow()
    audit(session, actor, "close_query", "clinician_query", q.id, episode_id=q.episode_id, before=before,
          after=snapshot(q, _QUERY_FIELDS), reason=reason)
    session.flush()
    return q


def list_queries(session: Session, actor: Actor, *, episode_id: int | None = None, status: str | None = None,
                 limit: int = 200) -> list[ClinicianQuery]:
    require(actor, "episodes:read")
    q = select(ClinicianQuery)
    if episode_id is not None:
        q = q.where(ClinicianQuery.episode_id == episode_id)
    if status:
        q = q.where(ClinicianQuery.status == status)
    return list(session.scalars(q.order_by(ClinicianQuery.id).limit(limit)))


# --- data quality ------------------------------------------------------------------------------
def record_dq_issue(session: Session, actor: Actor, episode_id: int | None, category: str,
                    description: str) -> DataQualityIssue:
    require(actor, "dq:record")
    return new_dq_issue(session, actor, episode_id, category, description)


def new_dq_issue(session: Session, actor: Actor, episode_id: int | None, category: str,
                 description: str) -> DataQualityIssue:
    """Record an issue found by the system itself (e.g. a document amended after finalising):
    no permission check, the acting interface is named in the issue and the audit trail."""
    if category not in DQ_CATEGORIES:
        raise ValidationFailed(f"unknown data-quality category {category!r}; use one of {', '.join(DQ_CATEGORIES)}")
    if not description or not description.strip():
        raise ValidationFailed("describe the data-quality issue")
    if episode_id is not None:
        load_episode(session, episode_id)
    issue = DataQualityIssue(episode_id=episode_id, category=category, description=description.strip(),
                             raised_by=actor.username, raised_at=utcnow(), status="open")
    session.add(issue)
    session.flush()
    audit(session, actor, "record_dq_issue", "data_quality_issue", issue.id, episode_id=episode_id,
          after={"category": category, "description": issue.description})
    return issue


def resolve_dq_issue(session: Session, actor: Actor, issue_id: int, resolution: str) -> DataQualityIssue:
    require(actor, "dq:resolve")
    issue = session.get(DataQualityIssue, issue_id)
    if issue is None:
        raise NotFound(f"no data-quality issue {issue_id}")
    if issue.status != "open":
        raise ValidationFailed(f"data-quality issue {issue_id} is already resolved")
    if not resolution or not resolution.strip():
        raise ValidationFailed("say how the issue was resolved")
    issue.status, issue.resolution = "resolved", resolution.strip()
    issue.resolved_by, issue.resolved_at = actor.username, utcnow()
    audit(session, actor, "resolve_dq_issue", "data_quality_issue", issue.id, episode_id=issue.episode_id,
          before={"status": "open"}, after={"status": "resolved", "resolution": issue.resolution})
    session.flush()
    return issue


def list_dq_issues(session: Session, actor: Actor, *, episode_id: int | None = None, status: str | None = None,
                   category: str | None = None, limit: int = 200) -> list[DataQualityIssue]:
    require(actor, "dq:read")
    q = select(DataQualityIssue)
    if episode_id is not None:
        q = q.where(DataQualityIssue.episode_id == episode_id)
    if status:
        q = q.where(DataQualityIssue.status == status)
    if category:
        q = q.where(DataQualityIssue.category == category)
    return list(session.scalars(q.order_by(DataQualityIssue.id).limit(limit)))


# --- audit trail -------------------------------------------------------------------------------
def audit_trail(session: Session, actor: Actor, *, episode_id: int | None = None, username: str | None = None,
                since: datetime | None = None, limit: int = 500) -> list[AuditEvent]:
    """The audit trail, oldest first. Coders see their episode's trail through ``episodes:read``."""
    if episode_id is None:
        require(actor, "audit:read")
    else:
        from ..roles import allowed

        if not (allowed(actor.role, "audit:read") or allowed(actor.role, "episodes:read")):
            require(actor, "audit:read")
    q = select(AuditEvent)
    if episode_id is not None:
        q = q.where(AuditEvent.episode_id == episode_id)
    if username:
        q = q.where(AuditEvent.actor == username)
    if since:
        q = q.where(AuditEvent.at >= since)
    return list(session.scalars(q.order_by(AuditEvent.id).limit(limit)))
