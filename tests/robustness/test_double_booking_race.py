"""200 simultaneous bookings of one place: the database lets exactly one through.

Each request is valid on its own (another partner, or another pair, or another table),
so nothing but the UNIQUE constraints on `meeting` (session, slot, table) and
`meeting_seat` (participant, session, slot) can stop the other 199. They run against a
real server: SQLite with one worker, PostgreSQL with two worker processes.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.robustness.seed import (
    API,
    Registered,
    create_b2b_session,
    create_event,
    register_participants_in_database,
)
from tests.robustness.servers import (
    ServerProcess,
    fresh_postgres_database,
    postgres_unavailable_reason,
    running_server,
    sqlite_url,
)

RACERS = 200


@dataclass
class Race:
    server: ServerProcess
    engine: sa.Engine
    event_id: int
    session_id: int
    participants: list[Registered]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def race(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Race]:
    workdir = tmp_path_factory.mktemp(f"race-{request.param}")
    if request.param == "sqlite":
        yield from _race_on(sqlite_url(workdir), workdir, workers=1)
        return
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    with fresh_postgres_database() as url:
        yield from _race_on(url, workdir, workers=2)


def _race_on(url: str, workdir: Any, *, workers: int) -> Iterator[Race]:
    with running_server(url, workdir=workdir, workers=workers, log_level="WARNING") as server:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            event_id = create_event(client, server.admin_headers)
            session_id = create_b2b_session(
                client, server.admin_headers, event_id, tables=RACERS + 10
            )
        participants = register_participants_in_database(url, event_id, 2 * RACERS + 1)
        engine = sa.create_engine(url)
        try:
            yield Race(server, engine, event_id, session_id, participants)
        finally:
            engine.dispose()


def _fire_at_once(race: Race, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """Every body POSTed from its own thread and connection, all released by one barrier."""
    barrier = threading.Barrier(len(bodies))
    url = f"{race.server.base_url}{API}/events/{race.event_id}/meetings"
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=len(bodies))

    with httpx.Client(limits=limits, timeout=120) as client:

        def book(body: dict[str, Any]) -> httpx.Response:
            barrier.wait()
            return client.post(url, json=body, headers=race.server.admin_headers)

        with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
            return list(pool.map(book, bodies))


def _assert_one_winner(responses: list[httpx.Response]) -> None:
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: len(responses) - 1}, statuses
    for response in responses:
        if response.status_code == 409:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["status"] == 409


def _assert_seats_match_meetings(race: Race) -> None:
    # A losing request must not leave a meeting without its seats, or seats without it.
    with race.engine.connect() as db:
        orphans = db.execute(
            sa.text(
                "SELECT m.id, COUNT(s.id) FROM meeting m "
                "LEFT JOIN meeting_seat s ON s.meeting_id = m.id "
                "WHERE m.session_id = :session GROUP BY m.id HAVING COUNT(s.id) <> 2"
            ),
            {"session": race.session_id},
        ).all()
    assert orphans == []


def test_two_hundred_bookings_of_one_participants_slot(race: Race) -> None:
    star, partners = race.participants[0], race.participants[1 : RACERS + 1]
    bodies = [
        {
            "participants": [star.participant_id, partner.participant_id],
            "session_id": race.session_id,
            "slot": 1,
            "table": table,
        }
        for table, partner in enumerate(partners, start=1)
    ]
    _assert_one_winner(_fire_at_once(race, bodies))
    with race.engine.connect() as db:
        seats = db.execute(
            sa.text(
                "SELECT COUNT(*) FROM meeting_seat WHERE participant_id = :p "
                "AND session_id = :s AND active_slot = 1"
            ),
            {"p": star.participant_id, "s": race.session_id},
        ).scalar_one()
        live = db.execute(
            sa.text(
                "SELECT COUNT(*) FROM meeting WHERE session_id = :s AND active_slot = 1 "
                "AND (participant_a_id = :p OR participant_b_id = :p)"
            ),
            {"p": star.participant_id, "s": race.session_id},
        ).scalar_one()
    assert (seats, live) == (1, 1)
    _assert_seats_match_meetings(race)
    agenda = httpx.get(
        f"{race.server.base_url}{API}/events/{race.event_id}/meetings",
        headers=star.headers,
        timeout=30,
    )
    assert agenda.status_code == 200
    assert [m["slot"] for m in agenda.json()["items"]] == [1]


def test_two_hundred_bookings_of_one_table(race: Race) -> None:
    firsts = race.participants[1 : RACERS + 1]
    seconds = race.participants[RACERS + 1 : 2 * RACERS + 1]
    bodies = [
        {
            "participants": [a.participant_id, b.participant_id],
            "session_id": race.session_id,
            "slot": 2,
            "table": 1,
        }
        for a, b in zip(firsts, seconds, strict=True)
    ]
    _assert_one_winner(_fire_at_once(race, bodies))
    with race.engine.connect() as db:
        at_table = db.execute(
            sa.text(
                "SELECT COUNT(*) FROM meeting WHERE session_id = :s "
                "AND active_slot = 2 AND table_no = 1"
            ),
            {"s": race.session_id},
        ).scalar_one()
        in_slot = db.execute(
            sa.text("SELECT COUNT(*) FROM meeting WHERE session_id = :s AND active_slot = 2"),
            {"s": race.session_id},
        ).scalar_one()
    assert (at_table, in_slot) == (1, 1)
    _assert_seats_match_meetings(race)
