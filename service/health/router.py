"""GET /healthz: the service answers and its database does too."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from service import __version__
from service.core.database import SessionDep

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    summary="Health check",
    description="200 with status ok when the database answers, 503 otherwise.",
)
def healthz(session: SessionDep) -> JSONResponse:
    try:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        dialect = session.get_bind().dialect.name
        database = "ok"
    except Exception:
        dialect = "unknown"
        database = "unavailable"
    status = "ok" if database == "ok" else "degraded"
    return JSONResponse(
        {"status": status, "database": database, "dialect": dialect, "version": __version__},
        status_code=200 if status == "ok" else 503,
    )
