"""The agenda + feed load beside a CPU-bound neighbour under SCHED_IDLE, by the neighbour's
session group: does the idle policy keep its promise across sessions?

    PYTHONPATH=. python benchmarks/cpu_neighbour.py [--rounds 3] [--duration 20]

Linux only. On a fresh PostgreSQL database, `meetx serve --workers 2` takes the load of
`benchmarks/load.py` (300 req/s, open loop) while a process that only burns CPU runs
under SCHED_IDLE: in a session of its own (as a `meetx worker` started by a supervisor),
its session's scheduling group (`sched_autogroup`) at nice 0, 10 or 19; in the
benchmark's own session, which is the load generator's; in a cgroup whose `cpu.idle` is
set (what systemd's `CPUWeight=idle` makes), also capped at half a CPU (`CPUQuota=50%`),
where this process may create one; or no such process runs (`--modes` picks some).
Rows alternate, `--rounds` times, so that the machine's drift weighs on every mode
alike. Each row gives the p99 and the machine's idle and steal time. First, a Python
loop pinned to CPU 0 is timed alone and beside the burner pinned to CPU 1: what any busy
neighbour costs on this machine, whatever its priority.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.jobs import _warm_up  # noqa: E402
from benchmarks.load import _run, seed, workload  # noqa: E402
from tests.robustness.servers import ServerProcess, fresh_postgres_database  # noqa: E402

BURN = "while True: pass"
MODES = (
    "none",
    "same session",
    "group nice 0",
    "group nice 10",
    "group nice 19",
    "cgroup cpu.idle",
    "cgroup cpu.idle + quota 50%",
)
# A cgroup's CPU quota: what systemd's CPUQuota=50% makes.
QUOTA_SHARE = 0.5
QUOTA_PERIOD_US = 100_000
# The modes that run the burner in a cgroup: the cgroup's name and its CPU quota.
CGROUP_MODES: dict[str, tuple[str, float | None]] = {
    "cgroup cpu.idle": ("meetx-neighbour-idle", None),
    "cgroup cpu.idle + quota 50%": ("meetx-neighbour-idle-quota", QUOTA_SHARE),
}
# cgroup v1's cpu controller (v2 has the same file): an idle cgroup, as systemd's
# CPUWeight=idle makes for a service.
IDLE_CGROUPS = (Path("/sys/fs/cgroup/cpu"), Path("/sys/fs/cgroup"))


def _cpu_ticks() -> list[int]:
    return [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]


def _idle_cgroup(name: str, quota_share: float | None = None) -> Path | None:
    """A cgroup marked idle under the machine's cpu controller, capped at `quota_share`
    of one CPU if given, where this process may make one (root, cgroups mounted
    writable); else None."""
    for root in IDLE_CGROUPS:
        v2 = (root / "cgroup.subtree_control").exists()
        if not v2 and not (root / "cpu.idle").exists():
            continue
        group = root / name
        try:
            group.mkdir(exist_ok=True)
            (group / "cpu.idle").write_text("1")
            if quota_share is not None:
                quota = int(quota_share * QUOTA_PERIOD_US)
                if v2:
                    (group / "cpu.max").write_text(f"{quota} {QUOTA_PERIOD_US}")
                else:
                    (group / "cpu.cfs_period_us").write_text(str(QUOTA_PERIOD_US))
                    (group / "cpu.cfs_quota_us").write_text(str(quota))
        except OSError:
            return None
        return group
    return None


def _neighbour(mode: str, cgroups: dict[str, Path]) -> subprocess.Popen[bytes] | None:
    if mode == "none":
        return None
    process = subprocess.Popen(
        ["chrt", "--idle", "0", sys.executable, "-c", BURN],
        start_new_session=mode != "same session",
    )
    time.sleep(0.3)
    if mode.startswith("group nice"):
        Path(f"/proc/{process.pid}/autogroup").write_text(mode.rsplit(" ", 1)[1])
    elif mode in cgroups:
        (cgroups[mode] / "cgroup.procs").write_text(str(process.pid))
    return process


LOOP = """import time
best = 9.0
for _ in range(5):
    started, total = time.perf_counter(), 0
    for i in range(5_000_000):
        total += i
    best = min(best, time.perf_counter() - started)
print(best)"""


def _sibling_slowdown() -> dict[str, float]:
    """A Python loop on CPU 0 alone, then beside the idle-policy burner on CPU 1: what a
    busy neighbour costs a request whatever the scheduler does (shared cores, caches or
    clock boost of the machine underneath)."""
    if (os.cpu_count() or 1) < 2:
        return {}

    def loop() -> float:
        run = [sys.executable, "-c", LOOP]
        done = subprocess.run(["taskset", "-c", "0", *run], capture_output=True, text=True)
        return float(done.stdout)

    alone = min(loop() for _ in range(3))
    burner = subprocess.Popen(
        ["taskset", "-c", "1", "chrt", "--idle", "0", sys.executable, "-c", BURN]
    )
    try:
        time.sleep(0.3)
        beside = min(loop() for _ in range(3))
    finally:
        burner.kill()
        burner.wait()
    return {"loop alone s": round(alone, 3), "beside s": round(beside, 3),
            "slowdown": round(beside / alone, 2)}  # fmt: skip


def _measure(
    args: argparse.Namespace, modes: list[str], cgroups: dict[str, Path]
) -> list[dict[str, object]]:
    """The load's rows, each mode in turn, `args.rounds` times."""
    rows: list[dict[str, object]] = []
    with (
        tempfile.TemporaryDirectory(prefix="meetx-neighbour-") as tmp,
        fresh_postgres_database("meetx_neighbour_bench") as url,
    ):
        server = ServerProcess(url, workdir=Path(tmp), workers=2, log_level="WARNING")
        server.start()
        try:
            target = seed(server, 300)
            _warm_up(server, target, args)
            for round_no in range(args.rounds):
                for mode in modes:
                    neighbour = _neighbour(mode, cgroups)
                    try:
                        before, load_average = _cpu_ticks(), os.getloadavg()[0]
                        result = asyncio.run(
                            _run(
                                server.base_url,
                                workload(target, random.Random(round_no)),
                                clients=args.clients,
                                duration_s=args.duration,
                                rate=args.rate,
                                name=mode,
                            )
                        )
                        spent = [b - a for a, b in zip(before, _cpu_ticks(), strict=True)]
                    finally:
                        if neighbour is not None:
                            neighbour.kill()
                            neighbour.wait()
                    row = result.row()
                    row.update(
                        round=round_no,
                        idle_share=round(spent[3] / sum(spent), 3),
                        steal_share=round(spent[7] / sum(spent), 3),
                        load_avg_1m=round(load_average, 2),
                    )
                    print(json.dumps(row), file=sys.stderr)
                    rows.append(row)
        finally:
            server.stop()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument(
        "--modes", default=",".join(MODES),
        help="comma-separated, of: " + ", ".join(MODES),
    )  # fmt: skip
    args = parser.parse_args(argv)
    asked = [m.strip() for m in args.modes.split(",")]
    slowdown = _sibling_slowdown()
    print(json.dumps({"the same loop beside the burner": slowdown}), file=sys.stderr)
    cgroups = {
        mode: group
        for mode, (name, quota) in CGROUP_MODES.items()
        if mode in asked and (group := _idle_cgroup(name, quota)) is not None
    }
    modes = [m for m in MODES if m in asked and (m not in CGROUP_MODES or m in cgroups)]
    try:
        rows = _measure(args, modes, cgroups)
    finally:
        for group in cgroups.values():
            group.rmdir()
    summary = {
        mode: [
            min(p := [r["p99_ms"] for r in rows if r["run"] == mode]),
            statistics.median(p),
            max(p),
        ]
        for mode in modes
    }
    print(
        json.dumps(
            {"rows": rows, "p99 min/median/max": summary, "loop beside the burner": slowdown},
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
