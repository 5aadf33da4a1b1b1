"""Sign in, sign out, the worklist and the list of clinician queries."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...store import services
from ...store.models import Episode, Spell
from ..app import path_for, render
from ..auth import DbSession, Reader, safe_next, signer
from ..clock import local_date
from ..session import COOKIE_NAME, SESSION_SECONDS
from ..worklist import WorklistQuery, build_worklist

router = APIRouter()


@router.get("/login", name="login_page")
def login_page(request: Request, next: str | None = None):
    return render(request, "login.html", {"next": next, "user": None})


@router.post("/login", name="login")
def login(request: Request, session: DbSession, username: Annotated[str, Form()] = "",
          token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = ""):
    user = services.authenticate(session, token.strip())
    if user is None or user.username != username.strip():
        # One message for every failure: it must not tell an attacker which part was wrong.
        return render(request, "login.html", {
            "error": "The username or access token is not right, or the account is not active",
            "username": username, "next": next, "user": None}, status=401)
    cookie, _ = signer(request).issue(user.username)
    response = RedirectResponse(safe_next(next) if next else path_for(request, "worklist"), status_code=303)
    response.set_cookie(COOKIE_NAME, cookie, max_age=SESSION_SECONDS, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
    return response


@router.post("/logout", name="logout")
def logout(request: Request):
    response = RedirectResponse(path_for(request, "login_page"), status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.get("/", name="worklist")
def worklist(request: Request, session: DbSession, user: Reader, status: str = "", specialty: str = "",
             consultant: str = "", ward: str = "", q: str = "", mine: str = "", page: int = 1):
    query = WorklistQuery(status=status, specialty=specialty, consultant=consultant, ward=ward, q=q.strip(),
                          mine="1" if mine else "", page=max(1, page))
    base = path_for(request, "worklist")
    context = build_worklist(session, user.actor, query, today=request.app.state.today(),
                             rules=request.app.state.rules, base_url=base)
    return render(request, "worklist.html", {"user": user, "nav": "worklist", "wide": True, **context})


@router.get("/queries", name="queries_list")
def queries_list(request: Request, session: DbSession, user: Reader, status: str = "open"):
    status = status if status in ("open", "answered", "closed", "") else "open"
    rows = services.list_queries(session, user.actor, status=status or None, limit=500)
    # The episodes' spell and patient only (list_queries checked the reader's role): one query.
    ids = {q.episode_id for q in rows}
    episodes = {e.id: e for e in session.scalars(
        select(Episode).where(Episode.id.in_(ids)).options(selectinload(Episode.spell).selectinload(Spell.patient)))
    } if ids else {}
    today = request.app.state.today()
    return render(request, "queries.html", {
        "user": user, "nav": "queries", "rows": rows, "episodes": episodes, "status": status,
        # never negative: a query raised after the page's "today" (a pinned date) is open 0 days
        "days_open": lambda q: max(0, (today - local_date(q.raised_at)).days),
        "tabs": [(s, label, f"{path_for(request, 'queries_list')}?{urlencode({'status': s})}")
                 for s, label in (("open", "Open"), ("answered", "Answered"), ("closed", "Closed"), ("", "All"))],
    })
