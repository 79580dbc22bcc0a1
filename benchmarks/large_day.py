"""Large Meet-X days: generator, LP upper bound on the score, and scheduler results.

    PYTHONPATH=. python benchmarks/large_day.py [--sizes 1000:5000,5000:25000] [--seed 7]
    PYTHONPATH=. python benchmarks/large_day.py --overbooked --sizes 1000:7000,5000:35000

A generated day has two sessions (11 morning + 11 afternoon slots), host delegations and
foreign guests, sparse scored candidate meetings (score in [0, 1], about 8% required),
scarce Korean and Japanese interpreters (a meeting whose sides share no language needs
one), morning-only and afternoon-only participants, and per-participant caps. The bound
is the LP relaxation of the slot model (HiGHS through scipy), so "% of LP" is a lower
estimate of how close the schedule is to the true optimum.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import linprog
from scipy.sparse import csr_array

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching.scheduler import parse_problem, solve
from matching.scheduler.compiled import compile_problem

MORNING = 11
SLOTS = 22
# Target share of required meetings; drawn a little above it because caps reject some.
REQUIRED_SHARE = 0.08
# Overbooked days: a candidate is required with this share times the square of its
# host's popularity (Pareto weight), with no cap per host.
OVERBOOKED_REQUIRED_SHARE = 0.02


def generate_day(
    participants: int, candidates: int, seed: int, *, overbooked: bool = False
) -> dict[str, Any]:
    """A seeded synthetic day in the problem format.

    `overbooked`: required meetings follow host popularity (Pareto-distributed, like the
    candidates) with no cap per host, so popular hosts are asked for more required
    meetings than their max_meetings and the slots they can use allow.
    """
    rng = random.Random(seed)
    hosts = int(participants * 0.4)
    people = []
    for i in range(participants):
        host = i < hosts
        if host:
            languages = ["vi"] + (["en"] if rng.random() < 0.5 else [])
        else:
            languages = [rng.choices(["ko", "ja", "en"], weights=[5, 3, 4])[0]]
            if rng.random() < 0.3:
                languages.append("en")
        roll = rng.random()
        if roll < 0.12:
            unavailable = list(range(MORNING + 1, SLOTS + 1))  # morning only
        elif roll < 0.24:
            unavailable = list(range(1, MORNING + 1))  # afternoon only
        else:
            unavailable = rng.sample(range(1, SLOTS + 1), rng.choice([0, 0, 1, 2]))
        people.append(
            {
                "id": f"{'h' if host else 'g'}{i}",
                "unavailable": sorted(unavailable),
                "max_meetings": rng.randint(6, 12) if host else rng.randint(4, 10),
                "languages": languages,
            }
        )
    # Popularity skews the candidate graph like real demand does.
    host_weight = [rng.paretovariate(2.0) for _ in range(hosts)]
    guest_weight = [rng.paretovariate(2.0) for _ in range(participants - hosts)]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < candidates:
        h = rng.choices(range(hosts), weights=host_weight)[0]
        g = hosts + rng.choices(range(participants - hosts), weights=guest_weight)[0]
        pairs.add((h, g))
    capacity = {
        "interpreter-ko": max(2, participants // 170),
        "interpreter-ja": max(1, participants // 250),
    }
    required_count: Counter[int] = Counter()
    # Required meetings may use at most 40% of an interpreter's day, so that all of them
    # can be placed (organisers do not require what cannot be staffed).
    required_use: Counter[str] = Counter()
    meetings = []
    for n, (h, g) in enumerate(sorted(pairs)):
        host, guest = people[h], people[g]
        shared = set(host["languages"]) & set(guest["languages"])
        needs = []
        if not shared:
            language = guest["languages"][0]
            needs = [f"interpreter-{language}"] if language in ("ko", "ja") else []
        common = SLOTS - len(set(host["unavailable"]) | set(guest["unavailable"]))
        if overbooked:
            required = (
                rng.random() < min(0.9, OVERBOOKED_REQUIRED_SHARE * host_weight[h] ** 2)
                and required_count[g] < 3
                and common >= 4
                and all(required_use[r] < 0.4 * capacity[r] * SLOTS for r in needs)
            )
        else:
            required = (
                rng.random() < REQUIRED_SHARE * 1.8
                and required_count[h] < 3
                and required_count[g] < 3
                and common >= 4
                and all(required_use[r] < 0.4 * capacity[r] * SLOTS for r in needs)
            )
        if required:
            required_count[h] += 1
            required_count[g] += 1
            required_use.update(needs)
        meeting: dict[str, Any] = {
            "id": f"m{n}",
            "participants": [host["id"], guest["id"]],
            "required": required,
            "score": round(rng.betavariate(2, 3), 3),
        }
        if needs:
            meeting["needs"] = needs
        meetings.append(meeting)
    return {
        "slots": SLOTS,
        "tables": max(10, int(participants * 0.15)),
        "participants": people,
        "meetings": meetings,
        "resources": capacity,
        "objective": {"minimize_breaks": True},
    }


def lp_bound(problem_data: dict[str, Any], required_min: int | None = None) -> tuple[float, float]:
    """Upper bound on the optional score: LP relaxation of the slot model.

    Returns (bound, seconds). Required meetings must be placed (fractionally), or, with
    `required_min`, at least that many of them (days where not all of them fit).
    """
    started = time.perf_counter()
    compiled = compile_problem(parse_problem(problem_data))
    columns = [(k, s) for k in range(compiled.n_meetings) for s in compiled.domain[k]]
    n = len(columns)
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    upper: list[float] = []
    equality_rows: list[int] = []
    eq_cols: list[int] = []
    row_of: dict[tuple[str, int, int], int] = {}

    def row(key: tuple[str, int, int], limit: float) -> int:
        if key not in row_of:
            row_of[key] = len(upper)
            upper.append(limit)
        return row_of[key]

    required_rows: dict[int, int] = {}
    for j, (k, s) in enumerate(columns):
        entries = [(row(("participant-slot", p, s), 1.0), 1.0) for p in compiled.pair[k]] + [
            (row(("tables", 0, s), compiled.tables), 1.0)
        ]
        for r, units in compiled.needs[k]:
            entries.append((row(("resource", r, s), compiled.capacity[r]), float(units)))
        for p in compiled.pair[k]:
            limit = compiled.max_meetings[p]
            if limit is not None:
                entries.append((row(("max", p, 0), limit), 1.0))
        if compiled.required[k] and required_min is None:
            required_rows.setdefault(k, len(required_rows))
            equality_rows.append(required_rows[k])
            eq_cols.append(j)
        else:
            if compiled.required[k]:
                entries.append((row(("at-least-required", 0, 0), -float(required_min)), -1.0))
            entries.append((row(("once", k, 0), 1.0), 1.0))
        for r_index, value in entries:
            rows.append(r_index)
            cols.append(j)
            values.append(value)
    a_ub = csr_array((values, (rows, cols)), shape=(len(upper), n))
    a_eq = csr_array(
        (np.ones(len(eq_cols)), (equality_rows, eq_cols)), shape=(len(required_rows), n)
    )
    cost = np.array([-compiled.score[k] / 1000.0 for k, _ in columns])
    result = linprog(
        cost,
        A_ub=a_ub,
        b_ub=np.array(upper),
        A_eq=a_eq if required_rows else None,
        b_eq=np.ones(len(required_rows)) if required_rows else None,
        bounds=(0, 1),
        method="highs",
    )
    if result.status != 0:
        raise RuntimeError(f"LP relaxation failed: {result.message}")
    return -result.fun, time.perf_counter() - started


def most_required(problem_data: dict[str, Any], seconds: float = 120.0) -> tuple[int, str, float]:
    """The most required meetings that fit, by an exact model of its own.

    Only the required meetings enter: a Boolean per meeting and slot, one meeting per
    participant and slot, tables and interpreters per slot, max_meetings, allowed and
    unavailable slots, precedences among them. Returns (count, CP-SAT status, seconds);
    "optimal" proves the count is the maximum.
    """
    started = time.perf_counter()
    compiled = compile_problem(parse_problem(problem_data))
    required = [k for k in range(compiled.n_meetings) if compiled.required[k]]
    model = cp_model.CpModel()
    x = {(k, s): model.new_bool_var("") for k in required for s in compiled.domain[k]}
    held = {}
    for k in required:
        held[k] = sum(x[k, s] for s in compiled.domain[k])
        model.add(held[k] <= 1)
    by_participant_slot: dict[tuple[int, int], list[Any]] = {}
    by_slot: dict[int, list[Any]] = {}
    by_resource_slot: dict[tuple[int, int], list[Any]] = {}
    for (k, s), var in x.items():
        for p in compiled.pair[k]:
            by_participant_slot.setdefault((p, s), []).append(var)
        by_slot.setdefault(s, []).append(var)
        for r, units in compiled.needs[k]:
            by_resource_slot.setdefault((r, s), []).extend([var] * units)
    for literals in by_participant_slot.values():
        model.add_at_most_one(literals)
    for literals in by_slot.values():
        model.add(sum(literals) <= compiled.tables)
    for (r, _), literals in by_resource_slot.items():
        model.add(sum(literals) <= compiled.capacity[r])
    for p, meetings in enumerate(compiled.meetings_of):
        own = [held[k] for k in meetings if compiled.required[k]]
        if own and compiled.max_meetings[p] is not None:
            model.add(sum(own) <= compiled.max_meetings[p])
    for k in required:
        for j in compiled.after[k]:
            if compiled.required[j]:
                for s in compiled.domain[k]:
                    for t in compiled.domain[j]:
                        if t >= s:
                            model.add_bool_or([x[k, s].Not(), x[j, t].Not()])
    model.maximize(sum(held.values()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = seconds
    status = solver.solve(model)
    count = round(solver.objective_value) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else 0
    return count, solver.status_name(status).lower(), time.perf_counter() - started


def check(problem_data: dict[str, Any], solution: dict[str, Any]) -> list[str]:
    """Independent check of every hard rule; returns the violations found."""
    errors = []
    slots, tables = problem_data["slots"], problem_data["tables"]
    people = {p["id"]: p for p in problem_data["participants"]}
    meetings = {m["id"]: m for m in problem_data["meetings"]}
    capacity = problem_data.get("resources", {})
    seen_place: set[tuple[int, int]] = set()
    busy: set[tuple[str, int]] = set()
    count: Counter[str] = Counter()
    use: Counter[tuple[str, int]] = Counter()
    slot_of = {}
    for a in solution["assignments"]:
        m = meetings[a["meeting"]]
        s, t = a["slot"], a["table"]
        slot_of[m["id"]] = s
        if not (1 <= s <= slots and 1 <= t <= tables):
            errors.append(f"{m['id']} outside the grid")
        if (s, t) in seen_place:
            errors.append(f"two meetings at slot {s} table {t}")
        seen_place.add((s, t))
        if m.get("allowed_slots") and s not in m["allowed_slots"]:
            errors.append(f"{m['id']} outside its allowed slots")
        if m.get("fixed_slot") and s != m["fixed_slot"]:
            errors.append(f"{m['id']} not at its fixed slot")
        if m.get("table") and t != m["table"]:
            errors.append(f"{m['id']} not at its fixed table")
        for pid in m["participants"]:
            if (pid, s) in busy:
                errors.append(f"{pid} double-booked in slot {s}")
            busy.add((pid, s))
            count[pid] += 1
            if s in people[pid].get("unavailable", []):
                errors.append(f"{pid} unavailable in slot {s}")
        for name in m.get("needs", []):
            use[(name, s)] += 1
    for (name, s), used in use.items():
        if used > capacity[name]:
            errors.append(f"{name} over capacity in slot {s}")
    for pid, n in count.items():
        limit = people[pid].get("max_meetings")
        if limit is not None and n > limit:
            errors.append(f"{pid} over max_meetings")
    for mid, s in slot_of.items():
        for before in meetings[mid].get("after", []):
            if before in slot_of and slot_of[before] >= s:
                errors.append(f"{mid} not after {before}")
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000:5000,5000:25000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-limits", default="30,120", help="seconds per size, in order")
    parser.add_argument(
        "--no-lp",
        action="store_true",
        help="skip the slot-model LP bound (hours at 5,000 participants on a busy machine); "
        "the scheduler's reported score bound, a weaker relaxation, remains",
    )
    parser.add_argument(
        "--overbooked",
        action="store_true",
        help="popular hosts asked for more required meetings than they can hold; the most "
        "that fit is computed by an exact model and the LP bound holds that many",
    )
    args = parser.parse_args(argv)
    sizes = [tuple(int(v) for v in item.split(":")) for item in args.sizes.split(",")]
    limits = [float(v) for v in args.time_limits.split(",")]
    header = (
        "participants | candidates | required placed | most that fit (exact) | placed | score "
        "| LP bound | % of LP | reported bounds (required, score) | % of reported score bound "
        "| breaks | seconds | limit "
        "| valid | LP seconds | load avg"
    )
    print(header)
    print("|".join("---" for _ in header.split("|")))
    for index, (participants, candidates) in enumerate(sizes):
        limit = limits[min(index, len(limits) - 1)]
        data = generate_day(participants, candidates, args.seed, overbooked=args.overbooked)
        load = os.getloadavg()[0]
        started = time.perf_counter()
        solution = solve(parse_problem(data), time_limit_s=limit).to_dict()
        seconds = time.perf_counter() - started
        errors = check(data, solution)
        most, most_text = None, "-"
        if args.overbooked:
            most, status, most_seconds = most_required(data)
            most_text = f"{most} ({status}, {most_seconds:.0f} s)"
        if args.no_lp:
            bound, lp_seconds = math.nan, 0.0
        else:
            bound, lp_seconds = lp_bound(data, most)
        reported = solution.get("bounds", {})
        print(
            f"{participants} | {candidates} | {solution['required_placed']}/"
            f"{solution['required_total']} | {most_text} | {len(solution['assignments'])} | "
            f"{solution['score']:.1f} | {bound:.1f} | {100 * solution['score'] / bound:.1f} | "
            f"{reported.get('required_placed')}, {reported.get('score')} | "
            f"{100 * solution['score'] / (reported.get('score') or math.nan):.1f} | "
            f"{solution['breaks']} | {seconds:.1f} | {limit:.0f} | "
            f"{'yes' if not errors else 'NO: ' + errors[0]} | {lp_seconds:.1f} | {load:.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
