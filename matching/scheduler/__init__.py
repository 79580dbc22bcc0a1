"""B2B meeting scheduler: slots and tables for one-to-one meetings of a Meet-X day.

from matching.scheduler import parse_problem, solve
solution = solve(parse_problem(text), time_limit_s=30)
print(solution.to_json())
"""

from matching.scheduler.problem import Problem, ProblemError, parse_problem
from matching.scheduler.solution import Solution
from matching.scheduler.solver import solve
from matching.scheduler.watch import Progress, SolveStopped

__all__ = [
    "Problem",
    "ProblemError",
    "Progress",
    "Solution",
    "SolveStopped",
    "parse_problem",
    "solve",
]
