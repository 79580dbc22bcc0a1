"""POST /events/{event_id}/schedule: the organiser's scheduler run."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.auth.dependencies import OrganizerDep
from service.core.database import SessionDep
from service.events.service import get_event
from service.scheduling.models import ScheduleOptions, ScheduleReport
from service.scheduling.service import run_schedule
from service.suggestions.service import IndexCache

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
        "scheduler ran, or the result collides with a booking made meanwhile (run again)."
    ),
)
def schedule_event(
    event_id: int,
    session: SessionDep,
    _: OrganizerDep,
    request: Request,
    options: ScheduleOptions | None = None,
) -> ScheduleReport:
    event = get_event(session=session, event_id=event_id)
    return run_schedule(
        session=session,
        event=event,
        options=options or ScheduleOptions(),
        cache=_suggestion_cache(request),
        public_url=request.app.state.settings.public_base,
    )


def _suggestion_cache(request: Request) -> IndexCache:
    # Shared with the suggestion endpoints: the index built for them serves the scheduler.
    cache = getattr(request.app.state, "suggestion_cache", None)
    if cache is None:
        cache = request.app.state.suggestion_cache = IndexCache()
    return cache
