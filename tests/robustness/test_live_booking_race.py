"""Concurrent acceptances in a live-booking event: the database settles every race.

Against a real server (SQLite with one worker, PostgreSQL with two worker processes),
two crowds accept at the same instant:
- 50 guests' requests to one host who has only 4 slots;
- 50 requests between distinct pairs whose guests speak only Korean, in a session of
  4 slots, 3 tables and 2 Korean interpreters (at most 8 such meetings).
Nothing but the UNIQUE constraints (tables, participants' seats, interpreter seats) can
stop a double booking: afterwards no participant, table or interpreter is booked twice,
every acceptance answered 200, every request has a meeting or a stated reason, and a
scheduler run moves none of the live bookings.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.robustness.seed import API, create_event, created
from tests.robustness.servers import (
    ServerProcess,
    fresh_postgres_database,
    postgres_unavailable_reason,
    running_server,
    sqlite_url,
)

CROWD = 50
SLOTS = 4
TABLES = 3
KOREAN_INTERPRETERS = 2


@dataclass
class Live:
    server: ServerProcess
    engine: sa.Engine
    event_id: int
    session_id: int


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    workdir = tmp_path_factory.mktemp(f"live-{request.param}")
    if request.param == "sqlite":
        yield from _live_on(sqlite_url(workdir), workdir, workers=1)
        return
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    with fresh_postgres_database() as url:
        yield from _live_on(url, workdir, workers=2)


def _live_on(url: str, workdir: Any, *, workers: int) -> Iterator[Live]:
    with running_server(url, workdir=workdir, workers=workers, log_level="WARNING") as server:
        headers = server.admin_headers
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            event_id = create_event(client, headers)
            session = created(
                client.post(
                    f"{API}/events/{event_id}/sessions",
                    json={
                        "title": "Kết nối doanh nghiệp",
                        "kind": "b2b",
                        "starts_at": "2026-12-10T09:00:00+07:00",
                        "ends_at": "2026-12-10T10:20:00+07:00",
                        "slot_minutes": 20,
                        "tables": TABLES,
                        "interpreters": {"ko": KOREAN_INTERPRETERS},
                    },
                    headers=headers,
                )
            )
            patched = client.patch(
                f"{API}/events/{event_id}", json={"booking_mode": "live"}, headers=headers
            )
            assert patched.status_code == 200, patched.text
        engine = sa.create_engine(url)
        try:
            yield Live(server, engine, event_id, int(session["id"]))
        finally:
            engine.dispose()


def _participant(client: httpx.Client, live: Live, name: str, country: str, langs: list) -> int:
    headers = live.server.admin_headers
    org: dict[str, Any] = {"kind": "company", "name": name, "country": country, "languages": langs}
    if country == "VN":
        org["province_code"] = 24
    org_id = created(client.post(f"{API}/organizations", json=org, headers=headers))["id"]
    body = {"organization_id": org_id, "delegates": [{"name": f"Đại diện {name}"}]}
    return int(
        created(
            client.post(f"{API}/events/{live.event_id}/participants", json=body, headers=headers)
        )["id"]
    )


def _request(client: httpx.Client, live: Live, guest: int, host: int) -> int:
    body = {"from_participant_id": guest, "to_participant_id": host}
    response = client.post(
        f"{API}/events/{live.event_id}/meeting-requests",
        json=body,
        headers=live.server.admin_headers,
    )
    return int(created(response)["id"])


def test_concurrent_acceptances_never_double_book(live: Live) -> None:
    requests: list[int] = []
    with httpx.Client(base_url=live.server.base_url, timeout=60) as client:
        star = _participant(client, live, "Tỉnh Bắc Ninh", "VN", ["vi", "en"])
        for i in range(CROWD):
            guest = _participant(client, live, f"Hanbit {i}", "KR", ["ko", "en"])
            requests.append(_request(client, live, guest, star))
        for i in range(CROWD):
            host = _participant(client, live, f"Công ty Bắc Ninh {i}", "VN", ["vi"])
            guest = _participant(client, live, f"Daehan {i}", "KR", ["ko"])
            requests.append(_request(client, live, guest, host))

    barrier = threading.Barrier(len(requests))
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=len(requests))
    with httpx.Client(base_url=live.server.base_url, limits=limits, timeout=120) as client:

        def accept(request_id: int) -> httpx.Response:
            barrier.wait()
            return client.post(
                f"{API}/meeting-requests/{request_id}/accept", headers=live.server.admin_headers
            )

        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            answers = list(pool.map(accept, requests))

    assert [a.status_code for a in answers] == [200] * len(answers), [
        a.text for a in answers if a.status_code != 200
    ][:3]
    booked = [a.json()["meeting"] for a in answers if a.json()["meeting"]]
    for answer in answers:
        body = answer.json()
        assert body["status"] == "accepted"
        assert body["meeting"] is not None or body["unplaced_reason"]["vi"]
    # The star has 4 slots; the Korean-only pairs share 4 x 2 interpreters.
    star_meetings = [m for m in booked if star in m["participants"]]
    assert len(star_meetings) == SLOTS
    korean = [m for m in booked if m["interpreter_language"] == "ko"]
    assert len(korean) == SLOTS * KOREAN_INTERPRETERS

    with live.engine.connect() as db:
        twice = db.execute(
            sa.text(
                "SELECT participant_id, active_slot FROM meeting_seat "
                "WHERE active_slot IS NOT NULL "
                "GROUP BY participant_id, session_id, active_slot HAVING COUNT(*) > 1"
            )
        ).all()
        tables = db.execute(
            sa.text(
                "SELECT active_slot, COUNT(*) FROM meeting WHERE active_slot IS NOT NULL "
                "GROUP BY session_id, active_slot"
            )
        ).all()
        interpreters = db.execute(
            sa.text(
                "SELECT active_slot, COUNT(*) FROM meeting WHERE active_slot IS NOT NULL "
                "AND interpreter_language = 'ko' GROUP BY session_id, active_slot"
            )
        ).all()
        seats = db.execute(sa.text("SELECT COUNT(*) FROM interpreter_seat")).scalar_one()
        without = db.execute(
            sa.text(
                "SELECT COUNT(*) FROM meeting_request r WHERE r.event_id = :e "
                "AND r.status = 'accepted' AND r.unplaced_reason IS NULL AND NOT EXISTS "
                "(SELECT 1 FROM meeting m WHERE m.request_id = r.id AND m.active_slot IS NOT NULL)"
            ),
            {"e": live.event_id},
        ).scalar_one()
        orphans = db.execute(
            sa.text(
                "SELECT m.id FROM meeting m LEFT JOIN meeting_seat s ON s.meeting_id = m.id "
                "GROUP BY m.id HAVING COUNT(s.id) <> 2"
            )
        ).all()
    assert twice == []
    assert all(n <= TABLES for _, n in tables), tables
    assert all(n <= KOREAN_INTERPRETERS for _, n in interpreters), interpreters
    assert seats == len(korean)
    assert without == 0
    assert orphans == []

    # The organiser's scheduler afterwards moves none of them.
    before = {m["id"]: (m["slot"], m["table"], m["sequence"]) for m in booked}
    report = httpx.post(
        f"{live.server.base_url}{API}/events/{live.event_id}/schedule",
        json={"fill": False, "time_limit_s": 5},
        headers=live.server.admin_headers,
        timeout=120,
    )
    assert report.status_code == 200, report.text
    assert report.json()["moved"] == 0 and report.json()["cancelled"] == 0
    listed = httpx.get(
        f"{live.server.base_url}{API}/events/{live.event_id}/meetings",
        params={"limit": 200},
        headers=live.server.admin_headers,
        timeout=60,
    ).json()["items"]
    after = {m["id"]: (m["slot"], m["table"], m["sequence"]) for m in listed}
    assert {k: after[k] for k in before} == before


def test_a_crowd_keeps_a_hosts_cap_and_answers_a_request_once(live: Live) -> None:
    """No constraint guards `max_meetings` or a request's status: 20 acceptances for a
    host capped at 2 meetings book exactly 2, and one request accepted 10 times and
    declined 10 times at the same instant is answered once (the rest 409) with at most
    one meeting. Bookings lock the pair's participants and an answer locks its request,
    so neither decision is made from a read another commit has overtaken."""
    headers = live.server.admin_headers
    with httpx.Client(base_url=live.server.base_url, timeout=60) as client:
        # A session of its own: the first test may have filled the shared one.
        created(
            client.post(
                f"{API}/events/{live.event_id}/sessions",
                json={
                    "title": "Kết nối doanh nghiệp buổi chiều",
                    "kind": "b2b",
                    "starts_at": "2026-12-10T14:00:00+07:00",
                    "ends_at": "2026-12-10T16:00:00+07:00",
                    "slot_minutes": 20,
                    "tables": 40,
                },
                headers=headers,
            )
        )
        capped = _participant(client, live, "Công ty Thuận Thành", "VN", ["vi", "en"])
        patched = client.patch(
            f"{API}/events/{live.event_id}/participants/{capped}",
            json={"max_meetings": 2},
            headers=headers,
        )
        assert patched.status_code == 200, patched.text
        to_capped = [
            _request(client, live, _participant(client, live, f"Samil {i}", "KR", ["en"]), capped)
            for i in range(20)
        ]
        guest = _participant(client, live, "Doosan Vina", "KR", ["en"])
        host = _participant(client, live, "Công ty Quế Võ", "VN", ["en"])
        contested = _request(client, live, guest, host)

    # Each acceptance asks for another of the session's six slots: without the lock they
    # would not even collide on a seat.
    starts = [f"2026-12-10T{14 + m // 60:02d}:{m % 60:02d}:00+07:00" for m in range(0, 120, 20)]
    calls = [("accept", r, starts[i % len(starts)]) for i, r in enumerate(to_capped)]
    calls += [("accept", contested, None)] * 10 + [("decline", contested, None)] * 10
    barrier = threading.Barrier(len(calls))
    limits = httpx.Limits(max_connections=len(calls), max_keepalive_connections=len(calls))
    with httpx.Client(base_url=live.server.base_url, limits=limits, timeout=120) as client:

        def answer(call: tuple[str, int, str | None]) -> httpx.Response:
            action, request_id, starts_at = call
            body = {"starts_at": starts_at} if starts_at else None
            barrier.wait()
            return client.post(
                f"{API}/meeting-requests/{request_id}/{action}", json=body, headers=headers
            )

        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            answers = list(pool.map(answer, calls))

    capped_answers = answers[: len(to_capped)]
    assert [a.status_code for a in capped_answers] == [200] * len(to_capped)
    assert sum(1 for a in capped_answers if a.json()["meeting"]) == 2
    contested_answers = answers[len(to_capped) :]
    statuses = sorted(a.status_code for a in contested_answers)
    assert statuses == [200] + [409] * (len(contested_answers) - 1), statuses
    with live.engine.connect() as db:
        capped_meetings = db.execute(
            sa.text(
                "SELECT COUNT(*) FROM meeting_seat WHERE participant_id = :p "
                "AND active_slot IS NOT NULL"
            ),
            {"p": capped},
        ).scalar_one()
        contested_meetings = db.execute(
            sa.text("SELECT COUNT(*) FROM meeting WHERE request_id = :r"), {"r": contested}
        ).scalar_one()
    assert capped_meetings == 2
    assert contested_meetings <= 1
