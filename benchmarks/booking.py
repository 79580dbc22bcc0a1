"""Live booking under load: accepts by 200 clients, free times of a pair, double bookings.

    python benchmarks/booking.py [--backend sqlite|postgresql|both] [--participants 1000]
                                 [--clients 200] [--rate 50] [--per-client 3]
                                 [--prefill 1500] [--pairs 300]

For each backend it starts `meetx serve` on loopback (SQLite: one worker; PostgreSQL: two
workers on a fresh database), builds a live-booking event of `--participants` firms (two
b2b sessions of 9 and 10 slots, 150 tables, a 20-strong Korean interpreter pool, a third of
the guests speaking only Korean) and books `--prefill` meetings through accepted
requests, so the occupancy reads are not run on empty tables. Then:

- free times: `--pairs` random host-guest pairs, GET .../free-times?with= one after the
  other (median, p99 of the server's answer);
- accepts, one client: `--pairs` acceptances one after the other (the cost of one accept,
  no queue);
- accepts, open loop: `--clients` clients (threads, each with its own connection, all
  built before the clock starts), each accepting `--per-client` requests (to random
  partners, some hosts asked by many) at an offered total of `--rate` accepts/s;
  latency from each request's scheduled send time; how late the generator itself sent
  them is printed beside it;
- accepts, burst: `--clients` acceptances released by one barrier, each on a connection
  opened beforehand, latency from the release (every one waits for the others' writes:
  this shows the queue, not a single accept);
- double bookings: participants, tables and interpreters counted per slot in SQL.
- baseline, in-process on the same database: the free slots of the same pairs computed by
  the service (indexed reads of the pair's seats and the slots' occupancy) and by a scan
  that loads every live meeting of the event and counts in Python.

The load average at the start of each run is printed beside the figures.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import ssl
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlmodel import Session, select  # noqa: E402

from service.booking.service import availability  # noqa: E402
from service.core.database import make_engine  # noqa: E402
from service.events.models import Event, SessionKind  # noqa: E402
from service.events.service import list_sessions  # noqa: E402
from service.meetings.models import Meeting  # noqa: E402
from service.participants.models import Participant  # noqa: E402
from service.scheduling.grid import build_grid, unavailable_slots  # noqa: E402
from tests.robustness.seed import (  # noqa: E402
    API,
    Registered,
    create_event,
    created,
    register_participants_in_database,
)
from tests.robustness.servers import (  # noqa: E402
    ServerProcess,
    fresh_postgres_database,
    postgres_unavailable_reason,
    running_server,
    sqlite_url,
)

TABLES = 150
KOREAN_INTERPRETERS = 20
SESSIONS = (
    ("2026-12-10T08:30:00+07:00", "2026-12-10T11:30:00+07:00"),  # 9 slots of 20 min
    ("2026-12-10T13:30:00+07:00", "2026-12-10T16:50:00+07:00"),  # 10 slots
)


# One TLS context for every client: httpx builds one per Client otherwise (loading the CA
# bundle, about 40 ms of CPU each), which with 200 clients made the load generator, not the
# server, the slowest part of the open loop.
_TLS = ssl.create_default_context()


def http_client(base_url: str, **kwargs: object) -> httpx.Client:
    return httpx.Client(base_url=base_url, verify=_TLS, **kwargs)  # type: ignore[arg-type]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"n={len(ms)} min={min(ms):.1f} median={statistics.median(ms):.1f} "
        f"p99={percentile(ms, 0.99):.1f} max={max(ms):.1f} ms"
    )


@dataclass
class Setup:
    server: ServerProcess
    url: str
    event_id: int
    hosts: list[Registered]
    guests: list[Registered]


def build(server: ServerProcess, url: str, participants: int) -> Setup:
    headers = server.admin_headers
    with http_client(server.base_url, timeout=60) as client:
        event_id = create_event(client, headers)
        for starts_at, ends_at in SESSIONS:
            created(
                client.post(
                    f"{API}/events/{event_id}/sessions",
                    json={
                        "title": "Kết nối doanh nghiệp",
                        "kind": "b2b",
                        "starts_at": starts_at,
                        "ends_at": ends_at,
                        "slot_minutes": 20,
                        "tables": TABLES,
                        "interpreters": {"ko": KOREAN_INTERPRETERS},
                    },
                    headers=headers,
                )
            )
        patched = client.patch(
            f"{API}/events/{event_id}",
            json={"booking_mode": "live", "max_pending_requests": 1000},
            headers=headers,
        )
        assert patched.status_code == 200, patched.text
    registered = register_participants_in_database(url, event_id, participants)
    guests = registered[0::2]
    hosts = registered[1::2]
    # A third of the guests speak only Korean: their meetings need an interpreter.
    engine = make_engine(url)
    with engine.begin() as db:
        ids = [g.organization_id for g in guests[::3]]
        db.execute(
            sa.text("UPDATE organization SET languages = :l WHERE id = :id"),
            [{"l": '["ko"]', "id": i} for i in ids],
        )
    engine.dispose()
    return Setup(server, url, event_id, hosts, guests)


def make_requests(setup: Setup, pairs: list[tuple[Registered, Registered]]) -> list[int]:
    headers = setup.server.admin_headers

    limits = httpx.Limits(max_connections=8)
    with http_client(setup.server.base_url, timeout=60, limits=limits) as client:

        def one(pair: tuple[Registered, Registered]) -> int | None:
            guest, host = pair
            response = client.post(
                f"{API}/events/{setup.event_id}/meeting-requests",
                json={
                    "from_participant_id": guest.participant_id,
                    "to_participant_id": host.participant_id,
                },
                headers=headers,
            )
            return int(response.json()["id"]) if response.status_code == 201 else None

        with ThreadPoolExecutor(max_workers=8) as pool:
            return [r for r in pool.map(one, pairs) if r is not None]


def random_pairs(
    setup: Setup, count: int, rng: random.Random, used: set[tuple[int, int]]
) -> list[tuple[Registered, Registered]]:
    pairs = []
    # A tenth of the hosts draw most requests: they run out of slots first.
    popular = setup.hosts[: max(1, len(setup.hosts) // 10)]
    while len(pairs) < count:
        guest = rng.choice(setup.guests)
        host = rng.choice(popular if rng.random() < 0.5 else setup.hosts)
        key = (guest.participant_id, host.participant_id)
        if key in used:
            continue
        used.add(key)
        pairs.append((guest, host))
    return pairs


def accept_all(setup: Setup, request_ids: list[int], workers: int = 8) -> None:
    limits = httpx.Limits(max_connections=workers)
    with http_client(setup.server.base_url, timeout=60, limits=limits) as client:

        def one(request_id: int) -> None:
            client.post(
                f"{API}/meeting-requests/{request_id}/accept", headers=setup.server.admin_headers
            )

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, request_ids))


def free_times(setup: Setup, pairs: list[tuple[Registered, Registered]]) -> list[float]:
    latencies = []
    with http_client(setup.server.base_url, timeout=60) as client:
        for guest, host in pairs:
            started = time.perf_counter()
            response = client.get(
                f"{API}/events/{setup.event_id}/participants/{host.participant_id}/free-times",
                params={"with": guest.participant_id},
                headers=host.headers,
            )
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return latencies


@dataclass
class Run:
    latencies: list[float]  # from each request's scheduled (or released) send time
    outcomes: Counter
    late: list[float]  # how late the load generator sent each request: its own lag


def _outcome(response: httpx.Response) -> str:
    body = response.json() if response.status_code == 200 else {}
    kind = "booked" if body.get("meeting") else "reason" if body else "error"
    return f"{response.status_code} {kind}"


def open_loop(setup: Setup, batches: list[list[int]], rate: float) -> Run:
    """Each client accepts its requests in turn; sends are scheduled at `rate` in total.

    Every client (its own connection) and thread exists before the first scheduled send,
    so building them is not counted; latency runs from each request's scheduled time, so a
    late send by the generator counts against the server too, and is reported apart."""
    schedule: list[tuple[float, int, int]] = []
    interval = 1.0 / rate
    for index, (client_no, request_id) in enumerate(
        (c, r) for round_ in itertools.zip_longest(*batches) for c, r in enumerate(round_) if r
    ):
        schedule.append((index * interval, client_no, request_id))
    by_client: dict[int, list[tuple[float, int]]] = {}
    for at, client_no, request_id in schedule:
        by_client.setdefault(client_no, []).append((at, request_id))
    run = Run([], Counter(), [])
    lock = threading.Lock()
    clients = [http_client(setup.server.base_url, timeout=120) for _ in by_client]
    ready = threading.Barrier(len(by_client) + 1)
    start = 0.0

    def client_run(client: httpx.Client, items: list[tuple[float, int]]) -> None:
        ready.wait()
        for at, request_id in items:
            delay = start + at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            late = time.perf_counter() - (start + at)
            response = client.post(
                f"{API}/meeting-requests/{request_id}/accept",
                headers=setup.server.admin_headers,
            )
            elapsed = time.perf_counter() - (start + at)
            outcome = _outcome(response)
            with lock:
                run.latencies.append(elapsed)
                run.late.append(late)
                run.outcomes[outcome] += 1

    threads = [
        threading.Thread(target=client_run, args=(client, items))
        for client, items in zip(clients, by_client.values(), strict=True)
    ]
    for thread in threads:
        thread.start()
    start = time.perf_counter() + 0.5
    ready.wait()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    return run


def burst(setup: Setup, request_ids: list[int]) -> Run:
    """All accepts released at one instant by a barrier, each on a connection opened
    beforehand; latency from the release."""
    run = Run([], Counter(), [])
    lock = threading.Lock()
    released: list[float] = []
    barrier = threading.Barrier(
        len(request_ids), action=lambda: released.append(time.perf_counter())
    )
    clients = [http_client(setup.server.base_url, timeout=120) for _ in request_ids]

    def one(client: httpx.Client, request_id: int) -> None:
        client.get("/healthz")  # the connection is open before the release
        barrier.wait()
        late = time.perf_counter() - released[0]
        response = client.post(
            f"{API}/meeting-requests/{request_id}/accept", headers=setup.server.admin_headers
        )
        elapsed = time.perf_counter() - released[0]
        outcome = _outcome(response)
        with lock:
            run.latencies.append(elapsed)
            run.late.append(late)
            run.outcomes[outcome] += 1

    threads = [
        threading.Thread(target=one, args=(client, request_id))
        for client, request_id in zip(clients, request_ids, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    return run


def double_bookings(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as db:
        participants = db.execute(
            sa.text(
                "SELECT COUNT(*) FROM (SELECT 1 FROM meeting_seat WHERE active_slot IS NOT NULL "
                "GROUP BY participant_id, session_id, active_slot HAVING COUNT(*) > 1) x"
            )
        ).scalar_one()
        tables = db.execute(
            sa.text(
                "SELECT COUNT(*) FROM (SELECT 1 FROM meeting WHERE active_slot IS NOT NULL "
                "GROUP BY session_id, active_slot, table_no HAVING COUNT(*) > 1) x"
            )
        ).scalar_one()
        interpreters = db.execute(
            sa.text(
                "SELECT COUNT(*) FROM (SELECT 1 FROM meeting WHERE active_slot IS NOT NULL "
                "AND interpreter_language = 'ko' GROUP BY session_id, active_slot "
                f"HAVING COUNT(*) > {KOREAN_INTERPRETERS}) x"
            )
        ).scalar_one()
        meetings = db.execute(
            sa.text("SELECT COUNT(*) FROM meeting WHERE active_slot IS NOT NULL")
        ).scalar_one()
        silent = db.execute(
            sa.text(
                "SELECT COUNT(*) FROM meeting_request r WHERE r.status = 'accepted' "
                "AND r.unplaced_reason IS NULL AND NOT EXISTS (SELECT 1 FROM meeting m "
                "WHERE m.request_id = r.id AND m.active_slot IS NOT NULL)"
            )
        ).scalar_one()
    engine.dispose()
    return {
        "meetings": meetings,
        "participant_double": participants,
        "table_double": tables,
        "interpreter_over_pool": interpreters,
        "accepted_without_meeting_or_reason": silent,
    }


def scan_free_slots(session: Session, event: Event, a: Participant, b: Participant) -> list:
    """The baseline: every live meeting of the event loaded and counted in Python."""
    sessions = list_sessions(session=session, event_id=event.id)  # type: ignore[arg-type]
    grid = build_grid(sessions)
    plenaries = [s for s in sessions if s.kind is SessionKind.plenary]
    meetings = session.exec(
        select(Meeting).where(Meeting.event_id == event.id, Meeting.active_slot.is_not(None))  # type: ignore[union-attr]
    ).all()
    tables: Counter = Counter()
    busy: set[int] = set()
    counts: Counter = Counter()
    for m in meetings:
        number = grid.number(m.session_id, m.slot)
        tables[number] += 1
        for p in (m.participant_a_id, m.participant_b_id):
            counts[p] += 1
            if p in (a.id, b.id):
                busy.add(number)  # type: ignore[arg-type]
    blocked = busy.union(
        *(
            unavailable_slots(grid, p.unavailable or [], p.attends_plenary, plenaries)
            for p in (a, b)
        )
    )
    return [s for s in grid.slots if s.number not in blocked and tables[s.number] < s.tables]


def in_process(url: str, event_id: int, pairs: list[tuple[Registered, Registered]]) -> dict:
    engine = make_engine(url)
    timings: dict[str, list[float]] = {"indexed": [], "scan": []}
    with Session(engine) as session:
        event = session.get(Event, event_id)
        for guest, host in pairs:
            a = session.get(Participant, host.participant_id)
            b = session.get(Participant, guest.participant_id)
            started = time.perf_counter()
            availability(session=session, event=event, a=a, b=b)  # type: ignore[arg-type]
            timings["indexed"].append(time.perf_counter() - started)
            started = time.perf_counter()
            scan_free_slots(session, event, a, b)  # type: ignore[arg-type]
            timings["scan"].append(time.perf_counter() - started)
            session.rollback()
    engine.dispose()
    return timings


def run(backend: str, args: argparse.Namespace) -> None:
    rng = random.Random(14)
    workdir = Path(tempfile.mkdtemp(prefix=f"meetx-booking-{backend}-"))
    print(f"\n## {backend}  (load average at start: {os.getloadavg()})", flush=True)

    def body(url: str, workers: int) -> None:
        with running_server(url, workdir=workdir, workers=workers, log_level="WARNING") as server:
            setup = build(server, url, args.participants)
            used: set[tuple[int, int]] = set()
            prefill = make_requests(setup, random_pairs(setup, args.prefill, rng, used))
            accept_all(setup, prefill)
            print(f"prefill: {double_bookings(url)}", flush=True)
            sample = random_pairs(setup, args.pairs, rng, set(used))
            print(f"free-times over HTTP: {summary(free_times(setup, sample))}", flush=True)
            timings = in_process(url, setup.event_id, sample)
            print(f"free slots in-process, indexed: {summary(timings['indexed'])}")
            print(f"free slots in-process, scan baseline: {summary(timings['scan'])}", flush=True)
            ids = make_requests(setup, random_pairs(setup, args.pairs, rng, used))
            latencies = []
            with http_client(server.base_url, timeout=60) as client:
                for request_id in ids:
                    started = time.perf_counter()
                    client.post(
                        f"{API}/meeting-requests/{request_id}/accept", headers=server.admin_headers
                    )
                    latencies.append(time.perf_counter() - started)
            print(f"accept, one client, one at a time: {summary(latencies)}", flush=True)
            total = args.clients * args.per_client
            ids = make_requests(setup, random_pairs(setup, total, rng, used))
            batches = [ids[i :: args.clients] for i in range(args.clients)]
            print(f"load average before the accepts: {os.getloadavg()}")
            loop = open_loop(setup, batches, args.rate)
            print(
                f"accept, {args.clients} clients open loop at {args.rate}/s: "
                f"{summary(loop.latencies)} {dict(loop.outcomes)}\n"
                f"  sent late by the load generator: {summary(loop.late)}",
                flush=True,
            )
            print(f"load average after the open loop: {os.getloadavg()}")
            ids = make_requests(setup, random_pairs(setup, args.clients, rng, used))
            released = burst(setup, ids)
            print(
                f"accept, {len(ids)} at once (burst): {summary(released.latencies)} "
                f"{dict(released.outcomes)}\n"
                f"  sent late by the load generator: {summary(released.late)}",
                flush=True,
            )
            print(f"after: {double_bookings(url)}", flush=True)

    if backend == "sqlite":
        body(sqlite_url(workdir), 1)
        return
    reason = postgres_unavailable_reason()
    if reason:
        print(f"skipped: {reason}")
        return
    with fresh_postgres_database("meetx_bench") as url:
        body(url, 2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--per-client", type=int, default=3)
    parser.add_argument("--prefill", type=int, default=1500)
    parser.add_argument("--pairs", type=int, default=300)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run(backend, args)


if __name__ == "__main__":
    main()
