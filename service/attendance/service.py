"""Check-ins, meeting attendance and feedback: the only module that queries their tables.

Writes are settled by the database: a check-in is one row per participant (a second scan
finds the first), attendance one row per meeting, feedback one row per meeting and side;
two racing writers of the same row end with one row, never two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from service.attendance.models import (
    Attendance,
    AttendanceRow,
    CheckIn,
    CheckInPublic,
    CheckInSource,
    FeedbackIn,
    FeedbackPublic,
    MeetingAttendance,
    MeetingFeedback,
)
from service.core.database import utcnow
from service.core.errors import conflict, invalid, not_found
from service.events.models import Event
from service.meetings.models import Meeting, MeetingStatus
from service.organizations.models import Organization
from service.participants.models import Participant

FEEDBACK_MONTHS = 12


# ---------------------------------------------------------------- check-ins


def require_participant(
    *, session: Session, event_id: int, participant_id: int, field: str
) -> Participant:
    participant = session.get(Participant, participant_id)
    if participant is None or participant.event_id != event_id:
        raise invalid(field, f"participant {participant_id} is not registered for event {event_id}")
    return participant


def check_in(
    *, session: Session, event_id: int, participant_id: int, source: CheckInSource
) -> tuple[CheckIn, bool]:
    """The participant's check-in and whether it is new; a second one finds the first."""
    existing = session.exec(select(CheckIn).where(CheckIn.participant_id == participant_id)).first()
    if existing is not None:
        return existing, False
    row = CheckIn(event_id=event_id, participant_id=participant_id, source=source)
    try:
        with session.begin_nested():
            session.add(row)
    except sa.exc.IntegrityError:
        # Another desk scanned the same badge at the same instant: theirs stands.
        found = session.exec(select(CheckIn).where(CheckIn.participant_id == participant_id)).one()
        session.commit()
        return found, False
    session.commit()
    return row, True


def is_checked_in(*, session: Session, participant_id: int) -> bool:
    statement = select(CheckIn.id).where(CheckIn.participant_id == participant_id)
    return session.exec(statement).first() is not None


def checked_in_ids(*, session: Session, event_id: int) -> set[int]:
    """The participants of the event who have arrived (a mailing's "not checked in")."""
    return {row.participant_id for row in list_check_ins(session=session, event_id=event_id)}


def list_check_ins(*, session: Session, event_id: int) -> list[CheckInPublic]:
    rows = session.exec(
        select(CheckIn, Organization.name)
        .join(Participant, Participant.id == CheckIn.participant_id)  # type: ignore[arg-type]
        .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
        .where(CheckIn.event_id == event_id)
        .order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc())  # type: ignore[attr-defined]
    ).all()
    return [
        CheckInPublic(
            participant_id=c.participant_id,
            organization_name=name,
            source=c.source,
            checked_in_at=c.checked_in_at,
        )
        for c, name in rows
    ]


@dataclass(frozen=True)
class Missing:
    participant_id: int
    organization_name: str
    next_meeting_at: datetime
    table_no: int


def missing_soon(
    *, session: Session, event_id: int, now: datetime | None = None, within: timedelta
) -> list[Missing]:
    """Participants not checked in who have a live meeting starting within ``within``."""
    now = now or utcnow()
    found: dict[int, Missing] = {}
    for side in (Meeting.participant_a_id, Meeting.participant_b_id):
        rows = session.exec(
            select(side, Organization.name, Meeting.starts_at, Meeting.table_no)
            .join(Participant, Participant.id == side)  # type: ignore[arg-type]
            .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
            .outerjoin(CheckIn, CheckIn.participant_id == side)  # type: ignore[arg-type]
            .where(
                Meeting.event_id == event_id,
                Meeting.status == MeetingStatus.scheduled,
                Meeting.starts_at >= now,  # type: ignore[operator]
                Meeting.starts_at < now + within,  # type: ignore[operator]
                CheckIn.id.is_(None),  # type: ignore[union-attr]
            )
        ).all()
        for pid, name, starts_at, table_no in rows:
            if pid not in found or starts_at < found[pid].next_meeting_at:
                found[pid] = Missing(pid, name, starts_at, table_no)
    return sorted(found.values(), key=lambda m: (m.next_meeting_at, m.organization_name))


# ---------------------------------------------------------------- attendance


def _started(meeting: Meeting, now: datetime) -> bool:
    return meeting.starts_at <= now


def set_attendance(
    *,
    session: Session,
    meeting: Meeting,
    attendance: Attendance,
    absent: list[int] | None = None,
    now: datetime | None = None,
    commit: bool = True,
    field: str = "body",
) -> MeetingAttendance:
    """Marks a meeting held, no-show (naming the absent side or sides) or partial."""
    now = now or utcnow()
    absent = list(dict.fromkeys(absent or []))
    sides = (meeting.participant_a_id, meeting.participant_b_id)
    for index, pid in enumerate(absent):
        if pid not in sides:
            raise invalid(f"{field}.absent.{index}", f"participant {pid} is not in this meeting")
    if attendance is Attendance.no_show and not absent:
        raise invalid(f"{field}.absent", "name the participant (or both) that did not come")
    if attendance is Attendance.held and absent:
        raise invalid(f"{field}.absent", "a held meeting has no absent side")
    if meeting.status is MeetingStatus.cancelled:
        raise conflict("a cancelled meeting cannot be marked", field=f"{field}.attendance")
    if not _started(meeting, now):
        raise conflict("the meeting has not started yet", field=f"{field}.attendance")
    row = session.get(MeetingAttendance, meeting.id)
    if row is None:
        row = MeetingAttendance(
            meeting_id=meeting.id,  # type: ignore[arg-type]
            event_id=meeting.event_id,
            attendance=attendance,
        )
    row.attendance = attendance
    row.a_absent = meeting.participant_a_id in absent
    row.b_absent = meeting.participant_b_id in absent
    row.marked_at = now
    session.add(row)
    if commit:
        try:
            session.commit()
        except sa.exc.IntegrityError as exc:
            session.rollback()
            raise conflict("the meeting was marked at the same moment; reload") from exc
    return row


def attendance_of(*, session: Session, meeting_id: int) -> MeetingAttendance | None:
    return session.get(MeetingAttendance, meeting_id)


def attendance_by_meeting(*, session: Session, event_id: int) -> dict[int, MeetingAttendance]:
    rows = session.exec(select(MeetingAttendance).where(MeetingAttendance.event_id == event_id))
    return {row.meeting_id: row for row in rows}


def absent_ids(meeting: Meeting, row: MeetingAttendance | None) -> list[int]:
    if row is None:
        return []
    return [
        pid
        for pid, gone in (
            (meeting.participant_a_id, row.a_absent),
            (meeting.participant_b_id, row.b_absent),
        )
        if gone
    ]


def mark_slot(
    *,
    session: Session,
    event_id: int,
    session_id: int,
    slot: int,
    attendance: Attendance,
    overwrite: bool = False,
    now: datetime | None = None,
) -> int:
    """Marks every live meeting of one slot (not marked yet, unless ``overwrite``) in one
    transaction; a no-show needs its absent side, so bulk marking takes held or partial."""
    if attendance is Attendance.no_show:
        raise invalid("body.attendance", "mark no-shows one by one: each names its absent side")
    now = now or utcnow()
    meetings = session.exec(
        select(Meeting).where(
            Meeting.event_id == event_id,
            Meeting.session_id == session_id,
            Meeting.slot == slot,
            Meeting.status == MeetingStatus.scheduled,
        )
    ).all()
    if meetings and not all(_started(m, now) for m in meetings):
        raise conflict("the slot has not started yet", field="body.slot")
    marked = attendance_by_meeting(session=session, event_id=event_id) if not overwrite else {}
    count = 0
    for meeting in meetings:
        if meeting.id in marked:
            continue
        set_attendance(
            session=session, meeting=meeting, attendance=attendance, now=now, commit=False
        )
        count += 1
    session.commit()
    return count


def attendance_rows(*, session: Session, event_id: int) -> list[AttendanceRow]:
    """Per participant: checked in, live meetings, held (held or partial) and no-shows
    (meetings marked no-show with this participant absent), in one grouped query."""
    sides = sa.union_all(
        sa.select(
            Meeting.id.label("meeting_id"),  # type: ignore[union-attr]
            Meeting.participant_a_id.label("participant_id"),  # type: ignore[attr-defined]
            MeetingAttendance.attendance,
            MeetingAttendance.a_absent.label("absent"),  # type: ignore[attr-defined]
        )
        .outerjoin(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)  # type: ignore[arg-type]
        .where(Meeting.event_id == event_id, Meeting.status == MeetingStatus.scheduled),
        sa.select(
            Meeting.id.label("meeting_id"),  # type: ignore[union-attr]
            Meeting.participant_b_id.label("participant_id"),  # type: ignore[attr-defined]
            MeetingAttendance.attendance,
            MeetingAttendance.b_absent.label("absent"),  # type: ignore[attr-defined]
        )
        .outerjoin(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)  # type: ignore[arg-type]
        .where(Meeting.event_id == event_id, Meeting.status == MeetingStatus.scheduled),
    ).subquery()
    held = sa.func.sum(
        sa.case(
            (sides.c.attendance.in_([Attendance.held.value, Attendance.partial.value]), 1), else_=0
        )
    )
    no_shows = sa.func.sum(
        sa.case(
            (sa.and_(sides.c.attendance == Attendance.no_show.value, sides.c.absent.is_(True)), 1),
            else_=0,
        )
    )
    per = (
        sa.select(
            sides.c.participant_id,
            sa.func.count(sides.c.meeting_id).label("meetings"),
            held.label("held"),
            no_shows.label("no_shows"),
        )
        .group_by(sides.c.participant_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(
            Participant.id,
            Organization.name,
            CheckIn.id.is_not(None),  # type: ignore[union-attr]
            sa.func.coalesce(per.c.meetings, 0),
            sa.func.coalesce(per.c.held, 0),
            sa.func.coalesce(per.c.no_shows, 0),
        )
        .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
        .outerjoin(CheckIn, CheckIn.participant_id == Participant.id)  # type: ignore[arg-type]
        .outerjoin(per, per.c.participant_id == Participant.id)
        .where(Participant.event_id == event_id)
        .order_by(sa.func.coalesce(per.c.no_shows, 0).desc(), Organization.name, Participant.id)
    ).all()
    return [
        AttendanceRow(
            participant_id=pid,
            organization_name=name,
            checked_in=bool(checked),
            meetings=int(meetings),
            held=int(held_n),
            no_shows=int(no_show_n),
        )
        for pid, name, checked, meetings, held_n, no_show_n in rows
    ]


# ---------------------------------------------------------------- feedback


def feedback_window(*, meeting: Meeting, event: Event) -> tuple[datetime, datetime]:
    """From the meeting's start until 12 months after the event's last day (its end, in
    the event's time zone)."""
    last = event.end_date
    try:
        closes_on = last.replace(year=last.year + FEEDBACK_MONTHS // 12)
    except ValueError:  # 29 February
        closes_on = last.replace(year=last.year + FEEDBACK_MONTHS // 12, day=28)
    closes = datetime.combine(closes_on + timedelta(days=1), time(), ZoneInfo(event.timezone))
    return meeting.starts_at, closes.astimezone(UTC)


def feedback_open(*, meeting: Meeting, event: Event, now: datetime | None = None) -> bool:
    opens, closes = feedback_window(meeting=meeting, event=event)
    now = now or utcnow()
    return meeting.status is MeetingStatus.scheduled and opens <= now < closes


def put_feedback(
    *,
    session: Session,
    meeting: Meeting,
    participant_id: int,
    data: FeedbackIn,
    now: datetime | None = None,
    field: str = "body",
) -> tuple[MeetingFeedback, bool]:
    """Writes one side's feedback (replacing its earlier one); 422 if the participant is
    not in the meeting, 409 outside the window. Returns the row and whether it is new."""
    if participant_id not in (meeting.participant_a_id, meeting.participant_b_id):
        raise invalid(
            f"{field}.participant_id", f"participant {participant_id} is not in this meeting"
        )
    event = session.get(Event, meeting.event_id)
    if event is None:
        raise not_found(f"event {meeting.event_id}")
    now = now or utcnow()
    if meeting.status is MeetingStatus.cancelled:
        raise conflict("a cancelled meeting takes no feedback", field=f"{field}.rating")
    opens, closes = feedback_window(meeting=meeting, event=event)
    if now < opens:
        raise conflict("feedback opens when the meeting starts", field=f"{field}.rating")
    if now >= closes:
        raise conflict("feedback closed 12 months after the event", field=f"{field}.rating")
    row = session.exec(
        select(MeetingFeedback).where(
            MeetingFeedback.meeting_id == meeting.id,
            MeetingFeedback.participant_id == participant_id,
        )
    ).first()
    created = row is None
    if row is None:
        row = MeetingFeedback(
            event_id=meeting.event_id,
            meeting_id=meeting.id,  # type: ignore[arg-type]
            participant_id=participant_id,
            rating=data.rating,
            outcome=data.outcome,
        )
    row.rating = data.rating
    row.outcome = data.outcome
    row.pledged_usd = data.pledged_usd
    row.next_step = data.next_step
    row.comment = data.comment
    row.updated_at = now
    session.add(row)
    try:
        session.commit()
    except sa.exc.IntegrityError as exc:
        session.rollback()
        raise conflict("feedback was sent twice at the same moment; send it again") from exc
    return row, created


def feedback_public(row: MeetingFeedback) -> FeedbackPublic:
    return FeedbackPublic.model_validate(row, from_attributes=True)


def list_feedback(
    *, session: Session, meeting_id: int, participant_id: int | None = None
) -> list[MeetingFeedback]:
    """A meeting's feedback: one side's (``participant_id``) or both (organisers)."""
    statement = select(MeetingFeedback).where(MeetingFeedback.meeting_id == meeting_id)
    if participant_id is not None:
        statement = statement.where(MeetingFeedback.participant_id == participant_id)
    return list(session.exec(statement.order_by(MeetingFeedback.id)).all())


def get_feedback(*, session: Session, feedback_id: int) -> MeetingFeedback:
    row = session.get(MeetingFeedback, feedback_id)
    if row is None:
        raise not_found(f"feedback {feedback_id}")
    return row


def event_feedback(
    *, session: Session, event_id: int, outcome: str | None = None
) -> list[MeetingFeedback]:
    statement = select(MeetingFeedback).where(MeetingFeedback.event_id == event_id)
    if outcome:
        statement = statement.where(MeetingFeedback.outcome == outcome)
    return list(session.exec(statement.order_by(MeetingFeedback.updated_at.desc())).all())  # type: ignore[attr-defined]


def participant_feedback(*, session: Session, participant_id: int) -> dict[int, MeetingFeedback]:
    rows = session.exec(
        select(MeetingFeedback).where(MeetingFeedback.participant_id == participant_id)
    )
    return {row.meeting_id: row for row in rows}


# ---------------------------------------------------------------- for the notifications domain


@dataclass(frozen=True)
class FeedbackDue:
    meeting_id: int
    event_id: int
    participant_id: int
    starts_at: datetime


def meetings_needing_feedback(
    *, session: Session, day: date, timezone: str = "Asia/Ho_Chi_Minh", event_id: int | None = None
) -> list[FeedbackDue]:
    """The sides of meetings held (or partly held) on ``day`` (in ``timezone``) that have
    not given feedback yet: whom the follow-up mail asks. A side marked absent is left out."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    end = start + timedelta(days=1)
    result: list[FeedbackDue] = []
    for side, gone in (
        (Meeting.participant_a_id, MeetingAttendance.a_absent),
        (Meeting.participant_b_id, MeetingAttendance.b_absent),
    ):
        statement = (
            select(Meeting.id, Meeting.event_id, side, Meeting.starts_at)
            .join(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)  # type: ignore[arg-type]
            .outerjoin(
                MeetingFeedback,
                sa.and_(
                    MeetingFeedback.meeting_id == Meeting.id,  # type: ignore[arg-type]
                    MeetingFeedback.participant_id == side,  # type: ignore[arg-type]
                ),
            )
            .where(
                Meeting.status == MeetingStatus.scheduled,
                Meeting.starts_at >= start,  # type: ignore[operator]
                Meeting.starts_at < end,  # type: ignore[operator]
                MeetingAttendance.attendance.in_([Attendance.held, Attendance.partial]),  # type: ignore[attr-defined]
                gone.is_(False),  # type: ignore[attr-defined]
                MeetingFeedback.id.is_(None),  # type: ignore[union-attr]
            )
        )
        if event_id is not None:
            statement = statement.where(Meeting.event_id == event_id)
        result += [FeedbackDue(m, e, p, s) for m, e, p, s in session.exec(statement).all()]
    return sorted(result, key=lambda d: (d.starts_at, d.meeting_id, d.participant_id))


@dataclass(frozen=True)
class SlotFigures:
    session_id: int
    slot: int
    starts_at: datetime
    scheduled: int
    held: int
    no_show: int


def slot_figures(*, session: Session, event_id: int) -> list[SlotFigures]:
    """Live meetings per slot and how many were held or missed, in one grouped query."""
    ma = MeetingAttendance
    rows = session.execute(
        sa.select(
            Meeting.session_id,
            Meeting.slot,
            sa.func.min(Meeting.starts_at),
            sa.func.count(Meeting.id),  # type: ignore[arg-type]
            sa.func.count(sa.case((ma.attendance.in_([Attendance.held, Attendance.partial]), 1))),  # type: ignore[attr-defined]
            sa.func.count(sa.case((ma.attendance == Attendance.no_show, 1))),
        )
        .outerjoin(ma, ma.meeting_id == Meeting.id)  # type: ignore[arg-type]
        .where(Meeting.event_id == event_id, Meeting.status == MeetingStatus.scheduled)
        .group_by(Meeting.session_id, Meeting.slot)
        .order_by(sa.func.min(Meeting.starts_at), Meeting.session_id, Meeting.slot)
    ).all()
    return [
        SlotFigures(
            sid, slot, starts_at if starts_at.tzinfo else starts_at.replace(tzinfo=UTC), n, h, x
        )
        for sid, slot, starts_at, n, h, x in rows
    ]


def get_feedback_or_none(*, session: Session, feedback_id: int) -> MeetingFeedback | None:
    return session.get(MeetingFeedback, feedback_id)
