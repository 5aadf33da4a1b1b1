"""The coding screen: one episode's documents beside its codes, and every coding action.

Each action is an htmx POST carrying the episode version the coder last saw (the optimistic
lock: a change made by someone else meanwhile is refused with a clear message, never
overwritten). The answer is the refreshed workspace, with the documents and header swapped
out-of-band so evidence marks always match the codes listed.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session

from ...store import services
from ...store.errors import ValidationFailed
from ...store.services.queries import DQ_CATEGORIES
from ..app import render
from ..auth import Changer, DbSession, Reader, WebUser
from ..clock import local_date
from ..deadlines import days_label
from ..episode_view import build
from ..worklist import TO_CODE
from ..validation import patient_age, validate_code

router = APIRouter(prefix="/episodes/{episode_id}")

DQ_LABELS = {
    "missing_document": "A document is missing", "conflicting_information": "The documents disagree",
    "illegible_or_incomplete": "Illegible or incomplete notes", "pas_data_error": "PAS data is wrong",
    "wrong_patient_document": "A document belongs to another patient",
    "amended_document": "A document changed after coding", "other": "Something else",
}

Version = Annotated[int | None, Form()]


def screen_context(request: Request, session: Session, user: WebUser, episode_id: int, **extra) -> dict:
    episode = services.get_episode(session, user.actor, episode_id)
    proposal = services.proposal(session, user.actor, episode_id)
    run = services.latest_run(session, episode_id) if proposal is not None else None
    view = build(episode, today=request.app.state.today(), rules=request.app.state.rules, proposal=proposal,
                 engine_ran_at=run.created_at if run else None,
                 finalise_problems=services.finalise_problems(episode) if episode.status != "finalised" else [])
    dq = services.list_dq_issues(session, user.actor, episode_id=episode_id) if user.may("dq:read") else []
    next_up = next_to_code(session, user, episode_id) if episode.status == "finalised" else None
    return {
        "user": user, "view": view, "days_label": days_label, "dq_issues": dq,
        "dq_labels": {k: DQ_LABELS.get(k, k.replace("_", " ")) for k in DQ_CATEGORIES},
        "can_code": user.may("episodes:code"), "can_reopen": user.may("episodes:reopen"),
        "can_query": user.may("queries:raise"), "can_answer": user.may("queries:answer"),
        "next_up": next_up, "can_flag": user.may("dq:record"), "can_resolve": user.may("dq:resolve"), "wide": True, **extra,
    }


def next_to_code(session: Session, user: WebUser, episode_id: int):
    """The episode a coder goes on to after finalising: the oldest discharge still to code."""
    page = services.list_worklist(session, user.actor, services.WorklistFilters(status=TO_CODE, limit=2))
    return next((e for e in page.episodes if e.id != episode_id), None)


def workspace(request: Request, session: Session, user: WebUser, episode_id: int, notice: str = "", **extra):
    """The refreshed workspace after a change (documents and header out-of-band)."""
    session.flush()
    session.expire_all()  # re-read: the service may have renumbered and bumped the version
    context = screen_context(request, session, user, episode_id, oob=True, notice=notice, **extra)
    return render(request, "partials/workspace_response.html", context)


@router.get("", name="episode_page")
def episode_page(request: Request, episode_id: int, session: DbSession, user: Reader):
    return render(request, "episode.html", screen_context(request, session, user, episode_id))


@router.get("/validate", name="validate_code")
def validate(request: Request, episode_id: int, session: DbSession, user: Reader, system: str = "icd10",
             code: str = "", primary: str = ""):
    """Live validation while the coder types: against this patient's sex and age."""
    if system not in ("icd10", "opcs4") or not code.strip():
        return render(request, "partials/validation.html", {"result": None})
    episode = services.get_episode(session, user.actor, episode_id)
    patient, spell = episode.spell.patient, episode.spell
    age = patient_age(patient.birth_date, local_date(spell.admission_date))
    result = validate_code(system, code, primary=bool(primary), sex=patient.sex, age=age)
    return render(request, "partials/validation.html", {"result": result, "primary": bool(primary)})


@router.post("/assign")
def assign_to_me(request: Request, episode_id: int, session: DbSession, user: Changer, version: Version = None):
    """The coder takes the episode, so colleagues see it is being coded."""
    services.assign_episode(session, user.actor, episode_id, user.username, expected_version=version)
    return workspace(request, session, user, episode_id, "The episode is assigned to you.")


@router.post("/run")
def run_engine(request: Request, episode_id: int, session: DbSession, user: Changer, version: Version = None):
    run = services.run_coding(session, user.actor, episode_id, engine=request.app.state.engine,
                              expected_version=version)
    n = len(run.result.get("diagnoses", [])) + len(run.result.get("procedures", []))
    return workspace(request, session, user, episode_id, f"The coding engine proposed {n} codes.")


@router.post("/proposals/accept-all")
def accept_all(request: Request, episode_id: int, session: DbSession, user: Changer, system: str = "icd10",
               version: Version = None):
    episode = services.get_episode(session, user.actor, episode_id)
    finals = {(c.system, c.code) for c in services.codes_of(episode, "final")}
    ids = [c.id for c in services.codes_of(episode, "proposed", system) if (c.system, c.code) not in finals]
    if ids:
        services.accept_proposal(session, user.actor, episode_id, version, code_ids=ids)
    return workspace(request, session, user, episode_id, f"Accepted {len(ids)} proposed codes.")


@router.post("/proposals/{code_id}/accept")
def accept(request: Request, episode_id: int, code_id: int, session: DbSession, user: Changer, version: Version = None):
    episode = services.accept_proposal(session, user.actor, episode_id, version, code_ids=[code_id])
    code = next((c.code for c in episode.codes if c.id == code_id), "")
    return workspace(request, session, user, episode_id, f"Accepted {code}.")


@router.post("/proposals/{code_id}/reject")
def reject(request: Request, episode_id: int, code_id: int, session: DbSession, user: Changer,
           version: Version = None, reason: Annotated[str, Form()] = ""):
    episode = services.get_episode(session, user.actor, episode_id)
    code = next((c.code for c in episode.codes if c.id == code_id), "")
    services.reject_proposal(session, user.actor, episode_id, version, code_id, reason=reason or None)
    return workspace(request, session, user, episode_id, f"Rejected {code}.")


@router.post("/codes")
def add(request: Request, episode_id: int, session: DbSession, user: Changer, version: Version = None,
        system: Annotated[str, Form()] = "icd10", code: Annotated[str, Form()] = "",
        primary: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = ""):
    row = services.add_code(session, user.actor, episode_id, version, system, code, primary=bool(primary),
                            reason=reason or None)
    return workspace(request, session, user, episode_id, f"Added {row.code} {row.title}.")


@router.post("/codes/{code_id}/primary")
def make_primary(request: Request, episode_id: int, code_id: int, session: DbSession, user: Changer,
                 version: Version = None):
    row = services.amend_code(session, user.actor, episode_id, version, code_id, primary=True)
    label = "primary diagnosis" if row.system == "icd10" else "main procedure"
    return workspace(request, session, user, episode_id, f"{row.code} is now the {label}.")


@router.post("/codes/{code_id}/move")
def move(request: Request, episode_id: int, code_id: int, to: int, session: DbSession, user: Changer,
         version: Version = None):
    row = services.amend_code(session, user.actor, episode_id, version, code_id, position=max(1, to))
    return workspace(request, session, user, episode_id, f"Moved {row.code}.")


@router.post("/codes/{code_id}/amend")
def amend(request: Request, episode_id: int, code_id: int, session: DbSession, user: Changer,
          version: Version = None, code: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
          performed_on: Annotated[str, Form()] = ""):
    when = parse_date(performed_on, "the date performed")
    if when is not None:
        episode = services.get_episode(session, user.actor, episode_id)
        spell = episode.spell
        first = local_date(spell.admission_date)
        last = local_date(spell.discharge_date)
        if (first and when < first) or (last and when > last):
            raise ValidationFailed(f"the date performed ({when:%d %b %Y}) is outside the hospital spell "
                                   f"({first:%d %b %Y} to {last:%d %b %Y})" if first and last else
                                   "the date performed is outside the hospital spell")
    row = services.amend_code(session, user.actor, episode_id, version, code_id, code=code.strip() or None,
                              performed_on=when, reason=reason or None)
    done = f"Changed to {row.code} {row.title}." if code.strip() else f"Saved {row.code}."
    return workspace(request, session, user, episode_id, done)


def parse_date(value: str, what: str) -> date | None:
    """A date from a form's date field (ISO, as browsers send it), or a clear refusal."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{what} is not a date (use the date picker, or type it as YYYY-MM-DD)") from None


@router.post("/codes/{code_id}/remove")
def remove(request: Request, episode_id: int, code_id: int, session: DbSession, user: Changer,
           version: Version = None, reason: Annotated[str, Form()] = ""):
    episode = services.get_episode(session, user.actor, episode_id)
    code = next((c.code for c in episode.codes if c.id == code_id), "")
    services.remove_code(session, user.actor, episode_id, version, code_id, reason=reason or None)
    return workspace(request, session, user, episode_id, f"Removed {code}.")


@router.post("/finalise")
def finalise(request: Request, episode_id: int, session: DbSession, user: Changer, version: Version = None):
    services.finalise(session, user.actor, episode_id, version)
    return workspace(request, session, user, episode_id, "The coding is finalised and locked.")


@router.post("/reopen")
def reopen(request: Request, episode_id: int, session: DbSession, user: Changer, version: Version = None,
           reason: Annotated[str, Form()] = ""):
    services.reopen(session, user.actor, episode_id, reason, expected_version=version)
    return workspace(request, session, user, episode_id, "The episode is re-opened for coding.")
