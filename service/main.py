"""The app factory: builds a FastAPI app around one engine and one Settings instance."""

from __future__ import annotations

import importlib
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy.engine import Engine

from service import __version__
from service.attendance.router import router as attendance_router
from service.booking.router import router as booking_router
from service.calendars.feed_cache import FeedCache
from service.calendars.router import router as calendars_router
from service.commitments.router import router as commitments_router
from service.commitments.views import router as commitments_pages
from service.core.database import make_engine
from service.core.dependencies import SharedObjects
from service.core.errors import install_problem_handlers
from service.core.logs import configure_logging
from service.core.middleware import (
    BodySizeLimitMiddleware,
    InFlightLimitMiddleware,
    RequestContextMiddleware,
    UnrepresentableInputMiddleware,
)
from service.core.settings import Settings, get_settings
from service.events.router import router as events_router
from service.health.router import router as health_router
from service.jobs.engine import JobEngine, make_job_engine
from service.jobs.router import router as jobs_router
from service.meeting_requests.router import router as meeting_requests_router
from service.meetings.agenda_cache import AgendaCache
from service.meetings.router import router as meetings_router
from service.notifications.delivery import run_delivery_loop
from service.notifications.mailer import Mailer
from service.notifications.router import router as notifications_router
from service.notifications.views import router as notifications_pages
from service.organizations.router import router as organizations_router
from service.pages.router import install_pages
from service.participants.router import router as participants_router
from service.reference.router import router as reference_router
from service.reports.router import router as reports_router
from service.reports.views import router as reports_pages
from service.scheduling.router import router as schedule_router
from service.suggestions.router import router as suggestions_router
from service.suggestions.service import IndexCache

API_PREFIX = "/api/v1"

DESCRIPTION = """
MeetX runs the matchmaking of Meet-X investment conferences ("Gặp gỡ Hàn Quốc", Meet
Japan, Meet Europe...): events and sessions, the 34 provinces, foreign and Vietnamese
organisations, their participation, partner suggestions, B2B meeting scheduling and
calendar feeds.

Authenticate with `Authorization: Bearer <token>`: an organiser token, or a participant's
own token (shown once at registration). Errors are `application/problem+json` (RFC 9457).
"""


# Hot paths first: a request is matched against the routes in this order, each router
# scanned as a whole, so the agenda and the calendar feeds (most of a Meet-X day's
# traffic) are found before the rest is looked at.
DOMAIN_ROUTERS: tuple[APIRouter, ...] = (
    meetings_router,
    calendars_router,
    reference_router,
    events_router,
    organizations_router,
    participants_router,
    suggestions_router,
    meeting_requests_router,
    schedule_router,
    jobs_router,
    booking_router,
    notifications_router,
    # After the meeting: attendance, feedback, commitments, reports.
    attendance_router,
    commitments_router,
    reports_router,
)

# Every domain module that registers background tasks (service/jobs/registry.py); web
# processes and `meetx worker` import them all, so any of them can run any job.
TASK_MODULES: tuple[str, ...] = (
    "service.jobs.tasks",
    "service.participants.tasks",
    "service.notifications.tasks",
    "service.suggestions.tasks",
    "service.scheduling.tasks",
    "service.commitments.tasks",
)


def make_jobs(settings: Settings, engine: Engine) -> JobEngine:
    """The job engine with every domain's tasks registered (app factory, `meetx worker`),
    and the process's shared objects its tasks use."""
    for module in TASK_MODULES:
        importlib.import_module(module)
    jobs = make_job_engine(settings, engine)
    jobs.services["suggestion_cache"] = IndexCache()
    jobs.services["public_url"] = settings.public_base
    jobs.services["solver_threads"] = settings.solver_threads
    jobs.services["settings"] = settings
    jobs.services["mailer"] = Mailer.from_settings(settings)
    return jobs


def build_shared_objects(jobs: JobEngine, mailer: Mailer) -> SharedObjects:
    """The objects every request of this app shares, made once: the calendar feeds' and
    the agenda's caches, the suggestion index that the API, the pages, the scheduler and
    the jobs this process runs all read, the job engine and the mailer."""
    shared = SharedObjects(
        FeedCache(),
        AgendaCache(),
        jobs.services["suggestion_cache"],
        mailer,
    )
    shared.register(jobs, kind=JobEngine)
    return shared


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Everything the app needs is built here, not at import time, so tests can hand in
    their own settings and engine."""
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url, pool_size=settings.db_pool_size)
    logger = configure_logging(settings.log_level)
    jobs = make_jobs(settings, engine)

    # -- notifications: one mailer per app, shared with the jobs (mail.deliver runs
    # wherever jobs run); MEETX_MAIL_LOOP adds a delivery thread without the job engine.
    mailer = jobs.services["mailer"]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        if settings.mail_loop and settings.mail_deliver_interval_s > 0:
            threading.Thread(
                target=run_delivery_loop,
                kwargs={"engine": engine, "mailer": mailer, "settings": settings, "stop": stop},
                name="meetx-mail",
                daemon=True,
            ).start()
        if settings.run_jobs:
            jobs.start()
        yield
        stop.set()
        # Graceful shutdown: uvicorn has drained in-flight requests; a running job
        # finishes or, past the wait, is picked up again once its lease expires.
        jobs.stop()
        jobs.close()
        # Release connections.
        engine.dispose()

    app = FastAPI(
        title="MeetX",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses={
            422: {"description": "Invalid input (problem+json naming the fields)"},
        },
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.logger = logger
    app.state.shared = build_shared_objects(jobs, mailer)
    install_problem_handlers(app)
    app.include_router(health_router)
    # Each domain router straight on the app: one router between a request and its route
    # instead of two, which halves the matching work per request.
    for domain_router in DOMAIN_ROUTERS:
        app.include_router(domain_router, prefix=API_PREFIX)
    install_pages(app)
    app.include_router(notifications_pages)  # the organisers' outbox page
    app.include_router(commitments_pages)  # the commitments register, its forms and reviews
    app.include_router(reports_pages)  # the report across editions and its spreadsheets
    app.add_middleware(InFlightLimitMiddleware, limit=settings.max_in_flight)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(UnrepresentableInputMiddleware)
    app.add_middleware(RequestContextMiddleware, logger=logger)
    return app
