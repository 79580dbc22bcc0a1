"""Large-neighbourhood search for days too large for one CP-SAT model, and break polish.

Each step frees every candidate meeting of a few dozen participants that are linked by
candidate meetings (so that swaps between them are possible), keeps the rest of the day
fixed, and re-solves that part exactly with CP-SAT for the lexicographic objective
(required meetings, then kept places, then score). A step is kept when it is at least as
good, so the schedule never gets worse.

Steps are budgeted in deterministic work (CP-SAT deterministic time plus model size),
with the wall clock only as a safety net, so that runs are reproducible.
"""

from __future__ import annotations

import math
import random
import time

from ortools.sat.python import cp_model

from matching.scheduler.compiled import Compiled
from matching.scheduler.model import SlotModel, count_breaks
from matching.scheduler.state import UNPLACED, SlotState
from matching.scheduler.watch import WatchedSolver

NEIGHBOURHOOD_PARTICIPANTS = 60
STEP_DTIME = 0.05
# Deterministic work charged per model variable, for the Python model building.
WORK_PER_VARIABLE = 4e-6
WORK_PER_SECOND = 0.06


def improve_by_neighbourhoods(
    compiled: Compiled, state: SlotState, budget_s: float, seed: int
) -> None:
    wall_deadline = time.perf_counter() + budget_s
    work_budget = budget_s * WORK_PER_SECOND
    work = 0.0
    rng = random.Random(seed)
    neighbours = _neighbours(compiled)
    participants = [p for p in range(compiled.n_participants) if neighbours[p]]
    if not participants:
        return
    while work < work_budget and time.perf_counter() < wall_deadline:
        chosen = _connected_group(rng, neighbours, participants, compiled, state)
        free = sorted({k for p in chosen for k in compiled.meetings_of[p] if compiled.domain[k]})
        context = SlotState(compiled)
        free_set = set(free)
        for k, s in enumerate(state.slot_of):
            if s != UNPLACED and k not in free_set:
                context.place(k, s)
        model = SlotModel(compiled, free, context)
        required_now = sum(1 for k in free if compiled.required[k] and state.slot_of[k])
        moves_now = sum(
            1
            for k in free
            if compiled.current[k] is not None and state.slot_of[k] != compiled.current[k].slot  # type: ignore[union-attr]
        )
        model.model.add(model.required_placed() >= required_now)
        if model.keep:
            model.model.add(model.moves() <= moves_now)
        # Lexicographic within the step: one more required meeting outweighs any score.
        required_weight = 1 + sum(compiled.score[k] for k in free)
        model.model.maximize(required_weight * model.required_placed() + model.score())
        model.hint(state)
        solver = WatchedSolver(follow=False)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        solver.parameters.max_deterministic_time = STEP_DTIME
        solver.parameters.max_time_in_seconds = max(0.05, wall_deadline - time.perf_counter())
        status = solver.solve(model.model)
        work += solver.deterministic_time + WORK_PER_VARIABLE * len(model.x)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            model.read(solver, state)


def _neighbours(compiled: Compiled) -> list[list[int]]:
    result: list[set[int]] = [set() for _ in range(compiled.n_participants)]
    for k, (a, b) in enumerate(compiled.pair):
        if compiled.domain[k]:
            result[a].add(b)
            result[b].add(a)
    return [sorted(n) for n in result]


def _connected_group(
    rng: random.Random,
    neighbours: list[list[int]],
    participants: list[int],
    compiled: Compiled,
    state: SlotState,
) -> set[int]:
    """A group grown from a participant with unplaced candidates, breadth first."""
    frustrated = [
        p
        for p in participants
        if any(state.slot_of[k] == UNPLACED and compiled.domain[k] for k in compiled.meetings_of[p])
    ]
    start = rng.choice(frustrated or participants)
    return _grow_group(rng, neighbours, start, size=NEIGHBOURHOOD_PARTICIPANTS, fan_out=4)


def polish_breaks(
    compiled: Compiled, state: SlotState, max_passes: int = 5, deadline: float = math.inf
) -> None:
    """Move single meetings to other free slots while that removes breaks (until the
    `deadline` on the performance counter, so that a slow machine keeps the time limit)."""
    for _ in range(max_passes):
        improved = False
        for k, s in enumerate(state.slot_of):
            if k % 64 == 0 and time.perf_counter() >= deadline:
                return
            if s == UNPLACED or compiled.problem.meetings[k].fixed_slot is not None:
                continue
            current = compiled.current[k]
            if current is not None and current.slot == s:
                continue  # keeping a live meeting in place outranks breaks
            before = _pair_breaks(compiled, state, k)
            state.remove(k)
            best_slot, best_breaks = s, before
            for t in state.feasible_slots(k):
                if t == s:
                    continue
                state.place(k, t)
                after = _pair_breaks(compiled, state, k)
                state.remove(k)
                if after < best_breaks:
                    best_slot, best_breaks = t, after
            state.place(k, best_slot)
            improved |= best_slot != s
        if not improved:
            return


def _pair_breaks(compiled: Compiled, state: SlotState, k: int) -> int:
    return sum(state.breaks(p) for p in compiled.pair[k])


def reduce_breaks_by_neighbourhoods(
    compiled: Compiled,
    state: SlotState,
    budget_s: float,
    seed: int,
    *,
    work_s: float,
) -> None:
    """Re-place all meetings of small groups of participants to remove breaks.

    The objective per step is, over the participants involved: breaks above the cap
    implied by `max_break_spread` (heavily weighted), then breaks. Placed meetings stay
    placed and live meetings kept in place stay kept. The work is that of `work_s`
    seconds at the measured pace; `budget_s` bounds the wall time.
    """
    spread_bound = compiled.problem.objective.max_break_spread
    wall_deadline = time.perf_counter() + budget_s
    work_budget = work_s * WORK_PER_SECOND
    work = 0.0
    rng = random.Random(seed)
    neighbours = _neighbours(compiled)
    while work < work_budget and time.perf_counter() < wall_deadline:
        breaks = [state.breaks(p) for p in range(compiled.n_participants)]
        if sum(breaks) == 0:
            return
        worst = max(breaks)
        group = _break_group(rng, neighbours, breaks, worst)
        free = sorted({k for p in group for k in compiled.meetings_of[p] if state.slot_of[k]})
        context = SlotState(compiled)
        free_set = set(free)
        for k, s in enumerate(state.slot_of):
            if s != UNPLACED and k not in free_set:
                context.place(k, s)
        model = SlotModel(compiled, free, context, must_place=True)
        if model.keep:
            kept_now = sum(
                1
                for k in model.keep
                if state.slot_of[k] == compiled.current[k].slot  # type: ignore[union-attr]
            )
            model.model.add(sum(model.keep.values()) >= kept_now)
        outside = [b for p, b in enumerate(breaks) if p not in model.touched and state.busy[p]]
        cap = None if spread_bound is None else (min(outside) if outside else 0) + spread_bound
        terms = []
        for p in model.touched:
            count = count_breaks(model.model, model.busy_literals(p), compiled.session_of)
            terms.append(count)
            if cap is not None:
                excess = model.model.new_int_var(0, compiled.slots, "")
                model.model.add(excess >= count - cap)
                terms.append(SPREAD_WEIGHT * excess)
        model.model.minimize(sum(terms))
        model.hint(state)
        solver = WatchedSolver(follow=False)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        solver.parameters.max_deterministic_time = STEP_DTIME
        solver.parameters.max_time_in_seconds = max(0.05, wall_deadline - time.perf_counter())
        status = solver.solve(model.model)
        work += solver.deterministic_time + WORK_PER_VARIABLE * len(model.x)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            before = _break_key(state, spread_bound)
            trial = SlotState(compiled)
            for k, s in enumerate(state.slot_of):
                if s != UNPLACED:
                    trial.place(k, s)
            model.read(solver, trial)
            if _break_key(trial, spread_bound) <= before:
                model.read(solver, state)


SPREAD_WEIGHT = 1000
BREAK_GROUP_PARTICIPANTS = 12


def _break_group(
    rng: random.Random, neighbours: list[list[int]], breaks: list[int], worst: int
) -> set[int]:
    """Participants around one with many breaks (the worst first, half of the time)."""
    pool = [p for p, b in enumerate(breaks) if b == worst] if rng.random() < 0.5 else []
    pool = pool or [p for p, b in enumerate(breaks) if b > 0]
    start = rng.choice(pool)
    return _grow_group(rng, neighbours, start, size=BREAK_GROUP_PARTICIPANTS, fan_out=3)


def _grow_group(
    rng: random.Random, neighbours: list[list[int]], start: int, *, size: int, fan_out: int
) -> set[int]:
    """Participants reached from ``start`` through shared meetings, in random breadth-first
    order, taking at most ``fan_out`` new neighbours of each, until ``size`` are chosen."""
    chosen = {start}
    frontier = [start]
    while frontier and len(chosen) < size:
        p = frontier.pop(rng.randrange(len(frontier)))
        options = [q for q in neighbours[p] if q not in chosen]
        rng.shuffle(options)
        for q in options[:fan_out]:
            if len(chosen) >= size:
                break
            chosen.add(q)
            frontier.append(q)
    return chosen


def _break_key(state: SlotState, spread_bound: int | None) -> tuple[int, int]:
    values = [state.breaks(p) for p, busy in enumerate(state.busy) if busy]
    if not values:
        return 0, 0
    excess = 0 if spread_bound is None else max(0, max(values) - min(values) - spread_bound)
    return excess, sum(values)
