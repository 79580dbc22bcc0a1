"""Reminders, the morning agenda, feedback requests and expiring requests: queued once
each, whatever the number of periodic runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from service.notifications.service import enqueue_due
from tests.service.notifications.conftest import Live
from tests.service.notifications.world import new_world

# The event runs on 10-11 December 2026 in Asia/Ho_Chi_Minh (UTC+7).
EVENING_BEFORE = datetime(2026, 12, 9, 11, 30, tzinfo=UTC)  # 18:30 local
MORNING = datetime(2026, 12, 10, 0, 30, tzinfo=UTC)  # 07:30 local
EVENING = datetime(2026, 12, 10, 11, 30, tzinfo=UTC)  # 18:30 local


def _due(live: Live, now: datetime) -> int:
    with Session(live.database.engine) as session:
        return enqueue_due(session=session, now=now, public_url=live.settings.public_base)


def test_day_messages_are_queued_once(live: Live) -> None:
    world = new_world(live)
    host = world.participant(country="VN", email="an@bacninh.example")
    guest = world.participant(country="KR", email="kim@hanbit.example")
    world.meeting(host, guest, slot=1, table=1)
    assert _due(live, EVENING_BEFORE - timedelta(hours=2)) == 0  # 16:30: too early
    assert _due(live, EVENING_BEFORE) == 2
    assert _due(live, EVENING_BEFORE + timedelta(minutes=5)) == 0
    assert _due(live, MORNING) == 2
    assert _due(live, EVENING) == 2  # feedback requests (and no reminder: no meeting on the 11th)
    kinds = sorted(
        m["kind"] for m in live.outbox(world.id) if m["kind"] not in ("welcome", "meeting")
    )
    assert kinds == ["agenda", "agenda", "feedback", "feedback", "reminder", "reminder"]
    live.deliver()
    (reminder,) = [
        r
        for r in live.smtp.inbox.to("kim@hanbit.example")
        if "reminder@" in r.message["Message-ID"]
    ]
    assert reminder.message["Subject"] == "Tomorrow at Meet Korea 2026: 1 meeting"
    assert reminder.message["List-Unsubscribe"]


def test_turned_off_categories_are_recorded_not_sent(live: Live) -> None:
    world = new_world(live)
    host = world.participant(country="VN", email="an@bacninh.example")
    guest = world.participant(country="KR", email="kim@hanbit.example")
    world.meeting(host, guest)
    off = live.client.patch(
        world.path(f"/participants/{guest['id']}"),
        json={"notifications": {"reminders": False}},
        headers=live.headers,
    )
    assert off.status_code == 200
    _due(live, EVENING_BEFORE)
    reminders = {m["participant_id"]: m for m in live.outbox(world.id, kind="reminder")}
    assert reminders[guest["id"]]["status"] == "suppressed"
    assert reminders[host["id"]]["status"] == "queued"
