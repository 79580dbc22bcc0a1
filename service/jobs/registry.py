"""How a domain declares background work: tasks and periodic tasks.

A domain's ``tasks.py`` registers its functions here; the job engine (engine.py) runs
them, whichever engine it is::

    from service.jobs.registry import JobContext, periodic, task

    @task("mail.deliver", queue="mail", max_attempts=5)
    def deliver(context: JobContext) -> dict:
        ...  # context.params, context.progress(...), context.stopping()
        return {"sent": 12}  # stored as the job's result

    @periodic("mail.time_driven", every_s=60, queue="mail")
    def time_driven(context: JobContext) -> None:
        ...

A task is queued with ``enqueue(...)`` (service/jobs/engine.py) or, for a periodic one,
queued by the engine when due; it runs with a :class:`JobContext` in a worker thread.
A task's writes and its success must land together: a task that stores anything calls
``context.finish_in(session, result)`` just before its own commit, which records the
success in the same transaction only while the job is still its own (not cancelled,
not taken over by another worker) and raises :class:`JobLost` otherwise, so that the
caller's transaction rolls back. Tasks should be idempotent where they can: a job whose
worker died is run again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session


class JobLost(Exception):
    """The job was cancelled or taken over; the caller must store nothing."""


class JobCancelled(Exception):
    """Raised by a task that saw ``context.stopping()``: it stored nothing."""


@dataclass(frozen=True)
class TaskSpec:
    name: str
    function: Callable[[JobContext], Any]
    queue: str
    max_attempts: int
    # Phase -> (vi, en) messages shown with the progress.
    phases: dict[str, tuple[str, str]]
    # The parameters hold personal data (an uploaded file): dropped once the job ended.
    private_params: bool = False


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    every_s: float
    # A setting (service.core.settings.Settings) that overrides `every_s`; 0 turns it off.
    setting: str | None = None


TASKS: dict[str, TaskSpec] = {}
PERIODIC: dict[str, PeriodicSpec] = {}

# Queues of long, CPU-bound work (a solve). Every runner keeps a lane of its own free of
# them (unless told which queues to serve), so that short jobs (mail, imports, the
# engine's housekeeping) never wait minutes behind a solve.
LONG_QUEUES: frozenset[str] = frozenset({"scheduler"})


def short_queues() -> list[str]:
    """Every queue a task is registered on, but the long ones."""
    return sorted(({spec.queue for spec in TASKS.values()} | {"default"}) - LONG_QUEUES)


def task(
    name: str,
    *,
    queue: str = "default",
    max_attempts: int = 2,
    phases: dict[str, tuple[str, str]] | None = None,
    private_params: bool = False,
) -> Callable[[Callable[[JobContext], Any]], Callable[[JobContext], Any]]:
    """Register a task under `name` (the job's ``kind``). With `private_params`, the
    job's parameters are kept only until it ends (succeeded, failed or cancelled)."""

    def register(function: Callable[[JobContext], Any]) -> Callable[[JobContext], Any]:
        TASKS[name] = TaskSpec(
            name, function, queue, max_attempts, dict(phases or {}), private_params
        )
        return function

    return register


def periodic(
    name: str,
    *,
    every_s: float,
    queue: str = "default",
    setting: str | None = None,
    phases: dict[str, tuple[str, str]] | None = None,
) -> Callable[[Callable[[JobContext], Any]], Callable[[JobContext], Any]]:
    """Register a task that the engine queues every `every_s` seconds (or every `setting`
    seconds, a Settings field; 0 turns it off), one active at a time across every
    process (by its lock key ``periodic:<name>``). Its finished rows are deleted after
    an hour (engine.py), so that a task queued every few seconds leaves no heap."""

    def register(function: Callable[[JobContext], Any]) -> Callable[[JobContext], Any]:
        task(name, queue=queue, max_attempts=1, phases=phases)(function)
        PERIODIC[name] = PeriodicSpec(name, every_s, setting)
        return function

    return register


@dataclass
class JobContext:
    """What a running task sees of its job."""

    job_id: int
    kind: str
    event_id: int | None
    params: dict[str, Any]
    attempt: int
    engine: Any  # the SQLAlchemy engine, for the task's own sessions
    services: dict[str, Any]  # shared objects of the process (caches...)
    finisher: Callable[[Session, Any], None]
    phases: dict[str, tuple[str, str]] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    _progress: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    finished: bool = False

    def progress(self, phase: str, fraction: float | None = None, **extra: Any) -> None:
        """Record where the task is; the runner stores it about twice a second."""
        vi, en = self.phases.get(phase, (phase, phase))
        snapshot = {"phase": phase, "message_vi": vi, "message_en": en, **extra}
        if fraction is not None:
            snapshot["fraction"] = round(max(0.0, min(1.0, fraction)), 3)
        with self._lock:
            self._progress = snapshot

    def latest_progress(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._progress)

    def stopping(self) -> bool:
        """True once a cancel was asked for (or the job was lost): stop, store nothing."""
        return self.stop.is_set()

    def finish_in(self, session: Session, result: Any) -> None:
        """Record the success in `session`'s transaction (see the module docstring)."""
        self.finisher(session, result)
        self.finished = True
