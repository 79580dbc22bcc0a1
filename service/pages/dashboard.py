"""The figures and the schedule grid of an event's dashboard, read from the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, func, select

from service.events.models import Event, EventSession, SessionKind
from service.events.service import list_sessions, slot_times
from service.meeting_requests.models import MeetingRequest, RequestStatus
from service.meeting_requests.service import accepted_requests, expire_stale_requests
from service.meetings.models import Meeting, MeetingSource, MeetingStatus
from service.meetings.service import list_meetings, table_name
from service.organizations.models import Organization
from service.pages.agenda_view import Counterpart, counterparts
from service.participants.models import Participant, Side

REQUIRED_SOURCES = (MeetingSource.request, MeetingSource.organizer)


@dataclass(frozen=True)
class SideCountry:
    side: Side
    country: str
    count: int


@dataclass(frozen=True)
class MeetingRow:
    meeting: Meeting
    a: Counterpart | None
    b: Counterpart | None
    session: EventSession
    table: str

    @property
    def required(self) -> bool:
        return self.meeting.source in REQUIRED_SOURCES


@dataclass(frozen=True)
class GridSession:
    session: EventSession
    slots: list[tuple[int, datetime, datetime]]
    tables: list[tuple[int, str]]
    cells: dict[tuple[int, int], MeetingRow]  # (table_no, slot) -> live meeting
    # language -> slot -> interpreters busy; capacity per language from the session
    interpreter_load: dict[str, dict[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class UnplacedRequired:
    request_id: int
    a: Counterpart | None
    b: Counterpart | None
    cancelled: bool = False  # its meeting was cancelled by an organiser


@dataclass(frozen=True)
class Dashboard:
    participants_total: int
    by_side_country: list[SideCountry]
    requests: dict[str, int]
    meetings_placed: int
    meetings_locked: int
    unplaced: list[UnplacedRequired]
    grids: list[GridSession]
    meetings: list[MeetingRow]


def participants_by_side_country(*, session: Session, event_id: int) -> list[SideCountry]:
    rows = session.exec(
        select(Participant.side, Organization.country, func.count())
        .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
        .where(Participant.event_id == event_id)
        .group_by(Participant.side, Organization.country)
    ).all()
    return sorted(
        (SideCountry(Side(side), country, count) for side, country, count in rows),
        key=lambda row: (row.side.value != "host", -row.count, row.country),
    )


def request_counts(*, session: Session, event_id: int) -> dict[str, int]:
    counts = dict.fromkeys((status.value for status in RequestStatus), 0)
    rows = session.exec(
        select(MeetingRequest.status, func.count())
        .where(MeetingRequest.event_id == event_id)
        .group_by(MeetingRequest.status)
    ).all()
    for status, count in rows:
        counts[RequestStatus(status).value] = count
    return counts


def meeting_rows(*, session: Session, event_id: int, meetings: list[Meeting]) -> list[MeetingRow]:
    sessions = {s.id: s for s in list_sessions(session=session, event_id=event_id)}
    people = counterparts(
        session=session,
        participant_ids={p for m in meetings for p in (m.participant_a_id, m.participant_b_id)},
    )
    return [
        MeetingRow(
            meeting=m,
            a=people.get(m.participant_a_id),
            b=people.get(m.participant_b_id),
            session=sessions[m.session_id],
            table=table_name(sessions[m.session_id], m.table_no),
        )
        for m in meetings
    ]


def grid(*, event_session: EventSession, rows: list[MeetingRow]) -> GridSession:
    times = slot_times(event_session)
    cells: dict[tuple[int, int], MeetingRow] = {}
    load: dict[str, dict[int, int]] = {lang: {} for lang in event_session.interpreters}
    for row in rows:
        m = row.meeting
        if m.session_id != event_session.id or m.status is not MeetingStatus.scheduled:
            continue
        cells[(m.table_no, m.slot)] = row
        if m.interpreter_language:
            per_slot = load.setdefault(m.interpreter_language, {})
            per_slot[m.slot] = per_slot.get(m.slot, 0) + 1
    return GridSession(
        session=event_session,
        slots=[(i + 1, start, end) for i, (start, end) in enumerate(times)],
        tables=[
            (n, table_name(event_session, n)) for n in range(1, (event_session.tables or 0) + 1)
        ],
        cells=cells,
        interpreter_load=load,
    )


def unplaced_required(
    *, session: Session, event_id: int, meetings: list[Meeting]
) -> list[UnplacedRequired]:
    """Accepted requests without a live meeting: the meetings the scheduler still owes,
    or that an organiser cancelled (the scheduler does not bring those back)."""
    live = {m.request_id for m in meetings if m.status is MeetingStatus.scheduled}
    cancelled = {m.request_id for m in meetings if m.status is MeetingStatus.cancelled}
    missing = [r for r in accepted_requests(session=session, event_id=event_id) if r.id not in live]
    people = counterparts(
        session=session,
        participant_ids={p for r in missing for p in (r.from_participant_id, r.to_participant_id)},
    )
    return [
        UnplacedRequired(
            r.id,  # type: ignore[arg-type]
            people.get(r.from_participant_id),
            people.get(r.to_participant_id),
            cancelled=r.id in cancelled,
        )
        for r in missing
    ]


def dashboard(*, session: Session, event: Event) -> Dashboard:
    event_id: int = event.id  # type: ignore[assignment]
    # Overdue requests count as expired, as everywhere else in the service.
    expire_stale_requests(session=session, event=event)
    by_side = participants_by_side_country(session=session, event_id=event_id)
    meetings = list_meetings(session=session, event_id=event_id)
    rows = meeting_rows(session=session, event_id=event_id, meetings=meetings)
    live = [m for m in meetings if m.status is MeetingStatus.scheduled]
    grids = [
        grid(event_session=s, rows=rows)
        for s in list_sessions(session=session, event_id=event_id)
        if s.kind is SessionKind.b2b
    ]
    return Dashboard(
        participants_total=sum(row.count for row in by_side),
        by_side_country=by_side,
        requests=request_counts(session=session, event_id=event_id),
        meetings_placed=len(live),
        meetings_locked=sum(1 for m in live if m.locked),
        unplaced=unplaced_required(session=session, event_id=event_id, meetings=meetings),
        grids=grids,
        meetings=rows,
    )
