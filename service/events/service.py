"""Event and session service functions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, func, select

from service.core.database import utcnow
from service.core.errors import ProblemError, invalid, not_found
from service.core.i18n import vi_en
from service.events.models import (
    Event,
    EventCreate,
    EventPublic,
    EventSession,
    EventStatus,
    EventUpdate,
    SessionCreate,
    SessionKind,
    SessionPublic,
    SessionUpdate,
)
from service.kit.folding import search_key, words_match
from service.reference.models import Province
from service.reference.service import resolve_province


def _event_search_text(event: Event, province: Province | None) -> str:
    return search_key(event.name, event.name_en, event.venue, province.name if province else None)[
        :1200
    ]


def event_public(*, session: Session, event: Event, public_url: str) -> EventPublic:
    province = session.get(Province, event.host_province_code) if event.host_province_code else None
    return EventPublic.model_validate(
        event,
        update={
            "host_province_name": province.name if province else None,
            "calendar_url": f"{public_url}/api/v1/events/{event.id}/calendar.ics",
        },
    )


def create_event(*, session: Session, data: EventCreate) -> Event:
    province = None
    if data.host_province:
        province = resolve_province(
            session=session, value=data.host_province, field="body.host_province"
        )
    event = Event.model_validate(
        data.model_dump(exclude={"host_province"}),
        update={"host_province_code": province.code if province else None},
    )
    event.search_text = _event_search_text(event, province)
    session.add(event)
    session.commit()
    session.refresh(event)
    return event


def get_event(*, session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise not_found(f"event {event_id}")
    return event


def list_events(
    *,
    session: Session,
    query: str | None,
    status: EventStatus | None,
    limit: int,
    offset: int,
    include_drafts: bool,
) -> tuple[list[Event], int]:
    statement = select(Event)
    if not include_drafts:
        statement = statement.where(Event.status != EventStatus.draft)
    condition = words_match(query or "", Event.search_text)  # type: ignore[arg-type]
    if condition is not None:
        statement = statement.where(condition)
    if status is not None:
        statement = statement.where(Event.status == status)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(
        statement.order_by(Event.start_date.desc(), Event.id.desc()).limit(limit).offset(offset)  # type: ignore[union-attr,attr-defined]
    ).all()
    return list(rows), total


def update_event(*, session: Session, event: Event, data: EventUpdate) -> Event:
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    for key, value in changes.items():
        setattr(event, key, value)
    province = session.get(Province, event.host_province_code) if event.host_province_code else None
    event.search_text = _event_search_text(event, province)
    event.updated_at = utcnow()
    session.add(event)
    session.commit()
    session.refresh(event)
    return event


# ---------------------------------------------------------------- sessions


def local_aware(value: datetime, tz: ZoneInfo) -> datetime:
    """An aware instant; a naive one is read as wall-clock time in the event's zone."""
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def slot_count(
    *, starts_at: datetime, ends_at: datetime, slot_minutes: int, break_minutes: int
) -> int:
    """How many slots of slot_minutes, separated by break_minutes, fit in the session."""
    total = (ends_at - starts_at).total_seconds() / 60
    return int((total + break_minutes) // (slot_minutes + break_minutes))


def slot_times(event_session: EventSession) -> list[tuple[datetime, datetime]]:
    """The (start, end) of each b2b slot, in order."""
    if event_session.kind is not SessionKind.b2b or not event_session.slot_minutes:
        return []
    count = slot_count(
        starts_at=event_session.starts_at,
        ends_at=event_session.ends_at,
        slot_minutes=event_session.slot_minutes,
        break_minutes=event_session.break_minutes,
    )
    step = timedelta(minutes=event_session.slot_minutes + event_session.break_minutes)
    length = timedelta(minutes=event_session.slot_minutes)
    return [
        (event_session.starts_at + i * step, event_session.starts_at + i * step + length)
        for i in range(count)
    ]


def _check_session(*, event: Event, data: SessionCreate) -> tuple[datetime, datetime]:
    tz = ZoneInfo(event.timezone)
    starts_at = local_aware(data.starts_at, tz)
    ends_at = local_aware(data.ends_at, tz)
    if ends_at <= starts_at:
        raise invalid("body.ends_at", "must be after starts_at")
    first_day: date = starts_at.astimezone(tz).date()
    last_day: date = (ends_at - timedelta(microseconds=1)).astimezone(tz).date()
    if first_day < event.start_date or first_day > event.end_date:
        raise invalid(
            "body.starts_at",
            f"must fall within the event's dates {event.start_date}..{event.end_date}"
            f" ({event.timezone})",
        )
    if last_day > event.end_date:
        raise invalid(
            "body.ends_at",
            f"must fall within the event's dates {event.start_date}..{event.end_date}"
            f" ({event.timezone})",
        )
    if data.kind is SessionKind.b2b:
        for field in ("slot_minutes", "tables"):
            if getattr(data, field) is None:
                raise invalid(f"body.{field}", "is required for b2b sessions")
        if data.table_names is not None and len(data.table_names) != data.tables:
            raise invalid("body.table_names", "must name every table, one name per table")
        assert data.slot_minutes is not None
        minutes = (ends_at - starts_at).total_seconds() / 60
        if data.slot_minutes > minutes:
            raise invalid("body.slot_minutes", "is longer than the session")
    return starts_at, ends_at


def create_session(*, session: Session, event: Event, data: SessionCreate) -> EventSession:
    starts_at, ends_at = _check_session(event=event, data=data)
    row = EventSession.model_validate(
        data.model_dump(exclude={"starts_at", "ends_at"}),
        update={"event_id": event.id, "starts_at": starts_at, "ends_at": ends_at},
    )
    if row.kind is not SessionKind.b2b:
        row.slot_minutes = None
        row.tables = None
        row.table_names = None
        row.interpreters = {}
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def list_sessions(*, session: Session, event_id: int) -> list[EventSession]:
    return list(
        session.exec(
            select(EventSession)
            .where(EventSession.event_id == event_id)
            .order_by(EventSession.starts_at, EventSession.id)  # type: ignore[arg-type]
        ).all()
    )


def get_session_row(*, session: Session, event_id: int, session_id: int) -> EventSession:
    row = session.get(EventSession, session_id)
    if row is None or row.event_id != event_id:
        raise not_found(f"session {session_id}")
    return row


def session_public(row: EventSession) -> SessionPublic:
    return SessionPublic.model_validate(row, update={"slots": len(slot_times(row)) or None})


def update_session(*, session: Session, row: EventSession, data: SessionUpdate) -> EventSession:
    for key, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def delete_session(*, session: Session, row: EventSession) -> None:
    session.delete(row)
    try:
        session.commit()
    except sa.exc.IntegrityError as exc:
        session.rollback()
        raise ProblemError(409, vi_en("problem.409"), "The session still holds meetings") from exc
