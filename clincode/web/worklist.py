"""The worklist page's content: episodes to code with their deadlines, filters and counts.

Episodes come from ``clincode.store.services.list_worklist`` (which checks the reader's role);
counts at a glance come from ``worklist_counts`` under the same filters in one query, so they agree
with the list the coder gets by clicking them and follow the specialty/consultant/ward filters.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store import services
from ..store.models import ClinicianQuery, Episode
from ..store.services import Actor, WorklistFilters
from .clock import local_date
from .deadlines import DeadlineRules, days_label, deadlines, local_deadline
from .names import nhs_number_display, patient_name, specialty_label, status_colour, status_label

PAGE_SIZE = 50
TO_CODE = ("uncoded", "proposed", "in_progress")
# Worklist filters in the coders' words -> the store's statuses (and the open-query hold).
STATUS_FILTERS: dict[str, tuple[str, tuple[str, ...], bool | None]] = {
    "uncoded": ("Not started", ("uncoded",), None),
    "proposed": ("Engine proposal ready", ("proposed",), None),
    "in_progress": ("In progress", ("in_progress",), None),
    "awaiting_query": ("Awaiting clinician query", TO_CODE, True),
    "finalised": ("Coded", ("finalised",), None),
}


@dataclass
class WorklistQuery:
    status: str = ""  # "" = to code (not finalised); a STATUS_FILTERS key; "all"; "overdue"
    specialty: str = ""
    consultant: str = ""
    ward: str = ""
    q: str = ""
    mine: str = ""  # "1": only the episodes assigned to the signed-in coder
    page: int = 1

    @property
    def active(self) -> bool:
        return bool(self.status or self.specialty or self.consultant or self.ward or self.q or self.mine)

    def params(self, **change) -> dict:
        values = {"status": self.status, "specialty": self.specialty, "consultant": self.consultant,
                  "ward": self.ward, "q": self.q, "mine": self.mine, "page": self.page, **change}
        return {k: v for k, v in values.items() if v not in ("", None, 1)}


def overdue_before(today: date, rules: DeadlineRules) -> date:
    """Discharges before this date have missed the local target (deadline earlier than today)."""
    day = today
    while local_deadline(day - timedelta(days=1), rules) >= today:
        day -= timedelta(days=1)
    return day


def _filters(query: WorklistQuery, today: date, rules: DeadlineRules, status_key: str | None = None,
             actor: Actor | None = None) -> WorklistFilters:
    key = query.status if status_key is None else status_key
    f = WorklistFilters(specialty=query.specialty or None, consultant=query.consultant or None,
                        ward=query.ward or None, search=query.q or None, assigned_to=actor.username if query.mine and actor else None)
    if key in STATUS_FILTERS:
        _, statuses, open_query = STATUS_FILTERS[key]
        f.status, f.has_open_query = statuses, open_query
    elif key == "overdue":
        f.status = TO_CODE
        cutoff = overdue_before(today, rules)
        f.discharged_to = datetime.combine(cutoff, time.min, tzinfo=timezone.utc) - timedelta(microseconds=1)
    elif key != "all":
        f.status = TO_CODE
    return f


def filter_options(session: Session) -> dict:
    """The specialties, consultants and wards present, for the filter menus."""
    specialties = sorted(s for s in session.scalars(select(Episode.main_specialty).distinct()) if s)
    consultants = sorted(c for c in session.scalars(select(Episode.consultant_code).distinct()) if c)
    wards = sorted(w for w in session.scalars(select(Episode.ward).distinct()) if w)
    return {"specialties": [(s, specialty_label(s)) for s in specialties], "consultants": consultants, "wards": wards}


def build_worklist(session: Session, actor: Actor, query: WorklistQuery, *, today: date, rules: DeadlineRules,
                   base_url: str) -> dict:
    if query.status and query.status not in STATUS_FILTERS and query.status not in ("all", "overdue"):
        query.status = ""
    f = _filters(query, today, rules, actor=actor)
    f.limit, f.offset = PAGE_SIZE, (query.page - 1) * PAGE_SIZE
    page = services.list_worklist(session, actor, f)

    ids = [ep.id for ep in page.episodes]
    on_hold = set(session.scalars(select(ClinicianQuery.episode_id).where(
        ClinicianQuery.episode_id.in_(ids), ClinicianQuery.status == "open"))) if ids else set()
    rows = []
    for ep in page.episodes:
        spell, patient = ep.spell, ep.spell.patient
        discharged = local_date(spell.discharge_date)
        d = deadlines(discharged, today, rules)
        status = "awaiting_query" if ep.id in on_hold and ep.status != "finalised" else ep.status
        rows.append({
            "id": ep.id, "patient": patient_name(patient.family_name, patient.given_name),
            "nhs_number": nhs_number_display(patient.nhs_number), "spell_number": spell.spell_number,
            "episode_number": ep.episode_number, "discharged": discharged.strftime("%d %b %Y") if discharged else "–",
            "deadlines": d if ep.status != "finalised" else None,
            "local_label": days_label(d.local_days_left) if d else "", "national_label": days_label(d.national_days_left) if d else "",
            "local_state": _state(d.local_days_left) if d else "", "national_state": _state(d.national_days_left) if d else "",
            "specialty": specialty_label(ep.main_specialty), "consultant": ep.consultant_code or "–",
            "ward": ep.ward or "",
            "coder": ep.assigned_to or "",
            "status_label": status_label(status), "status_colour": status_colour(status),
        })

    def href(**change) -> str:
        params = query.params(**change)
        return base_url + ("?" + urlencode(params) if params else "")

    cutoff = overdue_before(today, rules)
    totals = services.worklist_counts(session, actor, _filters(query, today, rules, status_key="all", actor=actor),
                                      discharged_before=datetime.combine(cutoff, time.min, tzinfo=timezone.utc))
    numbers = {
        "": sum(totals.get(s, 0) for s in TO_CODE), "overdue": totals["discharged_before"],
        "uncoded": totals["uncoded"], "proposed": totals["proposed"], "in_progress": totals["in_progress"],
        "awaiting_query": totals["open_query"], "finalised": totals["finalised"],
    }
    counts = [{"key": key, "label": label, "number": numbers[key], "active": key == query.status,
               "href": href(status=key, page=1)}
              for key, label in (("", "To code"), ("overdue", "Past local target"), ("uncoded", "Not started"),
                                 ("proposed", "Engine proposal ready"), ("in_progress", "In progress"),
                                 ("awaiting_query", "Awaiting clinician query"), ("finalised", "Coded"))]

    first = (query.page - 1) * PAGE_SIZE + 1 if page.total else 0
    last = min(page.total, query.page * PAGE_SIZE)
    return {
        "rows": rows, "counts": counts, "filters": query, "options": filter_options(session),
        "statuses": [(k, v[0]) for k, v in STATUS_FILTERS.items()] + [("overdue", "Past local target")],
        "page": {"total": page.total, "first": first, "last": last,
                 "previous_href": href(page=query.page - 1) if query.page > 1 else None,
                 "next_href": href(page=query.page + 1) if last < page.total else None},
    }


def _state(days: int) -> str:
    return "overdue" if days < 0 else ("due" if days <= 2 else "ok")
