"""Feasibility at a lower bound on breaks (matching/scheduler/bound_probe.py), on
published B2B instances whose optima are proven."""

from __future__ import annotations

import time

import pytest
from ortools.sat.python import cp_model

from matching.scheduler import bound_probe, parse_problem, solve
from matching.scheduler.bound_probe import schedule_within
from matching.scheduler.compiled import Compiled, compile_problem
from matching.scheduler.few_breaks import FewBreaksModel, build_few_breaks_model
from matching.scheduler.solver import SEED
from matching.scheduler.state import SlotState, participant_breaks
from tests.matching.test_scheduler_solver import published_problem


def _built(instance: str) -> tuple[Compiled, FewBreaksModel]:
    compiled = compile_problem(parse_problem(published_problem(instance)))
    return compiled, build_few_breaks_model(compiled, list(range(compiled.n_meetings)), 2)


def _breaks(compiled: Compiled, built: FewBreaksModel, solver: cp_model.CpSolver) -> int:
    state = SlotState(compiled)
    built.slot_model.read(solver, state)
    assert all(slot > 0 for slot in state.slot_of)
    return sum(participant_breaks(sorted(busy)) for busy in state.busy)


def test_one_break_is_found_by_splitting_on_who_breaks() -> None:
    # ticf-13crafc: optimum 1, which a direct search at the bound does not find in 30 s.
    compiled, built = _built("ticf-13crafc.original")
    probe = schedule_within(built, 1, seed=1, until=time.perf_counter() + 60)
    assert probe.status == cp_model.FEASIBLE
    assert probe.solver is not None
    assert _breaks(compiled, built, probe.solver) == 1


def test_a_bound_below_the_optimum_is_refuted() -> None:
    compiled, built = _built("ticf-13crafb.original")  # optimum 3
    for bound in (1, 2):
        probe = schedule_within(built, bound, seed=1, until=time.perf_counter() + 60)
        assert probe.status == cp_model.INFEASIBLE, bound
    probe = schedule_within(built, 3, seed=1, until=time.perf_counter() + 60)
    assert probe.status == cp_model.FEASIBLE
    assert probe.solver is not None
    assert _breaks(compiled, built, probe.solver) == 3


def test_no_time_left_is_unknown_not_a_proof() -> None:
    _, built = _built("ticf-13crafc.original")
    probe = schedule_within(built, 1, seed=1, until=time.perf_counter())
    assert probe.status == cp_model.UNKNOWN


def test_the_split_search_gives_the_same_schedule_twice() -> None:
    # The schedule is the same only when both runs end on the proof (6 s on a quick
    # machine, 26 s on a slow one): the limit leaves room for that, not a speed target
    # (benchmarks/b2b_instances.py measures the speed).
    data = published_problem("ticf-13crafc.original")
    first = solve(parse_problem(data), time_limit_s=90).to_dict()
    second = solve(parse_problem(data), time_limit_s=90).to_dict()
    assert first["status"] == second["status"] == "optimal"
    assert first["assignments"] == second["assignments"]


def test_the_split_tries_first_those_who_break_in_the_best_schedule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ticf-13crafc: participant 55 can be the one with the break (one of several); by
    # size the split would try 65, 64, 52 and 48 before it, the first and last of which
    # stay undecided in the first round.
    compiled, built = _built("ticf-13crafc.original")
    searches: list[int] = []
    probe_once = bound_probe._probe

    def counted(solver: cp_model.CpSolver, model: cp_model.CpModel) -> bound_probe.Probe:
        searches.append(1)
        return probe_once(solver, model)

    monkeypatch.setattr(bound_probe, "_probe", counted)
    # The split alone, as after a direct search at one that did not conclude.
    probe = bound_probe._one_break(
        built,
        bound_probe._at_most(built, 1),
        seed=SEED,
        until=time.perf_counter() + 60,
        suspects={55: 2},
    )
    assert probe.status == cp_model.FEASIBLE
    assert probe.solver is not None
    assert _breaks(compiled, built, probe.solver) == 1
    assert len(searches) == 1
