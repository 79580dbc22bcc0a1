"""Running one job: claim it, keep its lease and progress fresh, store how it ended.

Whichever engine dispatched the job calls :func:`execute` with the job's id. The claim,
the heartbeat and the final write are conditional updates of the job table (see
models.py), so a job dispatched twice, or retried while its first worker still lives,
runs its task at most once at a time and stores its result once.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.jobs import service as jobs
from service.jobs.models import JobStatus
from service.jobs.priority import idle_thread
from service.jobs.registry import LONG_QUEUES, TASKS, JobCancelled, JobContext, JobLost, TaskSpec

log = logging.getLogger("meetx.jobs")

# The heartbeat stores the progress and reads the cancel flag this often (seconds).
HEARTBEAT_S = 0.5


def execute(
    job_id: int,
    *,
    engine: Engine,
    worker: str,
    lease_s: float,
    services: dict[str, Any] | None = None,
    idle_long: bool = False,
) -> JobStatus | None:
    """Run job `job_id` if it can be claimed; returns how it ended (None: not claimed).

    With `idle_long`, a task of a long queue runs in a thread of its own under
    ``SCHED_IDLE`` (see priority.py); the heartbeat keeps this thread's priority."""
    with Session(engine, expire_on_commit=False) as session:
        job = jobs.claim_job(session=session, job_id=job_id, worker=worker, lease_s=lease_s)
    if job is None:
        return None
    spec = TASKS.get(job.kind)

    def finisher(session: Session, result: Any) -> None:
        if not jobs.finish_job(
            session=session,
            job_id=job_id,
            worker=worker,
            status=JobStatus.succeeded,
            result=result,
            progress=_final(context),
        ):
            raise JobLost(f"job {job_id} was cancelled or taken over")

    context = JobContext(
        job_id=job_id,
        kind=job.kind,
        event_id=job.event_id,
        params=jobs.job_params(job),
        attempt=job.attempts,
        engine=engine,
        services=services or {},
        finisher=finisher,
        phases=spec.phases if spec else {},
    )
    context.progress("running")
    beating = threading.Event()
    heart = threading.Thread(
        target=_heartbeat,
        args=(engine, context, worker, lease_s, beating),
        name=f"job-{job_id}-heartbeat",
        daemon=True,
    )
    heart.start()
    status = JobStatus.failed
    result: Any = None
    error: str | None = None
    try:
        if spec is None:
            raise LookupError(f"no task named {job.kind!r} in this process")
        if idle_long and spec.queue in LONG_QUEUES:
            result = _run_idle(spec, context)
        else:
            result = spec.function(context)
        status = JobStatus.succeeded
    except (JobCancelled, JobLost):
        status = JobStatus.cancelled
    except Exception as exc:
        if context.stopping():
            status = JobStatus.cancelled
        else:
            log.exception("job %s (%s) failed", job_id, job.kind)
            error = f"{type(exc).__name__}: {exc}"[:2000]
    finally:
        beating.set()
        heart.join()
    if status == JobStatus.succeeded and context.finished:
        return status
    with Session(engine) as session:
        try:
            stored = jobs.finish_job(
                session=session,
                job_id=job_id,
                worker=worker,
                status=status,
                result=result if status == JobStatus.succeeded else None,
                error=error,
                progress=_final(context),
            )
            if not stored and status == JobStatus.succeeded:
                # Cancelled meanwhile: a task that stores nothing itself ends cancelled.
                stored = jobs.finish_job(
                    session=session,
                    job_id=job_id,
                    worker=worker,
                    status=JobStatus.cancelled,
                    progress=_final(context),
                )
                status = JobStatus.cancelled
            session.commit()
        except Exception:
            session.rollback()
            raise
    return status if stored else None


def _run_idle(spec: TaskSpec, context: JobContext) -> Any:
    """`spec.function(context)` in a thread made for it, under ``SCHED_IDLE``: the policy
    is one way for an unprivileged thread, so it ends with the thread (priority.py)."""
    outcome: dict[str, Any] = {}

    def work() -> None:
        idle_thread()
        try:
            outcome["result"] = spec.function(context)
        except BaseException as exc:  # re-raised in the job's own thread below
            outcome["error"] = exc

    thread = threading.Thread(target=work, name=f"job-{context.job_id}-work", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


def _final(context: JobContext) -> dict[str, Any]:
    progress = context.latest_progress()
    progress.pop("fraction", None)
    return progress


def _heartbeat(
    engine: Engine, context: JobContext, worker: str, lease_s: float, done: threading.Event
) -> None:
    last: dict[str, Any] | None = None
    started = time.perf_counter()
    while not done.wait(HEARTBEAT_S):
        progress = context.latest_progress()
        progress.setdefault("elapsed_s", round(time.perf_counter() - started, 1))
        try:
            with Session(engine) as session:
                beat = jobs.heartbeat(
                    session=session,
                    job_id=context.job_id,
                    worker=worker,
                    lease_s=lease_s,
                    progress=progress if progress != last else None,
                )
            last = progress
        except Exception:  # a database hiccup: the next beat tries again
            log.warning("job %s: heartbeat failed", context.job_id, exc_info=True)
            continue
        if beat.cancel_requested or not beat.held:
            context.stop.set()
