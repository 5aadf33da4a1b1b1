"""Users, roles and API tokens. Tokens are random, shown once, and stored only as SHA-256."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..errors import NotFound, ValidationFailed
from ..models import ApiToken, User, utcnow
from ..roles import Role
from ._common import Actor, audit, require

TOKEN_PREFIX = "cc_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(session: Session, actor: Actor, username: str, role: Role | str, display_name: str = "") -> User:
    require(actor, "users:manage")
    try:
        role = Role(role)
    except ValueError:
        raise ValidationFailed(f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}") from None
    username = (username or "").strip()
    if not username or len(username) > 64 or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise ValidationFailed("a username is 1-64 letters, digits, '.', '_' or '-'")
    if session.scalars(select(User).where(User.username == username)).first():
        raise ValidationFailed(f"user {username!r} already exists")
    user = User(username=username, role=role.value, display_name=display_name or username, created_at=utcnow())
    session.add(user)
    session.flush()
    audit(session, actor, "create_user", "user", user.id, after={"username": username, "role": role.value})
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def list_users(session: Session, actor: Actor) -> list[User]:
    require(actor, "users:manage")
    return list(session.scalars(select(User).order_by(User.username)))


def set_role(session: Session, actor: Actor, username: str, role: Role | str, active: bool | None = None) -> User:
    require(actor, "users:manage")
    user = get_user(session, username)
    before = {"role": user.role, "active": user.active}
    user.role = Role(role).value
    if active is not None:
        user.active = active
    audit(session, actor, "update_user", "user", user.id, before=before, after={"role": user.role, "active": user.active})
    session.flush()
    return user


def issue_token(session: Session, actor: Actor, username: str, label: str = "",
                valid_days: int | None = None) -> str:
    """A new bearer token for the user. Returned once; only its hash is kept."""
    require(actor, "users:manage")
    user = get_user(session, username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=valid_days) if valid_days else None
    row = ApiToken(user_id=user.id, token_hash=hash_token(token), label=label, created_at=utcnow(), expires_at=expires)
    session.add(row)
    session.flush()
    audit(session, actor, "issue_token", "api_token", row.id, after={"username": username, "label": label})
    return token


def revoke_tokens(session: Session, actor: Actor, username: str) -> int:
    require(actor, "users:manage")
    user = get_user(session, username)
    n = 0
    for t in user.tokens:
        if t.revoked_at is None:
            t.revoked_at = utcnow()
            n += 1
    audit(session, actor, "revoke_tokens", "user", user.id, after={"revoked": n})
    session.flush()
    return n


def authenticate(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The active user holding this token, or None (unknown, revoked or expired)."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(token))
                          .options(joinedload(ApiToken.user))).first()
    if row is None or row.revoked_at is not None:
        return None
    now = now or utcnow()
    if row.expires_at is not None and row.expires_at <= now:
        return None
    user = row.user
    return user if user.active else None
