"""Agenda reads and calendar feed fetches by 200 concurrent clients, at a fixed rate.

    python benchmarks/load.py [--backend sqlite|postgresql|both] [--rates 300 100]
                              [--duration 20] [--clients 200] [--participants 300]

For each backend it starts `meetx serve` on loopback (SQLite: one worker; PostgreSQL:
two workers on a fresh database at 127.0.0.1:5432), registers an event with
`--participants` firms and a realistic agenda (two B2B sessions, 40 tables, about four
meetings per firm), then runs:

- a baseline: GET /healthz (one SELECT 1) at the offered rate;
- the workload at each offered rate: half agenda reads
  (GET /api/v1/events/{id}/meetings?participant_id= with the participant's token), half
  private feed fetches (GET /api/v1/calendars/{token}.ics);
- the same workload at the first rate with revalidation, as calendar clients and browsers
  poll: a request for an address fetched before carries its ETag in If-None-Match;
- the same workload closed-loop (every client sends as soon as its answer arrived), to
  find the throughput ceiling.

Open-loop latencies are measured from each request's scheduled send time, so a server
that falls behind shows it in p99 instead of hiding it by slowing the clients down. Each
row also gives the server's CPU time per request (all its processes, from /proc) and
the machine's load average when the run started: on a shared machine the CPU cost per
request is the figure that does not move with the neighbours.
Everything stays on loopback; runs are bounded by --duration.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.robustness.seed import (  # noqa: E402
    API,
    Registered,
    create_b2b_session,
    create_event,
    register_participants_in_database,
)
from tests.robustness.servers import (  # noqa: E402
    ServerProcess,
    fresh_postgres_database,
    postgres_unavailable_reason,
    sqlite_url,
)

TABLES = 40
SLOTS_PER_SESSION = 8


@dataclass
class Target:
    server: ServerProcess
    event_id: int
    participants: list[Registered]


@dataclass
class Result:
    name: str
    offered_rate: float | None
    sent: int
    elapsed_s: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    server_cpu_s: float | None = None
    load_average: float | None = None

    def row(self) -> dict[str, object]:
        ok = sorted(self.latencies_ms)

        def pct(p: float) -> float:
            return round(ok[min(len(ok) - 1, int(p * len(ok)))], 1) if ok else float("nan")

        return {
            "run": self.name,
            "offered_req_s": self.offered_rate,
            "achieved_req_s": round(len(ok) / self.elapsed_s, 1),
            "requests": self.sent,
            "errors": sum(n for status, n in self.statuses.items() if status >= 400),
            "p50_ms": pct(0.50),
            "p90_ms": pct(0.90),
            "p99_ms": pct(0.99),
            "max_ms": round(ok[-1], 1) if ok else float("nan"),
            "mean_ms": round(statistics.fmean(ok), 1) if ok else float("nan"),
            "server_cpu_ms_per_req": (
                round(self.server_cpu_s * 1000 / self.sent, 2)
                if self.server_cpu_s is not None and self.sent
                else None
            ),
            "load_avg_1m": self.load_average,
        }


# ---------------------------------------------------------------- server CPU


def _cpu_seconds_of_tree(root: int) -> float | None:
    """User + system CPU of a process and its descendants (Linux /proc), so the cost of
    a request can be told apart from the latency other processes on the machine add."""
    proc = Path("/proc")
    if not proc.exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in stats.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    return sum(stats[pid][1] for pid in tree if pid in stats)


# ---------------------------------------------------------------- seeding


def _circle_rounds(ids: list[int], rounds: int) -> Iterator[list[tuple[int, int]]]:
    ring = list(ids)
    for _ in range(rounds):
        half = len(ring) // 2
        yield list(zip(ring[:half], reversed(ring[half:]), strict=True))
        ring = [ring[0], ring[-1], *ring[1:-1]]


def seed(server: ServerProcess, participants: int) -> Target:
    headers = server.admin_headers
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        event_id = create_event(client, headers)
        sessions = [
            create_b2b_session(
                client,
                headers,
                event_id,
                tables=TABLES,
                starts_at=f"2026-12-10T{start}:00+07:00",
                ends_at=f"2026-12-10T{end}:00+07:00",
                slot_minutes=20,
            )
            for start, end in (("09:00", "11:40"), ("14:00", "16:40"))
        ]
        registered = register_participants_in_database(server.database_url, event_id, participants)
        ids = [p.participant_id for p in registered]
        rounds = _circle_rounds(ids, SLOTS_PER_SESSION * len(sessions))
        for index, pairs in enumerate(rounds):
            session_id = sessions[index // SLOTS_PER_SESSION]
            slot = index % SLOTS_PER_SESSION + 1
            # Rotate who gets a table, so every firm ends up with a few meetings.
            offset = (index * TABLES) % len(pairs)
            for table, (a, b) in enumerate((pairs[offset:] + pairs[:offset])[:TABLES], 1):
                response = client.post(
                    f"{API}/events/{event_id}/meetings",
                    json={"participants": [a, b], "session_id": session_id, "slot": slot,
                          "table": table},
                    headers=headers,
                )  # fmt: skip
                if response.status_code != 201:
                    raise RuntimeError(f"seeding a meeting failed: {response.text}")
    return Target(server, event_id, registered)


# ---------------------------------------------------------------- load


Request = tuple[str, dict[str, str]]


def agenda_request(target: Target, p: Registered) -> Request:
    """A participant's agenda, read with its own token."""
    return f"{API}/events/{target.event_id}/meetings?participant_id={p.participant_id}", p.headers


def feed_request(p: Registered) -> Request:
    """A participant's private feed, as a calendar client fetches it (no header)."""
    return f"{API}/calendars/{p.token}.ics", {}


def workload(target: Target, rng: random.Random) -> Callable[[], Request]:
    def next_request() -> Request:
        p = rng.choice(target.participants)
        return agenda_request(target, p) if rng.random() < 0.5 else feed_request(p)

    return next_request


def everything(target: Target, passes: int) -> Callable[[], Request]:
    """Each participant's agenda, then each one's feed, `passes` times over."""
    agendas = [agenda_request(target, p) for p in target.participants]
    feeds = [feed_request(p) for p in target.participants]
    requests = iter((agendas + feeds) * passes)
    return lambda: next(requests)


def healthz(_: Target, __: random.Random) -> Callable[[], Request]:
    return lambda: ("/healthz", {})


class Connection:
    """One client's keep-alive HTTP/1.1 connection. A few lines of asyncio instead of a
    general client: at hundreds of requests per second on two cores, a pooled client's
    own CPU time would be measured as the server's latency."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, str | None]:
        """The status and the ETag, if any."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        fields = {
            name.strip().lower(): value.strip()
            for name, _, value in (h.partition(":") for h in header_lines if h)
        }
        if "content-length" in fields:
            await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return int(status_line.split(" ", 2)[1]), fields.get("etag")

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


async def _run(
    base_url: str,
    make_request: Callable[[], Request],
    *,
    clients: int,
    duration_s: float,
    rate: float | None,
    name: str,
    server_cpu: Callable[[], float | None] = lambda: None,
    revalidate: bool = False,
    count: int | None = None,
) -> Result:
    """Open loop at `rate`, or closed loop: for `duration_s`, or until `count` requests."""
    url = httpx.URL(base_url)
    connections = [Connection(url.host, url.port or 80) for _ in range(clients)]
    result = Result(name, rate, 0, duration_s)
    # Open all connections first: the run measures requests, not TCP handshakes.
    await asyncio.gather(*(c.get("/healthz", {}) for c in connections))
    tickets: asyncio.Queue[float | None] = asyncio.Queue()
    cpu_before = server_cpu()
    started = time.perf_counter()
    end = started + duration_s

    # The copy each address was last fetched with, as the participants' devices keep it.
    etags: dict[str, str] = {}

    async def one(connection: Connection, scheduled: float) -> None:
        path, headers = make_request()
        if revalidate and path in etags:
            headers = {**headers, "If-None-Match": etags[path]}
        try:
            status, etag = await connection.get(path, headers)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            await connection.close()
            status, etag = 599, None
        if etag is not None:
            etags[path] = etag
        result.statuses[status] += 1
        if 200 <= status < 300 or status == 304:
            result.latencies_ms.append((time.perf_counter() - scheduled) * 1000)

    async def open_loop_client(connection: Connection) -> None:
        while (scheduled := await tickets.get()) is not None:
            await one(connection, scheduled)

    async def closed_loop_client(connection: Connection) -> None:
        while True:
            now = time.perf_counter()
            if (now >= end) if count is None else (result.sent >= count):
                return
            result.sent += 1
            await one(connection, now)

    if rate is None:
        await asyncio.gather(*(closed_loop_client(c) for c in connections))
    else:
        workers = [asyncio.create_task(open_loop_client(c)) for c in connections]
        for i in range(int(rate * duration_s)):
            scheduled = started + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tickets.put_nowait(scheduled)
            result.sent += 1
        for _ in workers:
            tickets.put_nowait(None)
        await asyncio.gather(*workers)
    result.elapsed_s = time.perf_counter() - started
    cpu_after = server_cpu()
    if cpu_before is not None and cpu_after is not None:
        result.server_cpu_s = cpu_after - cpu_before
    await asyncio.gather(*(c.close() for c in connections))
    return result


@contextmanager
def serving(backend: str, workdir: Path) -> Iterator[ServerProcess]:
    if backend == "sqlite":
        url_context = _nullcontext(sqlite_url(workdir))
        workers = 1
    else:
        url_context = fresh_postgres_database("meetx_load")
        workers = 2
    with url_context as url:
        server = ServerProcess(url, workdir=workdir, workers=workers, log_level="WARNING")
        server.start()
        try:
            yield server
        finally:
            server.stop()


@contextmanager
def _nullcontext(value: str) -> Iterator[str]:
    yield value


def bench(backend: str, args: argparse.Namespace) -> list[dict[str, object]]:
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix=f"meetx-load-{backend}-") as tmp,
        serving(backend, Path(tmp)) as server,
    ):
        seeded = time.perf_counter()
        target = seed(server, args.participants)
        print(
            f"{backend}: seeded {len(target.participants)} participants in "
            f"{time.perf_counter() - seeded:.1f}s",
            file=sys.stderr,
        )
        # Every agenda and feed fetched a few times per server process (each keeps its own
        # bodies), as after the first refreshes following a change: the runs measure
        # serving, not building (building is measured by calendar_feeds.py). Server
        # workers share one listening socket and split connections unevenly (18/2 and
        # 13/7 of 20 connections, 137/63 of 200, seen with `ss`), so the warm-up goes
        # through as many connections as the runs, and each address through many of
        # them: at 137/63, twelve passes per worker leave an address cold in a worker
        # with odds of 1 in 10,000.
        passes = 12 * server.workers
        expected = passes * 2 * len(target.participants)
        warm = asyncio.run(
            _run(
                server.base_url,
                everything(target, passes),
                clients=args.clients,
                duration_s=0,
                rate=None,
                name="warm-up",
                count=expected,
            )
        )
        if warm.statuses != Counter({200: expected}):
            raise RuntimeError(f"warm-up failed: {dict(warm.statuses)}")
        rng = random.Random(2026)
        label = f"{backend}, {server.workers} worker{'s' if server.workers > 1 else ''}"
        runs = [(f"{label}: /healthz baseline", healthz, args.rates[0], False)]
        runs += [(f"{label}: agenda + feed", workload, rate, False) for rate in args.rates]
        runs += [(f"{label}: agenda + feed, revalidating", workload, args.rates[0], True)]
        runs += [(f"{label}: agenda + feed, closed loop", workload, None, False)]
        for name, kind, rate, revalidate in runs:
            assert server.process is not None
            pid = server.process.pid
            load_average = round(os.getloadavg()[0], 2)
            result = asyncio.run(
                _run(
                    server.base_url,
                    kind(target, rng),
                    clients=args.clients,
                    duration_s=args.duration,
                    rate=rate,
                    name=name,
                    server_cpu=lambda: _cpu_seconds_of_tree(pid),  # noqa: B023 - read at once
                    revalidate=revalidate,
                )
            )
            result.load_average = load_average
            rows.append(result.row())
            print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr)
    return rows


def markdown(rows: list[dict[str, object]]) -> str:
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[h]) for h in header) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--rates",
        type=float,
        nargs="+",
        default=[300.0, 100.0],
        help="offered requests per second, one open-loop run each (the first also for /healthz)",
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per run")
    parser.add_argument("--clients", type=int, default=200, help="concurrent connections")
    parser.add_argument("--participants", type=int, default=300)
    args = parser.parse_args(argv)
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    rows: list[dict[str, object]] = []
    for backend in backends:
        if backend == "postgresql" and (reason := postgres_unavailable_reason()):
            print(f"postgresql skipped: {reason}", file=sys.stderr)
            continue
        rows += bench(backend, args)
    if rows:
        print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
