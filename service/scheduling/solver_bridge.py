"""The service's one entry into the scheduler library (matching.scheduler)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matching.scheduler import Progress, parse_problem, solve
from service.scheduling.placements import Place


@dataclass(frozen=True)
class SolverAnswer:
    status: str  # optimal | feasible | infeasible
    places: dict[str, Place]  # (slot, table) by meeting id
    reasons: dict[str, str]  # why a meeting was left out, by meeting id
    score: float
    breaks: int
    elapsed_s: float


def solve_problem(
    problem: dict,
    time_limit_s: float,
    *,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    threads: int = 1,
) -> SolverAnswer:
    """Solves a problem in the scheduler's JSON format (built by the service, so a
    malformed one is a bug: the library's ProblemError propagates as a server error).
    With `should_stop`, a stop raises matching.scheduler.SolveStopped; `threads` is the
    number of CP-SAT workers (MEETX_SOLVER_THREADS)."""
    solution = solve(
        parse_problem(problem),
        time_limit_s=time_limit_s,
        progress=progress,
        should_stop=should_stop,
        workers=threads,
    )
    return SolverAnswer(
        status=solution.status,
        places={a.meeting: (a.slot, a.table) for a in solution.assignments},
        reasons={u.meeting: u.reason for u in solution.unplaced},
        score=solution.score,
        breaks=solution.breaks,
        elapsed_s=solution.elapsed_s,
    )
