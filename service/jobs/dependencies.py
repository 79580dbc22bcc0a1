"""JobEngineDep: the job engine made once by the app factory."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.jobs.engine import JobEngine


async def get_job_engine(request: Request) -> JobEngine:
    return request.app.state.job_engine  # type: ignore[no-any-return]


JobEngineDep = Annotated[JobEngine, Depends(get_job_engine)]
