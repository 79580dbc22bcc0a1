"""The scheduler run as a background job (``Prefer: respond-async``, the dashboard).

Same run as the synchronous endpoint (service.py), with progress for the organisers
(phase, share of the time budget, the search's best objective and bound) and a stop:
the schedule is stored only at the end, in one transaction that also marks the job
succeeded, so a cancel or a killed worker leaves the meetings as they were.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from matching.scheduler import Progress
from service.events.service import get_event
from service.jobs.registry import JobContext, task
from service.scheduling.models import ScheduleOptions, ScheduleReport
from service.scheduling.service import SCHEDULE_TASK, run_schedule

PHASES: dict[str, tuple[str, str]] = {
    "running": ("Đang bắt đầu", "Starting"),
    "building": ("Đang dựng bài toán xếp lịch", "Building the problem"),
    "required": ("Đang xếp các cuộc gặp bắt buộc", "Placing required meetings"),
    "filling": ("Đang xếp thêm các cuộc gặp được gợi ý", "Filling with suggested meetings"),
    "breaks": ("Đang giảm thời gian chờ giữa các cuộc gặp", "Reducing breaks"),
    "done": ("Đã tìm xong lịch", "Schedule found"),
    "storing": ("Đang lưu lịch", "Storing the schedule"),
}


def job_result(report: ScheduleReport) -> dict[str, Any]:
    """The job's result: the report without its list of changes (megabytes on a large
    day; the full report is kept as the event's last run)."""
    result = report.model_dump(mode="json", by_alias=True, exclude={"changes"})
    result["changes_total"] = len(report.changes)
    return result


@task(SCHEDULE_TASK, queue="scheduler", max_attempts=2, phases=PHASES)
def schedule(context: JobContext) -> dict[str, Any]:
    options = ScheduleOptions.model_validate(context.params.get("options", {}))

    def solver_progress(snapshot: Progress) -> None:
        extra = {"elapsed_s": snapshot.elapsed_s}
        if snapshot.objective is not None:
            extra["objective"] = snapshot.objective
        if snapshot.bound is not None:
            extra["bound"] = snapshot.bound
        context.progress(snapshot.phase, snapshot.fraction, **extra)

    def store(session: Session, report: ScheduleReport) -> None:
        context.finish_in(session, job_result(report))

    with Session(context.engine, expire_on_commit=False) as session:
        event = get_event(session=session, event_id=context.event_id)  # type: ignore[arg-type]
        report = run_schedule(
            session=session,
            event=event,
            options=options,
            cache=context.services.get("suggestion_cache"),
            phase=lambda name: context.progress(name, 1.0 if name == "storing" else 0.0),
            progress=solver_progress,
            should_stop=context.stopping,
            before_commit=store,
            public_url=context.services.get("public_url"),
            solver_threads=context.services.get("solver_threads", 1),
        )
    return job_result(report)
