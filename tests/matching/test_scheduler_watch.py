"""Watching a solve: progress reports, the same answer as an unwatched solve, and a stop."""

from __future__ import annotations

import itertools
import time

import pytest

from benchmarks.large_day import generate_day
from matching.scheduler import Problem, Progress, SolveStopped, parse_problem, solve


def test_a_watched_solve_reports_progress_and_gives_the_same_schedule() -> None:
    problem = parse_problem(generate_day(300, 1500, 3))
    seen: list[Progress] = []
    plain = solve(problem, time_limit_s=4)
    watched = solve(problem, time_limit_s=4, progress=seen.append, should_stop=lambda: False)
    assert watched.assignments == plain.assignments
    assert seen and seen[-1].phase == "done" and seen[-1].fraction == 1.0
    phases = {p.phase for p in seen}
    assert phases <= {"building", "required", "filling", "breaks", "done"}
    assert all(0 <= p.fraction <= 1 for p in seen)
    times = [p.elapsed_s for p in seen]
    assert times == sorted(times)
    # While the solve runs, reports come at least once a second.
    gaps = [b - a for a, b in itertools.pairwise(times[:-1])]
    assert max(gaps, default=0) < 1.0


def assert_a_stop_ends_it_within_a_second(
    problem: Problem, after_s: float, workers: int = 1
) -> None:
    """Asks a 60 s solve of `problem` to stop after `after_s` seconds: it must raise
    SolveStopped (no schedule) within a second of the first request."""
    asked: list[float] = []

    def should_stop() -> bool:
        if time.perf_counter() - started > after_s:
            asked.append(time.perf_counter())
            return True
        return False

    started = time.perf_counter()
    with pytest.raises(SolveStopped):
        solve(problem, time_limit_s=60, should_stop=should_stop, workers=workers)
    assert asked and time.perf_counter() - asked[0] < 1.0


def test_a_stop_request_ends_the_solve_within_a_second_with_no_schedule() -> None:
    assert_a_stop_ends_it_within_a_second(parse_problem(generate_day(1000, 5000, 5)), 1.5)
