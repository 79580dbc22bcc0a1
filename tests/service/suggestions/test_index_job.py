"""Building an event's suggestion index ahead of the first read: in the request, or as
a background job (embedded in `meetx serve` on SQLite, a `meetx worker` on PostgreSQL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.core.dependencies import shared_objects
from service.suggestions.service import IndexCache
from tests.robustness.seed import create_event
from tests.service.jobs.world import ASYNC, HEADERS, database_url, make_event, wait_for, web
from tests.service.jobs.world import workers as worker_processes

ENDED = {"succeeded", "failed", "cancelled"}


def test_in_the_request_it_builds_once_then_finds_it_current(
    client: TestClient, admin_headers: dict
) -> None:
    event_id = create_event(client, admin_headers)  # type: ignore[arg-type]
    path = f"/api/v1/events/{event_id}/suggestions/index"
    first = client.post(path, headers=admin_headers)
    assert first.status_code == 200, first.text
    assert first.json()["built"] is True and first.json()["participants"] == 0
    assert first.json()["process"].endswith(f":{os.getpid()}")
    again = client.post(path, headers=admin_headers).json()
    assert again["built"] is False, "current in this process: not built twice"
    unknown = client.post("/api/v1/events/999999/suggestions/index", headers=admin_headers)
    assert unknown.status_code == 404


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_as_a_job_it_is_built_by_whoever_runs_jobs(backend: str, tmp_path: Path) -> None:
    embedded = backend == "sqlite"
    with database_url(backend, tmp_path) as url, web(url, run_jobs=embedded) as client:
        event_id = make_event(client, url, 40)
        path = f"/api/v1/events/{event_id}/suggestions/index"
        answer = client.post(path, headers=ASYNC)
        assert answer.status_code == 202, answer.text
        job = answer.json()
        assert answer.headers["location"] == f"/api/v1/jobs/{job['id']}"
        assert job["kind"] == "suggestions.index"
        if not embedded:
            # One build per event at a time: asked again while queued, the same job.
            assert client.post(path, headers=ASYNC).json()["id"] == job["id"]
            with worker_processes(url, tmp_path) as (worker,):
                ended = wait_for(client, job["id"], ENDED, 60)
            assert ended["result"]["process"].endswith(f":{worker.process.pid}")
        else:
            ended = wait_for(client, job["id"], ENDED, 60)
        assert ended["status"] == "succeeded", ended
        assert ended["result"]["participants"] == 40 and ended["result"]["built"] is True
        cache = shared_objects(client.app).get(IndexCache)
        in_the_request = client.post(path, headers=HEADERS).json()
        # Embedded, the job ran in this process and filled the cache its API reads; a
        # worker's index lives in the worker, so this process builds its own.
        assert in_the_request["built"] is (not embedded)
        assert cache.builds == 1  # embedded: the job's build; else the request's
