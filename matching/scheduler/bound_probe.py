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
that double round by round: first the participants who break in the best schedule found
so far (the one who breaks in a one-break schedule usually breaks in a good schedule
too), then those with more meetings (they have more room for a break and the longest
runs to place). On ticf-13crafc that makes the one-break schedule come from the second
model instead of the fifth (the split took 4.7 s, now 2.3 s).

With several threads (`solve(..., workers=N)`), each search runs as a portfolio of N
seeds at once, the first to conclude stopping the others: a refutation is the same
whichever thread proves it, but a schedule found at the bound may come from either, so
the break count and status stay reproducible when a search concludes while the schedule
itself may differ between runs.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Collection
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
# Seeds of a portfolio's threads: the search's own, then this far apart.
PORTFOLIO_SEED_STEP = 7919


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
    hint: dict[tuple[int, int], bool] | None = None,
    split: bool = True,
    direct: bool = True,
    threads: int = 1,
    breakers: Collection[int] = (),
) -> Probe:
    """A schedule with at most `bound` breaks, or a proof that there is none.

    `work` bounds a search at a bound above one in deterministic time (then UNKNOWN can
    come back before `until`); without `split`, a search at one is the direct one only,
    bounded by `work` too; without `direct`, a search at one goes to the split at once
    (when the direct one has been tried already); `hint` (slot literal -> value, by
    (meeting, slot)) starts the search from a schedule; `breakers` (participants with a
    break in the best schedule so far) are tried first in the split. With `threads` above
    one, every
    search runs as a portfolio of that many seeds at once (see `_probe`).
    """
    model = _at_most(built, bound)
    if hint:
        for key, variable in built.slot_model.x.items():
            model.add_hint(_same_variables(model, [variable])[0], hint.get(key, False))
    if bound > 1 or not split:
        return _probe(model, seed=seed, until=until, work=work, threads=threads)
    if direct:
        probe = _probe(model, seed=seed, until=until, work=DIRECT_ONE_BREAK_WORK, threads=threads)
        if probe.status != cp_model.UNKNOWN:
            return probe
    return _one_break(built, model, seed=seed, until=until, threads=threads, breakers=breakers)


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
    threads: int,
    breakers: Collection[int] = (),
) -> Probe:
    """One model per candidate for the participant with the break (`base`: at most one).

    Candidates who break in the best schedule so far come first: the one who breaks in
    a one-break schedule usually does in a good schedule too (ticf-13crafc: the fifth
    candidate by size, the second among the best schedule's breakers)."""
    pending = candidates(built, breakers)
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
            probe = _probe(model, seed=seed, until=until, work=work, threads=threads)
            if probe.status == cp_model.FEASIBLE:
                return probe
            if probe.status == cp_model.UNKNOWN:
                undecided.append(p)
        pending, work = undecided, 2 * work
    return Probe(cp_model.INFEASIBLE)


def candidates(built: FewBreaksModel, breakers: Collection[int] = ()) -> list[int]:
    """The split's order: `breakers` first, then by meetings (most first), then index."""
    sizes = {p: len(ms) for p, ms in built.slot_model.touched.items()}
    first = set(breakers)
    return sorted(built.contiguous, key=lambda p: (p not in first, -sizes[p], p))


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


def _probe(
    model: cp_model.CpModel, *, seed: int, until: float, work: float | None, threads: int = 1
) -> Probe:
    """One search of `model`, or with `threads` above one a portfolio: the same search with
    seeds seed, seed + PORTFOLIO_SEED_STEP, ... in as many threads, each with the whole
    `work`; the first to conclude stops the others. The first thread follows the
    one-thread trajectory, so a portfolio concludes no later than one thread would (on
    cores to spare). Which thread wins depends on timing: a refutation is the same fact
    whichever proves it, but a schedule found may be either thread's."""
    if threads <= 1:
        return _conclude(_solver(seed, until, work=work), model)
    solvers = [_solver(seed + i * PORTFOLIO_SEED_STEP, until, work=work) for i in range(threads)]
    results: list[Probe | None] = [None] * threads
    decided = threading.Event()
    lock = threading.Lock()

    models = [model] + [model.clone() for _ in range(threads - 1)]

    def run(i: int) -> None:
        probe = _conclude(solvers[i], models[i])
        with lock:
            results[i] = probe
            if probe.status != cp_model.UNKNOWN and not decided.is_set():
                decided.set()
                for j, other in enumerate(solvers):
                    if j != i:
                        other.stop_search()

    workers = [
        threading.Thread(
            target=contextvars.copy_context().run,
            args=(run, i),
            name=f"scheduler-probe-{i}",
            daemon=True,
        )
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    try:
        for worker in workers:
            # Short waits: a stop request (watch.py) interrupts this thread between them.
            while worker.is_alive():
                worker.join(0.05)
    finally:
        for solver in solvers:
            solver.stop_search()
        for worker in workers:
            worker.join()
    concluded = [r for r in results if r is not None and r.status != cp_model.UNKNOWN]
    # A refutation wins over a schedule that a stopped thread may have reported too.
    for probe in concluded:
        if probe.status == cp_model.INFEASIBLE:
            return probe
    return concluded[0] if concluded else Probe(cp_model.UNKNOWN)


def _conclude(solver: cp_model.CpSolver, model: cp_model.CpModel) -> Probe:
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Probe(cp_model.FEASIBLE, solver)
    return Probe(cp_model.INFEASIBLE if status == cp_model.INFEASIBLE else cp_model.UNKNOWN)
