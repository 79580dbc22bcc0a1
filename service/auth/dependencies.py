"""FastAPI dependencies: ActorDep (anyone, maybe signed in), OrganizerDep."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from service.auth.service import Actor, resolve_token, resolve_token_and_version
from service.core.database import SessionDep
from service.core.errors import ProblemError
from service.core.i18n import vi_en

bearer = HTTPBearer(auto_error=False, description="Organiser or participant token")

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _admin_token(request: Request) -> str | None:
    admin = request.app.state.settings.admin_token
    return admin.get_secret_value() if admin else None


def _invalid_token() -> ProblemError:
    return ProblemError(403, vi_en("problem.403"), "The token is not valid", headers=_CHALLENGE)


def _actor_of(
    request: Request, session: Session, credentials: HTTPAuthorizationCredentials
) -> Actor:
    actor = resolve_token(
        session=session, token=credentials.credentials, admin_token=_admin_token(request)
    )
    if actor is None:
        raise _invalid_token()
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


def signed_in_actor_and_version(
    *, request: Request, session: Session, credentials: HTTPAuthorizationCredentials | None
) -> tuple[Actor, int]:
    """The caller (as :data:`ActorDep` gives it) and the data version, for a sync handler
    that serves a cached answer while the version stands (an agenda). Resolved in the
    handler's own worker thread, which saves a thread round trip, and a participant's
    token costs one statement for both."""
    if credentials is None:
        raise _unauthorized()
    found = resolve_token_and_version(
        session=session, token=credentials.credentials, admin_token=_admin_token(request)
    )
    if found is None:
        raise _invalid_token()
    return found


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
