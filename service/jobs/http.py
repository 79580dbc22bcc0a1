"""``Prefer: respond-async`` (RFC 7240): how a route offers to run as a background job.

A route that can take long accepts the header; with it, the work is queued as a job and
the answer is 202 with the job, ``Location: /api/v1/jobs/{id}`` and
``Preference-Applied: respond-async``; without it the route answers as it always did.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from service.jobs.models import Job
from service.jobs.service import job_read

PreferHeader = Annotated[
    str | None,
    Header(max_length=200, description="`respond-async`: run as a background job (RFC 7240)"),
]


def wants_async(prefer: str | None) -> bool:
    """Whether the Prefer header asks for respond-async (among other preferences)."""
    if not prefer:
        return False
    return any(p.split(";")[0].strip().lower() == "respond-async" for p in prefer.split(","))


def accepted(request: Request, job: Job) -> JSONResponse:
    """202 with the job and where to follow it."""
    return JSONResponse(
        jsonable_encoder(job_read(job)),
        status_code=202,
        headers={
            "Location": f"{request.scope.get('root_path', '')}/api/v1/jobs/{job.id}",
            "Preference-Applied": "respond-async",
        },
    )
