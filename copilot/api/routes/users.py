"""/v1/users (admins manage accounts) and /v1/tokens (everyone manages their own API tokens)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from copilot.api.auth_deps import Admin, Agent, forget_logins
from copilot.api.deps import PasswordsDep, StoreDep
from copilot.api.models import NewToken, TokenOut, UserOut, answers
from copilot.api.params import RowId
from copilot.api.responses import BODY, ROLE, STORE, errors
from copilot.auth import tokens as store_tokens
from copilot.auth import users as store_users

router = APIRouter(tags=["accounts"], responses=errors(ROLE, STORE))

Role = Literal["agent", "lead", "admin"]
UserName = Annotated[str, Path(min_length=1, max_length=64)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=32)
    role: Role
    password: str = Field(max_length=1024)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    password: str | None = Field(default=None, max_length=1024)
    disabled: bool | None = None


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, max_length=store_tokens.MAX_LABEL_CHARS)


@router.get("/v1/users", **answers(list[UserOut]))
def list_users(store: StoreDep, _: Admin) -> list[dict[str, Any]]:
    """Every account, by name."""
    with store.begin() as session:
        return [store_users.public(user) for user in store_users.list_users(session)]


@router.post("/v1/users", status_code=201, **answers(UserOut), responses=errors(BODY, 409))
def create_user(body: UserCreate, store: StoreDep, passwords: PasswordsDep, _: Admin) -> JSONResponse:
    """Add an account; 409 when the name is taken."""
    password_hash = passwords.hash(body.password)
    with store.begin() as session:
        user = store_users.create_user(session, name=body.name, role=body.role, password_hash=password_hash)
        created = store_users.public(user)
    return JSONResponse(created, status_code=201, headers={"Location": f"/v1/users/{quote(body.name)}"})


@router.put("/v1/users/{name}", **answers(UserOut), responses=errors(BODY, 404, 409))
def update_user(
    name: UserName, body: UserUpdate, request: Request, store: StoreDep, passwords: PasswordsDep, _: Admin
) -> dict[str, Any]:
    """Change role, password or disabled; the user's sessions end, so the change applies at once."""
    password_hash = passwords.hash(body.password) if body.password is not None else None
    with store.begin() as session:
        user = store_users.update_user(
            session, name=name, role=body.role, password_hash=password_hash, disabled=body.disabled
        )
        answer = store_users.public(user)
    forget_logins(request, user=name)
    return answer


@router.delete("/v1/users/{name}", status_code=204, responses=errors(404, 409, 422))
def delete_user(name: UserName, request: Request, store: StoreDep, _: Admin) -> Response:
    """Remove an account with its tokens and sessions."""
    with store.begin() as session:
        store_users.delete_user(session, name=name)
    forget_logins(request, user=name)
    return Response(status_code=204)


@router.get("/v1/tokens", **answers(list[TokenOut]))
def list_tokens(store: StoreDep, identity: Agent) -> list[dict[str, Any]]:
    """Your own API tokens (never their secrets), newest first."""
    with store.begin() as session:
        user = store_users.get_user(session, identity.name or "")
        return [store_tokens.public(token) for token in store_tokens.list_tokens(session, user=user)]


@router.post("/v1/tokens", status_code=201, **answers(NewToken), responses=errors(BODY))
def create_token(store: StoreDep, identity: Agent, body: TokenCreate | None = None) -> JSONResponse:
    """A new API token for yourself; `token` is shown this once and cannot be read again."""
    with store.begin() as session:
        user = store_users.get_user(session, identity.name or "")
        token, secret = store_tokens.create_token(session, user=user, label=body.label if body else None)
        created = store_tokens.public(token) | {"token": secret}
    return JSONResponse(created, status_code=201)


@router.delete("/v1/tokens/{token_id}", status_code=204, responses=errors(404, 422))
def revoke_token(token_id: RowId, request: Request, store: StoreDep, identity: Agent) -> Response:
    """Revoke one of your tokens (an admin may revoke anyone's)."""
    with store.begin() as session:
        owner = None if identity.role == "admin" else store_users.get_user(session, identity.name or "")
        store_tokens.revoke_token(session, token_id=token_id, owner=owner)
    forget_logins(request, token_id=token_id)  # on this worker at once; other workers within their cache TTL
    return Response(status_code=204)
