"""Who is using the web application: sign in, sign out, the current coder, CSRF protection.

Coders sign in with their username and the access token the API also accepts
(``clincode.store.services.authenticate``), so there is one list of users and one way to
revoke access. Every page states the permission it needs (``clincode.store.roles``); the
service layer checks it again.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from ..store.roles import Role, allowed
from ..store.services import Actor
from ..store.models import User
from .session import COOKIE_NAME, SessionSigner, WebSession

ROLE_LABELS = {
    Role.CODER: "coder", Role.SENIOR_CODER: "senior coder", Role.AUDITOR: "auditor",
    Role.CODING_MANAGER: "coding manager", Role.ADMINISTRATOR: "administrator", Role.INTEGRATION: "integration",
}


class SignInRequired(Exception):
    """Raised by the current-user dependency; the app turns it into a redirect to sign in."""

    def __init__(self, next_url: str):
        self.next_url = next_url


class Forbidden(Exception):
    def __init__(self, message: str):
        self.message = message


@dataclass(frozen=True, slots=True)
class WebUser:
    username: str
    display_name: str
    role: Role
    csrf: str

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role.value)

    def may(self, permission: str) -> bool:
        return allowed(self.role, permission)


def signer(request: Request) -> SessionSigner:
    return request.app.state.signer


def db_session(request: Request):
    """One unit of work per request: committed when the handler returns, rolled back on error."""
    with request.app.state.db.session() as session:
        yield session


# scope="function": the commit happens before the response leaves, so a coder is never told
# "saved" about a change whose commit then failed, and their next click reads what they saved.
DbSession = Annotated[Session, Depends(db_session, scope="function")]


def _session_of(request: Request) -> WebSession | None:
    return signer(request).read(request.cookies.get(COOKIE_NAME))


def current_user(request: Request, session: DbSession) -> WebUser:
    """The signed-in coder; deactivated users lose access at their next click."""
    web = _session_of(request)
    user = None
    if web is not None:
        user = session.query(User).filter(User.username == web.username).first()
    if user is None or not user.active:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    try:
        role = Role(user.role)
    except ValueError:
        raise Forbidden("your account has no valid role: ask your system administrator") from None
    return WebUser(user.username, user.display_name or user.username, role, web.csrf)


CurrentUser = Annotated[WebUser, Depends(current_user)]


def needs(permission: str):
    """A dependency: the current user, refused unless their role holds ``permission``."""

    def dependency(user: CurrentUser) -> WebUser:
        if not user.may(permission):
            raise Forbidden(f"your role ({user.role_label}) may not do this")
        return user

    return dependency


Reader = Annotated[WebUser, Depends(needs("episodes:read"))]
Coder = Annotated[WebUser, Depends(needs("episodes:code"))]


async def check_csrf(request: Request, user: CurrentUser) -> WebUser:
    """Changes need the session's CSRF token, in the X-CSRF-Token header (htmx) or form field."""
    sent = request.headers.get("x-csrf-token")
    if not sent:
        form = await request.form()
        sent = form.get("csrf_token")
    if not sent or not hmac.compare_digest(str(sent), user.csrf):
        raise Forbidden("this form has expired: reload the page and try again")
    return user


Changer = Annotated[WebUser, Depends(check_csrf)]


def safe_next(next_url: str | None) -> str:
    """Only local paths after sign-in (an open redirect would help phishing)."""
    if next_url and next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url:
        return next_url
    return "/"
