"""Periodic jobs: their interval from the settings, and their ended rows pruned."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from service.core.database import utcnow
from service.core.settings import Settings
from service.jobs import service as jobs
from service.jobs.engine import EmbeddedEngine
from service.jobs.models import JobStatus
from service.main import make_jobs


def test_intervals_come_from_the_settings_and_zero_turns_one_off() -> None:
    engine = sa.create_engine("sqlite://")
    every = make_jobs(Settings(database_url="sqlite://"), engine).periodic_intervals()
    assert every["mail.deliver"] == 5 and every["mail.time_driven"] == 60
    quiet = EmbeddedEngine(
        engine=engine, settings=Settings(database_url="sqlite://", mail_deliver_interval_s=0)
    )
    assert "mail.deliver" not in quiet.periodic_intervals()
    assert "mail.time_driven" in quiet.periodic_intervals()


def test_only_ended_periodic_rows_past_the_hour_are_pruned(db: Session) -> None:
    def job(kind: str, status: JobStatus, ended_ago: timedelta | None) -> int:
        row, _ = jobs.create_job(session=db, kind=kind, params={})
        db.execute(
            sa.text("UPDATE job SET status = :s, finished_at = :t WHERE id = :id"),
            {
                "s": status.value,
                "t": None if ended_ago is None else utcnow() - ended_ago,
                "id": row.id,
            },
        )
        return row.id  # type: ignore[return-value]

    old = job("mail.deliver", JobStatus.succeeded, timedelta(hours=2))
    recent = job("mail.deliver", JobStatus.succeeded, timedelta(minutes=5))
    running = job("mail.deliver", JobStatus.running, None)
    other = job("schedule", JobStatus.succeeded, timedelta(hours=2))
    gone = jobs.prune_finished(
        session=db, kinds=["mail.deliver"], finished_before=utcnow() - timedelta(hours=1)
    )
    assert gone == 1
    left = set(db.execute(sa.text("SELECT id FROM job")).scalars())
    assert old not in left and {recent, running, other} <= left
