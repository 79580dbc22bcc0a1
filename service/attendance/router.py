"""Routes for check-ins, attendance and feedback.

Organisers check participants in and mark meetings; each side of a meeting writes and
reads only its own feedback (the other side's answers 404 like an unknown meeting);
organisers read both and write for either with ``participant_id``.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from sqlmodel import Session

from service.attendance import service as attendance
from service.attendance.models import (
    AttendanceRow,
    CheckInCreate,
    CheckInPublic,
    CheckInSource,
    FeedbackIn,
    FeedbackPublic,
    SlotAttendance,
)
from service.auth.dependencies import ActorDep, OrganizerDep
from service.auth.service import Actor
from service.core.database import SessionDep
from service.core.errors import ProblemError, invalid, not_found
from service.events.service import get_event, get_session_row
from service.kit.pagination import Page, PageDep
from service.meetings.models import Meeting
from service.meetings.service import get_meeting

router = APIRouter(prefix="/events/{event_id}", tags=["attendance"])


@router.post(
    "/check-ins",
    status_code=status.HTTP_201_CREATED,
    summary="Check a participant in at the registration desk",
    description="201 for a new check-in; 200 with the first one when it was already in.",
)
def create_check_in(
    event_id: int, data: CheckInCreate, session: SessionDep, response: Response, _: OrganizerDep
) -> CheckInPublic:
    get_event(session=session, event_id=event_id)
    attendance.require_participant(
        session=session,
        event_id=event_id,
        participant_id=data.participant_id,
        field="body.participant_id",
    )
    row, created = attendance.check_in(
        session=session,
        event_id=event_id,
        participant_id=data.participant_id,
        source=CheckInSource.desk,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return CheckInPublic(
        participant_id=row.participant_id, source=row.source, checked_in_at=row.checked_in_at
    )


@router.get("/check-ins", summary="Who has arrived, latest first")
def list_check_ins(
    event_id: int, session: SessionDep, page: PageDep, _: OrganizerDep
) -> Page[CheckInPublic]:
    get_event(session=session, event_id=event_id)
    rows = attendance.list_check_ins(session=session, event_id=event_id)
    return Page(
        items=rows[page.offset : page.offset + page.limit],
        total=len(rows),
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/attendance",
    summary="Per participant: checked in, meetings, held and no-shows (most no-shows first)",
)
def list_attendance(
    event_id: int, session: SessionDep, page: PageDep, _: OrganizerDep
) -> Page[AttendanceRow]:
    get_event(session=session, event_id=event_id)
    rows = attendance.attendance_rows(session=session, event_id=event_id)
    return Page(
        items=rows[page.offset : page.offset + page.limit],
        total=len(rows),
        limit=page.limit,
        offset=page.offset,
    )


class SlotMarked(BaseModel):
    marked: int


@router.post(
    "/attendance",
    summary="Mark every meeting of a slot held (or partial) at its end",
    description="Meetings already marked keep their mark unless `overwrite`. No-shows are "
    "marked one by one (`PATCH /events/{event_id}/meetings/{meeting_id}` with `attendance` "
    "and `absent`).",
)
def mark_slot(
    event_id: int, data: SlotAttendance, session: SessionDep, _: OrganizerDep
) -> SlotMarked:
    get_event(session=session, event_id=event_id)
    try:
        get_session_row(session=session, event_id=event_id, session_id=data.session_id)
    except ProblemError as exc:
        raise invalid("body.session_id", f"unknown session {data.session_id}") from exc
    count = attendance.mark_slot(
        session=session,
        event_id=event_id,
        session_id=data.session_id,
        slot=data.slot,
        attendance=data.attendance,
        overwrite=data.overwrite,
    )
    return SlotMarked(marked=count)


def _meeting_for(session: Session, actor: Actor, event_id: int, meeting_id: int) -> Meeting:
    meeting = get_meeting(session=session, event_id=event_id, meeting_id=meeting_id)
    if not actor.is_organizer and actor.participant_id not in (
        meeting.participant_a_id,
        meeting.participant_b_id,
    ):
        raise not_found(f"meeting {meeting_id}")
    return meeting


@router.put(
    "/meetings/{meeting_id}/feedback",
    summary="One side's feedback on a meeting (replaces its earlier one)",
    description="A participant writes its own (no `participant_id`, or its own id); an "
    "organiser names the side with `participant_id`. Open from the meeting's start until "
    "12 months after the event (409 outside).",
)
def put_feedback(
    event_id: int, meeting_id: int, data: FeedbackIn, session: SessionDep, actor: ActorDep
) -> FeedbackPublic:
    meeting = _meeting_for(session, actor, event_id, meeting_id)
    if actor.is_organizer:
        if data.participant_id is None:
            raise invalid("body.participant_id", "organisers name the side the feedback is for")
        participant_id = data.participant_id
    else:
        if data.participant_id is not None and data.participant_id != actor.participant_id:
            raise ProblemError(
                403, "Không có quyền / Forbidden", "A participant gives feedback for itself only"
            )
        participant_id = actor.participant_id  # type: ignore[assignment]
    row, _ = attendance.put_feedback(
        session=session, meeting=meeting, participant_id=participant_id, data=data
    )
    return attendance.feedback_public(row)


@router.get(
    "/meetings/{meeting_id}/feedback",
    summary="A meeting's feedback: a side sees its own, organisers both",
)
def get_feedback(
    event_id: int, meeting_id: int, session: SessionDep, actor: ActorDep
) -> Page[FeedbackPublic]:
    meeting = _meeting_for(session, actor, event_id, meeting_id)
    rows = attendance.list_feedback(
        session=session,
        meeting_id=meeting.id,  # type: ignore[arg-type]
        participant_id=None if actor.is_organizer else actor.participant_id,
    )
    items = [attendance.feedback_public(r) for r in rows]
    return Page(items=items, total=len(items), limit=len(items) or 1, offset=0)
