"""Reaching a proven lower bound on breaks: feasibility searches at the bound.

The core-guided search of few_breaks.py proves lower bounds quickly but can take long to
find a schedule that reaches them: on ticf-13crafb it proves 3 in about 4 s and finds a
3-break schedule only after 11 s. Asking directly for a schedule with at most L breaks is
a feasibility problem that CP-SAT decides much sooner (3.5 s there), and proving "at most
L - 1" impossible raises the bound as it goes (1 s per step there).

At L = 1 that can stall (ticf-13crafc: nothing in 30 s), because the search has to
guess who the one participant with a break is. A schedule with one break has exactly one
such participant, so the problem splits into one model per candidate in which everybody
else holds one run of consecutive slots. With those runs fixed, presolve's probing
refutes most candidates in about 0.15 s each, and the rest are searched with budgets
that double round by round. Those who break most in the best schedule so far go first
(on ticf-13crafc the annealed schedule's one participant with two breaks can be the one:
found by the first model in 1.1 s, where the order below took five models and 4.2 s),
then candidates with more meetings (they have more room for a break and the longest
runs to place).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from matching.scheduler.few_breaks import FewBreaksModel
from matching.scheduler.watch import WatchedSolver

# Deterministic time per candidate in the first round of the one-break split (these
# models run at 1.5-2.5 units per second); it doubles each round.
FIRST_ROUND_WORK = 1.5
# Before the split, the model "at most one break" as it is, which refutes one break at
# once when the candidates all fail alike (ticf-13crafb: 1.2 units).
DIRECT_ONE_BREAK_WORK = 2.5


@dataclass
class Probe:
    """The outcome of a search at a bound."""

    status: int
    """FEASIBLE (a schedule within the bound, in `solver`), INFEASIBLE or UNKNOWN."""
    solver: cp_model.CpSolver | None = None


def schedule_within(
    built: FewBreaksModel,
    bound: int,
    *,
    seed: int,
    until: float,
    work: float | None = None,
    suspects: dict[int, int] | None = None,
) -> Probe:
    """A schedule with at most `bound` breaks, or a proof that there is none.

    `work` bounds a search at a bound above one in deterministic time (then UNKNOWN can
    come back before `until`); `suspects` (participant -> breaks in the best schedule so
    far) puts those who break most there first in the split.
    """
    model = _at_most(built, bound)
    if bound > 1:
        return _probe(_solver(seed, until, work=work), model)
    probe = _probe(_solver(seed, until, work=DIRECT_ONE_BREAK_WORK), model)
    if probe.status != cp_model.UNKNOWN:
        return probe
    return _one_break(built, model, seed=seed, until=until, suspects=suspects or {})


def _at_most(built: FewBreaksModel, bound: int) -> cp_model.CpModel:
    model = built.slot_model.model.clone()
    model.clear_objective()
    model.clear_hints()
    model.add(cp_model.LinearExpr.sum(_same_variables(model, built.levels)) <= bound)
    return model


def _one_break(
    built: FewBreaksModel,
    base: cp_model.CpModel,
    *,
    seed: int,
    until: float,
    suspects: dict[int, int],
) -> Probe:
    """One model per candidate for the participant with the break (`base`: at most one)."""
    sizes = {p: len(ms) for p, ms in built.slot_model.touched.items()}
    pending = sorted(built.contiguous, key=lambda p: (-suspects.get(p, 0), -sizes[p], p))
    work = FIRST_ROUND_WORK
    while pending:
        undecided = []
        for p in pending:
            if time.perf_counter() >= until:
                return Probe(cp_model.UNKNOWN)
            model = base.clone()
            for q, literal in built.contiguous.items():
                if q != p:
                    model.add(_same_variables(model, [literal])[0] == 1)
            probe = _probe(_solver(seed, until, work=work), model)
            if probe.status == cp_model.FEASIBLE:
                return probe
            if probe.status == cp_model.UNKNOWN:
                undecided.append(p)
        pending, work = undecided, 2 * work
    return Probe(cp_model.INFEASIBLE)


def _same_variables(
    model: cp_model.CpModel, variables: list[cp_model.IntVar]
) -> list[cp_model.IntVar]:
    """The variables of a clone with the same indices as `variables` in the original."""
    return [model.get_bool_var_from_proto_index(v.index) for v in variables]


def _solver(seed: int, until: float, *, work: float | None) -> cp_model.CpSolver:
    solver = WatchedSolver()
    parameters = solver.parameters
    parameters.num_workers = 1
    parameters.random_seed = seed
    parameters.linearization_level = 0
    seconds = max(0.05, until - time.perf_counter())
    parameters.max_time_in_seconds = seconds
    # A feasibility search returns its first schedule, the same whatever the limit; only
    # the candidates' rounds are cut by deterministic time, so they stay reproducible.
    parameters.max_deterministic_time = work if work is not None else seconds * 10
    return solver


def _probe(solver: cp_model.CpSolver, model: cp_model.CpModel) -> Probe:
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Probe(cp_model.FEASIBLE, solver)
    return Probe(cp_model.INFEASIBLE if status == cp_model.INFEASIBLE else cp_model.UNKNOWN)
