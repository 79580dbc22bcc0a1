"""A subscribed CalDAV client follows a participant's feed through a move and a cancel.

Radicale stands in for the subscribing client's store: each refresh replaces the events
whose UID it holds and adds the others. A moved meeting must show up at its new time,
and a cancelled one as cancelled, each as one event, never beside a stale copy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import caldav
from fastapi.testclient import TestClient

from tests.calendars.clients import all_events, events_in_range, put_feed
from tests.service.calendars.conftest import Programme

IcalJs = Callable[[bytes], list[dict[str, object]]]
BAC_NINH = ZoneInfo("Asia/Ho_Chi_Minh")


def local(hour: int, minute: int) -> datetime:
    return datetime(2026, 12, 10, hour, minute, tzinfo=BAC_NINH)


def test_caldav_client_follows_a_move_and_a_cancel(
    client: TestClient,
    programme: Programme,
    admin_headers: dict[str, str],
    caldav_calendar: caldav.Calendar,
    icaljs: IcalJs,
) -> None:
    path = programme.feed_path("bacninh")
    korean = f"{programme.meetings['korean']['uid']}@meetx.example"
    logistics = f"{programme.meetings['logistics']['uid']}@meetx.example"

    first = client.get(path)
    loaded = put_feed(caldav_calendar, first.content)
    assert korean in loaded.added and logistics in loaded.added
    assert not loaded.replaced
    # The server's own time-range query around the B2B morning finds both meetings at
    # their instants (and not the plenary, which ends at 09:30).
    morning = events_in_range(caldav_calendar, local(9, 40), local(11, 50))
    assert [(e.uid, e.start) for e in morning] == [
        (korean, datetime(2026, 12, 10, 2, 45, tzinfo=UTC)),
        (logistics, datetime(2026, 12, 10, 3, 10, tzinfo=UTC)),
    ]

    moved = client.patch(
        f"{programme.base}/meetings/{programme.meetings['korean']['id']}",
        json={"slot": 4, "table": 7},
        headers=admin_headers,
    )
    assert moved.status_code == 200, moved.text
    cancelled = client.patch(
        f"{programme.base}/meetings/{programme.meetings['logistics']['id']}",
        json={"status": "cancelled"},
        headers=admin_headers,
    )
    assert cancelled.status_code == 200, cancelled.text

    refreshed = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert refreshed.status_code == 200
    synced = put_feed(caldav_calendar, refreshed.content)
    assert not synced.added, "a move or a cancel must not look like a new event"
    assert set(synced.replaced) == set(loaded.added)

    stored = all_events(caldav_calendar)
    counts = Counter(e.uid for e in stored)
    assert set(counts) == set(loaded.added)
    assert all(n == 1 for n in counts.values()), counts
    by_uid = {e.uid: e for e in stored}
    assert by_uid[korean].start == datetime(2026, 12, 10, 4, 0, tzinfo=UTC)  # 11:00 local
    assert by_uid[korean].location.startswith("Bàn 7 / Table 7, ")
    assert by_uid[korean].sequence == 1 and by_uid[korean].status == "CONFIRMED"
    assert by_uid[logistics].status == "CANCELLED" and by_uid[logistics].sequence == 1

    # The server now places the meeting at 11:00 and nothing at 09:45 any more.
    assert [e.uid for e in events_in_range(caldav_calendar, local(10, 55), local(11, 30))] == [
        korean
    ]
    assert events_in_range(caldav_calendar, local(9, 40), local(10, 5)) == []
    # ical.js agrees with the server about the new instant.
    parsed = {e["uid"]: e for e in icaljs(refreshed.content)}
    assert parsed[korean]["start_utc"] == "2026-12-10T04:00:00.000Z"
    assert parsed[logistics]["status"] == "CANCELLED"

    # Nothing changed since: the next refresh is a 304 and the bytes are the same.
    again = client.get(path)
    assert again.content == refreshed.content
    unchanged = client.get(path, headers={"If-None-Match": refreshed.headers["etag"]})
    assert unchanged.status_code == 304
