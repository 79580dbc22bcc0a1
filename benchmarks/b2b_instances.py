"""Published B2B meeting-scheduling instances (JAIR 74, 2022): scheduler vs proven optima.

    PYTHONPATH=. python benchmarks/b2b_instances.py [--dir ../shared/b2b] [--time-limit 10]
                                                    [--baseline] [--baseline-time 20]
                                                    [--runs 5]
    PYTHONPATH=. python benchmarks/b2b_instances.py --anytime 1,2,5,10 forum-13crafb.original

`--runs N` solves each instance N times and reports how many runs ended with each
status, the break count of every run in order, the meetings placed (all of them unless
the instance is infeasible) and min/median/max seconds. `--anytime`
gives the breaks reached with each time limit by the scheduler and by the plain model,
side by side, with the CPU seconds each used.

Reads the MiniZinc .dzn files (format in the folder's README), converts each to the
scheduler's problem format (all meetings required, session -> allowed_slots, forbidden ->
unavailable, fixed -> fixed_slot, precedences -> after, fairness d = 2 ->
max_break_spread 2), solves it and checks the schedule with an independent validator.
`--baseline` also runs the plain CP-SAT model the README describes (one Boolean per
meeting and slot, block starts counted per participant, 2 workers) for comparison.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ortools.sat.python import cp_model

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

from matching.scheduler import parse_problem, solve

DEFAULT_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "b2b"
# Proven optima (breaks, fairness d = 2) from the folder's README; None = infeasible.
OPTIMA: dict[str, int | None] = {
    "tic-12.original": 0,
    "tic-12crafc.original": 0,
    "tic-13.original": 0,
    "tic-13crafb.original": 0,
    "tic-13crafc.original": 4,
    "tic-14crafa.original": 0,
    "tic-14crafc.original": 0,
    "tic-14crafd.original": 0,
    "ticf-13crafa.original": 0,
    "ticf-13crafb.original": 3,
    "ticf-13crafc.original": 1,
    "ticf-14crafa.original": 0,
    "tic-13.forb0003": None,
    "tic-13crafc.fixed020-Forb": 6,
    "tic-13crafc.prec15": 4,
    "forum-13crafb.original": 6,
    "forumt-14.original": 5,
}


def _counted(values: list[str]) -> str:
    """ "optimal" when every run says so, else how many runs said what: "feasible 1, optimal 4"."""
    counts = Counter(values)
    if len(counts) == 1:
        return values[0]
    return ", ".join(f"{value} {n}" for value, n in sorted(counts.items()))


def parse_dzn(text: str) -> dict[str, Any]:
    """The assignments of a .dzn file: ints, int arrays, 2-d arrays and arrays of sets."""
    text = re.sub(r"%.*", "", text)
    values: dict[str, Any] = {}
    for name, body in re.findall(r"(\w+)\s*=\s*(.*?);", text, flags=re.S):
        body = body.strip()
        if body.startswith("[|"):
            rows = [row for row in body[2:-2].split("|") if row.strip()]
            values[name] = [[int(v) for v in row.replace(",", " ").split()] for row in rows]
        elif body.startswith("["):
            inner = body[1:-1]
            if "{" in inner:
                values[name] = [
                    [int(v) for v in group.replace(",", " ").split()]
                    for group in re.findall(r"\{(.*?)\}", inner, flags=re.S)
                ]
            else:
                values[name] = [int(v) for v in inner.replace(",", " ").split()]
        else:
            values[name] = int(body)
    return values


def dzn_to_problem(text: str) -> dict[str, Any]:
    d = parse_dzn(text)
    slots, morning = d["nTotalSlots"], d["nMorningSlots"]
    participants = []
    for i in range(d["nBusiness"]):
        forbidden = d["forbidden"][i] if i < len(d["forbidden"]) else []
        participants.append(
            {"id": f"b{i + 1}", "unavailable": sorted({s for s in forbidden if s != 0})}
        )
    meetings = []
    for j, (a, b, session) in enumerate(d["requested"]):
        meeting: dict[str, Any] = {
            "id": f"m{j + 1}",
            "participants": [f"b{a}", f"b{b}"],
            "required": True,
        }
        if session == 1:
            meeting["allowed_slots"] = list(range(1, morning + 1))
        elif session == 2:
            meeting["allowed_slots"] = list(range(morning + 1, slots + 1))
        if d["fixed"][j]:
            meeting["fixed_slot"] = d["fixed"][j]
        if d["precedences"][j]:
            meeting["after"] = [f"m{k}" for k in d["precedences"][j]]
        meetings.append(meeting)
    return {
        "slots": slots,
        "tables": d["nTables"],
        "participants": participants,
        "meetings": meetings,
        "objective": {"minimize_breaks": True, "max_break_spread": 2},
    }


def validate(data: dict[str, Any], assignments: list[dict[str, int | str]]) -> tuple[bool, int]:
    """Independent check of a complete schedule; returns (valid, breaks)."""
    meetings = {m["id"]: m for m in data["meetings"]}
    unavailable = {p["id"]: set(p["unavailable"]) for p in data["participants"]}
    slot_of = {str(a["meeting"]): int(a["slot"]) for a in assignments}
    ok = set(slot_of) == set(meetings)
    per_slot = Counter(slot_of.values())
    ok &= all(n <= data["tables"] for n in per_slot.values())
    seats = Counter((int(a["slot"]), int(a["table"])) for a in assignments)
    ok &= all(n == 1 for n in seats.values())
    ok &= all(1 <= int(a["table"]) <= data["tables"] for a in assignments)
    timeline: dict[str, list[int]] = {}
    for mid, s in slot_of.items():
        m = meetings[mid]
        ok &= s in m.get("allowed_slots", [s]) and s == m.get("fixed_slot", s)
        ok &= all(slot_of.get(before, 0) < s for before in m.get("after", []))
        for pid in m["participants"]:
            ok &= s not in unavailable[pid]
            timeline.setdefault(pid, []).append(s)
    breaks = []
    for taken in timeline.values():
        taken.sort()
        ok &= len(set(taken)) == len(taken)
        breaks.append(sum(1 for x, y in itertools.pairwise(taken) if y > x + 1))
    spread = max(breaks) - min(breaks) if breaks else 0
    ok &= spread <= data["objective"]["max_break_spread"]
    return bool(ok), sum(breaks)


def baseline(data: dict[str, Any], seconds: float) -> tuple[str, int | None, float]:
    """The plain CP-SAT model: x[m, s], block starts per participant, 2 workers."""
    started = time.perf_counter()
    slots = data["slots"]
    model = cp_model.CpModel()
    unavailable = {p["id"]: set(p["unavailable"]) for p in data["participants"]}
    x: dict[tuple[str, int], cp_model.IntVar] = {}
    slot_var = {}
    for m in data["meetings"]:
        a, b = m["participants"]
        options = m.get("allowed_slots", range(1, slots + 1))
        if "fixed_slot" in m:
            options = [m["fixed_slot"]]
        options = [s for s in options if s not in unavailable[a] | unavailable[b]]
        for s in options:
            x[m["id"], s] = model.new_bool_var("")
        model.add_exactly_one(x[m["id"], s] for s in options)
        slot_var[m["id"]] = sum(s * x[m["id"], s] for s in options)
    for m in data["meetings"]:
        for before in m.get("after", []):
            model.add(slot_var[before] < slot_var[m["id"]])
    for s in range(1, slots + 1):
        model.add(sum(v for (_, t), v in x.items() if t == s) <= data["tables"])
    breaks = []
    for p in data["participants"]:
        mine = [m["id"] for m in data["meetings"] if p["id"] in m["participants"]]
        if not mine:
            continue
        busy = []
        for s in range(1, slots + 1):
            literals = [x[mid, s] for mid in mine if (mid, s) in x]
            var = model.new_bool_var("")
            model.add(sum(literals) == var)
            busy.append(var)
        starts = []
        for i, var in enumerate(busy):
            start = model.new_bool_var("")
            model.add(start >= var - (busy[i - 1] if i else 0))
            starts.append(start)
        count = model.new_int_var(0, slots, "")
        model.add(count == sum(starts) - 1)
        breaks.append(count)
    high, low = model.new_int_var(0, slots, ""), model.new_int_var(0, slots, "")
    model.add_max_equality(high, breaks)
    model.add_min_equality(low, breaks)
    model.add(high - low <= data["objective"]["max_break_spread"])
    model.minimize(sum(breaks))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = seconds
    status = solver.solve(model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    value = round(solver.objective_value) if found else None
    return solver.status_name(status).lower(), value, time.perf_counter() - started


def solve_instance(data: dict[str, Any], limit: float) -> tuple[dict[str, Any], float, float]:
    """The scheduler's solution, wall seconds and CPU seconds."""
    started, cpu = time.perf_counter(), time.process_time()
    solution = solve(parse_problem(data), time_limit_s=limit).to_dict()
    return solution, time.perf_counter() - started, time.process_time() - cpu


def anytime(args: argparse.Namespace, names: list[str]) -> int:
    limits = [float(v) for v in args.anytime.split(",")]
    print("instance | limit s | scheduler breaks | status | CPU s | plain model breaks | CPU s")
    print("---|---|---|---|---|---|---")
    for name in names:
        data = dzn_to_problem((args.dir / f"{name}.dzn").read_text(encoding="utf-8"))
        for limit in limits:
            solution, _, cpu = solve_instance(data, limit)
            started = time.process_time()
            _, value, _ = baseline(data, limit)
            plain_cpu = time.process_time() - started
            print(
                f"{name} | {limit:g} | {solution['breaks']} | {solution['status']} | "
                f"{cpu:.1f} | {'-' if value is None else value} | {plain_cpu:.1f}",
                flush=True,
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument("--baseline-time", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--anytime", help="time limits, e.g. 1,2,5,10")
    parser.add_argument("instances", nargs="*", help="instance names (default: all)")
    args = parser.parse_args(argv)
    names = args.instances or list(OPTIMA)
    if args.anytime:
        return anytime(args, names)
    columns = [
        "instance",
        "participants",
        "meetings",
        "status",
        "breaks",
        "optimum",
        "placed",
        "seconds min/median/max",
        "CPU s min/median/max",
        "valid",
        "load avg",
    ]
    if args.baseline:
        columns += ["baseline status", "baseline breaks", "baseline s"]
    print(" | ".join(columns))
    print("|".join("---" for _ in columns))
    for name in names:
        data = dzn_to_problem((args.dir / f"{name}.dzn").read_text(encoding="utf-8"))
        statuses, breaks, seconds, cpu_seconds, valid_texts = [], [], [], [], []
        placed: list[str] = []
        load = os.getloadavg()[0]
        for _ in range(args.runs):
            solution, spent, cpu = solve_instance(data, args.time_limit)
            seconds.append(spent)
            cpu_seconds.append(cpu)
            statuses.append(solution["status"])
            valid, counted = validate(data, solution["assignments"])
            if solution["status"] == "infeasible" and not solution["assignments"]:
                valid_texts.append("n/a")
            else:
                # An "infeasible" answer may break the fairness bound (that is why it is
                # infeasible); it must still be a valid schedule otherwise.
                fair_ok = valid or solution["status"] == "infeasible"
                valid_texts.append("yes" if fair_ok and counted == solution["breaks"] else "NO")
            breaks.append(str(solution["breaks"]))
            placed.append(str(len(solution["assignments"])))
        optimum = OPTIMA.get(name, "?")
        row = [
            name,
            str(len(data["participants"])),
            str(len(data["meetings"])),
            _counted(statuses),
            ", ".join(breaks),
            "infeasible" if optimum is None else str(optimum),
            _counted(placed),
            f"{min(seconds):.1f} / {statistics.median(seconds):.1f} / {max(seconds):.1f}",
            f"{min(cpu_seconds):.1f} / {statistics.median(cpu_seconds):.1f} / "
            f"{max(cpu_seconds):.1f}",
            ", ".join(sorted(set(valid_texts))),
            f"{load:.1f}",
        ]
        if args.baseline:
            status, value, spent = baseline(data, args.baseline_time)
            row += [status, "-" if value is None else str(value), f"{spent:.1f}"]
        print(" | ".join(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
