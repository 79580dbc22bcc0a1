"""The job engine: who runs the jobs of the job table, and where.

- PostgreSQL (production): procrastinate, a well-kept job queue that lives in the same
  PostgreSQL database (no other server to run): jobs are dispatched through its tables
  and LISTEN/NOTIFY to any number of ``meetx worker`` processes on any machine that
  reaches the database; its workers send heartbeats, and a periodic task of ours
  re-queues jobs whose lease expired (a worker killed with SIGKILL) and closes the
  procrastinate jobs of dead workers. A job is handed to procrastinate in the very
  transaction that stores it (procrastinate's SQL function for deferring, on our
  connection), so a web process dying at the commit leaves both or neither; the same
  periodic task dispatches again any queued job that procrastinate does not hold. Its
  schema is created by migration 0005.
- SQLite (no server at all, the default of ``meetx serve``): an in-process runner with
  worker threads that poll the same job table; ``meetx worker`` runs the same runner in a
  process of its own.

Either way the task code, the job table, the API and the progress are the same: the
engine only decides who calls :func:`service.jobs.runner.execute` with a job id.

Either engine runs its jobs in lanes: the `concurrency` asked for, on every queue (or on
the queues given), and, unless queues were given, one more lane on every queue but the
long ones (registry.LONG_QUEUES: the scheduler's), which also does the housekeeping, so
that mail, imports and the lease sweep never wait minutes behind a solve. The thread
that runs a job runs it below the web's priority (priority.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.core.database import utcnow
from service.core.settings import Settings
from service.jobs import service as jobs
from service.jobs.models import Job
from service.jobs.priority import lower_thread_priority
from service.jobs.registry import LONG_QUEUES, PERIODIC, TASKS, short_queues
from service.jobs.runner import execute

log = logging.getLogger("meetx.jobs")

# How often the embedded runner looks at the table for work, and how often either engine
# looks for expired leases (seconds).
POLL_S = 1.0
RECOVER_EVERY_S = 5
# How long the rows of periodic jobs (mail delivery every few seconds) are kept once ended.
PERIODIC_ROWS_KEPT = timedelta(hours=1)
# The in-process procrastinate worker: how long the app waits for it to open, and the
# longest wait between two attempts to open it again while the database is unreachable.
START_WAIT_S = 10.0
REOPEN_MAX_S = 30.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class JobEngine:
    """What every engine offers: enqueue, run in this process, run as a worker."""

    name = "base"

    def __init__(self, *, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.lease_s = settings.job_lease_s
        self.services: dict[str, Any] = {}
        self.worker = worker_name()

    # -- for the web side
    def enqueue(
        self,
        *,
        session: Session,
        kind: str,
        params: dict[str, Any],
        event_id: int | None = None,
        lock_key: str | None = None,
    ) -> tuple[Job, bool]:
        """Queue a job of task `kind` and dispatch it; with `lock_key`, an active job
        holding that key is returned instead (and False).

        The job is handed to the engine's queue in the transaction that stores it
        (:meth:`defer_in`): a process that dies around the commit leaves either both
        or neither, never a job that no worker will hear of."""
        spec = TASKS[kind]
        job, created = jobs.create_job(
            session=session,
            kind=kind,
            params=params,
            queue=spec.queue,
            event_id=event_id,
            lock_key=lock_key,
            max_attempts=spec.max_attempts,
            before_commit=lambda s, new: self.defer_in(s, [(new.id, spec.queue)]),  # type: ignore[list-item]
        )
        if created:
            self.wake()
        return job, created

    def defer_in(self, session: Session, queued: list[tuple[int, str]]) -> None:
        """Hand the jobs `queued` ((id, queue) pairs) to the engine's queue inside
        `session`'s transaction (nothing to do for an engine that polls the job table)."""

    def wake(self) -> None:
        """After a commit that queued jobs: let this process's runner look at once."""

    def dispatch(self, job_id: int, queue: str) -> None:
        """Hand a stored job to the engine's queue again, in a transaction of its own (a
        job already claimed or ended is not run twice: see runner.py)."""
        raise NotImplementedError

    def run(self, job_id: int) -> Any:
        # Whichever thread runs a job yields the CPU to the requests (see priority.py).
        lower_thread_priority(self.settings.worker_nice)
        return execute(
            job_id,
            engine=self.engine,
            worker=self.worker,
            lease_s=self.lease_s,
            services=self.services,
            idle_long=self.settings.long_jobs_idle,
        )

    def recover(self) -> list[int]:
        """Re-queue (and dispatch again, in the same transaction) the jobs whose worker
        died; delete the rows of periodic jobs that ended over an hour ago."""
        with Session(self.engine) as session:
            requeued = jobs.recover_expired(session=session, before_commit=self.defer_in)
            jobs.prune_finished(
                session=session,
                kinds=sorted(PERIODIC),
                finished_before=utcnow() - PERIODIC_ROWS_KEPT,
            )
        for job_id in requeued:
            log.warning("job %s: its worker stopped; queued again", job_id)
        if requeued:
            self.wake()
        return requeued

    def periodic_intervals(self) -> dict[str, float]:
        """Seconds between two runs of each periodic task, from its setting if it has
        one; those set to 0 are left out."""
        every = {
            name: float(getattr(self.settings, spec.setting) if spec.setting else spec.every_s)
            for name, spec in PERIODIC.items()
        }
        return {name: seconds for name, seconds in every.items() if seconds > 0}

    def enqueue_periodic(self, name: str) -> None:
        with Session(self.engine) as session:
            self.enqueue(session=session, kind=name, params={}, lock_key=f"periodic:{name}")

    # -- running
    def start(self) -> None:
        """Run jobs in this process, in the background (``meetx serve``)."""

    def stop(self) -> None:
        pass

    def close(self) -> None:
        """Release connections (after stop)."""

    def run_worker(self, *, queues: list[str] | None, concurrency: int) -> None:
        """Run jobs in the foreground until SIGTERM or SIGINT (``meetx worker``)."""
        raise NotImplementedError


class EmbeddedEngine(JobEngine):
    """Worker threads that poll the job table: no server needed (SQLite)."""

    name = "embedded"

    def __init__(
        self,
        *,
        engine: Engine,
        settings: Settings,
        threads: int = 1,
        queues: list[str] | None = None,
    ) -> None:
        super().__init__(engine=engine, settings=settings)
        self.threads = threads
        self.queues = queues
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._running: list[threading.Thread] = []

    def wake(self) -> None:
        self._wake.set()  # this process's threads look at once; others within POLL_S

    def dispatch(self, job_id: int, queue: str) -> None:
        self.wake()  # the runners poll the job table: a stored job is dispatched

    def _lanes(self) -> list[tuple[list[str] | None, frozenset[str], bool]]:
        """The runner threads: (queues, queues left out, runs the housekeeping). Unless
        told which queues to serve, one more thread than asked serves every queue but
        the long ones, and keeps the housekeeping, so neither waits behind a solve."""
        if self.queues:
            return [(self.queues, frozenset(), i == 0) for i in range(self.threads)]
        lanes = [(None, frozenset(), False) for _ in range(self.threads)]
        return [*lanes, (None, LONG_QUEUES, True)]

    def start(self) -> None:
        if self._running:
            return
        self._stopping.clear()
        for index, (queues, exclude, housekeeper) in enumerate(self._lanes()):
            thread = threading.Thread(
                target=self._loop,
                args=(queues, exclude, housekeeper),
                name=f"meetx-job-{index}",
                daemon=True,
            )
            thread.start()
            self._running.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        for thread in self._running:
            thread.join(timeout=30)
        self._running = []

    def _loop(self, queues: list[str] | None, exclude: frozenset[str], housekeeper: bool) -> None:
        next_recover = 0.0
        every = self.periodic_intervals()
        due = {name: time.monotonic() + seconds for name, seconds in every.items()}
        while not self._stopping.is_set():
            try:
                if housekeeper:
                    now = time.monotonic()
                    if now >= next_recover:
                        next_recover = now + RECOVER_EVERY_S
                        self.recover()
                    for name, at in due.items():
                        if now >= at:
                            due[name] = now + every[name]
                            self.enqueue_periodic(name)
                ran = False
                with Session(self.engine) as session:
                    candidates = jobs.next_queued(session=session, queues=queues, exclude=exclude)
                for job_id in candidates:
                    if self._stopping.is_set():
                        break
                    if self.run(job_id) is not None:
                        ran = True
                        break  # look at the table again: the oldest first
                if not ran:
                    self._wake.wait(POLL_S)
                    self._wake.clear()
            except Exception:
                log.exception("job runner: unexpected error; going on")
                self._stopping.wait(POLL_S)

    def run_worker(self, *, queues: list[str] | None, concurrency: int) -> None:
        self.threads, self.queues = concurrency, queues
        stop = threading.Event()

        def _stop(_signum: int, _frame: Any) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        self.start()
        log.info("meetx worker %s: embedded engine, %d thread(s)", self.worker, concurrency)
        stop.wait()
        self.stop()


# procrastinate's deferring function (its schema, created by migration 0005) called in
# our own transaction; `meetx.run_job` is the one procrastinate task jobs run through.
_DEFER = sa.text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY(SELECT ROW(q, 'meetx.run_job', 0, NULL, NULL, "
    "a::jsonb, NULL)::procrastinate_job_to_defer_v1 FROM unnest("
    "CAST(:queues AS text[]), CAST(:args AS text[])) AS d(q, a)))"
)
# Which of the given job ids procrastinate holds, waiting or running.
_HELD = sa.text(
    "SELECT DISTINCT (args->>'job_id')::bigint FROM procrastinate_jobs "
    "WHERE task_name = 'meetx.run_job' AND status IN ('todo', 'doing') "
    "AND (args->>'job_id')::bigint = ANY(CAST(:ids AS bigint[]))"
)


def _conninfo(database_url: str) -> str:
    """A libpq connection string from the SQLAlchemy URL."""
    return (
        sa.make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


def _cron(every_s: float) -> str:
    if every_s < 60:
        return f"* * * * * */{max(1, int(every_s))}"  # croniter: seconds come sixth
    return f"*/{max(1, int(every_s // 60))} * * * *"


class ProcrastinateEngine(JobEngine):
    """procrastinate on the service's own PostgreSQL database."""

    name = "procrastinate"

    def __init__(self, *, engine: Engine, settings: Settings) -> None:
        super().__init__(engine=engine, settings=settings)
        import procrastinate

        self.procrastinate = procrastinate
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(
                conninfo=_conninfo(settings.database_url), min_size=1, max_size=4
            )
        )
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._worker_task: asyncio.Task[Any] | None = None
        self._stopping = threading.Event()

        @self.app.task(name="meetx.run_job")
        def run_job(job_id: int) -> None:
            self.run(job_id)

        # Deferring happens in request threads, synchronously, through a pool of its own.
        self._defer_app = procrastinate.App(
            connector=procrastinate.SyncPsycopgConnector(
                conninfo=_conninfo(settings.database_url), min_size=1, max_size=4
            )
        )
        self._run_job = self._defer_app.task(name="meetx.run_job")(run_job.func)
        self._defer_lock = threading.Lock()
        self._defer_open = False

        @self.app.periodic(cron=_cron(RECOVER_EVERY_S), periodic_id="recover")
        @self.app.task(name="meetx.recover", queueing_lock="meetx.recover")
        async def recover(timestamp: int) -> None:
            await asyncio.to_thread(self.recover)
            await asyncio.to_thread(self.sweep)
            stalled = await self.app.job_manager.get_stalled_jobs(
                seconds_since_heartbeat=self.lease_s
            )
            for job in stalled:
                await self.app.job_manager.finish_job(
                    job, status=procrastinate.jobs.Status.FAILED, delete_job=False
                )

        for name, seconds in self.periodic_intervals().items():
            self._add_periodic(name, seconds)

    def _add_periodic(self, name: str, every_s: float) -> None:
        @self.app.periodic(cron=_cron(every_s), periodic_id=name)
        @self.app.task(name=f"meetx.periodic.{name}", queueing_lock=f"meetx.periodic.{name}")
        async def enqueue(timestamp: int) -> None:
            await asyncio.to_thread(self.enqueue_periodic, name)

    def defer_in(self, session: Session, queued: list[tuple[int, str]]) -> None:
        """procrastinate's own SQL function for deferring, on `session`'s connection:
        its job row (and the NOTIFY that wakes the workers) commits with ours."""
        session.execute(
            _DEFER,
            {
                "queues": [queue for _, queue in queued],
                "args": [json.dumps({"job_id": job_id}) for job_id, _ in queued],
            },
        )

    def dispatch(self, job_id: int, queue: str) -> None:
        with self._defer_lock:
            if not self._defer_open:
                self._defer_app.open()
                self._defer_open = True
        self._run_job.configure(queue=queue).defer(job_id=job_id)

    def sweep(self) -> list[int]:
        """Dispatch again the queued jobs that procrastinate does not hold (a job queued
        before dispatching was transactional, or whose procrastinate job failed without
        running it): a stored job always reaches a worker. A job dispatched twice still
        runs once (its claim is a conditional UPDATE)."""
        with Session(self.engine) as session:
            queued = jobs.queued_jobs(session=session)
            if not queued:
                return []
            held = {
                int(job_id)
                for (job_id,) in session.execute(
                    _HELD, {"ids": [job_id for job_id, _ in queued]}
                ).all()
            }
            missing = [(job_id, queue) for job_id, queue in queued if job_id not in held]
            if missing:
                self.defer_in(session, missing)
                session.commit()
        for job_id, _ in missing:
            log.warning("job %s: queued but unknown to procrastinate; dispatched again", job_id)
        return [job_id for job_id, _ in missing]

    def close(self) -> None:
        with self._defer_lock:
            if self._defer_open:
                self._defer_app.close()
                self._defer_open = False

    def _lanes(self, queues: list[str] | None, concurrency: int) -> list[dict[str, Any]]:
        """procrastinate workers to run side by side, as their options: the one asked
        for and, unless told which queues to serve, one more on every queue but the long
        ones (so mail, imports and the housekeeping never wait behind a solve)."""
        lanes = [(queues, concurrency, "")]
        if not queues:
            lanes.append((short_queues(), 1, "/short"))
        return [
            {
                "queues": lane_queues,
                "concurrency": lane_concurrency,
                "name": self.worker + suffix,
                "update_heartbeat_interval": max(1.0, self.lease_s / 3),
                "stalled_worker_timeout": self.lease_s,
                "delete_jobs": "successful",
                "install_signal_handlers": False,
            }
            for lane_queues, lane_concurrency, suffix in lanes
        ]

    async def _run_lanes(self, queues: list[str] | None, concurrency: int) -> None:
        """Run the lanes until cancelled; a cancel stops each gracefully (its running
        jobs finish first). Returns when a lane ends on its own: procrastinate stops a
        worker whose database went away (its listener fails), and one lane without the
        other would leave queues unserved."""
        lanes = [
            asyncio.ensure_future(self.app.run_worker_async(**options))
            for options in self._lanes(queues, concurrency)
        ]
        try:
            done, _ = await asyncio.wait(lanes, return_when=asyncio.FIRST_COMPLETED)
            for lane in done:
                error = None if lane.cancelled() else lane.exception()
                if error is not None:
                    raise error
        finally:
            for lane in lanes:
                lane.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)

    async def _serve(
        self,
        queues: list[str] | None,
        concurrency: int,
        *,
        opened: threading.Event | None = None,
        housekeeping: bool = False,
    ) -> None:
        """Open procrastinate and run the lanes until cancelled, and open it again,
        after a wait that doubles up to ``REOPEN_MAX_S``, whenever the database is
        unreachable or goes away: a restart or failover of PostgreSQL must not leave a
        process without its runner (procrastinate's worker stops, or its pool's opening
        times out, and used to end the process or the thread). `opened` is set after the
        first attempt, opened or not; with `housekeeping`, expired leases are recovered
        and lost dispatches swept at each opening (``meetx worker``)."""
        wait_s = 1.0
        while not self._stopping.is_set():
            try:
                async with self.app.open_async():
                    if opened is not None:
                        opened.set()
                    if housekeeping:
                        await asyncio.to_thread(self.recover)  # jobs of workers that died
                        await asyncio.to_thread(self.sweep)
                    wait_s = 1.0
                    await self._run_lanes(queues, concurrency)
                reason = "its worker stopped"
            except Exception as error:  # the database is unreachable or went away
                reason = f"{type(error).__name__}: {error}".strip()
            finally:
                # A pool whose opening failed or was cut: the next attempt opens a fresh
                # one (procrastinate keeps a failed pool as if it were open).
                with contextlib.suppress(Exception):
                    await self.app.connector.close_async()
            if opened is not None:
                opened.set()
            if self._stopping.is_set():
                return
            log.warning("job runner: procrastinate stopped (%s); opening again in %.0f s",
                        reason, wait_s)  # fmt: skip
            await asyncio.sleep(wait_s)
            wait_s = min(wait_s * 2, REOPEN_MAX_S)

    def start(self) -> None:
        """A procrastinate worker on a thread of its own, with its own event loop, that
        outlives the database going away (:meth:`_serve`). The app waits for the first
        attempt to open at most ``START_WAIT_S``: jobs queued before the worker listens
        are fetched when it does."""
        if self._thread is not None:
            return
        opened = threading.Event()
        self._stopping.clear()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)

            async def main() -> None:
                # Set before _serve looks at _stopping: a stop() from now on cancels it.
                self._worker_task = asyncio.current_task()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._serve(None, self.settings.job_threads, opened=opened)

            try:
                loop.run_until_complete(main())
            finally:
                opened.set()
                _finish_tasks(loop)
                loop.close()

        self._thread = threading.Thread(target=serve, name="meetx-procrastinate", daemon=True)
        self._thread.start()
        opened.wait(timeout=START_WAIT_S)

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        loop, task = self._loop, self._worker_task
        if loop is not None and task is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(task.cancel)
        self._thread.join(timeout=30)
        self._thread = None

    def run_worker(self, *, queues: list[str] | None, concurrency: int) -> None:
        async def main() -> None:
            task = asyncio.current_task()
            assert task is not None
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, task.cancel)
            with contextlib.suppress(asyncio.CancelledError):
                await self._serve(queues, concurrency, housekeeping=True)

        asyncio.run(main())


def _finish_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is left on `loop` (a pool's background tasks) and let it end."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def make_job_engine(settings: Settings, engine: Engine) -> JobEngine:
    """The engine for this database: procrastinate on PostgreSQL, embedded on SQLite
    (``MEETX_JOB_ENGINE`` chooses explicitly)."""
    choice = settings.job_engine
    if choice == "auto":
        choice = "procrastinate" if engine.dialect.name == "postgresql" else "embedded"
    if choice == "procrastinate":
        return ProcrastinateEngine(engine=engine, settings=settings)
    return EmbeddedEngine(engine=engine, settings=settings, threads=settings.job_threads)
