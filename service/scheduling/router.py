"""POST /events/{event_id}/schedule: the organiser's scheduler run."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.auth.dependencies import OrganizerDep
from service.core.database import SessionDep
from service.events.service import get_event
from service.jobs.dependencies import JobEngineDep
from service.jobs.http import PreferHeader, accepted, wants_async
from service.jobs.models import JobRead
from service.scheduling.models import ScheduleOptions, ScheduleReport
from service.scheduling.service import run_schedule, start_schedule_job
from service.suggestions.service import IndexCacheDep

router = APIRouter(tags=["meetings"])


@router.post(
    "/events/{event_id}/schedule",
    summary="Schedule the event's b2b meetings",
    description=(
        "Builds the scheduler problem from the event's b2b sessions (slots across sessions, "
        "tables, interpreter pools), the participants' availability, plenary sessions and "
        "caps, the existing meetings, the accepted requests (required) and, with `fill`, "
        "the best suggested pairs (optional); solves it within `time_limit_s` and, unless "
        "`dry_run`, stores the result at once in one transaction.\n\n"
        "By default every existing meeting that is still valid keeps its slot and table "
        "unless a required meeting can only be placed by moving it; `replan` re-plans "
        "everything but locked meetings. Moved and cancelled meetings get a higher "
        "sequence. Only suggested meetings are ever dropped; required meetings that cannot "
        "be placed are listed in `unplaced` with the reason.\n\n"
        "422 when the event has no b2b session; 409 when the meetings changed while the "
        "scheduler ran, or the result collides with a booking made meanwhile (run again).\n\n"
        "With `Prefer: respond-async` (RFC 7240) the run becomes a background job: 202 "
        "with `Location: /api/v1/jobs/{job_id}` and the job (follow its progress there; "
        "its `result` is this report without `changes`). One scheduler job per event "
        "runs at a time: while one is queued or running, the request answers 202 with "
        "that job instead of starting a second run."
    ),
    response_model=ScheduleReport,
    responses={202: {"model": JobRead, "description": "Accepted as a background job"}},
)
def schedule_event(
    event_id: int,
    session: SessionDep,
    _: OrganizerDep,
    cache: IndexCacheDep,
    request: Request,
    jobs: JobEngineDep,
    options: ScheduleOptions | None = None,
    prefer: PreferHeader = None,
) -> ScheduleReport | JSONResponse:
    event = get_event(session=session, event_id=event_id)
    if wants_async(prefer):
        job, _created = start_schedule_job(
            session=session,
            jobs=jobs,
            event_id=event_id,
            options=options or ScheduleOptions(),
        )
        return accepted(request, job)
    return run_schedule(
        session=session,
        event=event,
        options=options or ScheduleOptions(),
        # Shared with the suggestion endpoints: the index built for them serves here.
        cache=cache,
        public_url=request.app.state.settings.public_base,
        solver_threads=request.app.state.settings.solver_threads,
    )
