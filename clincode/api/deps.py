"""Dependencies every route declares in its signature: the session, the signed-in user and the
permission the route needs (``Permission("episodes:code")``), in the style of the FastAPI
full-stack template (``Annotated[..., Depends(...)]``).
"""
from __future__ import annotations

from typing import Annotated, AsyncIterator

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..store.db import Database
from ..store.errors import VersionConflict
from ..store.models import User
from ..store.roles import PERMISSIONS, Role, allowed
from ..store.services import Actor, authenticate

_bearer = HTTPBearer(auto_error=False, description="an API token issued with `clincode users token`")


# Cheap dependencies are ``async def``: FastAPI runs sync ones in the thread pool, and each hop
# costs about a millisecond under load. Only the token lookup and the route itself touch the DB.
async def get_database(request: Request) -> Database:
    return request.app.state.database


DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_session(db: DatabaseDep) -> AsyncIterator[Session]:
    session = db.sessionmaker()  # no connection yet: it is taken on first use, in the route's thread
    try:
        yield session
    finally:
        await run_in_threadpool(_discard, session)


def _discard(session: Session) -> None:
    session.rollback()  # anything a route did not commit is discarded
    session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def commit(session: Session) -> None:
    """Commit a route's changes; a lost race on the episode's version becomes a 409."""
    try:
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise VersionConflict() from exc


def get_current_user(session: SessionDep,
                     credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in: send 'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})
    user = authenticate(session, credentials.credentials)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the token is unknown, revoked or expired",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


class Permission:
    """Route dependency: the signed-in user's role must hold this permission, else 403.

    Instances are inspectable (``.name``), which is how the permission test walks every route.
    """

    def __init__(self, name: str):
        if name not in PERMISSIONS:
            raise KeyError(f"unknown permission {name!r}")
        self.name = name

    async def __call__(self, user: CurrentUser) -> Actor:
        if not allowed(user.role, self.name):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"the {Role(user.role).value} role may not do this ({self.name})")
        return Actor.of(user)

    def __repr__(self) -> str:
        return f"Permission({self.name!r})"


def needs(name: str):
    """``actor: needs("episodes:read")`` in a route signature."""
    return Annotated[Actor, Depends(Permission(name))]
