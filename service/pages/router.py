"""The pages' routes and static files, installed on the app without the API prefix."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import Response

from service.pages import admin, outcomes, public
from service.pages.templating import STATIC_DIR, PageInterrupt

router = APIRouter(include_in_schema=False)
router.include_router(public.router)
router.include_router(admin.router)
router.include_router(outcomes.router)  # after the meeting: check-in, feedback, reports


async def _interrupted(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageInterrupt)
    return exc.response


def install_pages(app: FastAPI) -> None:
    """Adds the HTML pages at /, /p/{token} and /admin, and their files at /static."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(PageInterrupt, _interrupted)
