"""The B2B meeting scheduler: lexicographic optimisation in phases.

1. Greedy construction (valid, fast): a fallback and the first hint.
2. Placement phases on the slot model (CP-SAT), each keeping the optimum of the previous
   one as a constraint: place the most required meetings; move the fewest meetings that
   have a `current` place; maximise the optional score. A phase is skipped when a simple
   bound proves the hint optimal. Large days use large-neighbourhood search instead of a
   single model (see `neighbourhood.py`).
3. Break phase, over the set of meetings selected above: a break-free schedule is sought
   first with a dedicated model (see `contiguous.py`). When that model is proven
   infeasible and the day is one session, a core-guided search finds the fewest breaks
   for the selected meetings (see `few_breaks.py`; on a large day only when they are
   every meeting): lower bounds from a core-guided search and from searches at the
   bound (`bound_probe.py`), schedules from those searches, from annealing over Kempe
   chains (`anneal.py`, which cuts the first schedule's breaks to a third or less in a
   fraction of a second) and from a neighbourhood search over timelines
   (`timeline_lns.py`) that keeps improving the best one, so that a time limit too short
   for a proof still returns a good schedule. Otherwise breaks are minimised directly,
   from an annealed schedule, with the `max_break_spread` bound as a heavily penalised
   soft term so that the search always has a schedule in hand; a day too large for that
   model (a thousand participants and more) is annealed with most of the time instead,
   and so is a day beyond a single model of the whole day, after its placement.
   Neighbourhood search follows when no search proved its schedule optimal.
Required meetings that the greedy start cannot all place go through the same break-free
search first, as it often places everyone on tight days where a plain model struggles.
Which meetings to hold comes from an LP relaxation (`greedy.selection_weights`): the most
required meetings first (fewer than all when popular hosts are asked for more than they
can hold), then the best score; its values are the upper bounds the answer reports.
With `max_break_spread`, an answer whose spread exceeds it is "infeasible".

Determinism: by default (``workers=1``) every CP-SAT run uses one worker, a fixed seed
and a deterministic-time limit derived from the wall-clock budget (the break-free search
excepted: its trajectory does not depend on its limit), and runs one at a time. The
same input then gives the same output unless the wall-clock safety limit cuts a run
first (a much slower or loaded machine, or a solve at a low priority on a busy one), or
a neighbourhood search or the annealing is cut by the clock (on a very large day, or
when the time left is too short for a search at the lower bound on breaks to conclude;
the annealing of a large day has most of the budget as its work). More workers
(`solve(..., workers=N)`) trade that reproducibility for speed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from matching.scheduler.anneal import anneal_breaks
from matching.scheduler.bound_probe import schedule_within
from matching.scheduler.compiled import SCORE_UNITS, Compiled, compile_problem
from matching.scheduler.contiguous import build_contiguous_model
from matching.scheduler.few_breaks import FewBreaksModel, build_few_breaks_model
from matching.scheduler.greedy import (
    Selection,
    greedy_schedule,
    placed_meetings,
    priority_order,
    selection_weights,
)
from matching.scheduler.model import SlotModel, count_breaks
from matching.scheduler.neighbourhood import (
    improve_by_neighbourhoods,
    polish_breaks,
    reduce_breaks_by_neighbourhoods,
)
from matching.scheduler.problem import Problem
from matching.scheduler.solution import Assignment, Solution, Unplaced
from matching.scheduler.state import UNPLACED, SlotState
from matching.scheduler.tables import assign_tables
from matching.scheduler.timeline_lns import improve_timelines
from matching.scheduler.unplaced_reasons import unplaced_reason
from matching.scheduler.watch import (
    ProgressCallback,
    StopCallback,
    WatchedSolver,
    enter_phase,
    watching,
)

# Deterministic time units CP-SAT spends per wall-clock second on these models (measured
# 0.08-0.7 for one worker, depending on the model). Optimisation runs get this many per
# second of budget, so that on most models the deterministic limit, which makes runs
# reproducible, ends a run before the wall-clock safety limit does. Feasibility runs are
# bounded by the clock only: their first solution does not depend on the limit.
DTIME_PER_SECOND = 0.15
# Above this many slot variables one CP-SAT model of the whole day is too slow to build
# and solve within seconds; neighbourhood search takes over.
FULL_MODEL_MAX_VARIABLES = 120_000
# Penalty per unit of break spread above max_break_spread, above any break count.
SPREAD_PENALTY = 10_000
SEED = 20261122
_SOLVED = (cp_model.OPTIMAL, cp_model.FEASIBLE)
# Share of the work for the core-guided search of few breaks, which proves lower bounds;
# then rounds of neighbourhood search and searches at the lower bound share the time
# left (see `_close_the_gap`).
CORE_SHARE = 0.1
# Annealing work per second of the solve's budget (meeting moves, measured 40,000-150,000
# a second) and the share of that budget it takes, between the bounds below: on the
# three hardest published instances 0.3 left fewer breaks at 5 s than 0.15; from about
# 4 s of budget on, ANNEAL_MAX_WORK decides.
ANNEAL_WORK_PER_SECOND = 40_000
ANNEAL_SHARE = 0.3
# Whatever the budget, so that a limit of a second or two gets a fair schedule: what
# the annealing spends in 0.15-0.5 s (the clock cuts it when less time is left).
ANNEAL_MIN_WORK = 20_000
# Beyond this (about a second) the annealing gains little: the searches that follow
# (proofs, and neighbourhoods that keep improving) make better use of a long budget.
ANNEAL_MAX_WORK = 40_000
# Above this many slot variables over the selected meetings, the direct break model was
# measured to return no schedule at all within 5-8 s (1,000-participant days: 26,000-
# 31,000 variables; the published instances have at most 6,000). Such days are annealed
# instead, with this share of the budget and no cap: there the annealing keeps gaining
# (909 breaks: 645 after 40,000 moves, 416 after 160,000, 323 after 640,000).
DIRECT_BREAKS_MAX_VARIABLES = 20_000
ANNEAL_LARGE_SHARE = 0.8
# Share of the solve's budget (whole seconds) whose work the break neighbourhoods that
# end the break phase get; at the measured pace that is about a tenth of the budget.
NEIGHBOURHOOD_SHARE = 0.5
LNS_ROUND_SHARE = 0.08
MIN_LNS_ROUND_WORK = 0.5
FIRST_PROBE_WORK = 12.0
# Share of the searches' seconds (see FEW_BREAKS_BUDGET_SHARE) kept from a search at the
# bound for the neighbourhood search that follows it when the clock cuts it. On
# forum-13crafb at 10 s, the search at 6 used to run to the end and leave the annealed 22
# breaks; the neighbourhoods take those to 18-21 in the 0.9 s kept. More would cut the
# search at 3 on ticf-13crafb, which ends 0.2-2 s before that tenth begins.
FINAL_NEIGHBOURHOOD_SHARE = 0.1
# A search at the bound when too little time is left for a long one. Those that conclude
# on the published instances take 0.01-1.62 units (ticf-13crafb refutes 2 in 1.62); one
# that does not is cut here and the time left goes to the neighbourhood search.
QUICK_PROBE_WORK = 2.0
# Deterministic units per second of the searches at a bound (measured 1.5-2.5).
PROBE_DTIME_PER_SECOND = 1.5
# The core-guided search spends 0.6-0.85 deterministic units per second (measured).
FEW_BREAKS_DTIME_PER_SECOND = 0.6
# Share of the solve's budget that the search for few breaks reckons its work from: the
# placement and the searches before it take about a tenth on the published instances.
FEW_BREAKS_BUDGET_SHARE = 0.9
# Share of a phase's budget given to the search for a break-free schedule when it runs
# first, and share given to a plain feasibility search that runs before it.
CONTIGUOUS_SHARE = 0.85
OTHER_FIRST_SHARE = 0.35
# Python model building cost, measured at about 35 microseconds per slot variable.
BUILD_SECONDS_PER_VARIABLE = 40e-6


@dataclass
class _Progress:
    """Which objective terms are proven optimal so far."""

    required: bool = False
    moves: bool = False
    score: bool = False
    breaks: bool = False


class _Clock:
    def __init__(self, time_limit_s: float, workers: int = 1) -> None:
        self.workers = workers  # CP-SAT workers of the whole-day searches (see `solve`)
        self.start = time.perf_counter()
        # Keep a margin for reading solutions, seating tables and writing the answer.
        self.deadline = self.start + max(0.2, 0.92 * time_limit_s - 0.1)

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.perf_counter())

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def budget(self) -> float:
        """Seconds from the start to the deadline: fixed by the time limit alone."""
        return self.deadline - self.start

    def affords(self, compiled: Compiled) -> bool:
        """Whether a model of the whole day can still be built and given time to search."""
        variables = sum(len(d) for d in compiled.domain)
        return self.remaining() > 0.05 + 2 * BUILD_SECONDS_PER_VARIABLE * variables


def solve(
    problem: Problem,
    *,
    time_limit_s: float = 30.0,
    progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
    workers: int = 1,
) -> Solution:
    """Schedule `problem` within about `time_limit_s` seconds of wall time.

    `progress` is called about twice a second from another thread while it runs, and
    `should_stop` polled ten times a second: once it answers True the solve raises
    :class:`~matching.scheduler.watch.SolveStopped` (see watch.py).

    `workers` is the number of CP-SAT search workers (threads) of the optimising
    searches over a whole-day model (most required meetings, fewest moves, best score).
    With 1, the default, a solve uses one core and is reproducible (see the module
    docstring); more may find better schedules sooner on a machine with cores to spare,
    but parallel workers race, so two runs may differ. The other searches (feasibility,
    break-free and fewer-breaks searches, neighbourhoods of large days) keep one worker."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    with watching(progress, should_stop, time_limit_s):
        return _solve(problem, time_limit_s, workers)


def _solve(problem: Problem, time_limit_s: float, workers: int = 1) -> Solution:
    clock = _Clock(time_limit_s, workers)
    compiled = compile_problem(problem)
    selection = selection_weights(compiled)
    weights = selection.weights if selection else None
    score_bound = selection.score_bound if selection else None
    state = greedy_schedule(compiled, weights)
    progress = _Progress()
    full_model = sum(len(d) for d in compiled.domain) <= FULL_MODEL_MAX_VARIABLES
    enter_phase("required")
    if full_model:
        _placement_phases(compiled, state, progress, clock, score_bound)
    elif not _selection_reached(compiled, state, score_bound):
        improve_by_neighbourhoods(compiled, state, clock.remaining() * 0.75, SEED)
    spread_ok = True
    enter_phase("breaks")
    if problem.objective.minimize_breaks:
        if full_model:
            spread_ok = _break_phase(compiled, state, progress, clock)
        else:
            _anneal(
                compiled, state, placed_meetings(state), clock.budget(), clock.deadline, large=True
            )
            polish_breaks(compiled, state, deadline=clock.deadline)
            spread_ok = _spread_ok(compiled, state)
    else:
        progress.breaks = True
    return _solution(compiled, state, progress, clock, spread_ok, full_model, selection)


def _selection_reached(compiled: Compiled, state: SlotState, score_bound: float | None) -> bool:
    """All placeable required meetings placed and the selection LP's score bound reached."""
    for k in range(compiled.n_meetings):
        if compiled.required[k] and compiled.domain[k] and state.slot_of[k] == UNPLACED:
            return False
    score = sum(compiled.score[k] for k, s in enumerate(state.slot_of) if s != UNPLACED)
    return score_bound is not None and score >= math.floor(score_bound + 1e-6)


# -- placement phases ---------------------------------------------------------------------
def _placement_phases(
    compiled: Compiled,
    state: SlotState,
    progress: _Progress,
    clock: _Clock,
    score_bound: float | None,
) -> None:
    everything = range(compiled.n_meetings)
    placeable_required = sum(1 for k in everything if compiled.required[k] and compiled.domain[k])
    required_now = sum(
        1 for k in everything if compiled.required[k] and state.slot_of[k] != UNPLACED
    )
    progress.required = required_now == placeable_required
    if not progress.required:
        progress.required = _place_all_required(compiled, state, clock)
        required_now = sum(
            1 for k in everything if compiled.required[k] and state.slot_of[k] != UNPLACED
        )
    has_current = any(c is not None for c in compiled.current)
    minimise_moves = compiled.problem.objective.minimize_moves and has_current
    moves_now = _moves(compiled, state)
    if minimise_moves and clock.affords(compiled):
        model = SlotModel(compiled, everything, SlotState(compiled))
        progress.moves = moves_now == len(
            [k for k in everything if compiled.current[k] is not None]
        ) - len(model.keep)
        if not progress.moves:
            model.model.add(model.required_placed() >= required_now)
            model.hint(state)
            model.model.minimize(model.moves())
            progress.moves = _run(model, state, clock.remaining() * 0.3, clock)
            moves_now = _moves(compiled, state)
    elif not minimise_moves:
        progress.moves = True
    optional = [k for k in everything if compiled.score[k] > 0 and compiled.domain[k]]
    score_now = sum(compiled.score[k] for k in optional if state.slot_of[k] != UNPLACED)
    if all(state.slot_of[k] != UNPLACED for k in optional):
        progress.score = True
        return
    if score_bound is not None and score_now >= math.floor(score_bound + 1e-6):
        progress.score = True  # the selection LP bound is reached
        return
    if not clock.affords(compiled):
        return
    enter_phase("filling")
    model = SlotModel(compiled, everything, SlotState(compiled))
    model.model.add(model.required_placed() >= required_now)
    if minimise_moves:
        model.model.add(model.moves() <= moves_now)
    model.hint(state)
    model.model.maximize(model.score())
    progress.score = _run(model, state, clock.remaining() * 0.6, clock)


def _place_all_required(compiled: Compiled, state: SlotState, clock: _Clock) -> bool:
    """Place as many required meetings as possible; True when proven maximal.

    Asking for all of them at once (exactly-one per meeting) propagates far better than
    maximising a count, so that is tried first, racing a break-free placement (a
    restriction that is often found faster on tight days); the count is maximised only
    when placing them all fails.
    """
    required = [
        k for k in range(compiled.n_meetings) if compiled.required[k] and compiled.domain[k]
    ]

    def exact_model() -> SlotModel:
        model = SlotModel(compiled, required, SlotState(compiled), must_place=True)
        model.hint(state)
        return model

    if not clock.affords(compiled):
        return False
    found = SlotState(compiled)
    # With nothing optional and nothing live to keep, the later phases have no work.
    simple = not any(compiled.score) and not any(c is not None for c in compiled.current)
    share = 0.9 if simple else 0.4
    budget = clock.remaining() * share
    if _race(compiled, required, exact_model, budget, found, None, other_first=True):
        _copy(found, state)
        # Optional meetings go back in greedily; the score phase improves on that.
        for k in priority_order(compiled):
            if state.slot_of[k] == UNPLACED and not compiled.required[k]:
                options = state.feasible_slots(k)
                if options:
                    state.place(k, min(options, key=lambda t: (state.gap_cost(k, t), t)))
        return True
    if not clock.affords(compiled):
        return False
    # No hint: measured on tic-13.forb0003 (at most 179 of 180), the greedy start as a
    # hint held the search at 175 for 3 s; without it, 179 is found and proven in
    # 0.5 deterministic units. A lower bound keeps the answer no worse than the start.
    in_hand = sum(1 for k in required if state.slot_of[k] != UNPLACED)
    model = SlotModel(compiled, range(compiled.n_meetings), SlotState(compiled))
    model.model.add(model.required_placed() >= in_hand)
    model.model.add(model.required_placed() <= _required_bound(compiled, None))
    model.model.maximize(model.required_placed())
    return _run(model, state, clock.remaining() * share, clock)


def _required_bound(compiled: Compiled, selection: Selection | None) -> int:
    """Upper bound on the required meetings that can be placed: the selection LP's and
    the per-participant count below, whichever is lower."""
    placeable = sum(
        1 for k in range(compiled.n_meetings) if compiled.required[k] and compiled.domain[k]
    )
    bound = placeable - _unplaceable_lower_bound(compiled)
    if selection is None:
        selection = selection_weights(compiled)
    if selection is not None:
        bound = min(bound, selection.required_bound)
    return bound


def _unplaceable_lower_bound(compiled: Compiled) -> int:
    """Required meetings that must stay out: more of them per participant than it can hold.

    A participant whose required meetings can use only u distinct slots (or who accepts
    at most u meetings) loses at least (count - u) of them; each lost meeting is shared by
    at most two participants. Adding this bound lets the solver prove the best partial
    schedule optimal at once.
    """
    excess = []
    for p, meetings in enumerate(compiled.meetings_of):
        own = [k for k in meetings if compiled.required[k] and compiled.domain[k]]
        if own:
            usable = len(set().union(*(compiled.domain[k] for k in own)))
            cap = compiled.max_meetings[p]
            excess.append(max(0, len(own) - (usable if cap is None else min(cap, usable))))
    if not excess:
        return 0
    return max(max(excess), math.ceil(sum(excess) / 2))


def _race(
    compiled: Compiled,
    meetings: list[int],
    other_model: Callable[[], SlotModel],
    budget: float,
    into: SlotState,
    moves_limit: int | None,
    *,
    other_first: bool = False,
) -> bool:
    """Seek a break-free placement of `meetings` and solve `other_model`, one after the other.

    A break-free schedule wins whenever one is found (it is then optimal for breaks too).
    With `other_first`, `other_model` (a feasibility search) runs first with a third of the
    budget and the break-free search only when it fails. The searches never run at once:
    two CP-SAT searches running together in one process were measured to lose
    reproducibility. Returns True when a schedule was found; `into.proven` tells whether it
    is proven optimal for the searched objective.
    """
    start = time.perf_counter()
    end = start + budget
    if other_first and _solve_other(other_model, budget, start + budget * OTHER_FIRST_SHARE, into):
        return True
    until = end if other_first else start + budget * CONTIGUOUS_SHARE
    if _solve_contiguous(compiled, meetings, budget, until, moves_limit, into) in _SOLVED:
        return True
    return not other_first and _solve_other(other_model, budget, end, into)


def _solve_contiguous(
    compiled: Compiled,
    meetings: list[int],
    budget: float,
    until: float,
    moves_limit: int | None,
    into: SlotState,
) -> int:
    """Search a break-free placement; returns the CP-SAT status (INFEASIBLE: none exists)."""
    model = build_contiguous_model(compiled, meetings)
    if moves_limit is not None and model.keep:
        model.model.add(model.moves() <= moves_limit)
    solver = _solver(budget, 1)
    solver.parameters.linearization_level = 0
    # Only the wall clock bounds this search: a single worker follows the same trajectory
    # whatever its limit, so a break-free schedule it returns is the same on every run.
    # Such schedules are found late or not at all, hence most of the budget.
    solver.parameters.max_time_in_seconds = max(0.05, until - time.perf_counter())
    solver.parameters.max_deterministic_time = budget * 10
    status = solver.solve(model.model)
    if status in _SOLVED:
        model.read(solver, into)
        into.proven = True
        into.break_free = True
    return status


def _solve_other(
    other_model: Callable[[], SlotModel], budget: float, end: float, into: SlotState
) -> bool:
    other = other_model()
    solver = _solver(max(0.05, end - time.perf_counter()), 1)
    if not other.model.has_objective():
        # A feasibility search, like the break-free one, returns its first solution: the
        # same whatever its limit. Without the LP relaxation it is found about ten times
        # sooner on the tight published instances (0.15 s instead of 2 s).
        solver.parameters.max_deterministic_time = budget * 10
        solver.parameters.linearization_level = 0
    status = solver.solve(other.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    other.read(solver, into)
    into.proven = status == cp_model.OPTIMAL
    return True


def _moves(compiled: Compiled, state: SlotState) -> int:
    """Moves as the slot model counts them (current slot kept and table not blocked)."""
    moved = 0
    for k, current in enumerate(compiled.current):
        if current is None:
            continue
        table = compiled.fixed_table[k]
        if state.slot_of[k] != current.slot or (table is not None and table != current.table):
            moved += 1
        elif table is None and (current.table, current.slot) in state.fixed_tables:
            moved += 1  # a meeting with that fixed table took the place
    return moved


def _run(model: SlotModel, state: SlotState, budget_s: float, clock: _Clock) -> bool:
    """Solve; on success write the solution into `state`. True when proven optimal."""
    budget_s = min(budget_s, clock.remaining())
    if budget_s <= 0.05:
        return False
    solver = _solver(budget_s, clock.workers)
    status = solver.solve(model.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        model.read(solver, state)
    return status == cp_model.OPTIMAL


def _solver(budget_s: float, workers: int) -> cp_model.CpSolver:
    solver = WatchedSolver()
    parameters = solver.parameters
    parameters.num_workers = workers
    if workers > 1:
        parameters.interleave_search = True
    parameters.random_seed = SEED
    parameters.max_deterministic_time = max(0.01, budget_s * DTIME_PER_SECOND * workers)
    parameters.max_time_in_seconds = budget_s
    return solver


# -- break phase --------------------------------------------------------------------------
def _break_phase(compiled: Compiled, state: SlotState, progress: _Progress, clock: _Clock) -> bool:
    placed = placed_meetings(state)
    spread_bound = compiled.problem.objective.max_break_spread
    if _total_breaks(compiled, state) == 0:
        progress.breaks = True
        return True
    has_current = any(compiled.current[k] is not None for k in placed)
    moves_limit = _moves(compiled, state) if has_current else None

    def direct_model() -> SlotModel:
        model = SlotModel(compiled, placed, SlotState(compiled), must_place=True)
        if moves_limit is not None and model.keep:
            model.model.add(model.moves() <= moves_limit)
        breaks = [
            count_breaks(model.model, model.busy_literals(p), compiled.session_of)
            for p in model.touched
        ]
        objective = sum(breaks)
        if spread_bound is not None and breaks:
            excess = _spread_excess(model, breaks, spread_bound, compiled.slots)
            objective = SPREAD_PENALTY * excess + objective
        model.hint(state)
        model.model.minimize(objective)
        return model

    # The core-guided search proves how few breaks the selected meetings allow (another
    # selection might allow fewer unless every meeting is placed, see `_solution`). It
    # takes over from the direct model whenever the day is one session: on tic-13.forb0003
    # (179 of 180 meetings) it proves 1 break in 0.4 s, where the direct model left 4,
    # unproven after 22 s. On a large day only when every meeting is placed, as before.
    everything_placed = len(placed) == sum(1 for d in compiled.domain if d)
    large = sum(len(compiled.domain[k]) for k in placed) > DIRECT_BREAKS_MAX_VARIABLES
    found = SlotState(compiled)
    if clock.affords(compiled):
        budget = clock.remaining() * 0.85
        start = time.perf_counter()
        until = start + budget * CONTIGUOUS_SHARE
        status = _solve_contiguous(compiled, placed, budget, until, moves_limit, found)
        if found.break_free:
            _copy(found, state)
            progress.breaks = True
        elif (
            status == cp_model.INFEASIBLE
            and compiled.whole_day
            and (everything_placed or not large)
        ):
            # All the time left: its last step is itself a search from the best schedule,
            # which the neighbourhoods below would only repeat.
            progress.breaks = _few_breaks(
                compiled, placed, moves_limit, state, clock.deadline, clock.budget()
            )
        elif large:
            _anneal(compiled, state, placed, clock.budget(), start + budget, large=True)
        else:
            # The direct model starts from (is hinted with) the annealed schedule.
            _anneal(compiled, state, placed, clock.budget(), start + budget)
            if _solve_other(direct_model, budget, start + budget, found):
                _adopt_unless_worse(compiled, found, state)
                progress.breaks = found.proven
    if not progress.breaks:
        # Work from the whole budget, the time left only bounding it: the time left after
        # the searches above varies from run to run, and the schedule must not.
        reduce_breaks_by_neighbourhoods(
            compiled,
            state,
            clock.remaining(),
            SEED,
            work_s=NEIGHBOURHOOD_SHARE * math.floor(clock.budget()),
        )
    return _spread_ok(compiled, state)


def _few_breaks(
    compiled: Compiled,
    placed: list[int],
    moves_limit: int | None,
    state: SlotState,
    end: float,
    whole_budget: float,
) -> bool:
    """Minimise breaks when no break-free schedule exists.

    The schedule in hand annealed (anneal.py), a schedule of the few-breaks model
    (few_breaks.py) only if that one is not within the fairness cap, a short core-guided
    search for a lower bound, then feasibility searches at that bound, raised while
    refuted (bound_probe.py), between rounds of neighbourhood search from the best
    schedule (timeline_lns.py).

    Each participant may have at most `max_break_spread` breaks. That keeps every schedule
    found within the fairness bound, and loses no better schedule as long as someone has
    no break, which holds whenever the total is below the number of participants.
    Returns True when the schedule written into `state` is proven optimal.
    """
    cap = compiled.problem.objective.max_break_spread
    # Annealing first: the schedule in hand (60-100 breaks on the forum instances) drops
    # to a third or less in a fraction of a second, which is what a short time limit
    # returns if nothing below concludes, and the searches below start from it.
    _anneal(compiled, state, placed, whole_budget, end)
    built = build_few_breaks_model(compiled, placed, cap)
    model = built.slot_model
    if moves_limit is not None and model.keep:
        model.model.add(model.moves() <= moves_limit)
    # The break-free search has just proven that someone has a break.
    model.model.add_bool_or([literal.Not() for literal in built.contiguous.values()])
    found = SlotState(compiled)
    if cap is not None and any(state.breaks(p) > cap for p in built.contiguous):
        # A schedule within the fairness bound first, whatever happens next (0.2-0.9 s on
        # the published instances). Like the break-free search, its first solution does
        # not depend on its limit.
        model.model.clear_objective()
        model.hint(state)
        budget = max(0.05, end - time.perf_counter())
        solver = _solver(budget, 1)
        solver.parameters.linearization_level = 0
        solver.parameters.max_deterministic_time = budget * 10
        if solver.solve(model.model) not in _SOLVED:
            return False
        model.read(solver, found)
        _adopt_unless_worse(compiled, found, state)
    model.model.minimize(cp_model.LinearExpr.sum(built.levels))
    # Deterministic limits from the solve's whole budget in whole seconds, less what the
    # steps before take (about a tenth), so that how long they took changes nothing.
    seconds = max(1, math.floor(FEW_BREAKS_BUDGET_SHARE * whole_budget))
    work = seconds * FEW_BREAKS_DTIME_PER_SECOND
    model.hint(state)
    budget = max(0.05, end - time.perf_counter())
    # Twice the wall-clock time its work takes at the slowest pace measured, so that the
    # work ends it (the same bound every run), not the clock.
    solver = _solver(min(budget, 2 * work * CORE_SHARE / FEW_BREAKS_DTIME_PER_SECOND), 1)
    solver.parameters.max_deterministic_time = work * CORE_SHARE
    solver.parameters.optimize_with_core = True
    solver.parameters.linearization_level = 0
    status = solver.solve(model.model)
    with_meetings = sum(1 for b in state.busy if b)
    if status == cp_model.OPTIMAL:
        model.read(solver, found)
        # Every participant within the cap is no restriction when someone has no break.
        if cap is None or round(solver.objective_value) < with_meetings:
            _copy(found, state)
            return True
    if status in _SOLVED:
        model.read(solver, found)
        _adopt_unless_worse(compiled, found, state)
    # The break-free search proved 1; the core-guided search may have proved more.
    bound = solver.best_objective_bound
    lower = max(1, math.ceil(bound - 1e-6)) if math.isfinite(bound) else 1
    exact_below = with_meetings if cap is not None else None
    if _total_breaks(compiled, state) <= lower:
        return _spread_ok(compiled, state)
    # No first round of neighbourhood search here: the annealing gave as good a schedule
    # in less time (measured: the first round's second, given to the searches below,
    # proves ticf-13crafc within 9 s and leaves fewer breaks on the other two).
    reserve = FINAL_NEIGHBOURHOOD_SHARE * seconds
    return _close_the_gap(built, lower, compiled, state, end, exact_below, work, reserve)


def _anneal(
    compiled: Compiled,
    state: SlotState,
    placed: list[int],
    whole_budget: float,
    end: float,
    *,
    large: bool = False,
) -> None:
    """Fewer breaks by annealing (anneal.py) until `end` at the latest.

    Its work comes from the solve's whole budget in whole seconds, not from the time left:
    the same input and limit then anneal the same way however long the steps before took.
    A `large` day, where no exact break search follows, gets a larger share and no cap.
    Meetings still at their current place stay there: moving one would add a move."""
    movable = [
        k
        for k in placed
        if compiled.current[k] is None or state.slot_of[k] != compiled.current[k].slot
    ]
    share = ANNEAL_LARGE_SHARE if large else ANNEAL_SHARE
    work = ANNEAL_WORK_PER_SECOND * share * math.floor(whole_budget)
    most = math.inf if large else ANNEAL_MAX_WORK
    anneal_breaks(
        compiled,
        state,
        movable,
        seed=SEED,
        work=int(min(most, max(ANNEAL_MIN_WORK, work))),
        until=end,
    )


def _close_the_gap(
    built: FewBreaksModel,
    lower: int,
    compiled: Compiled,
    state: SlotState,
    end: float,
    participants_with_meetings: int | None,
    work: float,
    reserve: float,
) -> bool:
    """Improve the schedule and raise the proven lower bound until they meet.

    Feasibility searches at the lower bound (bound_probe.py: each either finds a schedule
    at the bound, which is then optimal, or proves that there is none, which raises the
    bound) alternate with rounds of neighbourhood search over timelines (timeline_lns.py:
    the schedule improves steadily whatever the searches achieve). A search at the bound
    has a heavy-tailed running time, so each round starts one afresh with another seed,
    and a budget half as large again as the last one's. A search at a bound above one
    stops `reserve` seconds before `end` at the latest, and whatever it leaves goes to the
    neighbourhood search, so that a search the clock cuts never leaves the schedule where
    the previous step left it. At a bound of one the split by who breaks takes the time
    left. True when the schedule in `state` is proven optimal.

    With a per-participant cap, a bound is exact only below the number of participants
    with meetings (someone has no break, so the cap removes no fair schedule).
    """
    probe_work = FIRST_PROBE_WORK
    round_number = 0
    found = SlotState(compiled)

    def better(candidate: SlotState, incumbent: SlotState) -> bool:
        return _key(compiled, candidate) <= _key(compiled, incumbent)

    while _total_breaks(compiled, state) > lower and time.perf_counter() < end:
        if participants_with_meetings is not None and lower >= participants_with_meetings:
            # No bound can be proven any more: improve the schedule with the time left.
            improve_timelines(built, state, seed=SEED, until=end, work=math.inf, better=better)
            break
        # Too little time left for a search at the bound to conclude: a short one, which
        # often refutes a bound in a fraction of a second (forumt-14: one to four in
        # 0.25 s), then the time goes to improving the schedule, which is what a short
        # time limit returns. With time enough the long search runs at once: a short one
        # before it would only be its first steps, taken twice (one search is the same
        # whatever its limit).
        # A short search runs to its work, the end at most, as it always did: cut by the
        # reserve instead, it would end by the clock, and one day and limit would no
        # longer give one schedule.
        until = end if lower == 1 else end - reserve
        left = until - time.perf_counter()
        short = lower > 1 and left * PROBE_DTIME_PER_SECOND < probe_work / 2
        # No hint: measured, the best schedule as a hint slows these searches down.
        probe = schedule_within(
            built,
            lower,
            seed=SEED + round_number,
            until=end if short else until,
            work=None if lower == 1 else QUICK_PROBE_WORK if short else probe_work,
            suspects={p: state.breaks(p) for p in built.contiguous},
        )
        if probe.status == cp_model.INFEASIBLE:
            lower += 1
            continue
        if probe.status == cp_model.FEASIBLE and probe.solver is not None:
            built.slot_model.read(probe.solver, found)
            _adopt_unless_worse(compiled, found, state)
            continue
        if short or time.perf_counter() >= until:
            improve_timelines(
                built,
                state,
                seed=SEED + round_number,
                until=end,
                work=math.inf,
                stop_at=lower,
                better=better,
            )
            break
        round_number += 1
        probe_work *= 1.5
        improve_timelines(
            built,
            state,
            seed=SEED + round_number,
            until=end,
            work=max(MIN_LNS_ROUND_WORK, work * LNS_ROUND_SHARE),
            stop_at=lower,
            better=better,
        )
    return _total_breaks(compiled, state) <= lower and _spread_ok(compiled, state)


def _spread_excess(
    model: SlotModel, breaks: list[cp_model.LinearExprT], bound: int, slots: int
) -> cp_model.IntVar:
    m = model.model
    values = []
    for b in breaks:
        var = m.new_int_var(0, slots, "")
        m.add(var == b)
        values.append(var)
    high = m.new_int_var(0, slots, "")
    low = m.new_int_var(0, slots, "")
    m.add_max_equality(high, values)
    m.add_min_equality(low, values)
    excess = m.new_int_var(0, slots, "")
    m.add(excess >= high - low - bound)
    return excess


def _adopt_unless_worse(compiled: Compiled, found: SlotState, state: SlotState) -> None:
    """Take `found` into `state` when it is no worse (fairness excess, then breaks)."""
    if _key(compiled, found) <= _key(compiled, state):
        _copy(found, state)


def _copy(source: SlotState, target: SlotState) -> None:
    for k in range(len(target.slot_of)):
        target.remove(k)
    for k, s in enumerate(source.slot_of):
        if s != UNPLACED:
            target.place(k, s)


def _breaks_by_participant(compiled: Compiled, state: SlotState) -> list[int]:
    return [state.breaks(p) for p in range(compiled.n_participants) if state.busy[p]]


def _total_breaks(compiled: Compiled, state: SlotState) -> int:
    return sum(_breaks_by_participant(compiled, state))


def _spread(compiled: Compiled, state: SlotState) -> int:
    values = _breaks_by_participant(compiled, state)
    return max(values) - min(values) if values else 0


def _spread_ok(compiled: Compiled, state: SlotState) -> bool:
    bound = compiled.problem.objective.max_break_spread
    return bound is None or _spread(compiled, state) <= bound


def _key(compiled: Compiled, state: SlotState) -> tuple[int, int]:
    bound = compiled.problem.objective.max_break_spread
    excess = 0 if bound is None else max(0, _spread(compiled, state) - bound)
    return excess, _total_breaks(compiled, state)


# -- answer -------------------------------------------------------------------------------
def _solution(
    compiled: Compiled,
    state: SlotState,
    progress: _Progress,
    clock: _Clock,
    spread_ok: bool,
    full_model: bool,
    selection: Selection | None,
) -> Solution:
    problem = compiled.problem
    tables = assign_tables(compiled, state)
    assignments = tuple(
        Assignment(problem.meetings[k].id, state.slot_of[k], tables[k])
        for k in sorted(tables, key=lambda k: (state.slot_of[k], tables[k]))
    )
    unplaced = tuple(
        Unplaced(problem.meetings[k].id, unplaced_reason(compiled, state, k))
        for k in range(compiled.n_meetings)
        if state.slot_of[k] == UNPLACED
    )
    required_total = sum(compiled.required)
    required_placed = sum(
        1 for k in range(compiled.n_meetings) if compiled.required[k] and k in tables
    )
    moved = sum(
        1
        for k, current in enumerate(compiled.current)
        if current is not None
        and (k not in tables or (state.slot_of[k], tables[k]) != (current.slot, current.table))
    )
    score_units = sum(compiled.score[k] for k in tables)
    breaks = _breaks_by_participant(compiled, state)
    required_bound = _required_bound(compiled, selection)
    if required_placed < required_total or not spread_ok:
        # Not every required meeting placed, or no schedule within max_break_spread
        # found: the problem as posed is not met (JAIR's "infeasible" for fairness).
        status = "infeasible"
    elif (
        full_model
        and progress.required
        and progress.moves
        and progress.score
        and progress.breaks
        and (not problem.objective.minimize_breaks or not unplaced or not any(breaks))
        and spread_ok
    ):
        # The break phase works on the selected meetings; only when every meeting is
        # placed, or there is no break at all, can no other selection have fewer breaks.
        status = "optimal"
    else:
        status = "feasible"
    return Solution(
        status=status,
        assignments=assignments,
        unplaced=unplaced,
        score=round(score_units / SCORE_UNITS, 3),
        breaks=sum(breaks),
        elapsed_s=round(clock.elapsed(), 3),
        moved=moved,
        required_placed=required_placed,
        required_total=required_total,
        break_spread=_spread(compiled, state),
        break_spread_ok=spread_ok,
        bounds={
            "required_placed": required_bound,
            "score": None
            if selection is None or selection.score_bound is None
            else round(math.floor(selection.score_bound + 1e-6) / SCORE_UNITS, 3),
        },
        required_proven=progress.required
        or required_placed >= required_bound
        or all(
            k in compiled.static_reason
            for k in range(compiled.n_meetings)
            if compiled.required[k] and k not in tables
        ),
    )
