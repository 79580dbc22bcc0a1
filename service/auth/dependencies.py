"""FastAPI dependencies: ActorDep (anyone, maybe signed in), OrganizerDep."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from service.auth.service import Actor, resolve_token
from service.core.database import SessionDep
from service.core.errors import ProblemError
from service.core.i18n import vi_en

bearer = HTTPBearer(auto_error=False, description="Organiser or participant token")

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _actor_of(
    request: Request, session: Session, credentials: HTTPAuthorizationCredentials
) -> Actor:
    admin = request.app.state.settings.admin_token
    actor = resolve_token(
        session=session,
        token=credentials.credentials,
        admin_token=admin.get_secret_value() if admin else None,
    )
    if actor is None:
        raise ProblemError(403, vi_en("problem.403"), "The token is not valid", headers=_CHALLENGE)
    return actor


def _unauthorized() -> ProblemError:
    return ProblemError(
        401,
        vi_en("problem.401"),
        "Send 'Authorization: Bearer <token>'",
        headers=_CHALLENGE,
    )


async def optional_actor(
    request: Request, session: SessionDep, credentials: BearerDep
) -> Actor | None:
    """The caller, or None without credentials. Async so an anonymous request never
    leaves the event loop; a token is looked up in a worker thread (a database query)."""
    if credentials is None:
        return None
    return await anyio.to_thread.run_sync(partial(_actor_of, request, session, credentials))


def signed_in_actor(
    *, request: Request, session: Session, credentials: HTTPAuthorizationCredentials | None
) -> Actor:
    """What :data:`ActorDep` gives, for a sync handler to resolve in its own worker thread:
    the hottest reads (an agenda) save a thread round trip that way."""
    if credentials is None:
        raise _unauthorized()
    return _actor_of(request, session, credentials)


# The checks below do no I/O: `async def` keeps them on the event loop, where a plain
# `def` would cost each request a hop to a worker thread and back (and under load a wait
# for the GIL on each side).


async def required_actor(actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    if actor is None:
        raise _unauthorized()
    return actor


async def organizer(actor: Annotated[Actor, Depends(required_actor)]) -> Actor:
    if not actor.is_organizer:
        raise ProblemError(403, vi_en("problem.403"), "Organisers only")
    return actor


MaybeActorDep = Annotated[Actor | None, Depends(optional_actor)]
ActorDep = Annotated[Actor, Depends(required_actor)]
OrganizerDep = Annotated[Actor, Depends(organizer)]
