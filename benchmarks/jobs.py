"""Background jobs under load: the agenda + feed workload of load.py while a large
schedule solves, and the throughput of small jobs through 1, 2 and 4 workers.

    PYTHONPATH=. python benchmarks/jobs.py [--rate 300] [--duration 20]
                 [--participants 300] [--solve-participants 5000] [--jobs 1000]

On a fresh PostgreSQL database at 127.0.0.1:5432, `meetx serve --workers 2` with
MEETX_RUN_JOBS=false (the production layout: jobs only in `meetx worker` processes):

1. the workload alone at `--rate` (open loop, latency from each request's scheduled time);
2. the same while a scheduler dry run of a `--solve-participants` event runs as a job
   in a `meetx worker` process (`Prefer: respond-async`, the worker at its default
   priority), measured from 5 s after the job started running. The event's firms have
   varied sectors and lines (`varied_payload`), so that the day holds more candidate
   meetings than tables; each such row says whether the solve still ran at its end
   (`solve_running_at_end`: a row beside a solve that ended measures nothing);
3. `--repeat` pairs of rows 1 and 2 (each job but the last cancelled once measured),
   so that each solve row has a no-solve row measured just before it: on a shared
   machine the ratio of the two p99s moves less with the neighbours than either figure;
4. last, the same dry run inside a web worker (the synchronous POST /schedule: what
   happens without background jobs). It comes last because it leaves that web process
   with the large event's suggestion index and a grown heap;
5. `--jobs` jobs.sleep(0) jobs through 1, 2 and 4 `meetx worker` processes: jobs/s from
   the workers' start to the last job's end.

Each row gives the machine's 1-minute load average when it started; the summary gives
min / median / max of the p99s and of the paired ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlmodel import Session  # noqa: E402

from benchmarks.load import _run, everything, seed, workload  # noqa: E402
from benchmarks.matching_speed import _SECTOR_PHRASES  # noqa: E402
from service.core.database import make_engine  # noqa: E402
from service.core.settings import Settings  # noqa: E402
from service.main import make_jobs  # noqa: E402
from tests.robustness.seed import API, create_b2b_session, create_event  # noqa: E402
from tests.robustness.seed import register_participants_in_database as register  # noqa: E402
from tests.robustness.servers import ServerProcess, fresh_postgres_database  # noqa: E402
from tests.service.jobs.world import Worker  # noqa: E402


def _load(server: ServerProcess, target, args, name: str) -> dict:
    load_average = round(os.getloadavg()[0], 2)
    result = asyncio.run(
        _run(
            server.base_url,
            workload(target, random.Random(2026)),
            clients=args.clients,
            duration_s=args.duration,
            rate=args.rate,
            name=name,
        )
    )
    result.load_average = load_average
    row = result.row()
    print(json.dumps(row, ensure_ascii=False), file=sys.stderr)
    return row


NO_SOLVE = "agenda + feed, no solve"
IN_WORKER = "agenda + feed, solve in a meetx worker"


def _warm_up(server: ServerProcess, target, args) -> None:
    """Every agenda and feed fetched through every web process: the caches filled."""
    warm = asyncio.run(
        _run(
            server.base_url,
            everything(target, 24),
            clients=args.clients,
            duration_s=0,
            rate=None,
            name="warm-up",
            count=48 * len(target.participants),
        )
    )
    assert set(warm.statuses) == {200}, warm.statuses


def _summary(load: list[dict]) -> dict:
    """min / median / max of the p99s by run, and of each worker row's p99 over the
    last no-solve p99 measured before it."""
    by_run: dict[str, list[float]] = {}
    ratios = []
    baseline: float | None = None
    for row in load:
        by_run.setdefault(row["run"], []).append(row["p99_ms"])
        if row["run"] == NO_SOLVE:
            baseline = row["p99_ms"]
        elif row["run"] == IN_WORKER and baseline:
            ratios.append(round(row["p99_ms"] / baseline, 2))

    def spread(values: list[float]) -> list[float]:
        return [min(values), statistics.median(values), max(values)] if values else []

    summary = {f"p99 {run} (min/median/max)": spread(v) for run, v in by_run.items()}
    summary["p99 in a worker / p99 before it without (each pair)"] = ratios
    summary["ratio (min/median/max)"] = spread(ratios)
    beside = [row for row in load if "solve_running_at_end" in row]
    summary["solve rows whose solve ran to the row's end"] = (
        f"{sum(row['solve_running_at_end'] for row in beside)} of {len(beside)}"
    )
    print(json.dumps(summary, ensure_ascii=False), file=sys.stderr)
    return summary


_COUNTRIES = ("KR", "KR", "JP", "JP", "DE", "FR", "SG", "TW", "US", "CN")
_LANGUAGES = {"KR": "ko", "JP": "ja", "DE": "de", "FR": "fr", "CN": "zh", "TW": "zh"}


def varied_payload(index: int, *, guest: bool, label: str = "") -> dict[str, Any]:
    """A firm of one or two sectors with their lines (the phrases of matching_speed.py):
    partners differ, so each participant's best partners are its own, and the day holds
    more candidate meetings than tables, as a large Meet-X day does. Firms that all look
    alike would all be suggested the same few partners: a small schedule however large the
    event."""
    rng = random.Random(index)
    sectors = rng.sample(sorted(_SECTOR_PHRASES), rng.choice([1, 1, 2]))
    vi_offers, vi_needs, en_offers, en_needs = (
        [phrase for sector in sectors for phrase in _SECTOR_PHRASES[sector][column]]
        for column in range(4)
    )

    def lines(pool: list[str]) -> str:
        return ", ".join(rng.sample(pool, min(len(pool), 2)))

    if guest:
        country = rng.choice(_COUNTRIES)
        return {
            "kind": "company",
            "name": f"{rng.choice(('Hanbit', 'Sakura', 'Nord', 'Lumière', 'Meridian'))} "
            f"{label}{index} Co., Ltd.",
            "country": country,
            "sectors": sectors,
            "offers": lines(en_offers),
            "needs": lines(en_needs),
            "languages": sorted({_LANGUAGES.get(country, "en"), "en"}),
            "investment_usd": int(10 ** rng.uniform(5.5, 9)),
        }
    return {
        "kind": "company",
        "name": f"Công ty {label}{index}",
        "country": "VN",
        "province_code": "24",
        "sectors": sectors,
        "offers": lines(vi_offers),
        "needs": lines(vi_needs),
        "languages": ["vi", "en"],
    }


def _big_event(server: ServerProcess, participants: int) -> int:
    headers = server.admin_headers
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        event_id = create_event(client, headers, name="Gặp gỡ lớn", name_en="Large day")
        for start, end in (("09:00", "12:40"), ("14:00", "17:40")):
            create_b2b_session(
                client, headers, event_id, tables=max(10, participants * 15 // 100),
                starts_at=f"2026-12-10T{start}:00+07:00", ends_at=f"2026-12-10T{end}:00+07:00",
            )  # fmt: skip
    register(server.database_url, event_id, participants, label="L", payload=varied_payload)
    return event_id


def _job(server: ServerProcess, job_id: int) -> dict:
    return httpx.get(f"{server.base_url}{API}/jobs/{job_id}", headers=server.admin_headers).json()


def _still_running(server: ServerProcess, job_id: int) -> bool:
    """Whether the solve went on for the whole row (a row beside a solve that ended is
    a row without one)."""
    return _job(server, job_id)["status"] == "running"


def _wait_job(server: ServerProcess, job_id: int, statuses: set[str], timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = _job(server, job_id)
        if job["status"] in statuses or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def throughput(url: str, workdir: Path, jobs: int, counts: list[int]) -> list[dict]:
    rows = []
    settings = Settings(database_url=url, run_jobs=False)
    engine = make_engine(url)
    for count in counts:
        engine_jobs = make_jobs(settings, engine)
        ids = []
        with Session(engine) as session:
            for _ in range(jobs):
                job, _ = engine_jobs.enqueue(session=session, kind="jobs.sleep", params={})
                ids.append(job.id)
        engine_jobs.close()
        load_average = round(os.getloadavg()[0], 2)
        started = time.perf_counter()
        workers = [Worker(url, workdir / f"tp{count}-{i}.log") for i in range(count)]
        try:
            with engine.connect() as connection:
                while True:
                    left = connection.exec_driver_sql(
                        "SELECT count(*) FROM job WHERE kind = 'jobs.sleep' "
                        "AND status IN ('queued', 'running')"
                    ).scalar()
                    connection.rollback()
                    if not left:
                        break
                    time.sleep(0.05)
            elapsed = time.perf_counter() - started
        finally:
            for worker in workers:
                worker.stop()
        row = {"workers": count, "jobs": jobs, "seconds": round(elapsed, 2),
               "jobs_per_s": round(jobs / elapsed, 1), "load_avg_1m": load_average}  # fmt: skip
        print(json.dumps(row), file=sys.stderr)
        rows.append(row)
    engine.dispose()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--solve-participants", type=int, default=5000)
    parser.add_argument("--solve-time-limit", type=float, default=120)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=3, help="pairs of no-solve and in-a-worker rows"
    )
    args = parser.parse_args(argv)
    os.environ["MEETX_RUN_JOBS"] = "false"
    os.environ["MEETX_JOB_LEASE_S"] = "30"
    rows: dict[str, Any] = {"load": [], "throughput": []}
    with (
        tempfile.TemporaryDirectory(prefix="meetx-jobs-") as tmp,
        fresh_postgres_database("meetx_jobs_bench") as url,
    ):
        workdir = Path(tmp)
        server = ServerProcess(url, workdir=workdir, workers=2, log_level="WARNING")
        server.start()
        try:
            if not args.skip_load:
                target = seed(server, args.participants)
                _warm_up(server, target, args)
                made = time.perf_counter()
                big = _big_event(server, args.solve_participants)
                print(
                    f"large event: {time.perf_counter() - made:.0f}s to register", file=sys.stderr
                )
                # Registering bumped the data version: refill the caches before measuring.
                _warm_up(server, target, args)
                body = {"dry_run": True, "time_limit_s": args.solve_time_limit}
                path = f"{server.base_url}{API}/events/{big}/schedule"
                # Pairs of rows: without a solve, then with the solve as a job in a worker.
                worker = Worker(url, workdir / "solver.log")
                try:
                    prefer = {**server.admin_headers, "Prefer": "respond-async"}
                    for pair in range(args.repeat):
                        rows["load"].append(_load(server, target, args, NO_SOLVE))
                        job = httpx.post(path, json=body, timeout=60, headers=prefer).json()
                        job = _wait_job(server, job["id"], {"running"}, 120)
                        time.sleep(5)  # the problem's building, then the solve, go on
                        row = _load(server, target, args, IN_WORKER)
                        row["solve_running_at_end"] = _still_running(server, job["id"])
                        rows["load"].append(row)
                        if pair < args.repeat - 1:
                            httpx.post(
                                f"{server.base_url}{API}/jobs/{job['id']}/cancel",
                                headers=server.admin_headers,
                            )
                        job = _wait_job(
                            server, job["id"], {"succeeded", "failed", "cancelled"}, 3600
                        )
                        print(f"job: {job['status']} {job.get('error')}", file=sys.stderr)
                finally:
                    worker.stop()
                # Last, the solve inside a web worker (the synchronous request): it leaves that
                # process with the large event's suggestion index and a grown heap, which
                # would weigh on the rows after it.
                answer: dict = {}

                def synchronous() -> None:
                    started = time.perf_counter()
                    response = httpx.post(path, json=body, headers=server.admin_headers,
                                          timeout=3600)  # fmt: skip
                    answer.update(status=response.status_code, s=time.perf_counter() - started)

                thread = threading.Thread(target=synchronous)
                thread.start()
                time.sleep(5)  # the problem's building, then the solve, go on
                row = _load(server, target, args, "agenda + feed, solve in a web worker")
                row["solve_running_at_end"] = thread.is_alive()
                rows["load"].append(row)
                thread.join()
                print(f"synchronous solve: {answer}", file=sys.stderr)
                rows["summary"] = _summary(rows["load"])
            rows["throughput"] = throughput(url, workdir, args.jobs, args.workers)
        finally:
            server.stop()
    print(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
