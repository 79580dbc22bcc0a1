"""Common free times of two participants and live booking of accepted requests.

A slot is free for a pair when both can meet then (availability, the plenaries they
attend, their ``max_meetings``, no meeting of either already there), a table is left and,
when the pair shares no working language and a session declares a pool for the
interpreter's language, an interpreter of that pool is left. Occupancy is read through
the indexes the UNIQUE constraints already keep (seats by participant, meetings by
session and slot, interpreter seats by session, slot and language), never by loading
the event's meetings.

Booking (``book_accepted``) runs inside the accepting request's transaction: it tries
the time the accepter picked, else the best free slot (the fewest added breaks for both,
then the earliest), each attempt inside a SAVEPOINT. A concurrent booking that took the
table, a participant's slot or the last interpreter makes the insert fail on a UNIQUE
constraint; the savepoint is rolled back and the next best free slot, read afresh, is
tried, a bounded number of times. Both participants' rows are locked first (PostgreSQL),
so bookings of the same person queue while others run side by side, and a participant's
``max_meetings``, which no constraint guards, holds. When nothing fits, the request
stays accepted with a reason in Vietnamese and English, and the organiser's scheduler
places it later.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from service.core.errors import ProblemError
from service.events.models import Event, EventSession, SessionKind
from service.events.service import list_sessions
from service.meeting_requests.models import MeetingRequest
from service.meeting_requests.service import check_slot_start, set_unplaced_reason
from service.meetings import service as booking
from service.meetings.interpreters import interpreter_needed
from service.meetings.models import Meeting, MeetingSource
from service.organizations.models import Organization
from service.participants.models import Participant
from service.participants.service import lock_participants
from service.scheduling.grid import Grid, GridSlot, build_grid, unavailable_slots

MAX_ATTEMPTS = 8

Reason = dict[str, str]


def _reason(vi: str, en: str) -> Reason:
    return {"vi": vi, "en": en}


NO_B2B = _reason("Sự kiện chưa có phiên gặp B2B.", "The event has no B2B session yet.")
NO_COMMON_SLOT = _reason(
    "Hai bên không có khung giờ trống chung.", "The two sides have no free slot in common."
)
NO_TABLE = _reason(
    "Không còn bàn trống vào các khung giờ cả hai bên đều rảnh.",
    "No table is left in the slots where both sides are free.",
)
LOST_RACES = _reason(
    "Các khung giờ trống vừa được người khác đặt hết.",
    "The free slots were just booked by others.",
)


def _full(name: str) -> Reason:
    return _reason(
        f"{name} đã đủ số cuộc gặp tối đa.", f"{name} has reached its maximum number of meetings."
    )


def _no_interpreter(language: str) -> Reason:
    return _reason(
        f"Không còn phiên dịch tiếng {language} vào các khung giờ cả hai bên đều rảnh.",
        f"No {language} interpreter is left in the slots where both sides are free.",
    )


def _picked_elsewhere() -> Reason:
    return _reason(
        "Giờ đã chọn không còn trống; cuộc gặp được xếp vào khung giờ tốt nhất còn lại.",
        "The time asked for is no longer free; the meeting is booked at the best free slot.",
    )


@dataclass(frozen=True)
class Free:
    slot: GridSlot
    tables_free: int
    language: str | None
    added_breaks: int

    @property
    def place(self) -> tuple[int, int]:
        return self.slot.session.id, self.slot.slot  # type: ignore[return-value]


@dataclass
class Availability:
    free: list[Free]  # in time order
    reason: Reason | None  # why there is none, when empty
    language: str | None = None


def _added_breaks(grid: Grid, busy: set[int], number: int) -> int:
    """How many more idle stretches the participant's agenda has with a meeting in
    `number` (only meetings of the same session count; the pause between sessions is no
    break)."""
    session_id = grid.at(number).session.id

    def breaks(numbers: Iterable[int]) -> int:
        same = sorted(n for n in numbers if grid.at(n).session.id == session_id)
        return sum(1 for x, y in itertools.pairwise(same) if y - x > 1)

    return breaks(busy | {number}) - breaks(busy)


def _languages(orgs: dict[int | None, Organization], participant: Participant) -> list[str]:
    org = orgs.get(participant.organization_id)
    return list(org.languages or []) if org else []


def _name(orgs: dict[int | None, Organization], participant: Participant) -> str:
    org = orgs.get(participant.organization_id)
    return org.name if org else f"#{participant.id}"


def availability(*, session: Session, event: Event, a: Participant, b: Participant) -> Availability:
    """The slots where the pair can meet now (see the module docstring)."""
    sessions = list_sessions(session=session, event_id=event.id)  # type: ignore[arg-type]
    try:
        grid = build_grid(sessions)
    except ProblemError:
        return Availability([], NO_B2B)
    plenaries = [s for s in sessions if s.kind is SessionKind.plenary]
    # Both organisations in one read, kept while they are used.
    orgs = {
        o.id: o
        for o in session.exec(
            select(Organization).where(
                Organization.id.in_([a.organization_id, b.organization_id])  # type: ignore[attr-defined]
            )
        ).all()
    }
    language = interpreter_needed(_languages(orgs, a), _languages(orgs, b), list(grid.pools))
    people = (a, b)
    seats = booking.busy_seats(session=session, participant_ids=[p.id for p in people])  # type: ignore[misc]
    busy: dict[int, set[int]] = {p.id: set() for p in people}  # type: ignore[misc]
    live: dict[int, int] = dict.fromkeys(busy, 0)
    for participant_id, session_id, slot in seats:
        live[participant_id] += 1
        number = grid.number(session_id, slot)
        if number is not None:
            busy[participant_id].add(number)
    for person in people:
        if person.max_meetings is not None and live[person.id] >= person.max_meetings:  # type: ignore[index]
            return Availability([], _full(_name(orgs, person)), language)
    blocked = set().union(
        *(
            busy[p.id] | unavailable_slots(grid, p.unavailable or [], p.attends_plenary, plenaries)  # type: ignore[index]
            for p in people
        )
    )
    common = [s for s in grid.slots if s.number not in blocked]
    if not common:
        return Availability([], NO_COMMON_SLOT, language)
    session_ids = sorted({s.session.id for s in common})  # type: ignore[type-var]
    used = booking.tables_in_use(session=session, session_ids=session_ids)  # type: ignore[arg-type]
    with_table = [(s, s.tables - used.get((s.session.id, s.slot), 0)) for s in common]  # type: ignore[misc]
    with_table = [(s, n) for s, n in with_table if n > 0]
    if not with_table:
        return Availability([], NO_TABLE, language)
    if language is not None and language in grid.pools:
        taken = booking.interpreters_in_use(
            session=session,
            session_ids=session_ids,  # type: ignore[arg-type]
            language=language,
        )
        with_table = [
            (s, n)
            for s, n in with_table
            if taken.get((s.session.id, s.slot), 0) < s.pool(language)  # type: ignore[arg-type]
        ]
        if not with_table:
            return Availability([], _no_interpreter(language), language)
    free = [
        Free(
            slot=s,
            tables_free=n,
            language=language,
            added_breaks=sum(_added_breaks(grid, busy[p.id], s.number) for p in people),  # type: ignore[index]
        )
        for s, n in with_table
    ]
    return Availability(free, None, language)


def _best_first(free: list[Free]) -> list[Free]:
    return sorted(free, key=lambda f: (f.added_breaks, f.slot.starts_at, f.slot.session.id))


@dataclass
class Booked:
    meeting: Meeting | None
    event_session: EventSession | None = None  # the meeting's session
    reason: Reason | None = None  # why nothing was booked
    note: Reason | None = None  # why not at the time asked for


def book_accepted(
    *,
    session: Session,
    event: Event,
    request: MeetingRequest,
    starts_at: datetime | None,
) -> Booked:
    """Books the just-accepted request (see the module docstring). The caller commits."""
    # Both sides locked before their meetings are read: another booking of either waits
    # for this commit, so their caps and free slots cannot change under the decision.
    pair = lock_participants(
        session=session, participant_ids=[request.from_participant_id, request.to_participant_id]
    )
    a, b = pair[request.from_participant_id], pair[request.to_participant_id]
    picked: tuple[int, int] | None = None
    if starts_at is not None:
        _, picked = check_slot_start(
            session=session, event=event, value=starts_at, field="body.starts_at"
        )
    tried: set[tuple[int, int]] = set()
    reason: Reason | None = None
    for _ in range(MAX_ATTEMPTS):
        found = availability(session=session, event=event, a=a, b=b)
        options = [f for f in _best_first(found.free) if f.place not in tried]
        if not options:
            reason = found.reason or (LOST_RACES if tried else NO_COMMON_SLOT)
            break
        choice = next((f for f in options if f.place == picked), options[0])
        tried.add(choice.place)
        table = booking.free_table(
            session=session, event_session=choice.slot.session, slot=choice.slot.slot
        )
        if table is None:
            continue
        savepoint = session.begin_nested()
        try:
            meeting = booking.place_meeting(
                session=session,
                event_id=event.id,  # type: ignore[arg-type]
                a=a,
                b=b,
                placement=booking.Placement(choice.slot.session, choice.slot.slot, table),
                source=MeetingSource.request,
                request_id=request.id,
                interpreter_language=choice.language,
                commit=False,
                rollback_on_conflict=False,
            )
            savepoint.commit()
        except booking.PlaceTaken:
            savepoint.rollback()
            continue
        if request.unplaced_reason is not None:
            set_unplaced_reason(session=session, request=request, reason=None)
        note = _picked_elsewhere() if picked is not None and choice.place != picked else None
        return Booked(meeting, event_session=choice.slot.session, note=note)
    else:
        reason = LOST_RACES
    set_unplaced_reason(session=session, request=request, reason=reason)
    return Booked(None, reason=reason)
