"""Routes under /events/{event_id}/participants."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from sqlmodel import Session

from service.auth.dependencies import ActorDep, OrganizerDep
from service.auth.service import Actor
from service.core.database import SessionDep
from service.core.errors import ProblemError, not_found
from service.core.i18n import vi_en
from service.events.service import get_event
from service.kit.pagination import Page, PageDep
from service.notifications.service import consent_of
from service.organizations.models import Organization
from service.participants import service
from service.participants.models import (
    ParticipantCreate,
    ParticipantPublic,
    ParticipantUpdate,
    ParticipantWithToken,
    Side,
)

router = APIRouter(prefix="/events/{event_id}/participants", tags=["participants"])


def _forbid_unless_self_or_organizer(actor: Actor, event_id: int, participant_id: int) -> None:
    # A participant asking about anyone else gets the same 404 as for an unknown id, so
    # ids cannot be probed.
    if actor.is_organizer or actor.is_participant(participant_id):
        return
    raise not_found(f"participant {participant_id}")


def with_notifications(
    *, session: Session, public: ParticipantPublic, participant_id: int
) -> ParticipantPublic:
    """The participant's answer with its e-mail categories (single-participant routes)."""
    public.notifications = consent_of(session=session, participant_id=participant_id)
    return public


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register an organisation for the event",
    description="The response carries the participant's token, calendar and page links; the "
    "token is stored hashed and shown only this once.",
)
def create_participant(
    event_id: int, data: ParticipantCreate, session: SessionDep, _: OrganizerDep, request: Request
) -> ParticipantWithToken:
    event = get_event(session=session, event_id=event_id)
    participant, token = service.create_participant(
        session=session,
        event=event,
        data=data,
        settings=request.app.state.settings,
    )
    org = session.get(Organization, participant.organization_id)
    return service.participant_with_token(
        participant=participant,
        org=org,
        token=token,
        public_url=request.app.state.settings.public_base,
    )


@router.get(
    "",
    summary="The event's participants",
    description="Organisers see everything; a participant of the event sees the directory "
    "without delegates' e-mail addresses.",
)
def list_participants(
    event_id: int,
    session: SessionDep,
    page: PageDep,
    actor: ActorDep,
    side: Side | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Words that must all occur (accent- and case-insensitive) in the "
            "organisation's name, province or country, or a delegate's name or title",
        ),
    ] = None,
) -> Page[ParticipantPublic]:
    get_event(session=session, event_id=event_id)
    if not actor.is_organizer and actor.event_id != event_id:
        # The same answer as for an unknown event: a draft event's existence stays hidden.
        raise not_found(f"event {event_id}")
    rows, total = service.list_participants(
        session=session,
        event_id=event_id,
        side=side,
        limit=page.limit,
        offset=page.offset,
        query=q,
    )
    items = [
        service.participant_public(
            p,
            o,
            with_contacts=actor.is_organizer or actor.is_participant(p.id),  # type: ignore[arg-type]
        )
        for p, o in rows
    ]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/{participant_id}", summary="A participant (itself, or any for organisers)")
def get_participant(
    event_id: int, participant_id: int, session: SessionDep, actor: ActorDep
) -> ParticipantPublic:
    _forbid_unless_self_or_organizer(actor, event_id, participant_id)
    participant = service.get_participant(
        session=session, event_id=event_id, participant_id=participant_id
    )
    return with_notifications(
        session=session,
        public=service.participant_public(
            participant, session.get(Organization, participant.organization_id)
        ),
        participant_id=participant_id,
    )


@router.patch(
    "/{participant_id}",
    summary="Change delegates, availability, caps or e-mail categories",
    description="`notifications` turns e-mail categories on or off (requests, schedule, "
    "reminders, mailings, follow_up); the welcome with the personal link is always sent.",
)
def update_participant(
    event_id: int,
    participant_id: int,
    data: ParticipantUpdate,
    session: SessionDep,
    actor: ActorDep,
) -> ParticipantPublic:
    _forbid_unless_self_or_organizer(actor, event_id, participant_id)
    if not actor.is_organizer and data.side is not None:
        raise ProblemError(403, vi_en("problem.403"), "Only organisers change the side")
    event = get_event(session=session, event_id=event_id)
    participant = service.get_participant(
        session=session, event_id=event_id, participant_id=participant_id
    )
    participant = service.update_participant(
        session=session, event=event, participant=participant, data=data
    )
    return with_notifications(
        session=session,
        public=service.participant_public(
            participant, session.get(Organization, participant.organization_id)
        ),
        participant_id=participant_id,
    )


@router.post(
    "/{participant_id}/token",
    summary="Rotate the participant's token",
    description="Issues a new token; the old token, page and calendar address stop working.",
)
def rotate_token(
    event_id: int, participant_id: int, session: SessionDep, actor: ActorDep, request: Request
) -> ParticipantWithToken:
    _forbid_unless_self_or_organizer(actor, event_id, participant_id)
    participant = service.get_participant(
        session=session, event_id=event_id, participant_id=participant_id
    )
    token = service.rotate_token(session=session, participant=participant)
    return service.participant_with_token(
        participant=participant,
        org=session.get(Organization, participant.organization_id),
        token=token,
        public_url=request.app.state.settings.public_base,
    )
