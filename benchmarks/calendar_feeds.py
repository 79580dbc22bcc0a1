"""Calendar feed latency in an event of 5,000 meetings, on SQLite, through the ASGI app.

    python benchmarks/calendar_feeds.py [--participants 1000] [--iterations 2000]
                                        [--cold-iterations 300] [--seed 7]

Builds a SQLite database through the migrations with the reference data, then inserts
directly through the models: one event, a plenary, two B2B sessions of five 20-minute
slots with `participants / 2` tables each, `participants` organisations and participants
(half Vietnamese hosts, half Korean guests, so every meeting needs a Korean interpreter)
and 10 meetings per participant (5,000 for 1,000 participants), each with its two seats.

Every request goes through the whole app (middleware, routing, dependencies, database)
by calling it as an ASGI callable, without a network or an HTTP client in between, so
the figures are the server's own time. Measured, each over random participants:

- participant feed, 200, stored body current (the common refresh after a change elsewhere
  in the event was already served once);
- participant feed, 304 for If-None-Match (the common refresh of an unchanged feed);
- the same two checked by the fingerprint query, as when the data version has moved since
  the body was last checked (a write anywhere in the database);
- participant feed, 200, built on every request (the cache disabled): the baseline the
  fingerprint-and-cache path is compared with, and what the first fetch after a change
  costs;
- the public programme, and one table's and all meetings' organiser feeds, built cold.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlmodel import Session  # noqa: E402

from service.calendars.feed_cache import Feed, FeedCache  # noqa: E402
from service.calendars.router import feed_cache  # noqa: E402
from service.core.database import make_engine  # noqa: E402
from service.core.migrations import upgrade  # noqa: E402
from service.core.security import hash_token, new_token  # noqa: E402
from service.core.settings import Settings  # noqa: E402
from service.events.models import Event, EventSession, SessionKind  # noqa: E402
from service.events.service import slot_times  # noqa: E402
from service.main import create_app  # noqa: E402
from service.meetings.models import Meeting, MeetingSeat, MeetingSource  # noqa: E402
from service.organizations.models import Organization, OrganizationKind  # noqa: E402
from service.participants.models import Participant, Side  # noqa: E402
from service.seeding.reference_data import ensure_reference_data  # noqa: E402

ADMIN_TOKEN = "benchmark-admin-token-0123456789abcdef"
MEETINGS_PER_PARTICIPANT = 10
SLOTS_PER_SESSION = 5
HCM = timedelta(hours=7)


@dataclass
class Dataset:
    event_id: int
    tokens: list[str]
    meetings: int
    tables: int


def _session(event_id: int, title: str, start: datetime, tables: int) -> EventSession:
    return EventSession(
        event_id=event_id,
        title=title,
        title_en="B2B meetings",
        kind=SessionKind.b2b,
        starts_at=start,
        ends_at=start + timedelta(minutes=SLOTS_PER_SESSION * 25 - 5),
        location="Sảnh B",
        slot_minutes=20,
        break_minutes=5,
        tables=tables,
        interpreters={"ko": 40},
    )


def build_dataset(url: str, participants: int, rng: random.Random) -> Dataset:
    upgrade(url)
    engine = make_engine(url)
    hosts = participants // 2
    with Session(engine) as db:
        ensure_reference_data(session=db)
        event = Event(
            name="Gặp gỡ Hàn Quốc 2026",
            name_en="Meet Korea 2026",
            partner_country="KR",
            venue="Trung tâm Hội nghị tỉnh Bắc Ninh",
            timezone="Asia/Ho_Chi_Minh",
            start_date=date(2026, 12, 10),
            end_date=date(2026, 12, 11),
            host_province_code="24",
        )
        db.add(event)
        db.flush()
        day = datetime(2026, 12, 10, tzinfo=UTC) - HCM
        db.add(
            EventSession(
                event_id=event.id,  # type: ignore[arg-type]
                title="Phiên toàn thể",
                title_en="Plenary session",
                kind=SessionKind.plenary,
                starts_at=day + timedelta(hours=8),
                ends_at=day + timedelta(hours=9, minutes=30),
                location="Hội trường A",
            )
        )
        morning, afternoon = day + timedelta(hours=9, minutes=45), day + timedelta(hours=14)
        sessions = [
            _session(event.id, "Kết nối buổi sáng", morning, hosts),  # type: ignore[arg-type]
            _session(event.id, "Kết nối buổi chiều", afternoon, hosts),  # type: ignore[arg-type]
        ]
        db.add_all(sessions)
        db.flush()

        tokens, people = [], []
        for i in range(participants):
            host = i < hosts
            org = Organization(
                kind=OrganizationKind.company,
                name=f"Công ty CP Đông Á {i}" if host else f"Hanbit Semicon {i}",
                name_en=f"Dong A JSC {i}" if host else None,
                country="VN" if host else "KR",
                languages=["vi"] if host else ["ko"],
                sectors=["C26"],
            )
            db.add(org)
            db.flush()
            token = new_token("mxp")
            tokens.append(token)
            person = Participant(
                event_id=event.id,  # type: ignore[arg-type]
                organization_id=org.id,  # type: ignore[arg-type]
                side=Side.host if host else Side.guest,
                delegates=[
                    {"name": f"Nguyễn Văn {i}", "title": "Giám đốc", "email": f"p{i}@x.example"},
                    {"name": f"Trần Thị {i}", "title": "Phó Giám đốc"},
                ],
                token_hash=hash_token(token),
            )
            people.append(person)
        db.add_all(people)
        db.flush()

        # Slot k of the ten: host h meets guest (h + 37k) mod hosts at table h + 1, so
        # every participant has exactly one meeting per slot and no table is shared.
        meetings: list[Meeting] = []
        for k in range(SLOTS_PER_SESSION * 2):
            event_session = sessions[k // SLOTS_PER_SESSION]
            slot = k % SLOTS_PER_SESSION + 1
            start, end = slot_times(event_session)[slot - 1]
            for h in range(hosts):
                guest = people[hosts + (h + 37 * k) % hosts]
                meetings.append(
                    Meeting(
                        event_id=event.id,  # type: ignore[arg-type]
                        session_id=event_session.id,  # type: ignore[arg-type]
                        slot=slot,
                        active_slot=slot,
                        table_no=h + 1,
                        starts_at=start,
                        ends_at=end,
                        participant_a_id=people[h].id,  # type: ignore[arg-type]
                        participant_b_id=guest.id,  # type: ignore[arg-type]
                        interpreter_language="ko",
                        source=MeetingSource.suggestion,
                        score=round(rng.random(), 3),
                    )
                )
        db.add_all(meetings)
        db.flush()
        db.add_all(
            MeetingSeat(
                meeting_id=m.id,  # type: ignore[arg-type]
                participant_id=pid,
                session_id=m.session_id,
                active_slot=m.active_slot,
            )
            for m in meetings
            for pid in (m.participant_a_id, m.participant_b_id)
        )
        db.commit()
        dataset = Dataset(
            event_id=event.id,  # type: ignore[arg-type]
            tokens=tokens,
            meetings=len(meetings),
            tables=hosts,
        )
    engine.dispose()
    return dataset


# ---------------------------------------------------------------- direct ASGI calls


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


async def call(app: Any, method: str, path: str, headers: dict[str, str] | None = None) -> Answer:
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("meetx.example", 443),
    }
    received = False
    status, response_headers, chunks = 0, {}, []

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received:
            await asyncio.sleep(3600)
        received = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, response_headers
        if message["type"] == "http.response.start":
            status = message["status"]
            response_headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return Answer(status, response_headers, b"".join(chunks))


class FingerprintOnly(FeedCache):
    """A feed cache that never trusts the data version: every request runs the fingerprint
    query, as the first request after any write does."""

    def current(self, feed_key: Any, *, version: int, now: datetime) -> Feed | None:
        return None


@dataclass
class Timing:
    wall_ms: list[float]
    cpu_ms_per_request: float


async def timed(requests: list[tuple[str, dict[str, str]]], app: Any, expect: int) -> Timing:
    """Wall time of each request, and the process's CPU time per request over the batch
    (all threads): on a shared machine the CPU figure shows the work done, the wall
    figures also show waiting for a core."""
    times = []
    cpu_started = time.process_time()
    for path, headers in requests:
        started = time.perf_counter()
        answer = await call(app, "GET", path, headers)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status != expect:
            raise SystemExit(f"{path}: expected {expect}, got {answer.status}: {answer.body!r}")
    cpu = (time.process_time() - cpu_started) * 1000 / len(requests)
    return Timing(times, cpu)


def summary(label: str, timing: Timing) -> str:
    times = timing.wall_ms
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"| {label} | {len(times)} | {statistics.median(times):.2f} | {p95:.2f} "
        f"| {ordered[0]:.2f} | {timing.cpu_ms_per_request:.2f} |"
    )


async def run(args: argparse.Namespace, url: str, dataset: Dataset) -> list[str]:
    settings = Settings(
        database_url=url,
        admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
        public_url="https://meetx.example",
        log_level="WARNING",
    )
    app = create_app(settings)
    rng = random.Random(args.seed)
    feeds = [f"/api/v1/calendars/{t}.ics" for t in dataset.tokens]

    def sample(n: int) -> list[str]:
        return [rng.choice(feeds) for _ in range(n)]

    rows = []
    # Warm up: every feed built once and stored, connections and statement caches primed.
    etags = {}
    for path in feeds:
        answer = await call(app, "GET", path)
        etags[path] = answer.headers["etag"]
    size = len((await call(app, "GET", feeds[0])).body)

    def plain(paths: list[str]) -> list[tuple[str, dict[str, str]]]:
        return [(p, {}) for p in paths]

    n = args.iterations
    rows.append(
        summary("participant feed, 200, body stored", await timed(plain(sample(n)), app, 200))
    )
    conditional = [(p, {"If-None-Match": etags[p]}) for p in sample(n)]
    rows.append(
        summary("participant feed, 304 (If-None-Match)", await timed(conditional, app, 304))
    )
    since = [(p, {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}) for p in sample(n)]
    rows.append(summary("participant feed, 304 (If-Modified-Since)", await timed(since, app, 304)))

    # The path taken after a write anywhere: the version no longer vouches for the stored
    # body, so the fingerprint query decides.
    fingerprinted = FingerprintOnly()
    app.dependency_overrides[feed_cache] = lambda: fingerprinted
    for path in feeds:
        await call(app, "GET", path)
    rows.append(
        summary(
            "participant feed, 200, body stored, checked by fingerprint",
            await timed(plain(sample(n)), app, 200),
        )
    )
    conditional = [(p, {"If-None-Match": etags[p]}) for p in sample(n)]
    rows.append(
        summary(
            "participant feed, 304 (If-None-Match), checked by fingerprint",
            await timed(conditional, app, 304),
        )
    )

    # Baseline: the same requests with a cache that keeps nothing, so every request
    # builds the feed from the rows (what each request cost without the fingerprint).
    app.dependency_overrides[feed_cache] = lambda: FeedCache(max_feeds=0)
    cold = await timed(plain(sample(args.cold_iterations)), app, 200)
    rows.append(summary("participant feed, 200, built every time (baseline)", cold))
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    base = f"/api/v1/events/{dataset.event_id}"
    programme = [(f"{base}/calendar.ics", {})] * 50
    rows.append(summary("programme, 200, built every time", await timed(programme, app, 200)))
    tables = [
        (f"{base}/calendars/tables/{rng.randint(1, dataset.tables)}.ics", admin) for _ in range(10)
    ]
    rows.append(summary("one table (10 meetings), built every time", await timed(tables, app, 200)))
    everything = [(f"{base}/calendars/all.ics", admin)]
    label = f"all {dataset.meetings} meetings"
    rows.append(summary(f"{label}, built", await timed(everything, app, 200)))
    del app.dependency_overrides[feed_cache]
    await timed(everything, app, 200)  # stores it
    rows.append(summary(f"{label}, body stored", await timed(everything * 20, app, 200)))
    rows.append(f"\nparticipant feed size: {size} bytes")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--cold-iterations", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        started = time.perf_counter()
        dataset = build_dataset(url, args.participants, rng)
        print(
            f"dataset: {args.participants} participants, {dataset.meetings} meetings, "
            f"{dataset.tables} tables x {SLOTS_PER_SESSION * 2} slots, built in "
            f"{time.perf_counter() - started:.1f} s; python {platform.python_version()}"
        )
        rows = asyncio.run(run(args, url, dataset))
    print("| request | n | median ms | p95 ms | min ms | CPU ms/request |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
