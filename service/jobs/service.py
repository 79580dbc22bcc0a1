"""Queries of the job table (the only module that reads or writes it).

Every state change is one conditional UPDATE, so concurrent web processes and workers
agree without locks held in Python: see models.py for the rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, func, select

from service.core.database import utcnow
from service.core.errors import conflict, not_found
from service.jobs.models import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    Job,
    JobProgress,
    JobRead,
    JobStatus,
)
from service.jobs.registry import TASKS

# What a job says before it runs and after it ends, when its task said nothing more.
STATUS_MESSAGES: dict[JobStatus, tuple[str, str]] = {
    JobStatus.queued: ("Đang chờ đến lượt", "Waiting in the queue"),
    JobStatus.running: ("Đang chạy", "Running"),
    JobStatus.succeeded: ("Đã xong", "Done"),
    JobStatus.failed: ("Thất bại", "Failed"),
    JobStatus.cancelled: ("Đã hủy", "Cancelled"),
}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _params_once_ended() -> sa.ColumnElement[str]:
    """A job's parameters as they are kept once it ended: emptied for the tasks whose
    parameters are private (registry.task(private_params=True))."""
    private = sorted(name for name, spec in TASKS.items() if spec.private_params)
    if not private:
        return Job.params  # type: ignore[return-value]
    return sa.case((Job.kind.in_(private), "{}"), else_=Job.params)  # type: ignore[attr-defined]


# Called with the session and the new job just before the commit that stores it.
BeforeCommit = Callable[[Session, Job], None]


def create_job(
    *,
    session: Session,
    kind: str,
    params: dict[str, Any],
    queue: str = "default",
    event_id: int | None = None,
    lock_key: str | None = None,
    max_attempts: int = 2,
    before_commit: BeforeCommit | None = None,
) -> tuple[Job, bool]:
    """A new queued job, committed; or, when an active job holds `lock_key`, that job
    (and False). The partial UNIQUE index decides, so two racing requests get one job.

    `before_commit` runs in the transaction that stores the job (the engine hands the
    job to its queue there), so the job is stored and dispatched together or not at all.
    """
    job = Job(
        kind=kind,
        queue=queue,
        event_id=event_id,
        lock_key=lock_key,
        params=_dumps(params),
        max_attempts=max_attempts,
    )
    session.add(job)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
        existing = active_job(session=session, lock_key=lock_key) if lock_key else None
        if existing is None:
            raise
        return existing, False
    try:
        if before_commit is not None:
            before_commit(session, job)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return job, True


def active_job(*, session: Session, lock_key: str) -> Job | None:
    return session.exec(
        select(Job).where(Job.lock_key == lock_key, Job.status.in_(ACTIVE_STATUSES))  # type: ignore[attr-defined]
    ).first()


def get_job(*, session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id, populate_existing=True)
    if job is None:
        raise not_found("job")
    return job


def list_jobs(
    *, session: Session, event_id: int, limit: int, offset: int, kind: str | None = None
) -> tuple[list[Job], int]:
    where = [Job.event_id == event_id]
    if kind is not None:
        where.append(Job.kind == kind)
    total = session.exec(select(func.count()).select_from(Job).where(*where)).one()
    rows = session.exec(
        select(Job).where(*where).order_by(Job.id.desc()).limit(limit).offset(offset)  # type: ignore[union-attr]
    ).all()
    return list(rows), int(total)


def job_read(job: Job) -> JobRead:
    progress = json.loads(job.progress) if job.progress else {}
    vi, en = STATUS_MESSAGES[JobStatus(job.status)]
    if job.status != JobStatus.running or not progress:
        # A finished job says how it ended; its last phase stays for the curious.
        progress = {**progress, "message_vi": vi, "message_en": en}
        progress.setdefault("phase", str(job.status))
        if job.status == JobStatus.succeeded:
            progress["fraction"] = 1.0
    result = json.loads(job.result) if job.result else None
    if isinstance(result, dict):
        # Keys starting with "_" are for the pages that read them back, not the API.
        result = {key: value for key, value in result.items() if not key.startswith("_")}
    return JobRead(
        id=job.id,  # type: ignore[arg-type]
        kind=job.kind,
        event_id=job.event_id,
        status=JobStatus(job.status),
        progress=JobProgress.model_validate(progress),
        result=result,
        error=job.error,
        attempts=job.attempts,
        cancel_requested=job.cancel_requested,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def request_cancel(*, session: Session, job_id: int) -> Job:
    """A queued job is cancelled at once; a running one is asked to stop (its worker sees
    the flag within a second and stores nothing). A finished job answers 409."""
    now = utcnow()
    queued = session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.queued)  # type: ignore[arg-type]
        .values(
            status=JobStatus.cancelled,
            cancel_requested=True,
            finished_at=now,
            params=_params_once_ended(),
        )
    )
    changed = queued.rowcount  # type: ignore[attr-defined]
    if changed == 0:
        changed = session.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.running)  # type: ignore[arg-type]
            .values(cancel_requested=True)
        ).rowcount  # type: ignore[attr-defined]
    session.commit()
    job = get_job(session=session, job_id=job_id)
    if not changed:
        raise conflict(f"the job has already ended ({job.status})", field="job_id")
    return job


# -- the workers' side ----------------------------------------------------------------------
def claim_job(*, session: Session, job_id: int, worker: str, lease_s: float) -> Job | None:
    """Take a queued job for `worker`; None when someone else has it or it is not queued."""
    now = utcnow()
    claimed = session.execute(
        sa.update(Job)
        .where(
            Job.id == job_id,  # type: ignore[arg-type]
            Job.status == JobStatus.queued,  # type: ignore[arg-type]
            Job.cancel_requested.is_(False),  # type: ignore[attr-defined]
        )
        .values(
            status=JobStatus.running,
            worker=worker,
            attempts=Job.attempts + 1,
            lease_until=now + timedelta(seconds=lease_s),
            started_at=sa.func.coalesce(Job.started_at, now),
        )
    )
    session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return get_job(session=session, job_id=job_id)


def queued_jobs(*, session: Session, limit: int = 500) -> list[tuple[int, str]]:
    """The oldest queued jobs as (id, queue), for an engine that checks each was handed
    to its queue."""
    rows = session.exec(
        select(Job.id, Job.queue)
        .where(Job.status == JobStatus.queued)
        .order_by(Job.id)  # type: ignore[arg-type]
        .limit(limit)
    ).all()
    return [(int(job_id), queue) for job_id, queue in rows if job_id is not None]


def next_queued(
    *,
    session: Session,
    queues: list[str] | None,
    exclude: frozenset[str] | None = None,
    limit: int = 20,
) -> list[int]:
    """The oldest queued jobs (ids) of `queues` (all when None) but those of `exclude`,
    for a runner that polls the table."""
    query = select(Job.id).where(Job.status == JobStatus.queued)
    if queues:
        query = query.where(Job.queue.in_(queues))  # type: ignore[attr-defined]
    if exclude:
        query = query.where(Job.queue.not_in(sorted(exclude)))  # type: ignore[attr-defined]
    ids = session.exec(query.order_by(Job.id).limit(limit)).all()  # type: ignore[arg-type]
    session.rollback()
    return [int(i) for i in ids if i is not None]


@dataclass(frozen=True)
class Beat:
    held: bool  # the claim is still ours
    cancel_requested: bool


def heartbeat(
    *, session: Session, job_id: int, worker: str, lease_s: float, progress: dict[str, Any] | None
) -> Beat:
    """Renew the lease (and store the progress) while the claim is still ours."""
    values: dict[str, Any] = {"lease_until": utcnow() + timedelta(seconds=lease_s)}
    if progress is not None:
        values["progress"] = _dumps(progress)
    renewed = session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.worker == worker, Job.status == JobStatus.running)  # type: ignore[arg-type]
        .values(**values)
    )
    cancel = session.exec(select(Job.cancel_requested).where(Job.id == job_id)).first()
    session.commit()
    return Beat(held=renewed.rowcount == 1, cancel_requested=bool(cancel))  # type: ignore[attr-defined]


def finish_job(
    *,
    session: Session,
    job_id: int,
    worker: str,
    status: JobStatus,
    result: Any = None,
    error: str | None = None,
    progress: dict[str, Any] | None = None,
) -> bool:
    """Store how the job ended, in the caller's transaction (not committed here).

    False when the claim is no longer ours (the lease expired and another worker took
    it, or the job was cancelled before a success): the caller then rolls back.
    """
    where = [Job.id == job_id, Job.worker == worker, Job.status == JobStatus.running]
    if status == JobStatus.succeeded:
        where.append(Job.cancel_requested.is_(False))  # type: ignore[attr-defined]
    values: dict[str, Any] = {
        "status": status,
        "finished_at": utcnow(),
        "lease_until": None,
        "result": None if result is None else _dumps(result),
        "error": error,
        "params": _params_once_ended(),
    }
    if progress is not None:
        values["progress"] = _dumps(progress)
    done = session.execute(sa.update(Job).where(*where).values(**values))  # type: ignore[arg-type]
    return done.rowcount == 1  # type: ignore[attr-defined]


def recover_expired(
    *,
    session: Session,
    before_commit: Callable[[Session, list[tuple[int, str]]], None] | None = None,
) -> list[int]:
    """Jobs whose worker stopped renewing its lease (killed, machine lost): back to the
    queue while attempts remain, else failed with the reason. Returns the re-queued ids;
    `before_commit` hears them, with their queues, in the transaction that re-queues
    them (the engine dispatches them there)."""
    now = utcnow()
    expired = session.exec(
        select(Job.id, Job.attempts, Job.max_attempts, Job.worker, Job.cancel_requested).where(
            Job.status == JobStatus.running,
            Job.lease_until < now,  # type: ignore[operator]
        )
    ).all()
    requeued: list[tuple[int, str]] = []
    for job_id, attempts, max_attempts, worker, cancel in expired:
        stale = [
            Job.id == job_id,
            Job.status == JobStatus.running,
            Job.worker == worker,
            Job.lease_until < now,  # type: ignore[operator]
        ]
        lost = f"the worker running it ({worker}) stopped answering"
        if attempts < max_attempts and not cancel:
            done = session.execute(
                sa.update(Job)
                .where(*stale)  # type: ignore[arg-type]
                .values(status=JobStatus.queued, worker=None, lease_until=None, error=lost)
                .returning(Job.queue)
            ).first()
            if done is not None:
                requeued.append((int(job_id), str(done[0])))
        else:
            session.execute(
                sa.update(Job)
                .where(*stale)  # type: ignore[arg-type]
                .values(
                    status=JobStatus.cancelled if cancel else JobStatus.failed,
                    error=None if cancel else f"{lost} after {attempts} attempt(s)",
                    finished_at=now,
                    lease_until=None,
                    params=_params_once_ended(),
                )
            )
    if requeued and before_commit is not None:
        before_commit(session, requeued)
    session.commit()
    return [job_id for job_id, _ in requeued]


def take_from_result(*, session: Session, job_id: int, key: str) -> Any | None:
    """The value of `key` in a succeeded job's result, removed from it in the same
    transaction (committed): whoever asks first gets it, later askers get None."""
    job = get_job(session=session, job_id=job_id)
    result = json.loads(job.result) if job.result else None
    if job.status != JobStatus.succeeded or not isinstance(result, dict) or key not in result:
        session.rollback()
        return None
    value = result.pop(key)
    taken = session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.result == job.result)  # type: ignore[arg-type]
        .values(result=_dumps(result))
    )
    session.commit()
    return value if taken.rowcount == 1 else None  # type: ignore[attr-defined]


def prune_finished(*, session: Session, kinds: list[str], finished_before: datetime) -> int:
    """Delete the ended jobs of `kinds` (the periodic ones) that ended before the given
    time; commits. Returns how many went."""
    if not kinds:
        return 0
    gone = session.execute(
        sa.delete(Job).where(
            Job.kind.in_(kinds),  # type: ignore[attr-defined]
            Job.status.in_(FINISHED_STATUSES),  # type: ignore[attr-defined]
            Job.finished_at < finished_before,  # type: ignore[operator]
        )
    )
    session.commit()
    return int(gone.rowcount)  # type: ignore[attr-defined]


def job_params(job: Job) -> dict[str, Any]:
    return json.loads(job.params)
