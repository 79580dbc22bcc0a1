"""A stored job always reaches a worker (procrastinate on PostgreSQL): it is handed to
procrastinate in the transaction that stores it, and a queued job that procrastinate
does not hold (what a web process dying between its commit and a separate dispatch
would leave) is dispatched again by the workers' periodic sweep."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from service.core.dependencies import shared_objects
from service.jobs import service as jobs
from service.jobs.engine import JobEngine
from tests.service.jobs.world import database_url, wait_for, web, workers

ENDED = {"succeeded", "failed", "cancelled"}


def _held(engine: JobEngine, job_id: int) -> list[str]:
    with engine.engine.connect() as connection:
        return list(
            connection.execute(
                sa.text(
                    "SELECT status::text FROM procrastinate_jobs "
                    "WHERE (args->>'job_id')::bigint = :id"
                ),
                {"id": job_id},
            ).scalars()
        )


def test_a_job_and_its_dispatch_commit_together(tmp_path: Path) -> None:
    with database_url("postgresql", tmp_path) as url, web(url) as client:
        engine = shared_objects(client.app).get(JobEngine)
        with Session(engine.engine, expire_on_commit=False) as session:
            job, created = engine.enqueue(session=session, kind="jobs.sleep", params={})
        assert created and _held(engine, job.id) == ["todo"]

        def dies(session: Session, queued: list[tuple[int, str]]) -> None:
            raise ConnectionError("the process died before its commit")

        engine.defer_in = dies  # type: ignore[method-assign]
        with Session(engine.engine) as session, pytest.raises(ConnectionError):
            engine.enqueue(session=session, kind="jobs.sleep", params={"seconds": 1})
        with Session(engine.engine, expire_on_commit=False) as session:
            assert [j for j, _ in jobs.queued_jobs(session=session)] == [job.id], (
                "no job stored without its dispatch"
            )


def test_a_queued_job_procrastinate_does_not_hold_still_runs(tmp_path: Path) -> None:
    with database_url("postgresql", tmp_path) as url, web(url) as client:
        engine = shared_objects(client.app).get(JobEngine)
        # Rows as a process that died between its commit and a dispatch would leave.
        with Session(engine.engine, expire_on_commit=False) as session:
            before, _ = jobs.create_job(session=session, kind="jobs.sleep", params={})
        assert _held(engine, before.id) == []
        with workers(url, tmp_path) as (worker,):
            # One found when the worker starts, one while it runs (its periodic sweep).
            first = wait_for(client, before.id, ENDED, 30)
            with Session(engine.engine, expire_on_commit=False) as session:
                during, _ = jobs.create_job(session=session, kind="jobs.sleep", params={})
            second = wait_for(client, during.id, ENDED, 30)
        assert first["status"] == second["status"] == "succeeded", worker.log()
        assert first["attempts"] == second["attempts"] == 1
        assert "unknown to procrastinate" in worker.log()
