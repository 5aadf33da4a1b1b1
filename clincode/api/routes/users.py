"""Users, roles and their API tokens (administrators)."""
from __future__ import annotations

from fastapi import APIRouter, Request

from ...store import services as sv
from ..deps import SessionDep, commit, needs
from ..schemas import TokenIn, TokenOut, UserIn, UserOut

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=list[UserOut], summary="All users")
def list_users(session: SessionDep, actor: needs("users:manage")) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in sv.list_users(session, actor)]


@router.post("", response_model=UserOut, status_code=201, summary="Create a user with a role")
def create_user(body: UserIn, session: SessionDep, actor: needs("users:manage")) -> UserOut:
    user = sv.create_user(session, actor, body.username, body.role, body.display_name)
    commit(session)
    return UserOut.model_validate(user)


@router.post("/{username}/tokens", response_model=TokenOut, status_code=201, summary="Issue an API token (shown once)")
def issue_token(username: str, body: TokenIn, session: SessionDep, actor: needs("users:manage")) -> TokenOut:
    token = sv.issue_token(session, actor, username, body.label, body.valid_days)
    commit(session)
    return TokenOut(token=token)


@router.delete("/{username}/tokens", summary="Revoke all the user's tokens")
def revoke_tokens(username: str, request: Request, session: SessionDep, actor: needs("users:manage")) -> dict:
    n = sv.revoke_tokens(session, actor, username)
    commit(session)
    request.app.state.token_cache.clear()  # revoked here means refused from the next request on
    return {"revoked": n}
