"""The pieces without a database: conditional requests, the feed cache, entry text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from starlette.datastructures import Headers

from service.calendars.entries import (
    MeetingContext,
    MeetingSide,
    delegate_addresses,
    interpreter_label,
    meeting_entry,
)
from service.calendars.feed_cache import Feed, FeedCache
from service.calendars.http import etag_matches, http_date, not_modified
from service.calendars.service import refresh_minutes, uid_host
from service.events.models import Event, EventSession, SessionKind
from service.meetings.models import Meeting, MeetingSource, MeetingStatus
from service.organizations.models import Organization, OrganizationKind
from service.participants.models import Participant, Side

ETAG = '"abc123"'
CHANGED = datetime(2026, 12, 1, 8, 30, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (ETAG, True),
        ('W/"abc123"', True),
        ('"zzz", "abc123"', True),
        ('"zzz",W/"abc123"', True),
        ("*", True),
        ('"zzz"', False),
        ('"abc1234"', False),
        ("", False),
    ],
)
def test_etag_matching(header: str, matches: bool) -> None:
    assert etag_matches(header, ETAG) is matches


def test_not_modified_rules() -> None:
    def check(**headers: str) -> bool:
        return not_modified(Headers(headers), etag=ETAG, last_modified=CHANGED)

    stamp = http_date(CHANGED)
    assert stamp == "Tue, 01 Dec 2026 08:30:15 GMT"
    assert not check()
    assert check(**{"if-none-match": ETAG})
    assert check(**{"if-modified-since": stamp})
    assert check(**{"if-modified-since": http_date(CHANGED + timedelta(hours=1))})
    assert not check(**{"if-modified-since": http_date(CHANGED - timedelta(seconds=1))})
    assert not check(**{"if-modified-since": "yesterday"})
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    assert not check(**{"if-none-match": '"other"', "if-modified-since": stamp})
    # Sub-second changes are compared at the one-second resolution of HTTP dates.
    assert not_modified(
        Headers({"if-modified-since": stamp}),
        etag=ETAG,
        last_modified=CHANGED + timedelta(microseconds=900_000),
    )


def _feed(body: bytes) -> Feed:
    return Feed(body=body, etag=f'"{len(body)}"', last_modified=CHANGED, filename="f.ics")


def test_feed_cache_rebuilds_only_for_a_new_fingerprint() -> None:
    cache = FeedCache()
    builds: list[str] = []

    def build(text: str) -> Feed:
        builds.append(text)
        return _feed(text.encode())

    assert cache.get_or_build("p1", 1, lambda: build("v1")).body == b"v1"
    assert cache.get_or_build("p1", 1, lambda: build("unused")).body == b"v1"
    assert cache.get_or_build("p1", 2, lambda: build("v2")).body == b"v2"
    assert builds == ["v1", "v2"]
    assert len(cache) == 1, "a newer version replaces the older one"


def test_feed_cache_evicts_the_least_recently_used() -> None:
    cache = FeedCache(max_feeds=2, max_bytes=10)
    cache.get_or_build("a", 1, lambda: _feed(b"aaaa"))
    cache.get_or_build("b", 1, lambda: _feed(b"bbbb"))
    cache.get_or_build("a", 1, lambda: _feed(b"xxxx"))  # a hit: "a" is now the most recent
    cache.get_or_build("c", 1, lambda: _feed(b"cccc"))
    assert cache.get_or_build("a", 1, lambda: _feed(b"new!")).body == b"aaaa"
    assert cache.get_or_build("b", 1, lambda: _feed(b"BBBB")).body == b"BBBB"
    # Over the byte budget: the oldest go first; a body larger than the budget is served
    # but not kept.
    assert cache.get_or_build("big", 1, lambda: _feed(b"0123456789AB")).body == b"0123456789AB"
    assert cache.get_or_build("big", 1, lambda: _feed(b"again")).body == b"again"


def _event() -> Event:
    return Event(
        id=7,
        name="Gặp gỡ Hàn Quốc 2026",
        name_en="Meet Korea 2026",
        venue="Trung tâm Hội nghị tỉnh Bắc Ninh",
        timezone="Asia/Ho_Chi_Minh",
        start_date=date(2026, 12, 10),
        end_date=date(2026, 12, 11),
        updated_at=CHANGED,
    )


def test_refresh_interval_is_short_around_the_event() -> None:
    event = _event()

    def at(day: date) -> int:
        # 23:30 UTC is already the next day in Bắc Ninh.
        moment = datetime(day.year, day.month, day.day, 23, 30, tzinfo=UTC)
        return refresh_minutes(event, moment - timedelta(days=1))

    assert at(date(2026, 11, 1)) == 360
    assert at(date(2026, 12, 3)) == 30  # a week before
    assert at(date(2026, 12, 11)) == 30
    assert at(date(2026, 12, 12)) == 360


def test_uid_host() -> None:
    assert uid_host("https://meetx.example:8443/base") == "meetx.example"
    assert uid_host("http://127.0.0.1:8000") == "127.0.0.1"
    assert uid_host("not a url") == "meetx.invalid"


def _side(
    pid: int, side: Side, name: str, name_en: str | None, delegates: list[dict]
) -> MeetingSide:
    org = Organization(
        id=pid * 10,
        kind=OrganizationKind.company,
        name=name,
        name_en=name_en,
        country="VN" if side is Side.host else "KR",
        updated_at=CHANGED,
    )
    participant = Participant(
        id=pid,
        event_id=7,
        organization_id=pid * 10,
        side=side,
        delegates=delegates,
        token_hash="x",
        updated_at=CHANGED,
    )
    return MeetingSide(participant, org)


def _context(a: MeetingSide, b: MeetingSide) -> MeetingContext:
    session = EventSession(
        id=3,
        event_id=7,
        title="B2B",
        kind=SessionKind.b2b,
        starts_at=datetime(2026, 12, 10, 2, 45, tzinfo=UTC),
        ends_at=datetime(2026, 12, 10, 4, 45, tzinfo=UTC),
        slot_minutes=20,
        tables=20,
        table_names=[f"Bàn {n} / Table {n}" for n in range(1, 20)] + ["Bàn VIP / VIP table"],
        updated_at=CHANGED,
    )
    return MeetingContext(
        event=_event(),
        event_session=session,
        a=a,
        b=b,
        uid_host="meetx.example",
        event_url="https://meetx.example/events/7",
    )


def _meeting(**changes: object) -> Meeting:
    fields: dict[str, object] = {
        "id": 1,
        "event_id": 7,
        "uid": "0f" * 16,
        "session_id": 3,
        "slot": 1,
        "table_no": 20,
        "starts_at": datetime(2026, 12, 10, 2, 45, tzinfo=UTC),
        "ends_at": datetime(2026, 12, 10, 3, 5, tzinfo=UTC),
        "participant_a_id": 2,
        "participant_b_id": 1,
        "updated_at": CHANGED + timedelta(minutes=5),
    }
    return Meeting(**(fields | changes))


def test_meeting_entry_for_each_viewer() -> None:
    host = _side(1, Side.host, "Sở Ngoại vụ tỉnh Bắc Ninh", "Bac Ninh DFA", [])
    guest = _side(
        2,
        Side.guest,
        "Hanbit Semicon",
        None,
        [{"name": "Kim Min-jun", "title": "CEO", "email": "kim@hanbit.example"}],
    )
    context = _context(guest, host)
    meeting = _meeting(source=MeetingSource.suggestion, score=0.8249, interpreter_language="ko")

    for_host = meeting_entry(meeting, context, viewer_id=1, alarm=True)
    assert for_host.uid == f"{'0f' * 16}@meetx.example"
    assert for_host.summary == "Gặp Hanbit Semicon / Meeting with Hanbit Semicon"
    assert for_host.location == "Bàn VIP / VIP table, Trung tâm Hội nghị tỉnh Bắc Ninh"
    assert "- Kim Min-jun, CEO" in for_host.description
    assert "kim@hanbit.example" not in for_host.description
    assert "mức phù hợp 82% / suggested match, score 82%" in for_host.description
    assert "Phiên dịch tiếng Hàn / Korean interpreter" in for_host.description
    assert for_host.alarm_minutes == 10
    assert for_host.last_modified == meeting.updated_at

    for_guest = meeting_entry(meeting, context, viewer_id=2)
    assert for_guest.summary == "Gặp Sở Ngoại vụ tỉnh Bắc Ninh / Meeting with Bac Ninh DFA"
    assert for_guest.alarm_minutes is None

    # The organisers' view names the Vietnamese host first, whichever side is "a".
    for_organizers = meeting_entry(meeting, context, viewer_id=None)
    assert for_organizers.summary == (
        "Gặp Sở Ngoại vụ tỉnh Bắc Ninh – Hanbit Semicon / Meeting Bac Ninh DFA – Hanbit Semicon"
    )

    requested = meeting_entry(_meeting(source=MeetingSource.request), context, viewer_id=1)
    assert "theo lời mời gặp đã được chấp nhận / an accepted meeting request" in (
        requested.description
    )
    cancelled = meeting_entry(
        _meeting(status=MeetingStatus.cancelled, sequence=2), context, viewer_id=1, alarm=True
    )
    assert cancelled.status == "CANCELLED" and cancelled.sequence == 2
    assert cancelled.summary.startswith("Đã hủy / Cancelled: ")
    # A later change of a shown row (the partner) is the entry's last change; a change of
    # the viewer's own row (a rotated token, say) is not shown, so it changes nothing.
    later = CHANGED + timedelta(hours=1)
    guest.organization.updated_at = later
    assert meeting_entry(meeting, context, viewer_id=1).last_modified == later
    assert meeting_entry(meeting, context, viewer_id=2).last_modified == meeting.updated_at
    guest.participant.updated_at = later + timedelta(hours=1)
    assert meeting_entry(meeting, context, viewer_id=2).last_modified == meeting.updated_at
    assert meeting_entry(meeting, context, viewer_id=None).last_modified == later + timedelta(
        hours=1
    )


def test_interpreter_labels_and_addresses() -> None:
    assert interpreter_label("ja") == "Phiên dịch tiếng Nhật / Japanese interpreter"
    assert interpreter_label("xx") == "Phiên dịch tiếng xx / xx interpreter"
    a = _side(1, Side.host, "A", None, [{"name": "An", "email": "an@a.example"}, {"name": "B"}])
    b = _side(2, Side.guest, "B", None, [{"name": "An again", "email": "AN@a.example"}])
    assert delegate_addresses(a, b) == [("An", "an@a.example")]
