"""Neighbourhood search over timelines (matching/scheduler/timeline_lns.py), on a published
forum instance whose first schedules are far from its optimum."""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from matching.scheduler.state import SlotState
from matching.scheduler.timeline_lns import improve_timelines
from tests.matching.test_scheduler_bound_probe import _built

INSTANCE = "forum-13crafb.original"  # optimum 6


def _first_schedule() -> tuple[SlotState, object]:
    compiled, built = _built(INSTANCE)
    model = built.slot_model.model
    model.clear_objective()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 1
    solver.parameters.linearization_level = 0
    solver.parameters.max_time_in_seconds = 30
    assert solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    state = SlotState(compiled)
    built.slot_model.read(solver, state)
    model.minimize(cp_model.LinearExpr.sum(built.levels))
    return state, built


def _total(state: SlotState) -> int:
    return sum(state.breaks(p) for p in range(len(state.busy)))


def _improved(work: float) -> tuple[int, int, list[int]]:
    state, built = _first_schedule()
    before = _total(state)
    improve_timelines(built, state, seed=3, until=time.perf_counter() + 60, work=work)  # type: ignore[arg-type]
    return before, _total(state), list(state.slot_of)


def test_breaks_fall_steadily_and_every_meeting_stays_placed() -> None:
    before, after, slots = _improved(work=3.0)
    assert all(s > 0 for s in slots)
    assert after <= before // 2  # 80-95 breaks first, about 30 after 3 units
    assert after >= 6  # never below the optimum


def test_same_work_same_schedule() -> None:
    assert _improved(work=0.6) == _improved(work=0.6)
