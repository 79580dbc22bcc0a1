"""The MeetX job table: what the API and the dashboard read about background work.

The job engine (procrastinate on PostgreSQL, an in-process runner on SQLite; see
engine.py) only dispatches and retries; this table is the record: status, progress,
result, error and attempts. The database settles every race on it:
- a partial UNIQUE index on ``lock_key`` over the active rows (queued or running) lets
  only one active job hold a key: one scheduler run per event at a time;
- a worker runs a job only after a conditional UPDATE claimed it (queued -> running,
  with its name and a lease); it stores the result only with a conditional UPDATE that
  still finds its claim, in the same transaction as the job's own writes, so a result is
  stored once even when two workers race, and never after a cancel;
- a lease that is not renewed (a worker killed with SIGKILL) expires: the job goes back
  to the queue while attempts remain, else ends ``failed`` with the reason.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from service.core.database import UTCDateTime, utcnow


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


ACTIVE_STATUSES = (JobStatus.queued, JobStatus.running)
FINISHED_STATUSES = (JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled)
_ACTIVE_SQL = sa.text("status IN ('queued', 'running')")


class Job(SQLModel, table=True):
    __tablename__ = "job"
    __table_args__ = (
        sa.Index(
            "uq_job_active_lock",
            "lock_key",
            unique=True,
            sqlite_where=_ACTIVE_SQL,
            postgresql_where=_ACTIVE_SQL,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64, index=True, description="The task's name, e.g. 'schedule'")
    queue: str = Field(max_length=64, default="default")
    event_id: int | None = Field(
        default=None, foreign_key="event.id", index=True, ondelete="CASCADE"
    )
    lock_key: str | None = Field(
        default=None, max_length=200, description="At most one active job per key"
    )
    status: JobStatus = Field(
        default=JobStatus.queued,
        sa_column=sa.Column(
            sa.Enum(JobStatus, native_enum=False, length=16), nullable=False, index=True
        ),
    )
    params: str = Field(default="{}", sa_type=sa.Text, description="The task's arguments (JSON)")
    progress: str | None = Field(default=None, sa_type=sa.Text, description="JSON")
    result: str | None = Field(default=None, sa_type=sa.Text, description="JSON")
    error: str | None = Field(default=None, sa_type=sa.Text)
    attempts: int = 0
    max_attempts: int = 2
    cancel_requested: bool = False
    worker: str | None = Field(default=None, max_length=200, description="Who holds the lease")
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class JobProgress(BaseModel):
    phase: str
    fraction: float | None = None
    message_vi: str
    message_en: str
    objective: float | None = None
    bound: float | None = None
    elapsed_s: float | None = None


class JobRead(BaseModel):
    """A job as the API shows it (CONTRACT.md, "Background jobs")."""

    id: int
    kind: str
    event_id: int | None
    status: JobStatus
    progress: JobProgress
    result: dict[str, Any] | None = None
    error: str | None = None
    attempts: int
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
