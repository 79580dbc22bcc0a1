"""Routes under /events: events and their sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from service.auth.dependencies import MaybeActorDep, OrganizerDep
from service.core.database import SessionDep
from service.core.errors import not_found
from service.events import service
from service.events.models import (
    EventCreate,
    EventPublic,
    EventStatus,
    EventUpdate,
    SessionCreate,
    SessionPublic,
    SessionUpdate,
)
from service.kit.pagination import Page, PageDep

router = APIRouter(prefix="/events", tags=["events"])


def _public_url(request: Request) -> str:
    return request.app.state.settings.public_base


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create an event")
def create_event(
    data: EventCreate, session: SessionDep, _: OrganizerDep, request: Request
) -> EventPublic:
    event = service.create_event(session=session, data=data)
    return service.event_public(session=session, event=event, public_url=_public_url(request))


@router.get("", summary="Search events", description="`q` is accent-insensitive.")
def list_events(
    session: SessionDep,
    page: PageDep,
    actor: MaybeActorDep,
    request: Request,
    q: Annotated[str | None, Query(max_length=200, examples=["gap go han quoc"])] = None,
    status_: Annotated[EventStatus | None, Query(alias="status")] = None,
) -> Page[EventPublic]:
    if status_ is EventStatus.draft and not (actor and actor.is_organizer):
        return Page(items=[], total=0, limit=page.limit, offset=page.offset)
    events, total = service.list_events(
        session=session,
        query=q,
        status=status_,
        limit=page.limit,
        offset=page.offset,
        include_drafts=bool(actor and actor.is_organizer),
    )
    url = _public_url(request)
    return Page(
        items=[service.event_public(session=session, event=e, public_url=url) for e in events],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{event_id}", summary="An event")
def get_event(
    event_id: int, session: SessionDep, actor: MaybeActorDep, request: Request
) -> EventPublic:
    event = service.get_event(session=session, event_id=event_id)
    if event.status is EventStatus.draft and not (actor and actor.is_organizer):
        raise not_found(f"event {event_id}")
    return service.event_public(session=session, event=event, public_url=_public_url(request))


@router.patch("/{event_id}", summary="Change an event")
def update_event(
    event_id: int, data: EventUpdate, session: SessionDep, _: OrganizerDep, request: Request
) -> EventPublic:
    event = service.get_event(session=session, event_id=event_id)
    event = service.update_event(session=session, event=event, data=data)
    return service.event_public(session=session, event=event, public_url=_public_url(request))


@router.post(
    "/{event_id}/sessions",
    status_code=status.HTTP_201_CREATED,
    summary="Add a session",
    description="b2b sessions need `slot_minutes` and `tables`; naive times are read in the "
    "event's time zone.",
)
def create_session(
    event_id: int, data: SessionCreate, session: SessionDep, _: OrganizerDep
) -> SessionPublic:
    event = service.get_event(session=session, event_id=event_id)
    row = service.create_session(session=session, event=event, data=data)
    return service.session_public(row)


@router.get("/{event_id}/sessions", summary="The event's programme")
def list_sessions(
    event_id: int, session: SessionDep, page: PageDep, actor: MaybeActorDep
) -> Page[SessionPublic]:
    event = service.get_event(session=session, event_id=event_id)
    if event.status is EventStatus.draft and not (actor and actor.is_organizer):
        raise not_found(f"event {event_id}")
    rows = service.list_sessions(session=session, event_id=event_id)
    items = [service.session_public(r) for r in rows]
    return Page(
        items=items[page.offset : page.offset + page.limit],
        total=len(items),
        limit=page.limit,
        offset=page.offset,
    )


@router.patch("/{event_id}/sessions/{session_id}", summary="Rename or relocate a session")
def update_session(
    event_id: int, session_id: int, data: SessionUpdate, session: SessionDep, _: OrganizerDep
) -> SessionPublic:
    row = service.get_session_row(session=session, event_id=event_id, session_id=session_id)
    row = service.update_session(session=session, row=row, data=data)
    return service.session_public(row)


@router.delete(
    "/{event_id}/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a session that holds no meetings",
)
def delete_session(
    event_id: int, session_id: int, session: SessionDep, _: OrganizerDep
) -> Response:
    row = service.get_session_row(session=session, event_id=event_id, session_id=session_id)
    service.delete_session(session=session, row=row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
