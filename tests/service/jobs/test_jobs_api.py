"""The jobs API: Prefer: respond-async, one scheduler job per event, read, list, cancel."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.builders import EventBuilder
from tests.service.factories import assert_problem


def _event(client: TestClient, headers: dict) -> EventBuilder:
    ev = EventBuilder.new(client, headers)
    ev.session(tables=2)
    ev.accepted(ev.host(), ev.guest())
    return ev


def test_respond_async_queues_one_scheduler_job_per_event(
    client: TestClient, admin_headers: dict
) -> None:
    ev = _event(client, admin_headers)
    prefer = {**admin_headers, "Prefer": "respond-async"}
    first = client.post(ev.path("/schedule"), json={"dry_run": True}, headers=prefer)
    assert first.status_code == 202, first.text
    job = first.json()
    assert first.headers["location"] == f"/api/v1/jobs/{job['id']}"
    assert first.headers["preference-applied"] == "respond-async"
    assert job["kind"] == "schedule" and job["status"] == "queued"
    assert job["event_id"] == ev.id
    assert job["progress"]["message_vi"] and job["progress"]["message_en"]
    # A second request while the first is queued gets the same job, not a second run.
    again = client.post(ev.path("/schedule"), json={}, headers=prefer)
    assert again.status_code == 202 and again.json()["id"] == job["id"]

    read = client.get(f"/api/v1/jobs/{job['id']}", headers=admin_headers)
    assert read.status_code == 200 and read.json()["id"] == job["id"]
    listed = client.get(ev.path("/jobs"), headers=admin_headers).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == job["id"]

    cancelled = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=admin_headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert_problem(client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=admin_headers), 409)
    # Once it ended, a new request queues a new job.
    fresh = client.post(ev.path("/schedule"), json={}, headers=prefer)
    assert fresh.status_code == 202 and fresh.json()["id"] != job["id"]


def test_without_prefer_the_run_stays_synchronous(client: TestClient, admin_headers: dict) -> None:
    ev = _event(client, admin_headers)
    answer = client.post(ev.path("/schedule"), json={}, headers=admin_headers)
    assert answer.status_code == 200 and answer.json()["placed"] == 1
    assert client.get(ev.path("/jobs"), headers=admin_headers).json()["total"] == 0


def test_unknown_jobs_and_events_are_404(client: TestClient, admin_headers: dict) -> None:
    assert_problem(client.get("/api/v1/jobs/999999", headers=admin_headers), 404)
    assert_problem(client.post("/api/v1/jobs/999999/cancel", headers=admin_headers), 404)
    assert_problem(client.get("/api/v1/events/999999/jobs", headers=admin_headers), 404)
