"""Jobs and mail delivery leave the data version alone (migration 0011): the agenda and
feed caches keep their answers while jobs run, and a meeting write still raises it."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.changes.service import current_version
from service.core.database import utcnow
from service.jobs import service as jobs
from service.jobs.models import JobStatus
from service.notifications.delivery import claim
from tests.service.builders import EventBuilder


def test_a_jobs_writes_leave_the_version_while_a_meeting_write_raises_it(
    client: TestClient, admin_headers: dict, db: Session
) -> None:
    ev = EventBuilder.new(client, admin_headers)
    ev.session(tables=2)
    ev.accepted(ev.host(), ev.guest())
    before = current_version(session=db)

    job, created = jobs.create_job(
        session=db, kind="jobs.sleep", params={}, event_id=ev.id, lock_key=f"test:{ev.id}"
    )
    assert created
    assert jobs.claim_job(session=db, job_id=job.id, worker="w1", lease_s=0.01) is not None
    for step in range(3):
        beat = jobs.heartbeat(
            session=db,
            job_id=job.id,
            worker="w1",
            lease_s=0.01,
            progress={"phase": "sleeping", "fraction": step / 3},
        )
        assert beat.held
    # Its lease runs out: queued again, claimed by another worker, finished there.
    db.execute(sa.text("UPDATE job SET lease_until = :t"), {"t": utcnow() - timedelta(seconds=1)})
    assert jobs.recover_expired(session=db) == [job.id]
    assert jobs.claim_job(session=db, job_id=job.id, worker="w2", lease_s=30) is not None
    assert jobs.finish_job(
        session=db, job_id=job.id, worker="w2", status=JobStatus.succeeded, result={"ok": 1}
    )
    db.commit()
    second, _ = jobs.create_job(session=db, kind="jobs.sleep", params={})
    jobs.request_cancel(session=db, job_id=second.id)
    # Mail delivery's claims (here: nothing due) are bookkeeping too.
    assert claim(db, now=utcnow(), limit=10, token="t") == []
    assert current_version(session=db) == before, "job and delivery writes raised it"

    answer = client.post(ev.path("/schedule"), json={}, headers=admin_headers)
    assert answer.status_code == 200 and answer.json()["placed"] == 1
    assert current_version(session=db) > before, "a meeting write raises it"
