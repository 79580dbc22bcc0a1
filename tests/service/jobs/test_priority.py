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
