"""A delivering process killed mid-batch (SIGKILL) loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from service.core.database import utcnow
from service.notifications.delivery import LEASE
from tests.conftest import ADMIN_TOKEN
from tests.service.notifications.conftest import Live
from tests.service.notifications.world import new_world

ROOT = Path(__file__).resolve().parents[3]
MESSAGES = 40


def test_sigkill_mid_batch_then_resume_delivers_each_message_once(live: Live) -> None:
    world = new_world(live)
    # Forty welcomes, queued through the API.
    for i in range(MESSAGES):
        world.participant(country="KR", email=f"guest{i}-{uuid.uuid4().hex[:4]}@example.com")
    inbox = live.smtp.inbox
    inbox.delay_rcpt = 0.05
    inbox.rcpt_after = 12
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MEETX_DATABASE_URL": live.database.url,
        "MEETX_SMTP_URL": live.smtp.url,
        "MEETX_PUBLIC_URL": live.settings.public_url,
        # The same secret as the server, which sealed the welcomes' personal links.
        "MEETX_ADMIN_TOKEN": ADMIN_TOKEN,
        "MEETX_MAIL_DELIVER_INTERVAL_S": "0.05",
        "MEETX_LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "deliver-mail"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        seen = inbox.rcpt_seen.wait(60)
    finally:
        os.kill(worker.pid, signal.SIGKILL)  # mid-batch: messages claimed, not yet sent
        worker.wait(10)
    assert seen, worker.stderr.read().decode()  # type: ignore[union-attr]
    arrived = len(inbox.items)
    assert 12 <= arrived < MESSAGES
    with live.database.engine.connect() as connection:
        stuck = connection.execute(
            sa.text("SELECT count(*) FROM outbox_message WHERE status = 'sending'")
        ).scalar_one()
    assert stuck > 0  # the dead process's claim, held until its lease ends

    inbox.delay_rcpt = 0
    inbox.rcpt_after = None
    # Before the lease ends nobody takes the claimed rows; after it, any process does.
    live.deliver()
    report = live.deliver(now=utcnow() + LEASE + timedelta(seconds=1))
    assert report.sent > 0
    counts = Counter(str(r.message["Message-ID"]) for r in inbox.items)
    assert len(counts) == MESSAGES
    assert set(counts.values()) == {1}
    with live.database.engine.connect() as connection:
        statuses = dict(
            connection.execute(
                sa.text("SELECT status, count(*) FROM outbox_message GROUP BY status")
            ).all()
        )
    assert statuses == {"sent": MESSAGES}
