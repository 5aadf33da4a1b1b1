"""Running the data-quality checks over the store, and acting on what they find.

``run_checks`` reads the coded episodes in a few set-based queries (episodes with patient and
spell, their final codes, their latest document), applies ``checks.check_episode`` and keeps one
flag per problem (episode + fingerprint): a re-run adds new problems, leaves known ones alone and
closes flags whose problem has gone (the coding was corrected). A senior coder is assigned to a
flag and resolves it with a note; both go to the audit trail.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..classification import Classifications
from ..store.errors import NotFound, ValidationFailed
from ..store.models import DataQualityFlag, Document, Episode, EpisodeCode, Patient, Spell, User, utcnow
from ..store.roles import allowed
from ..store.services import Actor, require
from ..store.services._common import audit
from .checks import CHECKS, CodedItem, EpisodeFacts, check_episode

AUTO_RESOLVED = "no longer found when the checks were run again"


@dataclass
class CheckRun:
    episodes: int
    found: int  # problems found in this run
    new: int  # flags raised for the first time
    closed: int  # open flags whose problem has gone


def _age(born: date | None, at: datetime | None) -> int | None:
    if born is None or at is None:
        return None
    day = at.date()
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def load_facts(session: Session, episode_ids: list[int] | None = None,
               statuses: tuple[str, ...] = ("finalised",)) -> list[EpisodeFacts]:
    """The facts the checks read, for the episodes in ``statuses`` (or the listed ones)."""
    q = (select(Episode.id, Episode.status, Episode.finalised_at, Patient.sex, Patient.birth_date,
                Spell.admission_date, Spell.admission_method)
         .join(Spell, Spell.id == Episode.spell_id).join(Patient, Patient.id == Spell.patient_id))
    q = q.where(Episode.id.in_(episode_ids)) if episode_ids is not None else q.where(Episode.status.in_(statuses))
    facts = {r.id: EpisodeFacts(r.id, sex=r.sex, age=_age(r.birth_date, r.admission_date),
                                admission_method=r.admission_method, status=r.status, finalised_at=r.finalised_at)
             for r in session.execute(q)}
    if not facts:
        return []
    ids = list(facts)
    for chunk in (ids[i:i + 5000] for i in range(0, len(ids), 5000)):
        codes = (select(EpisodeCode.episode_id, EpisodeCode.system, EpisodeCode.code, EpisodeCode.position,
                        EpisodeCode.performed_on)
                 .where(EpisodeCode.stage == "final", EpisodeCode.episode_id.in_(chunk))
                 .order_by(EpisodeCode.episode_id, EpisodeCode.system, EpisodeCode.position))
        for r in session.execute(codes):
            item = CodedItem(r.code, r.position, r.performed_on)
            (facts[r.episode_id].diagnoses if r.system == "icd10" else facts[r.episode_id].procedures).append(item)
        docs = (select(Document.episode_id, func.max(Document.received_at)).where(Document.episode_id.in_(chunk))
                .group_by(Document.episode_id))
        for episode_id, last in session.execute(docs):
            facts[episode_id].last_document_at = _aware(last)
    return list(facts.values())


def _aware(value):
    from datetime import timezone

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def run_checks(session: Session, clf: Classifications | None, *, episode_ids: list[int] | None = None,
               elderly_age: int = 75) -> CheckRun:
    """Check the finalised episodes (or the listed ones) and bring their flags up to date."""
    facts = load_facts(session, episode_ids)
    existing: dict[int, dict[str, DataQualityFlag]] = defaultdict(dict)
    ids = [f.episode_id for f in facts]
    for chunk in (ids[i:i + 5000] for i in range(0, len(ids), 5000)):
        for flag in session.scalars(select(DataQualityFlag).where(DataQualityFlag.episode_id.in_(chunk))):
            existing[flag.episode_id][flag.fingerprint] = flag
    now = utcnow()
    found = new = closed = 0
    for f in facts:
        seen = set()
        for finding in check_episode(f, clf, elderly_age):
            found += 1
            seen.add(finding.fingerprint)
            flag = existing[f.episode_id].get(finding.fingerprint)
            if flag is None:
                session.add(DataQualityFlag(episode_id=f.episode_id, check=finding.check, severity=finding.severity,
                                            fingerprint=finding.fingerprint, message=finding.message, status="open",
                                            found_at=now))
                new += 1
            elif flag.status == "resolved" and flag.resolution == AUTO_RESOLVED:
                flag.status, flag.resolved_at, flag.resolved_by, flag.resolution = "open", None, None, None
                flag.message, flag.found_at = finding.message, now
                new += 1
        for fp, flag in existing[f.episode_id].items():
            if fp not in seen and flag.status == "open":
                flag.status, flag.resolved_at, flag.resolved_by, flag.resolution = "resolved", now, "system", AUTO_RESOLVED
                closed += 1
    session.flush()
    return CheckRun(len(facts), found, new, closed)


def list_flags(session: Session, actor: Actor, *, status: str | None = "open", check: str | None = None,
               assigned_to: str | None = None, limit: int = 500) -> list[DataQualityFlag]:
    require(actor, "dq:read")
    q = select(DataQualityFlag)
    if status:
        q = q.where(DataQualityFlag.status == status)
    if check:
        q = q.where(DataQualityFlag.check == check)
    if assigned_to:
        q = q.where(DataQualityFlag.assigned_to == assigned_to)
    return list(session.scalars(q.order_by(DataQualityFlag.episode_id, DataQualityFlag.id).limit(limit)))


def flag_summary(session: Session) -> list[dict]:
    """Open and resolved flags per check (one GROUP BY), in the order of ``CHECKS``."""
    counts = defaultdict(lambda: {"open": 0, "resolved": 0, "assigned": 0})
    q = (select(DataQualityFlag.check, DataQualityFlag.status,
                func.count(DataQualityFlag.assigned_to), func.count())
         .group_by(DataQualityFlag.check, DataQualityFlag.status))
    for check, status, assigned, n in session.execute(q):
        counts[check][status] = n
        if status == "open":
            counts[check]["assigned"] = assigned
    return [{"check": c, "label": label, "severity": sev, **counts[c]} for c, (label, sev) in CHECKS.items()]


def _flag(session: Session, flag_id: int) -> DataQualityFlag:
    flag = session.get(DataQualityFlag, flag_id)
    if flag is None:
        raise NotFound(f"no data-quality flag {flag_id}")
    return flag


def assign_flag(session: Session, actor: Actor, flag_id: int, username: str) -> DataQualityFlag:
    """Hand a flag to a senior coder (or coding manager) to act on."""
    require(actor, "dq:assign")
    flag = _flag(session, flag_id)
    if flag.status != "open":
        raise ValidationFailed(f"data-quality flag {flag_id} is already resolved")
    user = session.scalars(select(User).where(User.username == (username or "").strip())).first()
    if user is None or not user.active:
        raise ValidationFailed(f"there is no active user {username!r}")
    if not allowed(user.role, "dq:resolve"):
        raise ValidationFailed(f"{user.username} is not a senior coder or coding manager, who resolve flags")
    before = flag.assigned_to
    flag.assigned_to = user.username
    audit(session, actor, "assign_dq_flag", "dq_flag", flag.id, episode_id=flag.episode_id,
          before={"assigned_to": before}, after={"assigned_to": user.username, "check": flag.check})
    session.flush()
    return flag


def resolve_flag(session: Session, actor: Actor, flag_id: int, note: str) -> DataQualityFlag:
    """Resolve a flag with a note saying what was done (or why it is right as coded)."""
    require(actor, "dq:resolve")
    flag = _flag(session, flag_id)
    if flag.status != "open":
        raise ValidationFailed(f"data-quality flag {flag_id} is already resolved")
    if not note or not note.strip():
        raise ValidationFailed("say how the flag was resolved")
    flag.status, flag.resolved_by, flag.resolved_at, flag.resolution = "resolved", actor.username, utcnow(), note.strip()
    audit(session, actor, "resolve_dq_flag", "dq_flag", flag.id, episode_id=flag.episode_id,
          before={"status": "open"}, after={"status": "resolved", "check": flag.check, "resolution": flag.resolution})
    session.flush()
    return flag
