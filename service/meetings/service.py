"""Placing, moving, cancelling and locking meetings.

Every write goes through here so the seats stay in step with the meeting and the
database's UNIQUE constraints decide races: of two writers taking the same table or the
same participant's slot, the second gets IntegrityError, answered as 409.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from service.core.database import utcnow
from service.core.errors import ProblemError, conflict, invalid, not_found
from service.events.models import EventSession, SessionKind
from service.events.service import slot_times
from service.meetings.models import (
    Meeting,
    MeetingPublic,
    MeetingSeat,
    MeetingSource,
    MeetingStatus,
)
from service.participants.models import Participant


@dataclass(frozen=True)
class Placement:
    session: EventSession
    slot: int
    table_no: int


def table_name(event_session: EventSession, table_no: int) -> str:
    names = event_session.table_names or []
    if 1 <= table_no <= len(names):
        return names[table_no - 1]
    return f"Bàn {table_no} / Table {table_no}"


def check_placement(*, event_session: EventSession, slot: int, table_no: int, field: str) -> None:
    if event_session.kind is not SessionKind.b2b:
        raise invalid(f"{field}.session_id", "is not a b2b session")
    slots = len(slot_times(event_session))
    if not 1 <= slot <= slots:
        raise invalid(f"{field}.slot", f"must be between 1 and {slots}")
    if not 1 <= table_no <= (event_session.tables or 0):
        raise invalid(f"{field}.table", f"must be between 1 and {event_session.tables}")


def _seats(meeting: Meeting) -> Iterable[int]:
    return (meeting.participant_a_id, meeting.participant_b_id)


def _flush_or_conflict(session: Session, what: str) -> None:
    try:
        session.flush()
    except sa.exc.IntegrityError as exc:
        session.rollback()
        raise conflict(
            f"{what}: the table or a participant is already booked in that slot"
        ) from exc


def place_meeting(
    *,
    session: Session,
    event_id: int,
    a: Participant,
    b: Participant,
    placement: Placement,
    source: MeetingSource,
    request_id: int | None = None,
    score: float | None = None,
    interpreter_language: str | None = None,
    locked: bool = False,
    commit: bool = True,
) -> Meeting:
    """A new live meeting at the placement; 409 if the table or either side is taken."""
    start, end = slot_times(placement.session)[placement.slot - 1]
    meeting = Meeting(
        event_id=event_id,
        session_id=placement.session.id,  # type: ignore[arg-type]
        slot=placement.slot,
        active_slot=placement.slot,
        table_no=placement.table_no,
        starts_at=start,
        ends_at=end,
        participant_a_id=a.id,  # type: ignore[arg-type]
        participant_b_id=b.id,  # type: ignore[arg-type]
        source=source,
        request_id=request_id,
        score=score,
        interpreter_language=interpreter_language,
        locked=locked,
    )
    session.add(meeting)
    _flush_or_conflict(session, "meeting")
    for participant_id in _seats(meeting):
        session.add(
            MeetingSeat(
                meeting_id=meeting.id,  # type: ignore[arg-type]
                participant_id=participant_id,
                session_id=meeting.session_id,
                active_slot=meeting.slot,
            )
        )
    _flush_or_conflict(session, "meeting")
    if commit:
        commit_or_conflict(session)
    return meeting


def commit_or_conflict(session: Session) -> None:
    try:
        session.commit()
    except sa.exc.IntegrityError as exc:
        session.rollback()
        raise conflict("the table or a participant is already booked in that slot") from exc


def _seat_rows(session: Session, meeting: Meeting) -> list[MeetingSeat]:
    return list(session.exec(select(MeetingSeat).where(MeetingSeat.meeting_id == meeting.id)).all())


def move_meeting(
    *, session: Session, meeting: Meeting, placement: Placement, commit: bool = True
) -> Meeting:
    """Moves a live meeting; its sequence goes up when time or table changes."""
    if meeting.status is MeetingStatus.cancelled:
        raise conflict("a cancelled meeting cannot be moved", field="body.status")
    if (
        placement.session.id == meeting.session_id
        and placement.slot == meeting.slot
        and placement.table_no == meeting.table_no
    ):
        return meeting
    start, end = slot_times(placement.session)[placement.slot - 1]
    # Free the old places first so a swap inside one transaction does not collide.
    meeting.active_slot = None
    seats = _seat_rows(session, meeting)
    for seat in seats:
        seat.active_slot = None
        session.add(seat)
    session.add(meeting)
    _flush_or_conflict(session, "move")
    meeting.session_id = placement.session.id  # type: ignore[assignment]
    meeting.slot = placement.slot
    meeting.active_slot = placement.slot
    meeting.table_no = placement.table_no
    meeting.starts_at = start
    meeting.ends_at = end
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    for seat in seats:
        seat.session_id = meeting.session_id
        seat.active_slot = placement.slot
        session.add(seat)
    session.add(meeting)
    _flush_or_conflict(session, "move")
    if commit:
        commit_or_conflict(session)
    return meeting


def cancel_meeting(*, session: Session, meeting: Meeting, commit: bool = True) -> Meeting:
    """Cancels and frees the slot; the meeting stays, so feeds can show it cancelled."""
    if meeting.status is MeetingStatus.cancelled:
        return meeting
    meeting.status = MeetingStatus.cancelled
    meeting.active_slot = None
    meeting.locked = False
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    for seat in _seat_rows(session, meeting):
        seat.active_slot = None
        session.add(seat)
    session.add(meeting)
    session.flush()
    if commit:
        session.commit()
    return meeting


def set_locked(*, session: Session, meeting: Meeting, locked: bool) -> Meeting:
    if meeting.status is MeetingStatus.cancelled and locked:
        raise conflict("a cancelled meeting cannot be locked", field="body.locked")
    meeting.locked = locked
    meeting.updated_at = utcnow()
    session.add(meeting)
    session.commit()
    return meeting


def get_meeting(*, session: Session, event_id: int, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event_id:
        raise not_found(f"meeting {meeting_id}")
    return meeting


def list_meetings(
    *,
    session: Session,
    event_id: int,
    participant_id: int | None = None,
    include_cancelled: bool = True,
) -> list[Meeting]:
    statement = select(Meeting).where(Meeting.event_id == event_id)
    if participant_id is not None:
        statement = statement.where(
            sa.or_(
                Meeting.participant_a_id == participant_id,
                Meeting.participant_b_id == participant_id,
            )
        )
    if not include_cancelled:
        statement = statement.where(Meeting.status == MeetingStatus.scheduled)
    return list(
        session.exec(statement.order_by(Meeting.starts_at, Meeting.table_no, Meeting.id)).all()
    )  # type: ignore[arg-type]


def meeting_public(meeting: Meeting, event_session: EventSession) -> MeetingPublic:
    return MeetingPublic(
        id=meeting.id,  # type: ignore[arg-type]
        event_id=meeting.event_id,
        uid=meeting.uid,
        participants=[meeting.participant_a_id, meeting.participant_b_id],
        session_id=meeting.session_id,
        slot=meeting.slot,
        table=meeting.table_no,
        table_name=table_name(event_session, meeting.table_no),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        status=meeting.status,
        sequence=meeting.sequence,
        locked=meeting.locked,
        source=meeting.source,
        interpreter_language=meeting.interpreter_language,
        request_id=meeting.request_id,
        updated_at=meeting.updated_at,
    )


def require_same_event_pair(
    *, session: Session, event_id: int, a_id: int, b_id: int, field_a: str, field_b: str
) -> tuple[Participant, Participant]:
    if a_id == b_id:
        raise invalid(field_b, "a participant cannot meet itself")
    a = session.get(Participant, a_id)
    if a is None or a.event_id != event_id:
        raise invalid(field_a, f"participant {a_id} is not registered for event {event_id}")
    b = session.get(Participant, b_id)
    if b is None or b.event_id != event_id:
        raise invalid(field_b, f"participant {b_id} is not registered for event {event_id}")
    return a, b


def forbid(detail: str) -> ProblemError:
    return ProblemError(403, "Không có quyền / Forbidden", detail)
