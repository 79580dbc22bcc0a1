"""SIGKILL in the middle of a write load loses no acknowledged write.

Writer threads create organisations and place meetings on a real server; once enough
writes are acknowledged, the server and its workers are killed outright (no shutdown
hook runs). After a restart on the same database, every write that got its 201 must be
there, unchanged, and the database must pass its own integrity checks. SQLite runs in
WAL mode with synchronous=NORMAL: a committed transaction is in the WAL file before the
201 leaves, and the operating system keeps it when the process dies (only a power loss
could drop the last ones, which this test does not simulate).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.robustness.seed import (
    API,
    create_b2b_session,
    create_event,
    organization_payload,
    register_participants_in_database,
)
from tests.robustness.servers import (
    ServerProcess,
    fresh_postgres_database,
    postgres_unavailable_reason,
    sqlite_url,
)

WRITERS = 8
PARTICIPANTS = 40
SLOTS = 9
ACKS_BEFORE_KILL = 120


@dataclass
class Acknowledged:
    organizations: dict[int, str] = field(default_factory=dict)
    meetings: dict[int, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> int:
        with self.lock:
            return len(self.organizations) + len(self.meetings)


def _round_robin_pairs(ids: list[int], rounds: int) -> list[list[tuple[int, int]]]:
    """The circle method: in each round every participant meets exactly one other."""
    ring = list(ids)
    schedule = []
    for _ in range(rounds):
        half = len(ring) // 2
        schedule.append(list(zip(ring[:half], reversed(ring[half:]), strict=True)))
        ring = [ring[0], ring[-1], *ring[1:-1]]
    return schedule


def _meeting_bodies(session_id: int, participant_ids: list[int]) -> list[dict[str, Any]]:
    bodies = []
    for slot, pairs in enumerate(_round_robin_pairs(participant_ids, SLOTS), start=1):
        for table, (a, b) in enumerate(pairs, start=1):
            bodies.append(
                {"participants": [a, b], "session_id": session_id, "slot": slot, "table": table}
            )
    return bodies


def _write_until_killed(
    server: ServerProcess,
    event_id: int,
    meeting_bodies: list[dict[str, Any]],
    acked: Acknowledged,
    stop: threading.Event,
) -> list[threading.Thread]:
    serial = itertools.count()
    bodies = iter(meeting_bodies)
    bodies_lock = threading.Lock()

    def writer(kind: str) -> None:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            while not stop.is_set():
                try:
                    if kind == "organization":
                        number = next(serial)
                        payload = organization_payload(number, guest=number % 2 == 0, label="crash")
                        response = client.post(
                            f"{API}/organizations", json=payload, headers=server.admin_headers
                        )
                        if response.status_code == 201:
                            with acked.lock:
                                acked.organizations[response.json()["id"]] = payload["name"]
                    else:
                        with bodies_lock:
                            body = next(bodies, None)
                        if body is None:
                            return
                        response = client.post(
                            f"{API}/events/{event_id}/meetings",
                            json=body,
                            headers=server.admin_headers,
                        )
                        if response.status_code == 201:
                            with acked.lock:
                                acked.meetings[response.json()["id"]] = body
                except httpx.HTTPError:
                    return  # the server is gone: what was acknowledged is what counts

    threads = [
        threading.Thread(target=writer, args=("organization" if i % 2 else "meeting",))
        for i in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    return threads


def _check_sqlite(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as db:
            assert db.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
            assert db.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    finally:
        engine.dispose()


def _check_postgres(url: str) -> None:
    """amcheck verifies every B-tree index (the UNIQUE ones included) against its
    ordering invariants when the extension is available."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as db:
            try:
                db.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS amcheck")
            except sa.exc.DBAPIError:
                print("amcheck extension not available: index check skipped")
                return
            indexes = (
                db.exec_driver_sql(
                    "SELECT c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "JOIN pg_am am ON am.oid = c.relam "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE am.amname = 'btree' AND n.nspname = 'public'"
                )
                .scalars()
                .all()
            )
            assert indexes
            for oid in indexes:
                db.exec_driver_sql("SELECT bt_index_check(%s::regclass, true)", (oid,))
    finally:
        engine.dispose()


def _check_booking_invariants(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as db:
            seatless = db.exec_driver_sql(
                "SELECT m.id FROM meeting m LEFT JOIN meeting_seat s ON s.meeting_id = m.id "
                "GROUP BY m.id HAVING COUNT(s.id) <> 2"
            ).all()
            assert seatless == []
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    with fresh_postgres_database() as url:
        yield url


def test_acknowledged_writes_survive_sigkill(database_url: str, tmp_path: Path) -> None:
    server = ServerProcess(database_url, workdir=tmp_path, workers=1, log_level="WARNING")
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            event_id = create_event(client, server.admin_headers)
            session_id = create_b2b_session(client, server.admin_headers, event_id, tables=30)
        participants = register_participants_in_database(database_url, event_id, PARTICIPANTS)
        bodies = _meeting_bodies(session_id, [p.participant_id for p in participants])

        acked, stop = Acknowledged(), threading.Event()
        threads = _write_until_killed(server, event_id, bodies, acked, stop)
        deadline = time.monotonic() + 60
        while acked.count() < ACKS_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.01)
        # The organisation writers never run out of work: the kill lands mid-load.
        assert sum(t.is_alive() for t in threads) >= WRITERS // 2, "the load ended too early"
        server.kill()
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert acked.count() >= ACKS_BEFORE_KILL

        if database_url.startswith("sqlite"):
            _check_sqlite(database_url)
        else:
            _check_postgres(database_url)
        _check_booking_invariants(database_url)

        server.start()
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            for org_id, name in acked.organizations.items():
                response = client.get(f"{API}/organizations/{org_id}")
                assert response.status_code == 200, (org_id, response.text)
                assert response.json()["name"] == name
            listed = client.get(
                f"{API}/events/{event_id}/meetings",
                params={"limit": 200},
                headers=server.admin_headers,
            ).json()["items"]
        stored = {
            m["id"]: {
                "participants": m["participants"],
                "session_id": m["session_id"],
                "slot": m["slot"],
                "table": m["table"],
            }
            for m in listed
        }
        for meeting_id, body in acked.meetings.items():
            assert stored.get(meeting_id) == body, meeting_id
        assert acked.organizations and acked.meetings
    finally:
        server.stop()
