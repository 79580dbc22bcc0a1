"""Large-neighbourhood search over participants' timelines, for the few-breaks model.

The exact searches of `few_breaks.py` and `bound_probe.py` prove lower bounds on breaks
fast but may find a schedule at the bound late or not at all; without a schedule in hand
the answer would be whatever first schedule the model gave (80-95 breaks on the forum
instances, whose optimum is 5-6). This search improves the best schedule steadily instead:
each step keeps every meeting of the day where it is except those of a neighbourhood, and
re-solves the same model (all its redundant constraints included) on that part, with the
schedule as the hint. A step is kept when it is no worse, so the schedule only improves.

Neighbourhoods, drawn in turn:

- participants: one with breaks (the most breaks more often), grown through shared
  meetings, all their meetings free (their partners' timelines move too);
- a window of consecutive slots: every meeting in it free (compacts timelines that cross
  it, and moves meetings between crowded and empty slots);
- the participants with breaks: a few of them and their partners;
- who breaks: every meeting free, but only the participants who have a break now, and a
  few others, may have one (everybody else holds one run of consecutive slots).

Sizes adapt: a step solved to optimality grows the next one, a step cut by its limit
shrinks it. Steps are bounded by deterministic time and the random generator is seeded,
so a run is reproducible (the wall clock is only a safety limit).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from matching.scheduler.few_breaks import FewBreaksModel
from matching.scheduler.state import UNPLACED, SlotState
from matching.scheduler.watch import WatchedSolver

# Deterministic time of one step (these models run at 1-3 units per second).
STEP_WORK = 0.25
# Share of the meetings freed by the first step; adapted between these limits.
FIRST_SHARE = 0.2
MIN_SHARE = 0.05
MAX_SHARE = 0.7
# Work charged per step on top of the search: cloning, hints and presolve.
STEP_OVERHEAD = 0.03
# Participants without a break who may take one in a "who breaks" step.
EXTRA_BREAKERS = 8


def improve_timelines(
    built: FewBreaksModel,
    state: SlotState,
    *,
    seed: int,
    until: float,
    work: float,
    stop_at: int = 0,
    better: Callable[[SlotState, SlotState], bool] | None = None,
) -> float:
    """Improve the schedule in `state` (every meeting of the model placed) in place."""
    slot_model = built.slot_model
    compiled = slot_model.c
    meetings = slot_model.free
    if not meetings or any(state.slot_of[k] == UNPLACED for k in meetings):
        return 0.0
    rng = random.Random(seed)
    partners: dict[int, set[int]] = {p: set() for p in slot_model.touched}
    for k in meetings:
        a, b = compiled.pair[k]
        partners[a].add(b)
        partners[b].add(a)
    share = FIRST_SHARE
    spent = 0.0
    step = 0
    accept = better or _no_more_breaks
    while spent < work and time.perf_counter() < until:
        breaks = {p: state.breaks(p) for p in slot_model.touched}
        total_now = sum(breaks.values())
        if total_now <= stop_at:
            break
        size = max(2, round(share * len(meetings)))
        kind = step % 4
        step += 1
        if kind == 0:
            free = _participant_neighbourhood(rng, slot_model.touched, partners, breaks, size)
        elif kind == 1:
            free = _window_neighbourhood(rng, meetings, state, compiled.slots, size)
        elif kind == 2:
            free = _breakers_neighbourhood(rng, slot_model.touched, breaks, size)
        else:
            free = set(meetings)
            may_break = _may_break(rng, built, breaks)
        model = slot_model.model.clone()
        model.clear_hints()
        model.clear_objective()
        total = cp_model.LinearExpr.sum([_same(model, literal) for literal in built.levels])
        model.add(total <= sum(breaks.values()))
        model.minimize(total)
        for k in meetings:
            s = state.slot_of[k]
            variable = slot_model.x.get((k, s))
            if variable is None:
                continue
            if k in free:
                for t, var in slot_model.by_meeting[k]:
                    model.add_hint(_same(model, var), t == s)
            else:
                model.add(_same(model, variable) == 1)
        if kind == 3:
            for p, literal in built.contiguous.items():
                if p not in may_break:
                    model.add(_same(model, literal) == 1)
        for p, own in built.levels_of.items():
            for j, literal in enumerate(own):
                model.add_hint(_same(model, literal), breaks.get(p, 0) > j)
        solver = WatchedSolver(follow=False)
        parameters = solver.parameters
        parameters.num_workers = 1
        parameters.random_seed = seed + step
        parameters.linearization_level = 0
        parameters.max_deterministic_time = STEP_WORK
        # Most of a step is fixed: a light presolve leaves more of it to the search.
        parameters.cp_model_probing_level = 0
        parameters.max_presolve_iterations = 1
        parameters.symmetry_level = 0
        parameters.max_time_in_seconds = max(0.05, until - time.perf_counter())
        status = solver.solve(model)
        spent += solver.deterministic_time + STEP_OVERHEAD
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = SlotState(compiled)
            for k, s in enumerate(state.slot_of):
                if s != UNPLACED:
                    found.place(k, s)
            slot_model.read(_Reader(solver, model), found)
            if accept(found, state):
                for k in meetings:
                    state.remove(k)
                for k in meetings:
                    state.place(k, found.slot_of[k])
        if kind == 3:
            continue
        if status == cp_model.OPTIMAL:
            share = min(MAX_SHARE, share * 1.25)
        elif status != cp_model.INFEASIBLE:
            share = max(MIN_SHARE, share * 0.8)
    return spent


def _no_more_breaks(found: SlotState, state: SlotState) -> bool:
    return _total(found) <= _total(state)


def _total(state: SlotState) -> int:
    return sum(state.breaks(p) for p in range(len(state.busy)) if state.busy[p])


class _Reader:
    """Reads a clone's solution through the original model's variables (same indices)."""

    def __init__(self, solver: cp_model.CpSolver, model: cp_model.CpModel) -> None:
        self.solver = solver
        self.model = model

    def boolean_value(self, variable: cp_model.IntVar) -> bool:
        return bool(self.solver.boolean_value(_same(self.model, variable)))


def _same(model: cp_model.CpModel, variable: cp_model.IntVar) -> cp_model.IntVar:
    return model.get_bool_var_from_proto_index(variable.index)


def _may_break(rng: random.Random, built: FewBreaksModel, breaks: dict[int, int]) -> set[int]:
    """Who may have a break in a "who breaks" step: everybody who has one now, and a few
    others at random. Everybody else keeps one run of consecutive slots, but every meeting
    is free: a restriction of structure rather than of places, which the run encoding of
    `few_breaks.py` propagates strongly."""
    others = sorted(p for p in built.contiguous if breaks.get(p, 0) == 0)
    breakers = {p for p, b in breaks.items() if b > 0}
    return breakers | set(rng.sample(others, min(EXTRA_BREAKERS, len(others))))


def _participant_neighbourhood(
    rng: random.Random,
    touched: dict[int, list[int]],
    partners: dict[int, set[int]],
    breaks: dict[int, int],
    size: int,
) -> set[int]:
    """Meetings of participants grown from one with breaks, breadth first at random."""
    with_breaks = [p for p, b in breaks.items() if b > 0]
    if not with_breaks:
        with_breaks = list(touched)
    if rng.random() < 0.5:
        worst = max(breaks[p] for p in with_breaks)
        start = rng.choice([p for p in with_breaks if breaks[p] == worst])
    else:
        start = rng.choice(with_breaks)
    free: set[int] = set()
    chosen = {start}
    frontier = [start]
    while frontier and len(free) < size:
        p = frontier.pop(rng.randrange(len(frontier)))
        free.update(touched[p])
        options = sorted(partners[p] - chosen)
        rng.shuffle(options)
        for q in options[:3]:
            chosen.add(q)
            frontier.append(q)
    return free


def _window_neighbourhood(
    rng: random.Random, meetings: list[int], state: SlotState, slots: int, size: int
) -> set[int]:
    """Every meeting in a window of consecutive slots holding about `size` meetings."""
    per_slot = max(1, len(meetings) // slots)
    width = max(2, min(slots, round(size / per_slot)))
    first = rng.randint(1, max(1, slots - width + 1))
    window = range(first, first + width)
    return {k for k in meetings if state.slot_of[k] in window}


def _breakers_neighbourhood(
    rng: random.Random, touched: dict[int, list[int]], breaks: dict[int, int], size: int
) -> set[int]:
    """Meetings of participants with breaks, in random order, and then of anyone."""
    order = [p for p, b in breaks.items() if b > 0]
    rng.shuffle(order)
    rest = [p for p, b in breaks.items() if b == 0]
    rng.shuffle(rest)
    free: set[int] = set()
    for p in order + rest:
        if len(free) >= size:
            break
        free.update(touched[p])
    return free
