"""FastAPI dependencies: ActorDep (anyone, maybe signed in), OrganizerDep."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.auth.service import Actor, resolve_token
from service.database import SessionDep
from service.errors import ProblemError

bearer = HTTPBearer(auto_error=False, description="Organiser or participant token")

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def optional_actor(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor | None:
    if credentials is None:
        return None
    admin = request.app.state.settings.admin_token
    actor = resolve_token(
        session=session,
        token=credentials.credentials,
        admin_token=admin.get_secret_value() if admin else None,
    )
    if actor is None:
        raise ProblemError(
            403, "Không có quyền / Forbidden", "The token is not valid", headers=_CHALLENGE
        )
    return actor


def required_actor(actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    if actor is None:
        raise ProblemError(
            401,
            "Chưa xác thực / Unauthorized",
            "Send 'Authorization: Bearer <token>'",
            headers=_CHALLENGE,
        )
    return actor


def organizer(actor: Annotated[Actor, Depends(required_actor)]) -> Actor:
    if not actor.is_organizer:
        raise ProblemError(403, "Không có quyền / Forbidden", "Organisers only")
    return actor


MaybeActorDep = Annotated[Actor | None, Depends(optional_actor)]
ActorDep = Annotated[Actor, Depends(required_actor)]
OrganizerDep = Annotated[Actor, Depends(organizer)]
