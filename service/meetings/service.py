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
from service.core.i18n import vi_en
from service.events.models import EventSession, SessionKind
from service.events.service import slot_times
from service.meetings.models import (
    InterpreterSeat,
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


# The occupancy reads of live booking (service/booking), built once: each accept and each
# free-times answer runs them, and a statement built and compiled per call through the
# ORM costs about four times the query itself. Core rows, no objects loaded; `_rows`
# flushes first, as the ORM's autoflush would, so pending writes are counted.
_SEAT = MeetingSeat.__table__  # type: ignore[attr-defined]
_MEETING = Meeting.__table__  # type: ignore[attr-defined]
_INTERPRETER = InterpreterSeat.__table__  # type: ignore[attr-defined]
_BUSY_SEATS = sa.select(_SEAT.c.participant_id, _SEAT.c.session_id, _SEAT.c.active_slot).where(
    _SEAT.c.participant_id.in_(sa.bindparam("participants", expanding=True)),
    _SEAT.c.active_slot.is_not(None),
)
_TABLES_IN_USE = (
    sa.select(_MEETING.c.session_id, _MEETING.c.active_slot, sa.func.count())
    .where(
        _MEETING.c.session_id.in_(sa.bindparam("sessions", expanding=True)),
        _MEETING.c.active_slot.is_not(None),
    )
    .group_by(_MEETING.c.session_id, _MEETING.c.active_slot)
)
_INTERPRETERS_IN_USE = (
    sa.select(_INTERPRETER.c.session_id, _INTERPRETER.c.active_slot, sa.func.count())
    .where(
        _INTERPRETER.c.session_id.in_(sa.bindparam("sessions", expanding=True)),
        _INTERPRETER.c.language == sa.bindparam("language"),
    )
    .group_by(_INTERPRETER.c.session_id, _INTERPRETER.c.active_slot)
)
_TABLES_TAKEN = sa.select(_MEETING.c.table_no).where(
    _MEETING.c.session_id == sa.bindparam("session"),
    _MEETING.c.active_slot == sa.bindparam("slot"),
)
_INTERPRETER_SEATS_TAKEN = sa.select(_INTERPRETER.c.seat_no).where(
    _INTERPRETER.c.session_id == sa.bindparam("session"),
    _INTERPRETER.c.active_slot == sa.bindparam("slot"),
    _INTERPRETER.c.language == sa.bindparam("language"),
)


def _rows(session: Session, statement: sa.Select, parameters: dict) -> sa.Result:
    session.flush()
    return session.execute(statement, parameters)


def table_name(event_session: EventSession, table_no: int) -> str:
    names = event_session.table_names or []
    if 1 <= table_no <= len(names):
        return names[table_no - 1]
    return vi_en("cal.table", number=table_no)


def check_placement(*, event_session: EventSession, slot: int, table_no: int, field: str) -> None:
    if event_session.kind is not SessionKind.b2b:
        raise invalid(f"{field}.session_id", "is not a b2b session")
    slots = len(slot_times(event_session))
    if not 1 <= slot <= slots:
        raise invalid(f"{field}.slot", f"must be between 1 and {slots}")
    if not 1 <= table_no <= (event_session.tables or 0):
        raise invalid(f"{field}.table", f"must be between 1 and {event_session.tables}")


class PlaceTaken(Exception):
    """The place went to another booking (a UNIQUE constraint said so) or its session has
    no interpreter left; the transaction is intact and may try another place."""


def declared_pool(*, session: Session, event_session: EventSession, language: str) -> int | None:
    """The interpreters for `language` in the session: None when no b2b session of the
    event declares a pool for it (then it is no limit: the meeting is placed and flagged),
    else the session's own count (0 when another session declares it and this one not)."""
    own = event_session.interpreters or {}
    if language in own:
        return int(own[language])
    pools = session.exec(
        select(EventSession.interpreters).where(
            EventSession.event_id == event_session.event_id,
            EventSession.kind == SessionKind.b2b,
        )
    ).all()
    return 0 if any(language in (p or {}) for p in pools) else None


def _claim_interpreter(session: Session, meeting: Meeting, event_session: EventSession) -> None:
    """A counted seat of the declared pool for the meeting's slot: the lowest number free
    now; a concurrent booking that takes the same number loses on the UNIQUE constraint."""
    language = meeting.interpreter_language
    if not language or meeting.active_slot is None:
        return
    pool = declared_pool(session=session, event_session=event_session, language=language)
    if pool is None:
        return
    taken = set(
        _rows(
            session,
            _INTERPRETER_SEATS_TAKEN,
            {"session": event_session.id, "slot": meeting.active_slot, "language": language},
        ).scalars()
    )
    free = next((n for n in range(1, pool + 1) if n not in taken), None)
    if free is None:
        raise PlaceTaken(f"no {language} interpreter free in that slot")
    session.add(
        InterpreterSeat(
            meeting_id=meeting.id,  # type: ignore[arg-type]
            session_id=event_session.id,  # type: ignore[arg-type]
            active_slot=meeting.active_slot,
            language=language,
            seat_no=free,
        )
    )


def release_interpreter(*, session: Session, meeting: Meeting) -> None:
    """Frees the interpreter seat the meeting holds, if any (flushed at once, so a swap
    in the same transaction can take it)."""
    session.execute(sa.delete(InterpreterSeat).where(InterpreterSeat.meeting_id == meeting.id))


def reclaim_interpreter(*, session: Session, meeting: Meeting, event_session: EventSession) -> None:
    """After the meeting's interpreter language changed: drop its seat and take one for
    the new language (409 if the declared pool is full)."""
    release_interpreter(session=session, meeting=meeting)
    try:
        _claim_interpreter(session, meeting, event_session)
        session.flush()
    except (PlaceTaken, sa.exc.IntegrityError) as exc:
        session.rollback()
        raise conflict(f"meeting {meeting.id}: no interpreter free in its slot") from exc


def _seats(meeting: Meeting) -> Iterable[int]:
    return (meeting.participant_a_id, meeting.participant_b_id)


def _flush_or_conflict(session: Session, what: str, *, rollback: bool = True) -> None:
    try:
        session.flush()
    except sa.exc.IntegrityError as exc:
        if not rollback:
            raise PlaceTaken(str(exc.orig)) from exc
        session.rollback()
        raise conflict(
            f"{what}: the table or a participant is already booked in that slot"
        ) from exc


def _claim_or_conflict(
    session: Session, meeting: Meeting, event_session: EventSession, *, rollback: bool = True
) -> None:
    try:
        _claim_interpreter(session, meeting, event_session)
    except PlaceTaken as exc:
        if not rollback:
            raise
        session.rollback()
        raise conflict(f"meeting: {exc}") from exc
    _flush_or_conflict(session, "meeting", rollback=rollback)


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
    rollback_on_conflict: bool = True,
) -> Meeting:
    """A new live meeting at the placement; 409 if the table, either side or the last
    interpreter of a declared pool is taken. With ``rollback_on_conflict=False`` it
    raises PlaceTaken instead and leaves the transaction to the caller (who rolls back a
    savepoint and tries elsewhere)."""
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
    _flush_or_conflict(session, "meeting", rollback=rollback_on_conflict)
    for participant_id in _seats(meeting):
        session.add(
            MeetingSeat(
                meeting_id=meeting.id,  # type: ignore[arg-type]
                participant_id=participant_id,
                session_id=meeting.session_id,
                active_slot=meeting.slot,
            )
        )
    _flush_or_conflict(session, "meeting", rollback=rollback_on_conflict)
    _claim_or_conflict(session, meeting, placement.session, rollback=rollback_on_conflict)
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
    release_interpreter(session=session, meeting=meeting)
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
    _claim_or_conflict(session, meeting, placement.session)
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
    release_interpreter(session=session, meeting=meeting)
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
    return ProblemError(403, vi_en("problem.403"), detail)


# ---------------------------------------------------------------- occupancy (live booking)


def busy_seats(*, session: Session, participant_ids: Iterable[int]) -> list[tuple[int, int, int]]:
    """(participant, session, slot) of every live meeting of the participants (read
    through the seats' UNIQUE(participant, session, slot) index)."""
    rows = _rows(session, _BUSY_SEATS, {"participants": list(participant_ids)}).all()
    return [(p, s, slot) for p, s, slot in rows]


def tables_in_use(*, session: Session, session_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """Live meetings per (session, slot) (the UNIQUE(session, slot, table) index)."""
    rows = _rows(session, _TABLES_IN_USE, {"sessions": list(session_ids)}).all()
    return {(s, slot): n for s, slot, n in rows}


def interpreters_in_use(
    *, session: Session, session_ids: Iterable[int], language: str
) -> dict[tuple[int, int], int]:
    """Interpreter seats of the language taken per (session, slot)."""
    rows = _rows(
        session, _INTERPRETERS_IN_USE, {"sessions": list(session_ids), "language": language}
    ).all()
    return {(s, slot): n for s, slot, n in rows}


def free_table(*, session: Session, event_session: EventSession, slot: int) -> int | None:
    """The lowest table of the session free in the slot, None when all are taken."""
    taken = set(
        _rows(session, _TABLES_TAKEN, {"session": event_session.id, "slot": slot}).scalars()
    )
    return next((t for t in range(1, (event_session.tables or 0) + 1) if t not in taken), None)
