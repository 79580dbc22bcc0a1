"""Background work yields the CPU to the pages: lower scheduling priority for jobs.

A solve is CPU-bound for minutes; the agenda and feeds that thousands of phones poll are
short requests that must not wait behind it. When a worker shares a machine with web
processes (or with PostgreSQL), the kernel should run the web first and give the solve
what is left. Lowering the priority ("nice") does exactly that and costs nothing on an
idle machine: a niced thread still gets every idle cycle.

Linux keeps the nice value per thread, and a new thread starts with its creator's. So:

- ``meetx worker`` lowers every thread it has once it has started (its imports run at
  the priority it was given: a worker started on a busy machine is ready sooner), and
  every thread it starts later (procrastinate's, the jobs', CP-SAT's search threads)
  inherits it;
- ``meetx serve`` lowers only the threads that run jobs, at the start of each job; the
  threads serving requests keep their priority.

Linux also groups the processes of one session (``sched_autogroup``): the kernel first
shares the CPU between sessions, equally, and only then by nice within each one. A
worker that leads its own session (started by a supervisor, or ``setsid``) therefore
lowers its session's group too, else its nice value would not count against web
processes of another session. Under systemd or in containers each service has a cgroup
of its own instead, and the cgroup's CPU weight decides (``CPUWeight=``, compose's
``cpu_shares``; see README "Running on several machines").

Nice alone is not enough for a solve. Measured with `benchmarks/jobs.py` on two cores
(agenda and feeds at 300 req/s), a solve in a worker at nice 10 still lifted the
requests' p99 from 8-22 ms to 170-180 ms: a nice-10 thread keeps about a tenth of the
CPU's weight, so a request that wakes up while both cores are busy often waits out the
solve's turn. Long CPU-bound jobs (the queues in ``registry.LONG_QUEUES``) therefore run
their work under ``SCHED_IDLE`` (`idle_thread`, MEETX_LONG_JOBS_IDLE): a thread of that
class runs only on CPU time that no ordinary thread wants, and a waking request always
takes the core at once. It still gets every idle cycle, so on a machine of its own (or a
quiet one) a solve is as fast as before; on a saturated one it gets almost nothing, which
is the order of importance the service wants (pages first). The job's heartbeat thread
keeps the worker's nice value: a lease must not expire because the machine is busy.

A thread's ``SCHED_IDLE`` only counts within its scheduling group, though. Where
``sched_autogroup`` groups processes by session, a worker leading its own session (as
under a supervisor, or in the benchmark) is a group of its own, and the kernel first
shares the CPU between that group and the web's by the groups' weights. Measured with
`benchmarks/cpu_neighbour.py` (two cores, 300 agenda and feed requests a second beside a
process that only burns CPU under ``SCHED_IDLE`` in a session of its own; six rows of
each, p99 min / median / max): no neighbour 22 / 34 / 66 ms; its group at nice 0,
30 / 221 / 490 ms; at nice 10, 36 / 65 / 249 ms; at nice 19, 28 / 54 / 176 ms. So a
worker whose long jobs run idle lowers its session group to nice 19, the lowest weight a
group can have (`GROUP_NICE_FOR_IDLE_JOBS`); its other threads keep
``MEETX_WORKER_NICE``. Under systemd the worker's service is a cgroup instead, and
``CPUWeight=idle`` (the cgroup's ``cpu.idle``) gives it the same place (README, "Running
on several machines").

Raising a priority needs privileges (leaving ``SCHED_IDLE`` too, for a thread without
CAP_SYS_NICE); this module only ever lowers it, and where the system refuses it logs
that and goes on. A thread put in ``SCHED_IDLE`` is therefore one made for the job, which
ends with it (see runner.py).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

log = logging.getLogger("meetx.jobs")

_LINUX = sys.platform.startswith("linux")
_AUTOGROUP = Path("/proc/self/autogroup")
_TASKS = Path("/proc/self/task")  # the threads of this process
# The session group of a worker whose long jobs run under SCHED_IDLE (see above).
GROUP_NICE_FOR_IDLE_JOBS = 19


def _current(who: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, who)


def lower_thread_priority(nice: int) -> bool:
    """Lower the calling thread's priority to `nice` (and the threads it starts later).

    Only on Linux, where priorities are per thread; elsewhere a thread cannot be lowered
    alone and nothing happens. Returns True when the thread now runs at `nice` or lower.
    """
    if nice <= 0 or not _LINUX:
        return False
    tid = threading.get_native_id()
    try:
        if _current(tid) < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
    except OSError as exc:
        log.warning("cannot lower the priority of a job thread to %d: %s", nice, exc)
        return False
    return True


def lower_process_priority(nice: int, *, group_nice: int | None = None) -> bool:
    """Lower this process to `nice`: every thread it has and will start.

    On Linux this lowers each of its threads (later ones inherit from their creator)
    and, when this process leads its session, the session's scheduling group, to
    `group_nice` when given (and no higher than `nice`).
    """
    if group_nice is not None and _LINUX and os.getsid(0) == os.getpid():
        lower_session_group(max(nice, group_nice))
    if nice <= 0:
        return False
    if not _LINUX:
        try:
            current = os.getpriority(os.PRIO_PROCESS, 0)
            if current < nice:
                os.setpriority(os.PRIO_PROCESS, 0, nice)
        except (OSError, AttributeError) as exc:
            log.warning("cannot lower the worker's priority to %d: %s", nice, exc)
            return False
        return True
    lowered = lower_thread_priority(nice)
    for task in _TASKS.iterdir():
        if task.name.isdigit() and int(task.name) != threading.get_native_id():
            try:
                if _current(int(task.name)) < nice:
                    os.setpriority(os.PRIO_PROCESS, int(task.name), nice)
            except (ProcessLookupError, PermissionError):
                pass  # a thread that ended meanwhile
    if group_nice is None and os.getsid(0) == os.getpid():
        lower_session_group(nice)
    return lowered


def lower_session_group(nice: int) -> bool:
    """Lower the scheduling group of this process's session (Linux ``sched_autogroup``)."""
    try:
        text = _AUTOGROUP.read_text()
    except OSError:
        return False  # no autogroups on this kernel (or not readable): nothing to lower
    try:
        current = int(text.rsplit("nice", 1)[1])
    except (IndexError, ValueError):
        return False
    if current >= nice:
        return True
    try:
        _AUTOGROUP.write_text(str(nice))
    except OSError as exc:
        log.warning("cannot lower the worker's session group to nice %d: %s", nice, exc)
        return False
    return True


def idle_thread() -> bool:
    """Put the calling thread (and the threads it starts later) in ``SCHED_IDLE``.

    Linux only; returns False (and changes nothing) elsewhere or when refused. One way:
    an unprivileged thread cannot come back, so call it from a thread that ends with the
    work it runs."""
    if not _LINUX or not hasattr(os, "SCHED_IDLE"):
        return False
    try:
        os.sched_setscheduler(threading.get_native_id(), os.SCHED_IDLE, os.sched_param(0))
    except OSError as exc:
        log.warning("cannot run a long job under SCHED_IDLE: %s", exc)
        return False
    return True
