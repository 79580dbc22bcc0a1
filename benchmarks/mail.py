"""A mailing to 5,000 participants: queued in one API call, delivered to a local SMTP
server, and the API's latency while delivery runs.

    python benchmarks/mail.py [--participants 5000] [--runs 3] [--duration 15]
                              [--database-url postgresql+psycopg://...] [--deliverers 1]

Starts, as separate processes on loopback: `meetx serve` (no jobs, so no delivery), an SMTP
sink (aiosmtpd, counting what it accepts) and, for the delivery phase, `meetx
deliver-mail`. Registers an event with `--participants` firms (written straight into the
database, so no welcome mails), then measures:

- queueing: POST /api/v1/events/{id}/mailings to every participant, `--runs` times (the
  earlier runs' messages are deleted so one batch of 5,000 remains for delivery);
- delivery: messages per second from the first to the last one the SMTP sink accepted,
  and that each Message-ID arrived exactly once;
- API latency: closed-loop GETs of the participant list and the public programme feed by
  4 clients for `--duration` seconds without delivery, then the same while delivery runs:
  p50/p99 of each, and the ratio of the p99s.

The machine's load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.core.database import make_engine  # noqa: E402
from service.core.migrations import upgrade  # noqa: E402
from service.core.security import hash_token  # noqa: E402
from service.events.models import Event, EventSession, EventStatus, SessionKind  # noqa: E402
from service.organizations.models import Organization, OrganizationKind  # noqa: E402
from service.participants.models import Participant, Side  # noqa: E402
from service.seeding.reference_data import ensure_reference_data  # noqa: E402

ADMIN = "bench-admin-token-0123456789abcdef"

SINK = r"""
import sys, time, threading
from aiosmtpd.controller import Controller
seen = {}
lock = threading.Lock()
class H:
    async def handle_DATA(self, server, session, envelope):
        mid = ""
        for line in envelope.original_content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                mid = line.split(b":", 1)[1].strip().decode()
                break
        with lock:
            seen[mid] = seen.get(mid, 0) + 1
            if len(seen) == 1 and seen[mid] == 1:
                times.append(time.time())
            times[1:] = [time.time()]
        return "250 OK"
times = []
c = Controller(H(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("ready", flush=True)
for line in sys.stdin:
    with lock:
        dup = sum(1 for v in seen.values() if v > 1)
        first = times[0] if times else 0
        last = times[-1] if times else 0
        print(f"{len(seen)} {sum(seen.values())} {dup} {first} {last}", flush=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def populate(url: str, count: int) -> int:
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        ensure_reference_data(session=session)
        event = Event(
            name="Gặp gỡ Hàn Quốc 2026 (benchmark)",
            name_en="Meet Korea 2026 (benchmark)",
            partner_country="KR",
            venue="Trung tâm Hội nghị tỉnh Bắc Ninh",
            start_date=date(2026, 12, 10),
            end_date=date(2026, 12, 11),
            status=EventStatus.open,
        )
        session.add(event)
        session.flush()
        session.add(
            EventSession(
                event_id=event.id,  # type: ignore[arg-type]
                title="Phiên toàn thể",
                kind=SessionKind.plenary,
                starts_at=datetime(2026, 12, 10, 1, 0, tzinfo=UTC),
                ends_at=datetime(2026, 12, 10, 2, 30, tzinfo=UTC),
            )
        )
        orgs = []
        for i in range(count):
            vn = i % 2 == 0
            orgs.append(
                Organization(
                    kind=OrganizationKind.company,
                    name=f"Công ty Điện tử số {i}" if vn else f"Korea Firm {i}",
                    country="VN" if vn else "KR",
                    sectors=["C26"],
                    languages=["vi"] if vn else ["ko", "en"],
                )
            )
        session.add_all(orgs)
        session.flush()
        session.add_all(
            Participant(
                event_id=event.id,  # type: ignore[arg-type]
                organization_id=org.id,  # type: ignore[arg-type]
                side=Side.host if org.country == "VN" else Side.guest,
                delegates=[{"name": f"Đại diện {org.id}", "email": f"p{org.id}@firm.example"}],
                token_hash=hash_token(secrets.token_urlsafe(32)),
            )
            for org in orgs
        )
        session.commit()
        event_id = event.id
    engine.dispose()
    return event_id  # type: ignore[return-value]


def latencies(base: str, event_id: int, seconds: float, clients: int = 4) -> list[float]:
    stop = time.monotonic() + seconds
    found: list[float] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        paths = [
            f"/api/v1/events/{event_id}/participants?limit=20&offset={n * 20}",
            f"/api/v1/events/{event_id}/calendar.ics",
        ]
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {ADMIN}"}) as http:
            i = 0
            while time.monotonic() < stop:
                started = time.perf_counter()
                response = http.get(paths[i % 2])
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, response.text
                with lock:
                    found.append(elapsed)
                i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--deliverers", type=int, default=1, help="`meetx deliver-mail` processes at once"
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="meetx-mail-"))
    url = args.database_url or f"sqlite:///{tmp / 'mail.db'}"
    print(f"database: {url.split('@')[-1]}; load average at start: {load_average()}")
    started = time.perf_counter()
    event_id = populate(url, args.participants)
    print(f"{args.participants} participants written in {time.perf_counter() - started:.1f} s")

    smtp_port, api_port = free_port(), free_port()
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(smtp_port)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert sink.stdout is not None and sink.stdin is not None
    assert sink.stdout.readline().strip() == "ready"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MEETX_DATABASE_URL": url,
        "MEETX_ADMIN_TOKEN": ADMIN,
        "MEETX_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "MEETX_MAIL_LOOP": "false",
        "MEETX_RUN_JOBS": "false",  # no periodic delivery job: deliver-mail alone sends
        "MEETX_MAIL_DELIVER_INTERVAL_S": "0.2",
        "MEETX_LOG_LEVEL": "WARNING",
        "MEETX_PUBLIC_URL": "https://meetx.example",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(api_port)],
        cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{api_port}"
    deliverers: list[subprocess.Popen] = []
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        body = {
            "subject_vi": "Thông báo: tiệc giao lưu tối nay",
            "subject_en": "Notice: networking dinner tonight",
            "body_vi": "Kính gửi quý đại biểu,\n\nTiệc giao lưu bắt đầu lúc 18:30 tại Sảnh A.",
            "body_en": "Dear delegates,\n\nThe networking dinner starts at 18:30 in Hall A.",
        }
        queue_times = []
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=60
        ) as api:
            for run in range(args.runs):
                t0 = time.perf_counter()
                answer = api.post(f"/api/v1/events/{event_id}/mailings", json=body)
                queue_times.append(time.perf_counter() - t0)
                assert answer.status_code == 202, answer.text
                queued = answer.json()["queued"]
                if run < args.runs - 1:
                    engine = make_engine(url)
                    with engine.begin() as connection:
                        connection.execute(sa.text("DELETE FROM outbox_message"))
                    engine.dispose()
        print(
            f"queue a mailing to {queued} participants (POST, {args.runs} runs): "
            f"min {min(queue_times):.3f} s, median {statistics.median(queue_times):.3f} s, "
            f"max {max(queue_times):.3f} s"
        )

        baseline = latencies(base, event_id, args.duration)
        deliverers = [
            subprocess.Popen(
                [sys.executable, "-m", "service.cli", "deliver-mail"],
                cwd=tmp,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(args.deliverers)
        ]
        during = latencies(base, event_id, args.duration)

        def sink_state() -> tuple[int, int, int, float, float]:
            sink.stdin.write("?\n")  # type: ignore[union-attr]
            sink.stdin.flush()  # type: ignore[union-attr]
            unique, total, dup, first, last = sink.stdout.readline().split()  # type: ignore[union-attr]
            return int(unique), int(total), int(dup), float(first), float(last)

        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            unique, total, dup, first, last = sink_state()
            if unique >= queued:
                break
            time.sleep(0.5)
        unique, total, dup, first, last = sink_state()
        rate = (unique - 1) / (last - first) if last > first else float("nan")
        print(
            f"delivered {unique} distinct messages ({total} received, {dup} duplicated) "
            f"at {rate:.0f} messages/s (first to last accepted) by {args.deliverers} "
            "delivering process(es)"
        )
        b50, b99 = pct(baseline, 0.5), pct(baseline, 0.99)
        d50, d99 = pct(during, 0.5), pct(during, 0.99)
        print(
            f"API without delivery: {len(baseline)} requests, p50 {b50:.1f} ms, p99 {b99:.1f} ms; "
            f"during delivery: {len(during)} requests, p50 {d50:.1f} ms, p99 {d99:.1f} ms; "
            f"p99 ratio {d99 / b99:.2f}"
        )
        print(f"load average at end: {load_average()}")
        print(
            json.dumps(
                {
                    "queue_s": queue_times,
                    "rate_per_s": rate,
                    "duplicates": dup,
                    "p99_ms": [b99, d99],
                    "p50_ms": [b50, d50],
                }
            )
        )
    finally:
        for process in [*deliverers, server]:
            if process is not None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
        sink.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
