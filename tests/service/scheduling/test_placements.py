"""The final check of the solver's placements against each session's own rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.core.errors import ProblemError
from service.events.models import EventSession, SessionKind
from service.meetings.models import Meeting, MeetingSource
from service.scheduling.grid import Grid, build_grid, overlapping_slots
from service.scheduling.placements import Planned, count_breaks, settle


def _session(
    session_id: int, hour: int, slots: int, tables: int, interpreters: dict | None = None
) -> EventSession:
    return EventSession(
        id=session_id,
        event_id=1,
        title="B2B",
        kind=SessionKind.b2b,
        starts_at=datetime(2026, 12, 10, hour, tzinfo=UTC),
        ends_at=datetime(2026, 12, 10, hour, tzinfo=UTC) + timedelta(minutes=30 * slots),
        slot_minutes=30,
        break_minutes=0,
        tables=tables,
        interpreters=interpreters or {},
    )


@pytest.fixture
def grid() -> Grid:
    # Morning: 4 slots, 3 tables, 1 Korean interpreter; afternoon: 2 slots, 2 tables.
    return build_grid([_session(2, 6, 2, 2), _session(1, 1, 4, 3, {"ko": 1})])


def _existing(meeting_id: int, session_id: int, slot: int, table: int, **fields: object) -> Meeting:
    return Meeting(
        id=meeting_id,
        event_id=1,
        session_id=session_id,
        slot=slot,
        table_no=table,
        starts_at=datetime(2026, 12, 10, tzinfo=UTC),
        ends_at=datetime(2026, 12, 10, tzinfo=UTC),
        participant_a_id=0,
        participant_b_id=0,
        **fields,
    )


def test_grid_numbers_slots_across_sessions_in_time_order(grid: Grid) -> None:
    assert len(grid) == 6 and grid.session_starts == [1, 5]
    assert grid.tables == 3 and grid.pools == {"ko": 1}
    assert grid.number(2, 1) == 5 and grid.at(5).slot == 1 and grid.at(5).tables == 2
    assert grid.number(2, 3) is None
    morning_second_slot = (
        datetime(2026, 12, 10, 1, 40, tzinfo=UTC),
        datetime(2026, 12, 10, 2, tzinfo=UTC),
    )
    assert overlapping_slots(grid, [morning_second_slot]) == {2}


def test_grid_refuses_no_b2b_session_and_overlapping_sessions() -> None:
    with pytest.raises(ProblemError) as no_b2b:
        build_grid([])
    assert no_b2b.value.status == 422
    with pytest.raises(ProblemError) as overlap:
        build_grid([_session(1, 1, 4, 3), _session(2, 2, 2, 2)])
    assert overlap.value.status == 422


def test_locked_meeting_stays_and_wins_its_place(grid: Grid) -> None:
    locked = Planned(
        "m1",
        1,
        2,
        True,
        MeetingSource.organizer,
        existing=_existing(1, 1, 2, 1),
        current=(2, 1),
        locked=True,
    )
    rival = Planned("r7", 1, 3, True, MeetingSource.request, request_id=7)
    settled = settle(
        grid=grid,
        items=[locked, rival],
        proposed={"r7": (2, 2)},  # participant 1 would sit twice in slot 2
        solver_reasons={},
        unavailable={},
        limits={},
    )
    assert settled.places == {"m1": (2, 1)}
    assert "1" in settled.reasons["r7"] and settled.adjusted == 1


def test_session_capacity_and_fallback_to_the_current_place(grid: Grid) -> None:
    existing = Planned(
        "m4", 4, 5, True, MeetingSource.request, existing=_existing(4, 2, 1, 1), current=(5, 1)
    )
    interpreted = Planned("r1", 6, 7, True, MeetingSource.request, language="ko")
    second = Planned("r2", 8, 9, True, MeetingSource.request, language="ko")
    settled = settle(
        grid=grid,
        items=[existing, interpreted, second],
        # Table 3 does not exist in the afternoon; one Korean interpreter in the morning.
        proposed={"m4": (6, 3), "r1": (1, 1), "r2": (1, 2)},
        solver_reasons={},
        unavailable={},
        limits={},
    )
    assert settled.places == {"m4": (5, 1), "r1": (1, 1)}
    assert "ko" in settled.reasons["r2"]


def test_dropped_required_meeting_keeps_a_valid_place(grid: Grid) -> None:
    kept = Planned(
        "m2", 1, 2, True, MeetingSource.request, existing=_existing(2, 1, 3, 2), current=(3, 2)
    )
    dropped_suggestion = Planned(
        "m3", 3, 4, False, MeetingSource.suggestion, existing=_existing(3, 1, 1, 1), current=(1, 1)
    )
    unavailable = Planned(
        "m5", 5, 6, True, MeetingSource.request, existing=_existing(5, 1, 4, 1), current=None
    )
    settled = settle(
        grid=grid,
        items=[kept, dropped_suggestion, unavailable],
        proposed={},
        solver_reasons={"m5": "no slot where both are free"},
        unavailable={5: {4}},
        limits={},
    )
    assert settled.places == {"m2": (3, 2)}
    assert settled.reasons["m5"] == "no slot where both are free"
    assert "m3" in settled.reasons


def test_moved_meetings_go_back_when_nothing_is_lost(grid: Grid) -> None:
    # The solver moved m1 off (1, 1) to seat newcomer r1 there; r1 fits m1's new place.
    moved = Planned(
        "m1", 1, 2, False, MeetingSource.suggestion, existing=_existing(1, 1, 1, 1), current=(1, 1)
    )
    newcomer = Planned("r1", 1, 3, True, MeetingSource.request, request_id=1)
    # m2 was moved although its place stayed free.
    wandered = Planned(
        "m2", 4, 5, True, MeetingSource.request, existing=_existing(2, 1, 2, 2), current=(2, 2)
    )
    proposed = {"m1": (3, 1), "r1": (1, 1), "m2": (4, 3)}
    kwargs = {
        "grid": grid,
        "proposed": proposed,
        "solver_reasons": {},
        "unavailable": {},
        "limits": {},
    }
    replanned = settle(items=[moved, newcomer, wandered], **kwargs)  # type: ignore[arg-type]
    assert replanned.places == proposed
    kept = settle(items=[moved, newcomer, wandered], keep_in_place=True, **kwargs)  # type: ignore[arg-type]
    assert kept.places == {"m1": (1, 1), "r1": (3, 1), "m2": (2, 2)}
    assert kept.adjusted == 3


def test_caps_and_availability_refuse_new_meetings(grid: Grid) -> None:
    first = Planned("s1", 1, 2, False, MeetingSource.suggestion, score=0.9)
    second = Planned("s2", 1, 3, False, MeetingSource.suggestion, score=0.8)
    third = Planned("s3", 4, 3, False, MeetingSource.suggestion, score=0.7)
    settled = settle(
        grid=grid,
        items=[first, second, third],
        proposed={"s1": (1, 1), "s2": (2, 1), "s3": (3, 1)},
        solver_reasons={},
        unavailable={4: {3}},
        limits={1: 1},
    )
    assert settled.places == {"s1": (1, 1)}
    assert set(settled.reasons) == {"s2", "s3"}


def test_breaks_count_idle_stretches_within_a_session(grid: Grid) -> None:
    items = [
        Planned("a", 1, 2, True, MeetingSource.request),
        Planned("b", 1, 3, True, MeetingSource.request),
        Planned("c", 1, 4, True, MeetingSource.request),
        Planned("d", 1, 5, True, MeetingSource.request),
    ]
    # Participant 1 meets in slots 1, 3, 4 and 6: 1 -> 3 leaves a break in the morning;
    # 4 -> 6 spans the pause between the sessions (the afternoon opens at 5): no break.
    places = {"a": (1, 1), "b": (3, 1), "c": (4, 1), "d": (6, 1)}
    assert count_breaks(grid, places, items) == 1
