"""JobEngineDep: the job engine made once by the app factory."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from service.core.dependencies import shared
from service.jobs.engine import JobEngine

JobEngineDep = Annotated[JobEngine, Depends(shared(JobEngine))]
