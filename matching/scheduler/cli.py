"""`meetx schedule PROBLEM.json [--time-limit SECONDS]`: print the solution JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from matching.scheduler.problem import ProblemError, parse_problem
from matching.scheduler.solver import solve

PROG = "meetx schedule"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Schedule the B2B meetings of a problem file and print the solution JSON.",
    )
    parser.add_argument("problem", metavar="PROBLEM.json", help="problem file (JSON)")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="wall-time budget for the search (default 30)",
    )
    args = parser.parse_args(argv)
    if not args.time_limit > 0:
        return _fail("--time-limit must be a positive number of seconds")
    try:
        text = Path(args.problem).read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {args.problem}: {exc.strerror or exc}")
    try:
        problem = parse_problem(text)
    except ProblemError as exc:
        return _fail(f"{args.problem}: {exc}")
    solution = solve(problem, time_limit_s=args.time_limit)
    sys.stdout.write(solution.to_json() + "\n")
    return 0


def _fail(message: str) -> int:
    sys.stderr.write(f"{PROG}: error: {message}\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
