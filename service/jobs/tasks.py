"""The job engine's own task: ``jobs.sleep``, a small job for health checks, the
throughput benchmark (benchmarks/jobs.py) and the engine's tests."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from service.jobs.registry import JobContext, task


@task("jobs.sleep", queue="default", max_attempts=2)
def sleep(context: JobContext) -> dict[str, Any]:
    """Waits `seconds` (at most 60), stopping early on a cancel; says which process ran
    it, and at which priority (the nice value of its thread)."""
    seconds = min(60.0, float(context.params.get("seconds", 0)))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not context.stopping():
        context.progress("sleeping", 1 - (deadline - time.monotonic()) / seconds)
        time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
    nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    return {"pid": os.getpid(), "attempt": context.attempt, "nice": nice}
