"""Dependencies every route declares in its signature: the session, the signed-in user and the
permission the route needs (``Permission("episodes:code")``), in the style of the FastAPI
full-stack template (``Annotated[..., Depends(...)]``).
"""
from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime
from typing import Annotated, AsyncIterator

import anyio
import anyio.to_thread
from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..store.db import Database
from ..store.errors import VersionConflict
from ..store.models import ApiToken, User, utcnow
from ..store.roles import PERMISSIONS, Role, allowed
from ..store.services import Actor, hash_token
from ..store.services.users import TOKEN_PREFIX

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
        if session.in_transaction():
            # Its own small pool: a session holding the SQLite write queue must be able to end
            # even when every request thread is busy waiting for that queue.
            await anyio.to_thread.run_sync(_discard, session, limiter=_cleanup_limiter())
        else:  # the route closed it already (the hot read paths do): no database work, no thread hop
            session.close()


_CLEANUP: list[anyio.CapacityLimiter] = []


def _cleanup_limiter() -> anyio.CapacityLimiter:
    if not _CLEANUP:
        _CLEANUP.append(anyio.CapacityLimiter(4))
    return _CLEANUP[0]


async def in_api_thread(request: Request, fn, *args):
    """Run ``fn(*args)`` on the API's own few threads (``app.state.api_executor``, made at
    start-up; anyio's default pool when the app was not started, e.g. a TestClient without
    ``with``). ``fn`` must end its own transaction: nothing it holds may need another of these
    threads to finish (a SQLite writer commits in the same call).

    A plain ``ThreadPoolExecutor`` rather than anyio's ``to_thread``: the same hand-off for about
    a third of the CPU (anyio adds a capacity limiter, cancel scopes and its own worker queue,
    ~30-75 us a call against ~15-25 us, measured), paid twice per coding and once per read."""
    executor = getattr(request.app.state, "api_executor", None)
    if executor is None:
        return await anyio.to_thread.run_sync(fn, *args)
    return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)


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


class TokenCache:
    """Verified tokens for a few seconds, keyed by the token's SHA-256 (the token itself is never
    kept), so a busy client costs one token lookup per ``ttl`` seconds instead of one a request.

    Only successful look-ups are cached: an unknown token is looked up every time, and a newly
    issued one works at once. An entry never outlives the token's own expiry. Revoking tokens or
    changing a role through this API clears the cache at once; a change made elsewhere (the
    command line, another server process) takes effect within ``ttl`` seconds.
    ``CLINCODE_API_TOKEN_TTL=0`` turns the cache off.
    """

    MAX_ENTRIES = 10_000

    def __init__(self, ttl: float | None = None):
        self.ttl = float(os.environ.get("CLINCODE_API_TOKEN_TTL", "5")) if ttl is None else ttl
        self._entries: dict[str, tuple[Actor, float]] = {}

    def get(self, token_hash: str) -> Actor | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            self._entries.pop(token_hash, None)
            return None
        return entry[0]

    def put(self, token_hash: str, actor: Actor, token_expires_at: datetime | None) -> None:
        if self.ttl <= 0:
            return
        until = time.monotonic() + self.ttl
        if token_expires_at is not None:
            until = min(until, time.monotonic() + (token_expires_at - utcnow()).total_seconds())
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[token_hash] = (actor, until)

    def clear(self) -> None:
        self._entries.clear()


def _verify_token(db: Database, token: str, token_hash: str, cache: TokenCache) -> Actor | None:
    """The actor holding an active, unrevoked, unexpired token (same rule as
    ``services.authenticate``), cached on success. Runs in a worker thread."""
    with db.sessionmaker() as session:
        row = session.execute(
            select(ApiToken.revoked_at, ApiToken.expires_at, User.username, User.role, User.active)
            .join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == token_hash)).first()
        session.rollback()
    if row is None or row.revoked_at is not None or not row.active:
        return None
    if row.expires_at is not None and row.expires_at <= utcnow():
        return None
    actor = Actor(row.username, Role(row.role))
    cache.put(token_hash, actor, row.expires_at)
    return actor


async def get_current_user(request: Request,
                           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
    """The signed-in user as an ``Actor``: every request is authenticated, from the cache when
    the same token was verified in the last few seconds, else against the store."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in: send 'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})
    token = credentials.credentials
    actor = None
    if token and token.startswith(TOKEN_PREFIX):
        cache: TokenCache = request.app.state.token_cache
        token_hash = hash_token(token)
        actor = cache.get(token_hash)
        if actor is None:
            actor = await run_in_threadpool(_verify_token, request.app.state.database, token, token_hash, cache)
    if actor is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the token is unknown, revoked or expired",
                            headers={"WWW-Authenticate": "Bearer"})
    return actor


CurrentUser = Annotated[Actor, Depends(get_current_user)]


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
        return user

    def __repr__(self) -> str:
        return f"Permission({self.name!r})"


def needs(name: str):
    """``actor: needs("episodes:read")`` in a route signature."""
    return Annotated[Actor, Depends(Permission(name))]
