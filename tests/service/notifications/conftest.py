"""A real SMTP server (aiosmtpd on 127.0.0.1) and a committed database per module.

Delivery runs in its own sessions and commits, so these tests cannot use the rolled-back
transaction of tests/conftest.py: each module gets a database of its own (SQLite, and
PostgreSQL when it answers), emptied of events between tests.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from service.core.dependencies import shared_objects
from service.core.settings import Settings
from service.main import create_app
from service.notifications.delivery import DeliveryReport, deliver_all
from service.notifications.mailer import Mailer
from tests.calendars.conftest import icaljs  # noqa: F401  (the ical.js check of the feeds)
from tests.conftest import ADMIN_TOKEN, Database, migrated_database

aiosmtpd = pytest.importorskip(
    "aiosmtpd", reason="aiosmtpd is not installed (pip install -e '.[test]')"
)
from aiosmtpd.controller import Controller  # noqa: E402

PUBLIC_URL = "https://meetx.example"


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    """What the SMTP server accepted; ``delay_rcpt`` slows every RCPT down."""

    items: list[Received] = field(default_factory=list)
    delay_rcpt: float = 0.0
    # Set when an RCPT arrives after this many messages: the client is then between two
    # messages (the previous one committed), waiting for our answer.
    rcpt_after: int | None = None
    rcpt_seen: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_after is not None and len(self.items) >= self.rcpt_after:
            self.rcpt_seen.set()
        if self.delay_rcpt:
            await asyncio.sleep(self.delay_rcpt)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=default_policy)
        with self.lock:
            self.items.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def by_kind(self, needle: str) -> list[Received]:
        return [r for r in self.items if needle in str(r.message["Message-ID"])]

    def to(self, address: str) -> list[Received]:
        return [r for r in self.items if address in r.recipients]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?timeout=5"

    def start(self) -> None:
        self.controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=self.port,
            enable_SMTPUTF8=True,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    yield from migrated_database(request.param, tmp_path_factory.mktemp(f"mail-{request.param}"))


@dataclass
class Live:
    client: TestClient
    database: Database
    settings: Settings
    mailer: Mailer
    smtp: SmtpServer
    headers: dict[str, str]

    def deliver(self, **kwargs: Any) -> DeliveryReport:
        return deliver_all(
            engine=self.database.engine, mailer=self.mailer, settings=self.settings, **kwargs
        )

    def outbox(self, event_id: int, **params: Any) -> list[dict[str, Any]]:
        response = self.client.get(
            f"/api/v1/events/{event_id}/messages",
            params={"limit": 200, **params},
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        return response.json()["items"]


@pytest.fixture
def live(live_database: Database, smtp: SmtpServer) -> Iterator[Live]:
    settings = Settings(
        database_url=live_database.url,
        admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
        public_url=PUBLIC_URL,
        log_level="WARNING",
        smtp_url=smtp.url,  # type: ignore[arg-type]
        mail_from="Ban tổ chức MeetX <noreply@meetx.example>",
        # These tests deliver when they choose (live.deliver); the jobs' periodic
        # delivery is tested in test_jobs.py.
        run_jobs=False,
    )
    app = create_app(settings, engine=live_database.engine)
    with TestClient(app) as client:
        yield Live(
            client=client,
            database=live_database,
            settings=settings,
            mailer=shared_objects(app).get(Mailer),
            smtp=smtp,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
    with live_database.engine.begin() as connection:
        # Each test starts from no events (the outbox, meetings and the rest cascade).
        connection.execute(sa.text("DELETE FROM outbox_message"))
        for table in ("meeting_seat", "meeting", "meeting_request", "pair_preference"):
            connection.execute(sa.text(f"DELETE FROM {table}"))
        connection.execute(sa.text("DELETE FROM event"))


def wait_for(predicate, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
