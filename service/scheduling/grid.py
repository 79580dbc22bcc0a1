"""The day's meeting grid: the slots of an event's b2b sessions, numbered across sessions.

The scheduler sees one sequence of slots 1..n: the first b2b session's slots, then the
second's, in time order. ``session_starts`` tells it where each session begins, so the
lunch between a morning and an afternoon session is not counted as a participant's break.
Sessions may differ in tables and interpreter pools: the grid keeps each session's own
capacities, and the largest of each, which is what the scheduler is given (the smaller
sessions' missing places are held by placeholder meetings, see planning.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from service.core.errors import invalid
from service.events.models import EventSession, SessionKind
from service.events.service import slot_times


@dataclass(frozen=True)
class GridSlot:
    number: int  # 1-based across the day's b2b sessions
    session: EventSession
    slot: int  # 1-based within its session
    starts_at: datetime
    ends_at: datetime

    @property
    def tables(self) -> int:
        return self.session.tables or 0

    def pool(self, language: str) -> int:
        return int((self.session.interpreters or {}).get(language, 0))


@dataclass
class Grid:
    slots: list[GridSlot]
    session_starts: list[int]
    tables: int
    pools: dict[str, int]
    _numbers: dict[tuple[int, int], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._numbers = {(s.session.id, s.slot): s.number for s in self.slots}  # type: ignore[misc]

    def number(self, session_id: int, slot: int) -> int | None:
        """The grid number of a session's slot, None when it is not on the grid."""
        return self._numbers.get((session_id, slot))

    def at(self, number: int) -> GridSlot:
        return self.slots[number - 1]

    def __len__(self) -> int:
        return len(self.slots)


def build_grid(sessions: Iterable[EventSession]) -> Grid:
    """The grid of the b2b sessions; 422 when there is none or two overlap in time (a
    participant could then be booked twice at once)."""
    b2b = sorted(
        (s for s in sessions if s.kind is SessionKind.b2b and slot_times(s)),
        key=lambda s: (s.starts_at, s.id),
    )
    if not b2b:
        raise invalid("path.event_id", "the event has no b2b session to schedule")
    for earlier, later in itertools.pairwise(b2b):
        if later.starts_at < earlier.ends_at:
            raise invalid(
                "path.event_id",
                f"b2b sessions {earlier.id} and {later.id} overlap in time; the scheduler "
                "plans one sequence of slots",
            )
    slots: list[GridSlot] = []
    starts: list[int] = []
    pools: dict[str, int] = {}
    for event_session in b2b:
        starts.append(len(slots) + 1)
        for index, (start, end) in enumerate(slot_times(event_session), start=1):
            slots.append(GridSlot(len(slots) + 1, event_session, index, start, end))
        for language, count in (event_session.interpreters or {}).items():
            pools[language] = max(pools.get(language, 0), int(count))
    tables = max(s.tables or 0 for s in b2b)
    return Grid(slots=slots, session_starts=starts, tables=tables, pools=pools)


def overlapping_slots(grid: Grid, intervals: Sequence[tuple[datetime, datetime]]) -> set[int]:
    """Grid numbers of the slots that overlap any of the intervals."""
    return {
        s.number
        for s in grid.slots
        for start, end in intervals
        if start < s.ends_at and end > s.starts_at
    }


def unavailable_slots(
    grid: Grid,
    unavailable: Sequence[dict],
    attends_plenary: bool,
    plenaries: Sequence[EventSession],
) -> set[int]:
    """Grid numbers a participant cannot meet in: its unavailable intervals ({start, end}
    ISO 8601) and, if it attends them, the plenary sessions."""
    intervals = [
        (datetime.fromisoformat(i["start"]), datetime.fromisoformat(i["end"])) for i in unavailable
    ]
    if attends_plenary:
        intervals += [(s.starts_at, s.ends_at) for s in plenaries]
    return overlapping_slots(grid, intervals)
