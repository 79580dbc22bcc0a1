"""Constructive schedule: a fast, valid starting point and a hint for the exact models."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_array

from matching.scheduler.compiled import Compiled
from matching.scheduler.state import UNPLACED, SlotState


def priority_order(compiled: Compiled, weights: dict[int, float] | None = None) -> list[int]:
    """Fixed and required meetings first, then current ones, then the LP selection, score."""
    weights = weights or {}

    def key(k: int) -> tuple[int, int, int, float, int, int]:
        fixed = compiled.problem.meetings[k].fixed_slot is not None
        return (
            0 if fixed else 1,
            0 if compiled.required[k] else 1,
            0 if compiled.current[k] is not None else 1,
            -round(weights.get(k, 0.0), 3),
            -compiled.score[k],
            len(compiled.domain[k]),
        )

    return sorted(range(compiled.n_meetings), key=key)


@dataclass(frozen=True)
class Selection:
    """The LP relaxation of which meetings to hold (see `selection_weights`)."""

    weights: dict[int, float]
    """LP value per meeting (1: hold it)."""
    score_bound: float | None
    """Upper bound on the score (thousandths) with `required_bound` required meetings
    held; None when nothing has a score."""
    required_bound: int
    """Upper bound on the number of required meetings that can be placed."""


def selection_weights(compiled: Compiled) -> Selection | None:
    """LP relaxation of which meetings to hold, ignoring which slot each one takes.

    Caps per participant (max_meetings and slots it can use), interpreter-slots and
    table-slots over the day. Host-guest candidate graphs are bipartite, so this
    b-matching LP is integral or nearly so: its solution is an excellent choice of
    meetings, where taking meetings greedily by score can be far off.

    Two stages, as the objective is lexicographic: the most required meetings first
    (all of them on most days; fewer when popular hosts are asked for more required
    meetings than they can hold), then the highest score while holding that many. The
    choice of which required meetings to drop is thus the one that leaves the most room
    to the scored ones. Returns None when there is nothing to choose.
    """
    candidates = [k for k in range(compiled.n_meetings) if compiled.domain[k]]
    required = [k for k in candidates if compiled.required[k]]
    scored = any(compiled.score[k] for k in candidates)
    if not scored and not required:
        return None
    column = {k: j for j, k in enumerate(candidates)}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    limits: list[float] = []

    def add_row(limit: float, entries: list[tuple[int, float]]) -> None:
        for k, value in entries:
            rows.append(len(limits))
            cols.append(column[k])
            values.append(value)
        limits.append(limit)

    for p, meetings in enumerate(compiled.meetings_of):
        own = [k for k in meetings if compiled.domain[k]]
        if not own:
            continue
        usable = len(set().union(*(compiled.domain[k] for k in own)))
        cap = compiled.max_meetings[p]
        add_row(usable if cap is None else min(cap, usable), [(k, 1.0) for k in own])
    for r, capacity in enumerate(compiled.capacity):
        users = [(k, float(u)) for k in candidates for rr, u in compiled.needs[k] if rr == r]
        if users:
            add_row(capacity * compiled.slots, users)
    add_row(compiled.tables * compiled.slots, [(k, 1.0) for k in candidates])
    n = len(candidates)
    bounds = np.column_stack([np.zeros(n), np.ones(n)])
    required_bound = len(required)
    indicator = np.zeros(n)
    indicator[[column[k] for k in required]] = 1.0
    cost = np.array([compiled.score[k] for k in candidates], dtype=float) if scored else indicator
    # Usually every required meeting fits: one LP with all of them held decides that.
    all_held = bounds.copy()
    all_held[[column[k] for k in required], 0] = 1.0
    result = _lp(-cost, rows, cols, values, limits, n, all_held)
    if result is None and required:
        first = _lp(-indicator, rows, cols, values, limits, n, bounds)
        if first is None:
            return None
        required_bound = min(len(required), math.floor(-first.fun + 1e-6))
        add_row(-float(required_bound), [(k, -1.0) for k in required])
        result = _lp(-cost, rows, cols, values, limits, n, bounds)
    if result is None:
        return None
    return Selection(
        weights={k: float(result.x[column[k]]) for k in candidates},
        score_bound=float(-result.fun) if scored else None,
        required_bound=required_bound,
    )


def _lp(
    cost: np.ndarray,
    rows: list[int],
    cols: list[int],
    values: list[float],
    limits: list[float],
    n: int,
    bounds: np.ndarray,
) -> Any:
    result = linprog(
        cost,
        A_ub=csr_array((values, (rows, cols)), shape=(len(limits), n)),
        b_ub=np.array(limits),
        bounds=bounds,
        method="highs",
    )
    return result if result.status == 0 else None


def greedy_schedule(compiled: Compiled, weights: dict[int, float] | None = None) -> SlotState:
    state = SlotState(compiled)
    for k in priority_order(compiled, weights):
        if not compiled.domain[k]:
            continue
        if not _insert(state, k) and compiled.required[k]:
            _insert_with_one_move(state, k)
    return state


def _insert(state: SlotState, k: int) -> bool:
    options = state.feasible_slots(k)
    if not options:
        return False
    current = state.c.current[k]
    kept = current.slot if current is not None else None
    best = min(options, key=lambda s: (s != kept, state.gap_cost(k, s), s))
    state.place(k, best)
    return True


def _insert_with_one_move(state: SlotState, k: int) -> bool:
    """Free a slot for `k` by moving one meeting of either participant elsewhere."""
    if not state.has_room(k):
        return False
    c = state.c
    for s in c.domain[k]:
        blockers = {state.busy[p][s] for p in c.pair[k] if s in state.busy[p]}
        if len(blockers) != 1:
            continue
        (other,) = blockers
        if c.problem.meetings[other].fixed_slot is not None:
            continue
        state.remove(other)
        if state.can_place(k, s):
            state.place(k, s)
            alternatives = [t for t in state.feasible_slots(other) if t != s]
            if alternatives:
                state.place(other, min(alternatives, key=lambda t: (state.gap_cost(other, t), t)))
                return True
            state.remove(k)
        state.place(other, s)
    return False


def placed_meetings(state: SlotState) -> list[int]:
    return [k for k, s in enumerate(state.slot_of) if s != UNPLACED]
