"""Background work runs at a lower priority than the requests (service/jobs/priority.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from service.jobs.priority import lower_thread_priority

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="per-thread priorities are Linux's"
)


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_a_job_thread_is_lowered_alone_and_its_own_threads_follow() -> None:
    before = _nice()
    seen: dict[str, int] = {}

    def job() -> None:
        assert lower_thread_priority(before + 5)
        assert lower_thread_priority(before + 2), "never raised back"
        seen["job"] = _nice()
        child = threading.Thread(target=lambda: seen.setdefault("child", _nice()))
        child.start()
        child.join()

    thread = threading.Thread(target=job)
    thread.start()
    thread.join()
    assert seen == {"job": before + 5, "child": before + 5}
    assert _nice() == before, "the calling thread (a request's) keeps its priority"


def test_zero_leaves_the_priority_alone() -> None:
    seen: list[tuple[bool, int]] = []
    thread = threading.Thread(target=lambda: seen.append((lower_thread_priority(0), _nice())))
    thread.start()
    thread.join()
    assert seen == [(False, _nice())]


def test_a_worker_lowers_every_thread_it_has_and_starts() -> None:
    script = (
        "import os, threading\n"
        "from service.jobs.priority import lower_process_priority\n"
        "before = threading.Event()\n"
        "early = threading.Thread(target=before.wait, daemon=True)\n"
        "early.start()\n"
        "assert lower_process_priority(os.nice(0) + 4)\n"
        "seen = []\n"
        "late = threading.Thread(target=lambda: seen.append(os.nice(0)))\n"
        "late.start()\n"
        "late.join()\n"
        "def nice_of(tid):\n"
        "    try:\n"
        "        return [os.getpriority(os.PRIO_PROCESS, int(tid))]\n"
        "    except ProcessLookupError:\n"
        "        return []  # a thread that ended between the listing and the look\n"
        "tasks = [n for t in os.listdir('/proc/self/task') for n in nice_of(t)]\n"
        "print(sorted(set(tasks + seen)))\n"
        "before.set()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"[{os.nice(0) + 4}]", done.stderr


@pytest.mark.skipif(
    not os.path.exists("/proc/self/autogroup"), reason="no session groups on this kernel"
)
@pytest.mark.parametrize(("group_nice", "expected"), [(None, 4), (19, 19)])
def test_a_worker_leading_its_session_lowers_the_sessions_group(
    group_nice: int | None, expected: int
) -> None:
    """SCHED_IDLE counts only within a group: a worker whose solves run idle puts its
    session's group at the lowest weight, else at its own nice value."""
    script = (
        "from pathlib import Path\n"
        "from service.jobs.priority import lower_process_priority\n"
        f"lower_process_priority(4, group_nice={group_nice})\n"
        "print(Path('/proc/self/autogroup').read_text().split()[-1])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,  # as a supervisor starts it: a session, and a group, of its own
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(expected), done.stderr


def _policies(seen: dict[str, object]) -> None:
    """Records the policy of the running task's thread and of its job's heartbeat."""
    seen["work"] = os.sched_getscheduler(threading.get_native_id())
    hearts = [t for t in threading.enumerate() if t.name.endswith("-heartbeat")]
    seen["heartbeat"] = [os.sched_getscheduler(t.native_id) for t in hearts if t.native_id]


@pytest.mark.parametrize(("queue", "idle"), [("scheduler", True), ("default", False)])
def test_a_long_job_works_under_sched_idle_and_its_heartbeat_does_not(
    queue: str, idle: bool, tmp_path
) -> None:
    from sqlmodel import Session

    from service.core.dependencies import shared_objects
    from service.jobs.engine import JobEngine
    from service.jobs.registry import TASKS, task
    from service.jobs.runner import execute
    from tests.service.jobs.world import database_url, web

    seen: dict[str, object] = {}
    name = f"tests.policy_{queue}"
    task(name, queue=queue, max_attempts=1)(lambda context: _policies(seen) or {"ok": 1})
    caller = threading.get_native_id()
    try:
        with database_url("sqlite", tmp_path) as url, web(url, run_jobs=False) as client:
            engine = shared_objects(client.app).get(JobEngine)
            with Session(engine.engine, expire_on_commit=False) as session:
                job, _ = engine.enqueue(session=session, kind=name, params={})
            status = execute(
                job.id, engine=engine.engine, worker="test", lease_s=30, idle_long=True
            )
    finally:
        TASKS.pop(name, None)
    assert status is not None and status.value == "succeeded"
    assert seen["work"] == (os.SCHED_IDLE if idle else os.SCHED_OTHER)
    assert seen["heartbeat"] == [os.SCHED_OTHER], "the lease is renewed at the worker's priority"
    assert os.sched_getscheduler(caller) == os.SCHED_OTHER, "the job's own thread is unchanged"
