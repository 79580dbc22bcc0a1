"""Jobs for organisers: GET /jobs/{id}, POST /jobs/{id}/cancel, GET /events/{id}/jobs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.auth.dependencies import OrganizerDep
from service.core.database import SessionDep
from service.events.service import get_event
from service.jobs.models import JobRead
from service.jobs.service import get_job, job_read, list_jobs, request_cancel
from service.kit.pagination import Page, PageDep

router = APIRouter(tags=["jobs"])


@router.get(
    "/jobs/{job_id}",
    summary="A background job: status, progress, result",
    description=(
        "`progress` has the phase, the share done where it is known (`fraction`), a "
        "message in Vietnamese and English and, for a scheduler run while CP-SAT "
        "searches, its best `objective` and `bound`; a running job's progress is "
        "refreshed at least once a second. `result` is set once it succeeded, `error` "
        "once it failed."
    ),
)
def read_job(job_id: int, session: SessionDep, _: OrganizerDep) -> JobRead:
    return job_read(get_job(session=session, job_id=job_id))


@router.post(
    "/jobs/{job_id}/cancel",
    summary="Cancel a background job",
    description=(
        "A queued job is cancelled at once; a running one stops within two seconds and "
        "stores nothing (its status then turns `cancelled`). 409 when it already ended."
    ),
)
def cancel_job(job_id: int, session: SessionDep, _: OrganizerDep) -> JobRead:
    get_job(session=session, job_id=job_id)
    return job_read(request_cancel(session=session, job_id=job_id))


@router.get("/events/{event_id}/jobs", summary="The event's background jobs, newest first")
def event_jobs(
    event_id: int,
    session: SessionDep,
    _: OrganizerDep,
    page: PageDep,
    kind: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[JobRead]:
    get_event(session=session, event_id=event_id)
    rows, total = list_jobs(
        session=session, event_id=event_id, limit=page.limit, offset=page.offset, kind=kind
    )
    items = [job_read(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
