"""Jobs run by `meetx worker` processes (procrastinate on PostgreSQL, the embedded runner
on SQLite) and by `meetx serve` itself: same meetings as the synchronous run, progress
while running, cancel, SIGKILL mid-solve, and two workers never running a job twice."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlmodel import Session

from service.core.dependencies import shared_objects
from service.jobs.engine import JobEngine
from tests.service.jobs.world import (
    ASYNC,
    HEADERS,
    SAME_PRIORITY,
    database_url,
    make_event,
    places,
    wait_for,
    web,
    workers,
)

BACKENDS = ["sqlite", "postgresql"]
SOLVER_PHASES = {"required", "filling", "breaks"}
# Firms of the day whose solve must still run when it is cancelled or killed: with 12
# tables, the solver does not prove this day within its 40 s (measured: 37 s, 4 breaks).
# 120 firms were enough until partial days got the core-guided search for few breaks,
# which proves theirs in about a second.
LONG_DAY_FIRMS = 200


def _planned(client, event_id: int) -> set[tuple]:
    """What the synchronous run would store, from its dry run.

    The day must be one the solver proves optimal: only then is its answer the same
    however busy the machine is (an unproven search stops at a wall-clock limit)."""
    report = client.post(
        f"/api/v1/events/{event_id}/schedule", json={"dry_run": True}, headers=HEADERS
    ).json()
    assert report["status"] == "optimal", report["status"]
    return {
        (tuple(sorted(c["participants"])), c["to"]["session_id"], c["to"]["slot"],
         c["to"]["table"], "scheduled")
        for c in report["changes"] if c["action"] == "add"
    }  # fmt: skip


def _start_long_solve(client, event_id: int) -> dict:
    job = client.post(
        f"/api/v1/events/{event_id}/schedule", json={"time_limit_s": 40}, headers=ASYNC
    ).json()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job['id']}", headers=HEADERS).json()
        if job["status"] == "running" and job["progress"]["phase"] in SOLVER_PHASES:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"the solve did not start: {job}")
    # Progress while the solver searches: refreshed at least once a second.
    stamps = set()
    until = time.monotonic() + 2.2
    while time.monotonic() < until:
        progress = client.get(f"/api/v1/jobs/{job['id']}", headers=HEADERS).json()["progress"]
        assert progress["phase"] in SOLVER_PHASES and 0 <= progress["fraction"] < 1
        stamps.add(progress["elapsed_s"])
        time.sleep(0.1)
    assert len(stamps) >= 3, stamps
    return job


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_worker_process_stores_what_the_synchronous_run_would_with_progress(
    backend: str, tmp_path: Path
) -> None:
    with database_url(backend, tmp_path) as url, web(url) as client:
        event_id = make_event(client, url, 30, tables=4)
        planned = _planned(client, event_id)
        assert planned
        with workers(url, tmp_path, env=SAME_PRIORITY) as (worker,):
            job = client.post(f"/api/v1/events/{event_id}/schedule", json={}, headers=ASYNC).json()
            seen = []
            while job["status"] in ("queued", "running"):
                job = client.get(f"/api/v1/jobs/{job['id']}", headers=HEADERS).json()
                if job["status"] == "running":
                    seen.append(job["progress"])
                time.sleep(0.05)
            assert job["status"] == "succeeded", (job, worker.log())
        assert job["attempts"] == 1 and job["result"]["placed"] == len(planned)
        assert places(client, event_id) == planned
        assert seen and all(p["message_vi"] and p["message_en"] for p in seen)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_cancel_stops_the_solve_within_two_seconds_and_stores_nothing(
    backend: str, tmp_path: Path
) -> None:
    with database_url(backend, tmp_path) as url, web(url) as client, workers(url, tmp_path):
        event_id = make_event(client, url, LONG_DAY_FIRMS, tables=12)
        job = _start_long_solve(client, event_id)
        asked = time.monotonic()
        answer = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=HEADERS)
        assert answer.status_code == 200 and answer.json()["cancel_requested"]
        ended = wait_for(client, job["id"], {"cancelled", "succeeded", "failed"}, 10)
        assert ended["status"] == "cancelled", ended
        assert time.monotonic() - asked < 2.5  # 2 s, and the poll's own pace
        assert places(client, event_id) == set()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_short_job_does_not_wait_behind_a_solve(backend: str, tmp_path: Path) -> None:
    """One worker, `--concurrency 1`: its lane for short jobs runs them meanwhile."""
    with database_url(backend, tmp_path) as url, web(url) as client, workers(url, tmp_path):
        event_id = make_event(client, url, LONG_DAY_FIRMS, tables=12)
        solve = _start_long_solve(client, event_id)
        engine = shared_objects(client.app).get(JobEngine)
        with Session(engine.engine, expire_on_commit=False) as session:
            short, _ = engine.enqueue(session=session, kind="jobs.sleep", params={"seconds": 0.1})
        ended = wait_for(client, short.id, {"succeeded", "failed", "cancelled"}, 15)
        assert ended["status"] == "succeeded", ended
        still = client.get(f"/api/v1/jobs/{solve['id']}", headers=HEADERS).json()
        assert still["status"] == "running", "the solve went on meanwhile"
        client.post(f"/api/v1/jobs/{solve['id']}/cancel", headers=HEADERS)
        wait_for(client, solve["id"], {"succeeded", "failed", "cancelled"}, 10)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_worker_killed_mid_solve_stores_nothing_and_its_job_runs_again(
    backend: str, tmp_path: Path
) -> None:
    with database_url(backend, tmp_path) as url, web(url) as client:
        event_id = make_event(client, url, LONG_DAY_FIRMS, tables=12)
        with workers(url, tmp_path) as (first,):
            job = _start_long_solve(client, event_id)
            first.kill()
        assert places(client, event_id) == set()
        assert client.get(f"/api/v1/jobs/{job['id']}", headers=HEADERS).json()["status"] in (
            "running",
            "queued",
        )
        with workers(url, tmp_path / "..", 1) as (second,):
            ended = wait_for(client, job["id"], {"succeeded", "failed", "cancelled"}, 120)
        assert ended["status"] == "succeeded", (ended, second.log())
        assert ended["attempts"] == 2
        assert len(places(client, event_id)) == ended["result"]["placed"] > 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_workers_never_run_one_job_twice(backend: str, tmp_path: Path) -> None:
    with database_url(backend, tmp_path) as url, web(url) as client:
        engine = shared_objects(client.app).get(JobEngine)
        ids = []
        with Session(engine.engine) as session:
            for _ in range(30):
                job, _ = engine.enqueue(session=session, kind="jobs.sleep", params={"seconds": 0.1})
                ids.append(job.id)
                engine.dispatch(job.id, job.queue)  # dispatched twice on purpose
        with workers(url, tmp_path, 2) as running:
            done = [wait_for(client, i, {"succeeded", "failed", "cancelled"}, 60) for i in ids]
            groups = {Path(f"/proc/{w.process.pid}/autogroup").read_text() for w in running}
        assert all(d["status"] == "succeeded" and d["attempts"] == 1 for d in done), done
        pids = {d["result"]["pid"] for d in done}
        assert pids <= {w.process.pid for w in running}
        # A worker runs its jobs below the web's priority (MEETX_WORKER_NICE, 10), and,
        # leading its own session, lowers the session's scheduling group to the lowest
        # weight: its solves run under SCHED_IDLE, which counts only within the group.
        assert {d["result"]["nice"] for d in done} == {max(10, os.nice(0))}
        assert all(g.strip().endswith("nice 19") for g in groups), groups


def test_serve_runs_jobs_itself_on_sqlite(tmp_path: Path) -> None:
    """The embedded default: no worker process, same API and progress."""
    base = os.getpriority(os.PRIO_PROCESS, 0)  # this (request) thread's priority
    with database_url("sqlite", tmp_path) as url, web(url, run_jobs=True, worker_nice=0) as client:
        event_id = make_event(client, url, 30, tables=4)
        planned = _planned(client, event_id)
        job = client.post(f"/api/v1/events/{event_id}/schedule", json={}, headers=ASYNC).json()
        ended = wait_for(client, job["id"], {"succeeded", "failed", "cancelled"}, 60)
        assert ended["status"] == "succeeded", ended
        assert places(client, event_id) == planned
    # By default the job threads run below the requests' priority; the process does not.
    (tmp_path / "nice").mkdir()
    with database_url("sqlite", tmp_path / "nice") as url, web(url, run_jobs=True) as client:
        engine = shared_objects(client.app).get(JobEngine)
        with Session(engine.engine, expire_on_commit=False) as session:
            job, _ = engine.enqueue(session=session, kind="jobs.sleep", params={})
        ended = wait_for(client, job.id, {"succeeded", "failed", "cancelled"}, 30)
        assert ended["result"]["nice"] == max(10, base)
        assert os.getpriority(os.PRIO_PROCESS, 0) == base
