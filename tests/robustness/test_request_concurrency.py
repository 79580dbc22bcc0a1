"""The pieces that keep a burst from stalling a worker: the in-flight request cap and
SQLite's in-process write gate."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlmodel import Session
from starlette.types import Receive, Scope, Send

from service.core.database import make_engine
from service.core.middleware import InFlightLimitMiddleware
from service.core.settings import Settings
from service.main import create_app


def test_requests_beyond_the_cap_wait_instead_of_running() -> None:
    running = 0
    most = 0

    async def slow_app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)
        running -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app = InFlightLimitMiddleware(slow_app, limit=3)

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            responses = await asyncio.gather(*(client.get("/") for _ in range(12)))
        return [r.status_code for r in responses]

    assert asyncio.run(burst()) == [200] * 12
    assert most == 3


def test_the_cap_is_a_setting(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'cap.db'}", max_in_flight=6)
    app = create_app(settings)
    caps = [m.kwargs.get("limit") for m in app.user_middleware if m.cls is InFlightLimitMiddleware]
    assert caps == [6]
    assert Settings(database_url="sqlite://").max_in_flight is None, "the thread pool's size"


def _engine(tmp_path: Path) -> sa.Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    return engine


def test_a_waiting_writer_starts_as_soon_as_the_first_commits(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    first_done = threading.Event()
    waited: list[float] = []

    def second_writer() -> None:
        with Session(engine) as session:
            session.execute(sa.text("INSERT INTO t (v) VALUES ('second')"))
            waited.append(time.perf_counter())
            session.commit()

    with Session(engine) as session:
        session.execute(sa.text("INSERT INTO t (v) VALUES ('first')"))
        writer = threading.Thread(target=second_writer)
        writer.start()
        time.sleep(0.3)
        assert waited == []  # the second writer is held at its BEGIN
        session.commit()
        committed = time.perf_counter()
        first_done.set()
    writer.join(timeout=10)
    assert waited and waited[0] - committed < 0.1  # woken at once, not by a polling sleep
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM t").scalar_one() == 2
    engine.dispose()


def test_a_session_dropped_without_close_still_frees_the_gate(tmp_path: Path) -> None:
    engine = _engine(tmp_path)

    def abandon() -> None:
        session = Session(engine)
        session.execute(sa.text("INSERT INTO t (v) VALUES ('abandoned')"))
        # no commit, no close: the pool gets the connection back when it is collected

    abandon()
    gc.collect()
    started = time.perf_counter()
    with Session(engine) as session:
        session.execute(sa.text("INSERT INTO t (v) VALUES ('next')"))
        session.commit()
    assert time.perf_counter() - started < 5
    with engine.connect() as connection:
        values = connection.exec_driver_sql("SELECT v FROM t").scalars().all()
    assert values == ["next"]
    engine.dispose()
