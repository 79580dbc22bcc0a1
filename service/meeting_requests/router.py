"""Routes for meeting requests and pair preferences (wishes and blocks).

Who may do what:
- a participant sends requests and records preferences only for itself (403 when it
  names another sender: the answer is the same whether that participant exists or not);
- the requested participant accepts or declines, the sender withdraws; organisers may do
  all three;
- a participant sees only requests it sent or received, and only its own preferences
  (a block stays private to whoever set it); a request or preference of others answers
  404, exactly like an unknown id, so ids cannot be probed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status

from service.auth.dependencies import ActorDep
from service.auth.service import Actor
from service.booking import service as live
from service.booking.models import AcceptAnswer
from service.core.database import SessionDep
from service.core.errors import ProblemError, invalid, not_found
from service.core.i18n import vi_en
from service.events.models import BookingMode
from service.events.service import get_event
from service.kit.pagination import Page, PageDep
from service.meeting_requests import service
from service.meeting_requests.models import (
    AcceptBody,
    MeetingRequest,
    MeetingRequestCreate,
    MeetingRequestPublic,
    PreferenceCreate,
    PreferenceKind,
    PreferencePublic,
    RequestStatus,
)
from service.meetings.service import meeting_public

router = APIRouter(tags=["meeting requests"])


def _forbidden(detail: str) -> ProblemError:
    return ProblemError(403, vi_en("problem.403"), detail)


def _require_self_or_organizer(actor: Actor, event_id: int, participant_id: int) -> None:
    if actor.is_organizer:
        return
    if actor.event_id != event_id or actor.participant_id != participant_id:
        raise _forbidden("A participant acts only for itself")


def _visible_participant(actor: Actor, event_id: int, participant_id: int | None) -> int | None:
    """The participant whose items the caller may list (None: everyone, organisers only)."""
    if actor.is_organizer:
        return participant_id
    if actor.event_id != event_id:
        raise not_found(f"event {event_id}")
    if participant_id is not None and participant_id != actor.participant_id:
        raise not_found(f"participant {participant_id}")
    return actor.participant_id


def _party_or_404(actor: Actor, request: MeetingRequest) -> None:
    if actor.is_organizer:
        return
    if actor.participant_id not in (request.from_participant_id, request.to_participant_id):
        raise not_found(f"meeting request {request.id}")


# ---------------------------------------------------------------- requests


@router.post(
    "/events/{event_id}/meeting-requests",
    status_code=status.HTTP_201_CREATED,
    summary="Ask another participant for a meeting",
    description=(
        "Sent by the participant itself or by an organiser. 422 for a request to oneself, "
        "to a participant of the same side (unless the event allows it) or to/from a "
        "participant of another event; 409 when the pair already has an open request "
        "(either direction), a meeting or an accepted request, or when the sender already "
        "has the event's `max_pending_requests` unanswered requests. Pending requests "
        "expire after the event's `request_expiry_hours`."
    ),
)
def create_request(
    event_id: int, data: MeetingRequestCreate, session: SessionDep, actor: ActorDep
) -> MeetingRequestPublic:
    event = get_event(session=session, event_id=event_id)
    _require_self_or_organizer(actor, event_id, data.from_participant_id)
    request = service.create_request(session=session, event=event, data=data)
    return service.request_public(request, event)


@router.get(
    "/events/{event_id}/meeting-requests",
    summary="Meeting requests of the event (organisers) or of one participant",
    description="A participant sees the requests it sent or received. `direction` needs a "
    "participant: `incoming` are requests to it, `outgoing` requests from it.",
)
def list_requests(
    event_id: int,
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    participant_id: Annotated[int | None, Query()] = None,
    status_: Annotated[RequestStatus | None, Query(alias="status")] = None,
    direction: service.Direction | None = None,
) -> Page[MeetingRequestPublic]:
    event = get_event(session=session, event_id=event_id)
    participant_id = _visible_participant(actor, event_id, participant_id)
    if direction is not None and participant_id is None:
        raise invalid("query.participant_id", "is required with direction")
    rows, total = service.list_requests(
        session=session,
        event=event,
        participant_id=participant_id,
        status=status_,
        direction=direction,
        limit=page.limit,
        offset=page.offset,
    )
    items = [service.request_public(r, event) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/meeting-requests/{request_id}", summary="One meeting request")
def get_request(request_id: int, session: SessionDep, actor: ActorDep) -> MeetingRequestPublic:
    request = service.get_request(session=session, request_id=request_id)
    _party_or_404(actor, request)
    event = get_event(session=session, event_id=request.event_id)
    service.expire_stale_requests(session=session, event=event)
    return service.request_public(request, event)


def _answer(
    request_id: int, action: str, session: SessionDep, actor: Actor
) -> MeetingRequestPublic:
    request = service.get_request(session=session, request_id=request_id)
    _party_or_404(actor, request)
    answering = request.from_participant_id if action == "withdraw" else request.to_participant_id
    if not actor.is_organizer and actor.participant_id != answering:
        raise _forbidden(
            "only the sender withdraws a request"
            if action == "withdraw"
            else "only the requested participant accepts or declines"
        )
    event = get_event(session=session, event_id=request.event_id)
    request = service.answer_request(session=session, event=event, request=request, action=action)
    return service.request_public(request, event)


@router.post(
    "/meeting-requests/{request_id}/accept",
    summary="Accept a request (the requested participant or an organiser)",
    description=(
        "409 unless the request is pending. In an event whose `booking_mode` is "
        "`organizer`, the accepted request becomes a required meeting for the next "
        "scheduler run. In `live` mode the meeting is booked at once, in the same "
        "transaction: at `starts_at` when given (one of the proposed times or any slot "
        "start both sides have free, see free-times), else at the best common free slot "
        "(fewest added breaks, then earliest), with a free table and, where needed, an "
        "interpreter; the answer carries `meeting`. When nothing fits, `meeting` is null, "
        "`unplaced_reason` says why (vi, en) and the request stays accepted for the "
        "organiser's scheduler. A `starts_at` that is not a slot start is 422."
    ),
)
def accept_request(
    request_id: int,
    session: SessionDep,
    actor: ActorDep,
    body: Annotated[AcceptBody | None, Body()] = None,
) -> AcceptAnswer:
    request = service.get_request(session=session, request_id=request_id)
    _party_or_404(actor, request)
    if not actor.is_organizer and actor.participant_id != request.to_participant_id:
        raise _forbidden("only the requested participant accepts or declines")
    event = get_event(session=session, event_id=request.event_id)
    if event.booking_mode is not BookingMode.live:
        request = service.answer_request(
            session=session, event=event, request=request, action="accept"
        )
        return AcceptAnswer(**service.request_public(request, event).model_dump())
    request = service.answer_request(
        session=session, event=event, request=request, action="accept", commit=False
    )
    booked = live.book_accepted(
        session=session, event=event, request=request, starts_at=body.starts_at if body else None
    )
    meeting = None
    if booked.meeting is not None:
        meeting = meeting_public(booked.meeting, booked.event_session)  # type: ignore[arg-type]
    answer = service.request_public(request, event).model_dump()
    session.commit()
    return AcceptAnswer(**answer, meeting=meeting, booking_note=booked.note)


@router.post(
    "/meeting-requests/{request_id}/decline",
    summary="Decline a request (the requested participant or an organiser)",
    description="409 unless the request is pending. The pair is not proposed again.",
)
def decline_request(request_id: int, session: SessionDep, actor: ActorDep) -> MeetingRequestPublic:
    return _answer(request_id, "decline", session, actor)


@router.post(
    "/meeting-requests/{request_id}/withdraw",
    summary="Withdraw a request (its sender or an organiser)",
    description="409 unless the request is pending.",
)
def withdraw_request(request_id: int, session: SessionDep, actor: ActorDep) -> MeetingRequestPublic:
    return _answer(request_id, "withdraw", session, actor)


# ---------------------------------------------------------------- preferences


@router.post(
    "/events/{event_id}/preferences",
    status_code=status.HTTP_201_CREATED,
    summary="Wish to meet, or block, another participant",
    description=(
        "A wish raises the pair in the suggestions and the scheduler's choice; a block keeps "
        "the pair out of suggestions, requests and the schedule, and closes the pair's "
        "pending requests. One preference per ordered pair: posting again replaces it "
        "(200 instead of 201)."
    ),
)
def set_preference(
    event_id: int,
    data: PreferenceCreate,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
) -> PreferencePublic:
    event = get_event(session=session, event_id=event_id)
    _require_self_or_organizer(actor, event_id, data.from_participant_id)
    row, created = service.set_preference(session=session, event=event, data=data)
    if not created:
        response.status_code = status.HTTP_200_OK
    return PreferencePublic.model_validate(row)


@router.get(
    "/events/{event_id}/preferences",
    summary="Wishes and blocks (organisers: all; a participant: its own)",
)
def list_preferences(
    event_id: int,
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    participant_id: Annotated[int | None, Query()] = None,
    kind: PreferenceKind | None = None,
) -> Page[PreferencePublic]:
    get_event(session=session, event_id=event_id)
    participant_id = _visible_participant(actor, event_id, participant_id)
    rows, total = service.list_preferences(
        session=session,
        event_id=event_id,
        participant_id=participant_id,
        kind=kind,
        limit=page.limit,
        offset=page.offset,
    )
    items = [PreferencePublic.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.delete(
    "/events/{event_id}/preferences/{preference_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a wish or a block",
)
def delete_preference(
    event_id: int, preference_id: int, session: SessionDep, actor: ActorDep
) -> Response:
    row = service.get_preference(session=session, event_id=event_id, preference_id=preference_id)
    if not actor.is_organizer and actor.participant_id != row.from_participant_id:
        raise not_found(f"preference {preference_id}")
    service.delete_preference(session=session, row=row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
