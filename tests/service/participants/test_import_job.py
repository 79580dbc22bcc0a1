"""A participant import as a background job (the dashboard's import with Prefer:
respond-async): run by `meetx serve` itself on SQLite and by a `meetx worker` on
PostgreSQL; the same rows as the import in the request, the personal links shown once,
the uploaded file forgotten once the job ended, and a cancelled import writes nothing."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.robustness.seed import create_event
from tests.service.jobs.world import HEADERS, database_url, wait_for, web, workers
from tests.service.pages.conftest import sign_in
from tests.service.pages.test_import_export import GOOD_ROWS, HEADER

ENDED = {"succeeded", "failed", "cancelled"}
BACKENDS = ["sqlite", "postgresql"]


def _upload(client, event_id: int, csrf: str, content: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        f"/admin/events/{event_id}/import",
        data={"csrf_token": csrf},
        files={"file": ("participants.csv", content, "text/csv")},
        headers={"Prefer": "respond-async"},
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_import_job_writes_the_rows_and_hands_out_the_links_once(
    backend: str, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        url = stack.enter_context(database_url(backend, tmp_path))
        client = stack.enter_context(web(url, run_jobs=backend == "sqlite"))
        if backend == "postgresql":
            stack.enter_context(workers(url, tmp_path))
        event_id = create_event(client, HEADERS)  # type: ignore[arg-type]
        csrf = sign_in(client)
        answer = _upload(client, event_id, csrf, "\n".join([HEADER, *GOOD_ROWS]).encode())
        assert answer.status_code == 202, answer.text
        job = answer.json()
        assert answer.headers["location"] == f"/api/v1/jobs/{job['id']}"
        assert job["kind"] == "participants.import" and job["event_id"] == event_id
        ended = wait_for(client, job["id"], ENDED, 60)
        assert ended["status"] == "succeeded", ended
        result = ended["result"]
        assert result["imported"] == 2 and result["errors"] == []
        assert "_links" not in result, "the sealed links stay out of the API"
        names = {p["organization_name"] for p in result["participants"]}
        assert names == {"Ủy ban nhân dân tỉnh Thanh Hóa", "Busan Marine Logistics"}
        listed = client.get(f"/api/v1/events/{event_id}/participants", headers=HEADERS).json()
        assert listed["total"] == 2

        page = client.get(f"/admin/events/{event_id}/import?job={job['id']}")
        assert page.status_code == 200
        assert page.text.count('href="https://meetx.example/p/mxp_') == 2
        assert 'download="meetx-event-' in page.text
        again = client.get(f"/admin/events/{event_id}/import?job={job['id']}")
        assert again.status_code == 200 and "mxp_" not in again.text, "shown once"
        assert "Busan Marine Logistics" in again.text
        with sa.create_engine(url).connect() as connection:
            params, stored = connection.execute(
                sa.text("SELECT params, result FROM job WHERE id = :id"), {"id": job["id"]}
            ).one()
        assert json.loads(params) == {}, "the uploaded file is forgotten once the job ended"
        assert "mxp_" not in stored and "_links" not in json.loads(stored)


def test_an_import_job_with_bad_rows_reports_them_and_writes_nothing(tmp_path: Path) -> None:
    with database_url("sqlite", tmp_path) as url, web(url, run_jobs=True) as client:
        event_id = create_event(client, HEADERS)  # type: ignore[arg-type]
        csrf = sign_in(client)
        content = f"{HEADER}\ncompany,Busan Marine Logistics,,Atlantis,,,,,,,Park,,,\n".encode()
        job = _upload(client, event_id, csrf, content).json()
        ended = wait_for(client, job["id"], ENDED, 60)
        assert ended["status"] == "succeeded" and ended["result"]["imported"] == 0
        assert [e["row"] for e in ended["result"]["errors"]] == [2]
        page = client.get(f"/admin/events/{event_id}/import?job={job['id']}")
        assert page.status_code == 422 and "country" in page.text
        listed = client.get(f"/api/v1/events/{event_id}/participants", headers=HEADERS).json()
        assert listed["total"] == 0
        # Another event's page does not show this job.
        other = create_event(client, HEADERS)  # type: ignore[arg-type]
        assert client.get(f"/admin/events/{other}/import?job={job['id']}").status_code == 404


def test_a_cancelled_import_writes_nothing_and_forgets_the_file(tmp_path: Path) -> None:
    with database_url("sqlite", tmp_path) as url, web(url) as client:  # nobody runs jobs
        event_id = create_event(client, HEADERS)  # type: ignore[arg-type]
        csrf = sign_in(client)
        job = _upload(client, event_id, csrf, "\n".join([HEADER, *GOOD_ROWS]).encode()).json()
        cancelled = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=HEADERS).json()
        assert cancelled["status"] == "cancelled"
        with sa.create_engine(url).connect() as connection:
            params = connection.execute(
                sa.text("SELECT params FROM job WHERE id = :id"), {"id": job["id"]}
            ).scalar_one()
        assert json.loads(params) == {}
        page = client.get(f"/admin/events/{event_id}/import?job={job['id']}")
        assert page.status_code == 422
        listed = client.get(f"/api/v1/events/{event_id}/participants", headers=HEADERS).json()
        assert listed["total"] == 0
