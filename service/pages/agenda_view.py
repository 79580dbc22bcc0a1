"""A participant's agenda: its meetings and the event's common programme, in time order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from service.events.models import Event, EventSession, SessionKind
from service.events.service import list_sessions
from service.meetings.models import Meeting, MeetingStatus
from service.meetings.service import list_meetings, table_name
from service.organizations.models import Organization
from service.participants.models import Participant


@dataclass(frozen=True)
class Counterpart:
    participant_id: int
    name: str
    name_en: str | None
    country: str


@dataclass(frozen=True)
class AgendaItem:
    starts_at: datetime
    ends_at: datetime
    kind: str  # "meeting" | "session"
    title: str = ""
    title_en: str | None = None
    location: str | None = None
    counterpart: Counterpart | None = None
    table: str | None = None
    interpreter_language: str | None = None
    cancelled: bool = False
    meeting_id: int | None = None


@dataclass(frozen=True)
class AgendaDay:
    day: date
    items: list[AgendaItem]


def counterparts(*, session: Session, participant_ids: set[int]) -> dict[int, Counterpart]:
    if not participant_ids:
        return {}
    rows = session.exec(
        select(Participant, Organization)
        .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
        .where(Participant.id.in_(participant_ids))  # type: ignore[union-attr]
    ).all()
    return {
        p.id: Counterpart(p.id, o.name, o.name_en, o.country)  # type: ignore[misc]
        for p, o in rows
    }


def meeting_items(
    *, session: Session, meetings: list[Meeting], participant_id: int
) -> list[AgendaItem]:
    session_ids = {m.session_id for m in meetings}
    sessions = {
        s.id: s
        for s in session.exec(
            select(EventSession).where(EventSession.id.in_(session_ids))  # type: ignore[union-attr]
        ).all()
    }
    others = {
        m.participant_b_id if m.participant_a_id == participant_id else m.participant_a_id
        for m in meetings
    }
    people = counterparts(session=session, participant_ids=others)
    items = []
    for m in meetings:
        other = m.participant_b_id if m.participant_a_id == participant_id else m.participant_a_id
        event_session = sessions[m.session_id]
        items.append(
            AgendaItem(
                starts_at=m.starts_at,
                ends_at=m.ends_at,
                kind="meeting",
                title=event_session.title,
                title_en=event_session.title_en,
                location=event_session.location,
                counterpart=people.get(other),
                table=table_name(event_session, m.table_no),
                interpreter_language=m.interpreter_language,
                cancelled=m.status is MeetingStatus.cancelled,
                meeting_id=m.id,
            )
        )
    return items


def participant_agenda(
    *, session: Session, event: Event, participant: Participant
) -> list[AgendaDay]:
    """The participant's meetings, cancelled ones included (marked) so a printed copy
    that still shows them can be checked, and the sessions everyone attends."""
    meetings = list_meetings(
        session=session,
        event_id=event.id,
        participant_id=participant.id,  # type: ignore[arg-type]
    )
    items = meeting_items(session=session, meetings=meetings, participant_id=participant.id)  # type: ignore[arg-type]
    for event_session in list_sessions(session=session, event_id=event.id):  # type: ignore[arg-type]
        if event_session.kind is SessionKind.b2b:
            continue
        items.append(
            AgendaItem(
                starts_at=event_session.starts_at,
                ends_at=event_session.ends_at,
                kind="session",
                title=event_session.title,
                title_en=event_session.title_en,
                location=event_session.location,
            )
        )
    items.sort(key=lambda item: (item.starts_at, item.kind != "session"))
    zone = ZoneInfo(event.timezone)
    days: dict[date, list[AgendaItem]] = {}
    for item in items:
        days.setdefault(item.starts_at.astimezone(zone).date(), []).append(item)
    return [AgendaDay(day, day_items) for day, day_items in sorted(days.items())]
