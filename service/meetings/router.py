"""Routes for meetings: the organiser places, moves, cancels and locks; participants
read their own agenda."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from service.attendance import service as attendance
from service.attendance.models import Attendance
from service.auth.dependencies import (
    ActorDep,
    BearerDep,
    OrganizerDep,
    signed_in_actor_and_version,
)
from service.auth.service import Actor
from service.core.database import SessionDep, end_read, read_without_transaction
from service.core.errors import invalid, not_found
from service.events.models import EventSession
from service.events.service import get_event, get_session_row, list_sessions
from service.kit.pagination import Page, PageDep
from service.meetings import service as booking
from service.meetings.agenda_cache import ListCacheDep, ListKey, list_response, stored_list
from service.meetings.interpreters import interpreter_needed
from service.meetings.models import Meeting, MeetingPublic, MeetingSource, MeetingStatus
from service.notifications.service import MeetingChange, meeting_place, notify_meeting_changes
from service.organizations.models import Organization
from service.participants.models import Participant

router = APIRouter(prefix="/events/{event_id}/meetings", tags=["meetings"])


class MeetingCreate(BaseModel):
    participants: list[int] = Field(min_length=2, max_length=2, examples=[[3, 12]])
    session_id: int
    slot: int = Field(ge=1, le=1000)
    table: int = Field(ge=1, le=10_000)
    locked: bool = False


class MeetingUpdate(BaseModel):
    session_id: int | None = None
    slot: int | None = Field(default=None, ge=1, le=1000)
    table: int | None = Field(default=None, ge=1, le=10_000)
    status: MeetingStatus | None = Field(default=None, description="'cancelled' cancels it")
    locked: bool | None = None
    # Attendance (service/attendance): held, no-show naming the absent side(s), or partial.
    attendance: Attendance | None = Field(default=None, description="Once the meeting started")
    absent: list[int] | None = Field(
        default=None, max_length=2, description="For a no-show: the participant(s) absent"
    )


class MeetingWithAttendance(MeetingPublic):
    attendance: Attendance | None = None
    absent: list[int] = Field(default_factory=list)


def _public(session: Session, meeting: object) -> MeetingPublic:
    row = session.get(EventSession, meeting.session_id)  # type: ignore[attr-defined]
    return booking.meeting_public(meeting, row)  # type: ignore[arg-type]


def _languages(session: Session, participant_id: int) -> list[str]:
    participant = session.get(Participant, participant_id)
    org = session.get(Organization, participant.organization_id) if participant else None
    return list(org.languages) if org else []


@router.post("", status_code=status.HTTP_201_CREATED, summary="Place a meeting directly")
def create_meeting(
    event_id: int, data: MeetingCreate, session: SessionDep, _: OrganizerDep, request: Request
) -> MeetingPublic:
    event = get_event(session=session, event_id=event_id)
    a, b = booking.require_same_event_pair(
        session=session,
        event_id=event_id,
        a_id=data.participants[0],
        b_id=data.participants[1],
        field_a="body.participants.0",
        field_b="body.participants.1",
    )
    try:
        event_session = get_session_row(
            session=session, event_id=event_id, session_id=data.session_id
        )
    except Exception as exc:
        raise invalid("body.session_id", f"unknown session {data.session_id}") from exc
    booking.check_placement(
        event_session=event_session, slot=data.slot, table_no=data.table, field="body"
    )
    language = interpreter_needed(
        _languages(session, a.id),  # type: ignore[arg-type]
        _languages(session, b.id),  # type: ignore[arg-type]
        list(event_session.interpreters),
    )
    meeting = booking.place_meeting(
        session=session,
        event_id=event_id,
        a=a,
        b=b,
        placement=booking.Placement(event_session, data.slot, data.table),
        source=MeetingSource.organizer,
        interpreter_language=language,
        locked=data.locked,
        commit=False,
    )
    # The invitations go in the meeting's own transaction.
    notify_meeting_changes(
        session=session,
        event=event,
        changes=[MeetingChange(meeting, "new")],
        public_url=request.app.state.settings.public_base,
    )
    booking.commit_or_conflict(session)
    return _public(session, meeting)


def _visible_participant(actor: Actor, event_id: int, participant_id: int | None) -> int | None:
    if actor.is_organizer:
        return participant_id
    if actor.event_id != event_id:
        raise not_found(f"event {event_id}")
    if participant_id is not None and participant_id != actor.participant_id:
        raise not_found(f"participant {participant_id}")
    return actor.participant_id


@router.get(
    "",
    summary="Meetings of the event (organisers) or of one participant",
    description="A participant sees only its own meetings, with or without `participant_id`. "
    "The answer carries a strong ETag; send it back in `If-None-Match` to get a 304 while "
    "nothing changed.",
    response_model=Page[MeetingPublic],
    responses={304: {"description": "Not modified: the If-None-Match copy is current"}},
)
def list_meetings(
    event_id: int,
    request: Request,
    session: SessionDep,
    credentials: BearerDep,
    page: PageDep,
    cache: ListCacheDep,
    participant_id: Annotated[int | None, Query()] = None,
    include_cancelled: bool = True,
) -> Response:
    # The token is looked up here, in this handler's thread, rather than by ActorDep in
    # one of its own: participants' phones reload the agenda all day.
    # The version is read with the token, before the rows (see service.changes): the
    # stored answer is current while the version has not moved.
    read_without_transaction(session)
    actor, version = signed_in_actor_and_version(
        request=request, session=session, credentials=credentials
    )
    participant_id = _visible_participant(actor, event_id, participant_id)
    key = ListKey(event_id, participant_id, include_cancelled, page.offset, page.limit)
    stored = cache.get(key, version=version)
    if stored is None:
        get_event(session=session, event_id=event_id)
        meetings = booking.list_meetings(
            session=session,
            event_id=event_id,
            participant_id=participant_id,
            include_cancelled=include_cancelled,
        )
        sessions = {s.id: s for s in list_sessions(session=session, event_id=event_id)}
        items = [
            booking.meeting_public(m, sessions[m.session_id])
            for m in meetings[page.offset : page.offset + page.limit]
        ]
        listed = Page(items=items, total=len(meetings), limit=page.limit, offset=page.offset)
        stored = stored_list(listed)
        cache.put(key, stored, version=version)
    end_read(session)
    return list_response(headers=request.headers, stored=stored)


@router.get("/{meeting_id}", summary="One meeting")
def get_meeting(
    event_id: int, meeting_id: int, session: SessionDep, actor: ActorDep
) -> MeetingPublic:
    meeting = booking.get_meeting(session=session, event_id=event_id, meeting_id=meeting_id)
    if not actor.is_organizer and actor.participant_id not in (
        meeting.participant_a_id,
        meeting.participant_b_id,
    ):
        raise not_found(f"meeting {meeting_id}")
    return _public(session, meeting)


@router.patch(
    "/{meeting_id}",
    summary="Move, cancel, lock or unlock a meeting, or mark its attendance",
    description="A move or a cancellation raises the meeting's sequence so calendars update it. "
    "`attendance` (held, no_show with `absent`, partial) is taken once the meeting started.",
)
def update_meeting(
    event_id: int,
    meeting_id: int,
    data: MeetingUpdate,
    session: SessionDep,
    _: OrganizerDep,
    request: Request,
) -> MeetingWithAttendance:
    meeting = booking.get_meeting(session=session, event_id=event_id, meeting_id=meeting_id)
    if data.attendance is not None or data.absent is not None:
        if data.attendance is None:
            raise invalid("body.attendance", "say held, no_show or partial with absent")
        if data.status is MeetingStatus.cancelled:
            raise invalid("body.attendance", "a meeting being cancelled takes no attendance")
        # Written with the rest of the change, or not at all.
        attendance.set_attendance(
            session=session,
            meeting=meeting,
            attendance=data.attendance,
            absent=data.absent,
            commit=False,
        )
    public_url = request.app.state.settings.public_base
    result = _update_meeting(event_id, meeting, data, session, public_url)
    session.commit()
    row = attendance.attendance_of(session=session, meeting_id=meeting.id)  # type: ignore[arg-type]
    return MeetingWithAttendance(
        **result.model_dump(),
        attendance=row.attendance if row else None,
        absent=attendance.absent_ids(meeting, row),
    )


def _update_meeting(
    event_id: int, meeting: Meeting, data: MeetingUpdate, session: Session, public_url: str
) -> MeetingPublic:
    if data.status is MeetingStatus.cancelled:
        if meeting.status is MeetingStatus.scheduled:
            booking.cancel_meeting(session=session, meeting=meeting, commit=False)
            notify_meeting_changes(
                session=session,
                event=get_event(session=session, event_id=event_id),
                changes=[MeetingChange(meeting, "cancelled")],
                public_url=public_url,
            )
            session.commit()
        return _public(session, meeting)
    if data.status is MeetingStatus.scheduled and meeting.status is MeetingStatus.cancelled:
        raise invalid("body.status", "a cancelled meeting cannot be restored; place a new one")
    if data.session_id is not None or data.slot is not None or data.table is not None:
        session_id = data.session_id or meeting.session_id
        try:
            event_session = get_session_row(
                session=session, event_id=event_id, session_id=session_id
            )
        except Exception as exc:
            raise invalid("body.session_id", f"unknown session {session_id}") from exc
        slot = data.slot or meeting.slot
        table_no = data.table or meeting.table_no
        booking.check_placement(
            event_session=event_session, slot=slot, table_no=table_no, field="body"
        )
        event = get_event(session=session, event_id=event_id)
        before, sequence = meeting_place(session, event, meeting), meeting.sequence
        booking.move_meeting(
            session=session,
            meeting=meeting,
            placement=booking.Placement(event_session, slot, table_no),
            commit=False,
        )
        if meeting.sequence != sequence:
            notify_meeting_changes(
                session=session,
                event=event,
                changes=[MeetingChange(meeting, "moved", before)],
                public_url=public_url,
            )
        booking.commit_or_conflict(session)
    if data.locked is not None:
        booking.set_locked(session=session, meeting=meeting, locked=data.locked)
    return _public(session, meeting)
