"""The ``meetx`` command: serve, worker, schedule, token, seed, deliver-mail."""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from sqlmodel import Session

if TYPE_CHECKING:
    from fastapi import FastAPI


def _prepare_database(*, demo: bool) -> None:
    from service.core.database import make_engine
    from service.core.migrations import upgrade
    from service.core.settings import get_settings
    from service.seeding.reference_data import ensure_reference_data

    settings = get_settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        ensure_reference_data(session=session)
        if demo:
            from service.seeding.demo import load_demo_event

            event, created = load_demo_event(
                session=session,
                public_url=settings.public_base,
                links_file=Path("meetx-demo-links.csv"),
                schedule=True,
            )
            state = "loaded" if created else "already present"
            print(f"meetx: demo event {event.id} '{event.name}' {state}", file=sys.stderr)
    engine.dispose()


def _exit_cleanly(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def served_app() -> FastAPI:
    """The app as ``meetx serve`` runs it, built in each worker process.

    Everything loaded by then (the libraries, the app, its OpenAPI schema) lives as long as
    the process, so it is frozen out of the garbage collector: a full collection over it
    stops every thread of the worker for about 150 ms, a latency spike for every request
    in flight. Tests build apps with ``create_app`` and keep the collector as it is.
    """
    from service.main import create_app

    app = create_app()
    gc.collect()
    gc.freeze()
    return app


def _served_url(host: str, port: int) -> str:
    """The base URL a local browser reaches the server at (a wildcard address is served
    on loopback too)."""
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.core.logs import uvicorn_log_config
    from service.core.settings import get_settings

    # uvicorn answers SIGTERM by draining in-flight requests (up to the graceful timeout)
    # and then re-raising the signal, which would end the process "killed by SIGTERM".
    # The drain is the clean stop a supervisor asked for, so the re-raised signal lands
    # here and the process exits 0. Before uvicorn starts it stops the migration cleanly.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    if "MEETX_PUBLIC_URL" not in os.environ:
        # Links (demo CSV, feeds, pages) point at the address actually served; uvicorn's
        # worker processes inherit the variable.
        os.environ["MEETX_PUBLIC_URL"] = _served_url(args.host, args.port)
    _prepare_database(demo=args.demo)
    uvicorn.run(
        "service.cli:served_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
        # uvicorn's access log would print query strings (tokens); the app's own JSON
        # request log (service.core.middleware) replaces it, and uvicorn's lines are JSON too.
        access_log=False,
        log_config=uvicorn_log_config(get_settings().log_level),
    )
    return 0


def _migrate(_: argparse.Namespace) -> int:
    _prepare_database(demo=False)
    print("meetx: database is at the latest migration", file=sys.stderr)
    return 0


def _token_create(args: argparse.Namespace) -> int:
    from service.auth.service import create_organizer_token
    from service.core.database import make_engine
    from service.core.settings import get_settings

    _prepare_database(demo=False)
    engine = make_engine(get_settings().database_url)
    with Session(engine) as session:
        row, token = create_organizer_token(session=session, name=args.name)
    engine.dispose()
    print(token)
    print(f"meetx: organiser token {row.id} for '{row.name}' (shown once)", file=sys.stderr)
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    from service.auth.service import revoke_organizer_token
    from service.core.database import make_engine
    from service.core.settings import get_settings

    engine = make_engine(get_settings().database_url)
    with Session(engine) as session:
        revoked = revoke_organizer_token(session=session, token_id=args.id)
    engine.dispose()
    if not revoked:
        print(f"meetx token revoke: error: no active token {args.id}", file=sys.stderr)
        return 2
    print(f"meetx: organiser token {args.id} revoked", file=sys.stderr)
    return 0


def _worker(args: argparse.Namespace) -> int:
    """Run background jobs until SIGTERM (see service/jobs/engine.py)."""
    import logging

    from threadpoolctl import threadpool_limits

    from service.core.database import make_engine
    from service.core.logs import configure_logging
    from service.core.settings import get_settings
    from service.jobs.priority import GROUP_NICE_FOR_IDLE_JOBS, lower_process_priority
    from service.main import make_jobs  # loads the numeric libraries

    settings = get_settings()
    # Their thread pools (BLAS, OpenMP) as wide as a solve may be.
    threadpool_limits(limits=settings.solver_threads)
    # Started (imports done) at the priority it was given, the worker now yields to the
    # web: every thread it has, and every thread it starts later.
    lowered = lower_process_priority(
        settings.worker_nice,
        group_nice=GROUP_NICE_FOR_IDLE_JOBS if settings.long_jobs_idle else None,
    )
    configure_logging(settings.log_level)
    logging.getLogger("meetx.jobs").setLevel(settings.log_level)
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    jobs = make_jobs(settings, engine)
    queues = [q for value in args.queues or [] for q in value.split(",") if q] or None
    nice = f"nice {settings.worker_nice}" if lowered else "priority unchanged"
    print(
        f"meetx worker {jobs.worker}: {jobs.name} engine, queues {queues or 'all'}, "
        f"concurrency {args.concurrency}, {nice}, solver threads {settings.solver_threads}",
        file=sys.stderr,
    )
    try:
        jobs.run_worker(queues=queues, concurrency=args.concurrency)
    finally:
        jobs.close()
    return 0


def _deliver_mail(args: argparse.Namespace) -> int:
    """Delivers queued mail in this process: once, or every few seconds until stopped."""
    import threading

    from service.core.database import make_engine
    from service.core.settings import get_settings
    from service.main import TASK_MODULES
    from service.notifications.delivery import deliver_all, enqueue_time_driven, run_delivery_loop
    from service.notifications.mailer import Mailer

    for module in TASK_MODULES:  # their receivers add mail of their own (review digests)
        importlib.import_module(module)

    settings = get_settings()
    mailer = Mailer.from_settings(settings)
    if not mailer.configured:
        print("meetx: MEETX_SMTP_URL is not set; messages stay in the outbox", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        if args.once:
            queued = enqueue_time_driven(engine=engine, settings=settings)
            report = deliver_all(engine=engine, mailer=mailer, settings=settings)
            print(
                f"meetx: {queued} time-driven messages queued; {report.sent} sent, "
                f"{report.retried} to retry, {report.failed} failed, "
                f"{report.suppressed} suppressed",
                file=sys.stderr,
            )
            return 0
        run_delivery_loop(engine=engine, mailer=mailer, settings=settings, stop=threading.Event())
    except KeyboardInterrupt:
        pass
    finally:
        engine.dispose()
    return 0


def _schedule(argv: list[str]) -> int:
    from matching.scheduler.cli import main as schedule_main

    return schedule_main(argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meetx", description="MeetX matchmaking service")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate the database and serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="load the demo event if absent")
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser("migrate", help="upgrade the database and load reference data")
    migrate.set_defaults(handler=_migrate)

    worker = commands.add_parser(
        "worker",
        help="run background jobs (scheduler runs, imports, mail) until SIGTERM",
        description="Runs jobs against MEETX_DATABASE_URL: procrastinate workers on "
        "PostgreSQL, the embedded runner on SQLite. Start as many as you like, on any "
        "machine that reaches the database; set MEETX_RUN_JOBS=false on `meetx serve` "
        "to leave every job to them.",
    )
    worker.add_argument(
        "--queues",
        action="append",
        help="only these queues (comma-separated or repeated): scheduler, default, ...",
    )
    worker.add_argument("--concurrency", type=int, default=1, help="jobs run at once")
    worker.set_defaults(handler=_worker)

    commands.add_parser(
        "schedule", help="solve a scheduling problem file (see `meetx schedule --help`)"
    )

    deliver = commands.add_parser(
        "deliver-mail", help="deliver queued e-mail (a separate process beside the server)"
    )
    deliver.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    deliver.set_defaults(handler=_deliver_mail)

    token = commands.add_parser("token", help="organiser tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="issue an organiser token (printed once)")
    create.add_argument("--name", required=True, help="who holds it")
    create.set_defaults(handler=_token_create)
    revoke = token_commands.add_parser("revoke", help="revoke an organiser token by id")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(handler=_token_revoke)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `schedule` owns its arguments (its own --help and exit codes).
    if argv[:1] == ["schedule"]:
        return _schedule(argv[1:])
    args = build_parser().parse_args(argv)
    from pydantic import ValidationError

    try:
        return int(args.handler(args))
    except ValidationError as exc:
        # A bad setting (an SMTP URL or sender that cannot work) stops the start, saying why.
        for error in exc.errors():
            field = "MEETX_" + "_".join(str(p) for p in error["loc"]).upper()
            print(f"meetx: {field}: {error['msg']}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
