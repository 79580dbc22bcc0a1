"""A database, a web app and `meetx worker` processes for the job tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.core.database import make_engine
from service.core.migrations import upgrade
from service.core.settings import Settings
from service.main import create_app
from service.seeding.reference_data import ensure_reference_data
from tests.conftest import ADMIN_TOKEN
from tests.robustness.seed import create_b2b_session, create_event
from tests.robustness.seed import register_participants_in_database as register
from tests.robustness.servers import fresh_postgres_database, postgres_unavailable_reason

REPO = Path(__file__).resolve().parents[3]
HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ASYNC = {**HEADERS, "Prefer": "respond-async"}
LEASE_S = 3
PUBLIC_URL = "https://meetx.example"


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database with reference data (a fresh one on PostgreSQL)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'meetx.db'}"
        _prepare(url)
        yield url
        return
    reason = postgres_unavailable_reason()
    if reason:
        import pytest

        pytest.skip(reason)
    with fresh_postgres_database("meetx_jobs") as url:
        _prepare(url)
        yield url


def _prepare(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        ensure_reference_data(session=session)
    engine.dispose()


@contextmanager
def web(url: str, *, run_jobs: bool = False, **settings: Any) -> Iterator[TestClient]:
    """The app on `url` with real commits; with `run_jobs`, it runs jobs itself."""
    app = create_app(
        Settings(
            database_url=url,
            admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
            public_url=PUBLIC_URL,
            log_level="WARNING",
            run_jobs=run_jobs,
            job_lease_s=LEASE_S,
            **settings,
        )
    )
    with TestClient(app) as client:
        yield client


class Worker:
    """`meetx worker` in a process group of its own."""

    def __init__(
        self, url: str, log: Path, *, concurrency: int = 1, env: dict[str, str] | None = None
    ) -> None:
        env = {
            **os.environ,
            "MEETX_DATABASE_URL": url,
            "MEETX_JOB_LEASE_S": str(LEASE_S),
            "MEETX_LOG_LEVEL": "INFO",
            # The web's settings (web() below): links, and the secret sealed values share.
            "MEETX_PUBLIC_URL": PUBLIC_URL,
            "MEETX_ADMIN_TOKEN": ADMIN_TOKEN,
            "PYTHONPATH": str(REPO),
            **(env or {}),
        }
        self.log_path = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "worker", "--concurrency", str(concurrency)],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


# A solve compared with the synchronous run's must not be cut by the wall clock (the
# solver is reproducible only within its deterministic limits): at the web's priority,
# a job is not starved by the other processes of a busy test machine.
SAME_PRIORITY = {"MEETX_WORKER_NICE": "0"}


@contextmanager
def workers(
    url: str, tmp_path: Path, count: int = 1, env: dict[str, str] | None = None
) -> Iterator[list[Worker]]:
    started = [Worker(url, tmp_path / f"worker{i}.log", env=env) for i in range(count)]
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()


def make_event(client: TestClient, url: str, participants: int, *, tables: int = 10) -> int:
    """An event with one morning B2B session and `participants` firms (half Korean)."""
    event_id = create_event(client, HEADERS)  # type: ignore[arg-type]
    create_b2b_session(client, HEADERS, event_id, tables=tables)  # type: ignore[arg-type]
    register(url, event_id, participants)
    return event_id


def wait_for(client: TestClient, job_id: int, statuses: set[str], timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=HEADERS).json()
        if job["status"] in statuses:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['status']} after {timeout_s}s: {job}")
        time.sleep(0.1)


def places(client: TestClient, event_id: int) -> set[tuple]:
    items = client.get(f"/api/v1/events/{event_id}/meetings?limit=200", headers=HEADERS).json()[
        "items"
    ]
    return {
        (tuple(sorted(m["participants"])), m["session_id"], m["slot"], m["table"], m["status"])
        for m in items
    }
