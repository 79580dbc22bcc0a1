"""Feeds read by real clients: icalendar, ical.js and a CalDAV server kept in sync."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import caldav
import pytest

from service.calendars.ics import CalendarEntry, build_feed, build_invitation
from tests.calendars.clients import (
    all_events,
    check_lines,
    events_in_range,
    parse_with_icalendar,
    put_feed,
)

Entries = tuple[CalendarEntry, ...]
IcalJs = Callable[[bytes], list[dict[str, object]]]

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
SEOUL = ZoneInfo("Asia/Seoul")


def feed(entries: Entries, timezone: str = "Asia/Ho_Chi_Minh") -> bytes:
    return build_feed(
        name="Gặp gỡ Hàn Quốc 2026",
        description="Lịch kết nối B2B / B2B meeting schedule",
        timezone=timezone,
        entries=entries,
        method="PUBLISH",
    )


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def without_vtimezones(body: bytes) -> bytes:
    return re.sub(rb"BEGIN:VTIMEZONE\r\n.*?END:VTIMEZONE\r\n", b"", body, flags=re.S)


# --- the harness itself must be able to fail ------------------------------------------------


def test_harness_rejects_missing_vtimezone(meeting_entries: Entries) -> None:
    with pytest.raises(AssertionError, match="TZID without VTIMEZONE"):
        parse_with_icalendar(without_vtimezones(feed(meeting_entries)))


def test_harness_rejects_bad_folding() -> None:
    text = "DESCRIPTION:" + "Hội nghị " * 10
    raw = text.encode()
    # A fold after the first of the three octets of "ộ": counted in octets, not characters.
    cut = raw.index("ộ".encode()) + 1
    split = b"BEGIN:VCALENDAR\r\n" + raw[:cut] + b"\r\n " + raw[cut:] + b"\r\nEND:VCALENDAR\r\n"
    with pytest.raises(AssertionError, match="not valid UTF-8"):
        check_lines(split)
    with pytest.raises(AssertionError, match="octets"):
        check_lines(b"BEGIN:VCALENDAR\r\n" + raw + b"\r\nEND:VCALENDAR\r\n")
    with pytest.raises(AssertionError, match="bare CR or LF"):
        check_lines(b"BEGIN:VCALENDAR\nEND:VCALENDAR\r\n")


# --- ical.js ------------------------------------------------------------------------------


def test_icaljs_sees_absolute_instants(icaljs: IcalJs, meeting_entries: Entries) -> None:
    events = {e["uid"]: e for e in icaljs(feed(meeting_entries))}
    assert set(events) == {e.uid for e in meeting_entries}
    first = events["meeting-101@meetx.example"]
    # 09:45 in Bắc Ninh (+07:00) is 02:45 UTC.
    assert first["start_utc"] == "2026-05-21T02:45:00.000Z"
    assert first["end_utc"] == "2026-05-21T03:05:00.000Z"
    assert first["location"] == "Bàn 12 / Table 12, Trung tâm Hội nghị tỉnh Bắc Ninh"
    assert first["summary"] == meeting_entries[0].summary
    assert first["description"] == meeting_entries[0].description
    for entry in meeting_entries:
        seen = events[entry.uid]
        assert seen["tzid"] == seen["end_tzid"] == "Asia/Ho_Chi_Minh", "resolved, not floating"
        assert seen["utc_offset_seconds"] == 7 * 3600
        assert seen["start_utc"] == iso(entry.starts_at)
        assert seen["end_utc"] == iso(entry.ends_at)
        assert seen["status"] == entry.status
        assert seen["sequence"] == entry.sequence


def test_icaljs_korean_guest_feed(icaljs: IcalJs, meeting_entries: Entries) -> None:
    """The same programme in a Seoul guest's feed: other wall-clock times, same instants."""
    events = {e["uid"]: e for e in icaljs(feed(meeting_entries, "Asia/Seoul"))}
    for entry in meeting_entries:
        assert events[entry.uid]["tzid"] == "Asia/Seoul"
        assert events[entry.uid]["utc_offset_seconds"] == 9 * 3600
        assert events[entry.uid]["start_utc"] == iso(entry.starts_at)
    assert events["meeting-102@meetx.example"]["start_utc"] == "2026-05-21T03:15:00.000Z"


def test_icaljs_would_float_without_vtimezone(icaljs: IcalJs, meeting_entries: Entries) -> None:
    """Why every TZID needs a VTIMEZONE: ical.js then reads 09:45 as 09:45 anywhere."""
    events = {e["uid"]: e for e in icaljs(without_vtimezones(feed(meeting_entries)))}
    first = events["meeting-101@meetx.example"]
    assert first["tzid"] == "floating"
    assert first["start_utc"] != "2026-05-21T02:45:00.000Z"


def test_icaljs_reads_invitation(icaljs: IcalJs, meeting_entries: Entries) -> None:
    body = build_invitation(entry=meeting_entries[0], timezone="Asia/Seoul", name="Gặp gỡ")
    (event,) = icaljs(body)
    assert event["method"] == "REQUEST"
    assert event["organizer"] == "mailto:songoaivu@bacninh.example.vn"
    assert event["start_utc"] == "2026-05-21T02:45:00.000Z"
    assert event["tzid"] == "Asia/Seoul"
    assert event["attendees"] == [
        {
            "address": "mailto:huong.nguyen@bacninh.example.vn",
            "cn": "Nguyễn Thị Thu Hương",
            "partstat": "NEEDS-ACTION",
            "rsvp": "TRUE",
        },
        {
            "address": "mailto:minjun.kim@hanbit.example.kr",
            "cn": "김민준 (Kim Min-jun)",
            "partstat": "NEEDS-ACTION",
            "rsvp": "TRUE",
        },
    ]


# --- CalDAV server (Radicale) -------------------------------------------------------------


def by_uid(entries: Entries, uid: str) -> CalendarEntry:
    return next(e for e in entries if e.uid == uid)


def test_radicale_time_range_query(
    caldav_calendar: caldav.Calendar, meeting_entries: Entries
) -> None:
    result = put_feed(caldav_calendar, feed(meeting_entries))
    assert sorted(result.added) == sorted(e.uid for e in meeting_entries)
    assert result.replaced == ()

    day_one = events_in_range(
        caldav_calendar, datetime(2026, 5, 21, tzinfo=HCM), datetime(2026, 5, 22, tzinfo=HCM)
    )
    assert [e.uid for e in day_one] == [
        "session-7@meetx.example",
        "meeting-101@meetx.example",
        "meeting-102@meetx.example",
    ]
    # The server places 09:45 Bắc Ninh at 11:45 Seoul: a Seoul-time window finds it.
    window = events_in_range(
        caldav_calendar,
        datetime(2026, 5, 21, 11, 40, tzinfo=SEOUL),
        datetime(2026, 5, 21, 11, 50, tzinfo=SEOUL),
    )
    assert [e.uid for e in window] == ["meeting-101@meetx.example"]
    assert window[0].start == datetime(2026, 5, 21, 2, 45, tzinfo=UTC)
    assert window[0].location == "Bàn 12 / Table 12, Trung tâm Hội nghị tỉnh Bắc Ninh"


def test_radicale_resync_moves_and_cancels_without_duplicates(
    caldav_calendar: caldav.Calendar, meeting_entries: Entries
) -> None:
    put_feed(caldav_calendar, feed(meeting_entries))

    moved_uid, cancelled_uid = "meeting-101@meetx.example", "meeting-102@meetx.example"
    original = by_uid(meeting_entries, moved_uid)
    later = original.last_modified + timedelta(days=1)
    new_start = datetime(2026, 5, 21, 15, 0, tzinfo=HCM)
    moved = dataclasses.replace(
        original,
        starts_at=new_start,
        ends_at=new_start + timedelta(minutes=20),
        sequence=original.sequence + 1,
        last_modified=later,
    )
    old = by_uid(meeting_entries, cancelled_uid)
    cancelled = dataclasses.replace(
        old, status="CANCELLED", sequence=old.sequence + 1, last_modified=later
    )
    updated = tuple(
        {moved_uid: moved, cancelled_uid: cancelled}.get(e.uid, e) for e in meeting_entries
    )

    result = put_feed(caldav_calendar, feed(updated))
    assert result.added == ()
    assert sorted(result.replaced) == sorted(e.uid for e in meeting_entries)

    stored = all_events(caldav_calendar)
    uids = [e.uid for e in stored]
    assert sorted(uids) == sorted(e.uid for e in meeting_entries), "exactly one event per UID"

    current = {e.uid: e for e in stored}
    assert current[moved_uid].start == new_start
    assert current[moved_uid].sequence == 1
    assert current[cancelled_uid].status == "CANCELLED"
    assert current[cancelled_uid].sequence == 1
    assert current[cancelled_uid].start == old.starts_at

    # The old slot is free on the server; the new one holds the moved meeting.
    old_slot = events_in_range(caldav_calendar, original.starts_at, original.ends_at)
    assert moved_uid not in [e.uid for e in old_slot]
    new_slot = events_in_range(caldav_calendar, new_start, new_start + timedelta(minutes=20))
    assert [e.uid for e in new_slot] == [moved_uid]


def test_radicale_changed_uid_would_duplicate(
    caldav_calendar: caldav.Calendar, meeting_entries: Entries
) -> None:
    """Why UIDs must be stable: a new UID for a moved meeting leaves the old copy behind."""
    first = meeting_entries[0]
    put_feed(caldav_calendar, feed((first,)))
    renamed = dataclasses.replace(
        first,
        uid="meeting-101-v2@meetx.example",
        starts_at=first.starts_at + timedelta(hours=1),
        ends_at=first.ends_at + timedelta(hours=1),
    )
    result = put_feed(caldav_calendar, feed((renamed,)))
    assert result.added == ("meeting-101-v2@meetx.example",)
    summaries = [e.summary for e in all_events(caldav_calendar)]
    assert summaries == [first.summary, first.summary]
