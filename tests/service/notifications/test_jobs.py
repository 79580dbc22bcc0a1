"""E-mail as background jobs, run by a separate `meetx worker` (procrastinate on
PostgreSQL, the embedded runner on SQLite): a mailing sent with Prefer: respond-async is
queued by a job, and the periodic delivery job sends every message once."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import ADMIN_TOKEN
from tests.service.jobs.world import Worker, wait_for
from tests.service.notifications.conftest import Live
from tests.service.notifications.world import new_world

ENDED = {"succeeded", "failed", "cancelled"}


def _worker(live: Live, tmp_path: Path) -> Worker:
    return Worker(
        live.database.url,
        tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log",
        env={
            "MEETX_SMTP_URL": live.smtp.url,
            "MEETX_PUBLIC_URL": live.settings.public_url,
            # The same secret as the server, which sealed the welcomes' personal links.
            "MEETX_ADMIN_TOKEN": ADMIN_TOKEN,
            "MEETX_MAIL_FROM": "Ban tổ chức MeetX <noreply@meetx.example>",
            "MEETX_MAIL_DELIVER_INTERVAL_S": "1",
        },
    )


def test_a_mailing_job_queues_it_and_the_delivery_job_sends_each_message_once(
    live: Live, tmp_path: Path
) -> None:
    world = new_world(live)
    for i in range(3):
        world.participant(country="KR", email=f"guest{i}-{uuid.uuid4().hex[:4]}@example.com")
    world.participant(country="JP", email=None)
    body = {
        "subject_vi": "Thông báo",
        "subject_en": "Notice",
        "body_vi": "Buổi tối có tiệc giao lưu.",
        "body_en": "There is a networking dinner tonight.",
    }
    prefer = {**live.headers, "Prefer": "respond-async"}
    answer = live.client.post(world.path("/mailings"), json=body, headers=prefer)
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert answer.headers["location"] == f"/api/v1/jobs/{job['id']}"
    assert answer.headers["preference-applied"] == "respond-async"
    assert job["kind"] == "notifications.mailing" and job["status"] == "queued"
    assert live.outbox(world.id, kind="mailing") == [], "nothing queued before the job runs"
    # A dry run stays a preview in the request, header or not.
    dry = live.client.post(world.path("/mailings"), json={**body, "dry_run": True}, headers=prefer)
    assert dry.status_code == 200 and dry.json()["total"] == 3

    worker = _worker(live, tmp_path)
    try:
        ended = wait_for(live.client, job["id"], ENDED, 60)
        assert ended["status"] == "succeeded", (ended, worker.log())
        assert ended["result"]["queued"] == 3 and ended["result"]["skipped"] == 1
        # Three welcomes and three mailings, delivered by the periodic job.
        deadline = time.monotonic() + 60
        while len(live.smtp.inbox.items) < 6 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2.5)  # two more delivery runs: nothing goes twice
    finally:
        worker.stop()
    counts = Counter(str(r.message["Message-ID"]) for r in live.smtp.inbox.items)
    assert len(counts) == 6 and set(counts.values()) == {1}, worker.log()
    statuses = Counter(m["status"] for m in live.outbox(world.id))
    assert statuses == {"sent": 6, "suppressed": 1}
    with live.database.engine.connect() as connection:
        runs = connection.execute(
            sa.text("SELECT status, count(*) FROM job WHERE kind = 'mail.deliver' GROUP BY status")
        ).all()
    assert runs and {status for status, _ in runs} <= {"succeeded", "running", "queued"}


def test_a_mailing_job_that_reaches_nobody_fails_with_the_reason(
    live: Live, tmp_path: Path
) -> None:
    world = new_world(live)
    world.participant(country="JP", email=None)
    body = {"subject_vi": "A", "subject_en": "A", "body_vi": "B", "body_en": "B"}
    prefer = {**live.headers, "Prefer": "respond-async"}
    job = live.client.post(world.path("/mailings"), json=body, headers=prefer).json()
    worker = _worker(live, tmp_path)
    try:
        ended = wait_for(live.client, job["id"], ENDED, 60)
    finally:
        worker.stop()
    assert ended["status"] == "failed" and "body.audience" in ended["error"], ended
    assert live.outbox(world.id, kind="mailing") == []
