"""Watching a solve from outside: progress reports and a stop request.

A schedule of a large day takes a minute or two; whoever waits for it (a background job
of the service) wants to see how far it is and to stop it. :func:`watching` wraps one
solve: it reports the phase, the share of the time budget spent and, while CP-SAT
searches, the best objective and bound, from a watcher thread at a steady pace (the
searches themselves are never slowed by the reporting), and it polls ``should_stop``.
A stop interrupts the running CP-SAT search at once (``stop_search``); between searches
(model building takes seconds on a large day) the solving thread is interrupted at its
next Python instruction with CPython's asynchronous exception. Either way the solve
raises :class:`SolveStopped` well within a second: a stopped solve returns no schedule.

The library stays free of any service code: the callbacks are plain callables, and
without them a solve runs exactly as before.
"""

from __future__ import annotations

import contextvars
import ctypes
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

# How often the watcher thread polls the stop request and reports (seconds).
POLL_S = 0.1
REPORT_S = 0.5


class SolveStopped(Exception):
    """The solve was asked to stop; it returns no schedule."""


@dataclass(frozen=True)
class Progress:
    """A snapshot of a running solve."""

    phase: str  # building | required | filling | breaks | done
    fraction: float  # share of the time budget spent, 0..1
    elapsed_s: float
    objective: float | None = None  # the running CP-SAT search's best objective
    bound: float | None = None  # and its best proven bound


ProgressCallback = Callable[[Progress], None]
StopCallback = Callable[[], bool]


class _Watch:
    def __init__(
        self, progress: ProgressCallback | None, should_stop: StopCallback | None, limit_s: float
    ) -> None:
        self.progress = progress
        self.should_stop = should_stop
        self.limit_s = max(limit_s, 1e-3)
        self.start = time.perf_counter()
        self.phase = "building"
        self.objective: float | None = None
        self.bound: float | None = None
        self.stopped = False
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._active: cp_model.CpSolver | None = None
        self._solving_thread = threading.get_ident()

    # -- from the solving thread
    def enter_phase(self, phase: str) -> None:
        self.phase = phase
        self.check()

    def check(self) -> None:
        if self.stopped:
            raise SolveStopped

    def searching(self, solver: cp_model.CpSolver | None, *, follow: bool = True) -> None:
        with self._lock:
            self._active = solver
            if solver is None:
                return
            if follow:
                self.objective = self.bound = None
        if self.stopped:
            solver.stop_search()

    # -- from CP-SAT's callbacks
    def on_objective(self, value: float) -> None:
        self.objective = value

    def on_bound(self, value: float) -> None:
        self.bound = value

    # -- the watcher thread
    def snapshot(self) -> Progress:
        elapsed = time.perf_counter() - self.start
        return Progress(
            phase=self.phase,
            fraction=round(min(0.99, elapsed / self.limit_s), 3),
            elapsed_s=round(elapsed, 3),
            objective=self.objective,
            bound=self.bound,
        )

    def _interrupt(self) -> None:
        """Raise SolveStopped in the solving thread at its next Python instruction."""
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(self._solving_thread), ctypes.py_object(SolveStopped)
        )

    def run(self) -> None:
        last_report = 0.0
        while not self.done.wait(POLL_S):
            if not self.stopped and self.should_stop is not None and self.should_stop():
                self.stopped = True
                with self._lock:
                    if self._active is not None:
                        self._active.stop_search()
                    else:
                        self._interrupt()
            now = time.perf_counter()
            if self.progress is not None and now - last_report >= REPORT_S:
                last_report = now
                self.progress(self.snapshot())


_CURRENT: contextvars.ContextVar[_Watch | None] = contextvars.ContextVar(
    "meetx_scheduler_watch", default=None
)


@contextmanager
def watching(
    progress: ProgressCallback | None, should_stop: StopCallback | None, time_limit_s: float
) -> Iterator[_Watch | None]:
    """Watch the solve run inside the block (nothing at all when both callbacks are None)."""
    if progress is None and should_stop is None:
        yield None
        return
    watch = _Watch(progress, should_stop, time_limit_s)
    token = _CURRENT.set(watch)
    thread = threading.Thread(target=watch.run, name="scheduler-watch", daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        watch.done.set()
        thread.join()
        _CURRENT.reset(token)
    watch.check()
    if progress is not None:
        progress(
            Progress(
                phase="done",
                fraction=1.0,
                elapsed_s=round(time.perf_counter() - watch.start, 3),
                objective=watch.objective,
                bound=watch.bound,
            )
        )


def enter_phase(phase: str) -> None:
    """Mark the start of a phase of the current solve (and stop here if asked to)."""
    watch = _CURRENT.get()
    if watch is not None:
        watch.enter_phase(phase)


class _Objective(cp_model.CpSolverSolutionCallback):
    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self._watch = watch

    def on_solution_callback(self) -> None:
        self._watch.on_objective(self.objective_value)


class WatchedSolver(cp_model.CpSolver):
    """A CpSolver that the current watch can follow and stop; a plain CpSolver otherwise.

    `follow=False` (the small searches of a neighbourhood step) keeps its objective and
    bound out of the reports, where they would pass for the whole day's."""

    def __init__(self, *, follow: bool = True) -> None:
        super().__init__()
        self._follow = follow

    def solve(  # type: ignore[override]
        self, model: cp_model.CpModel, solution_callback: Any = None
    ) -> Any:
        watch = _CURRENT.get()
        if watch is None:
            return super().solve(model, solution_callback)
        watch.check()
        if self._follow and model.has_objective():
            self.best_bound_callback = watch.on_bound
            if solution_callback is None:
                solution_callback = _Objective(watch)
        watch.searching(self, follow=self._follow)
        try:
            status = super().solve(model, solution_callback)
        finally:
            watch.searching(None)
        watch.check()
        return status
