"""The feed and invitation builder on its own: bytes, structure, folding, time zones."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from service.calendars.ics import (
    PRODID,
    CalendarEntry,
    build_feed,
    build_invitation,
    feed_etag,
    feed_last_modified,
    webcal_url,
)
from tests.calendars.clients import check_lines, parse_with_icalendar, unfold, used_tzids

HCM = "Asia/Ho_Chi_Minh"
SEOUL = "Asia/Seoul"

Entries = tuple[CalendarEntry, ...]


def feed(entries: Entries, timezone: str = HCM, **kwargs: object) -> bytes:
    options: dict[str, object] = {"method": "PUBLISH"} | kwargs
    return build_feed(
        name="Gặp gỡ Hàn Quốc 2026 – Lịch của tôi",
        description="Lịch kết nối B2B tại Bắc Ninh",
        timezone=timezone,
        entries=entries,
        **options,  # type: ignore[arg-type]
    )


def lines_of(body: bytes) -> list[str]:
    return unfold(body)


def by_uid(entries: Entries, uid: str) -> CalendarEntry:
    return next(e for e in entries if e.uid == uid)


def test_same_input_gives_identical_bytes(meeting_entries: Entries) -> None:
    first = feed(meeting_entries)
    assert feed(meeting_entries) == first
    # Order of the rows as fetched from the database must not matter.
    assert feed(tuple(reversed(meeting_entries))) == first
    assert feed_etag(feed(meeting_entries)) == feed_etag(first)


def test_calendar_properties(meeting_entries: Entries) -> None:
    lines = lines_of(feed(meeting_entries))
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    for expected in (
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "NAME:Gặp gỡ Hàn Quốc 2026 – Lịch của tôi",
        "X-WR-CALNAME:Gặp gỡ Hàn Quốc 2026 – Lịch của tôi",
        "X-WR-CALDESC:Lịch kết nối B2B tại Bắc Ninh",
        "X-WR-TIMEZONE:Asia/Ho_Chi_Minh",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ):
        assert expected in lines, expected
    assert PRODID == "-//MeetX//MeetX Calendar//VI"


def test_refresh_interval_and_method_options(meeting_entries: Entries) -> None:
    lines = lines_of(feed(meeting_entries, refresh_minutes=90, method=None))
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H30M" in lines
    assert "X-PUBLISHED-TTL:PT1H30M" in lines
    assert not any(line.startswith("METHOD") for line in lines)
    with pytest.raises(ValueError):
        feed(meeting_entries, refresh_minutes=0)
    with pytest.raises(ValueError):
        feed(meeting_entries, method="REPLY")


@pytest.mark.parametrize("timezone", [HCM, SEOUL, "Europe/Berlin"])
def test_one_vtimezone_per_tzid(meeting_entries: Entries, timezone: str) -> None:
    body = feed(meeting_entries, timezone)
    calendar = Calendar.from_ical(body)
    defined = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    assert sorted(defined) == sorted(set(defined)), "one VTIMEZONE per TZID"
    assert set(defined) == used_tzids(body) == {timezone}
    # VTIMEZONE must come before the events that use it.
    text = body.decode()
    assert text.index("BEGIN:VTIMEZONE") < text.index("BEGIN:VEVENT")
    parse_with_icalendar(body)


def test_ho_chi_minh_vtimezone_is_plain_utc_plus_7(meeting_entries: Entries) -> None:
    calendar = Calendar.from_ical(feed(meeting_entries))
    (zone,) = calendar.walk("VTIMEZONE")
    observances = zone.walk("STANDARD") + zone.walk("DAYLIGHT")
    assert [o.name for o in observances] == ["STANDARD"]
    block = zone.to_ical().decode()
    assert "TZOFFSETFROM:+0700" in block and "TZOFFSETTO:+0700" in block
    assert "DTSTART:20260101T000000" in block


def test_times_are_written_in_the_feed_zone(meeting_entries: Entries) -> None:
    lines = lines_of(feed(meeting_entries))
    # 12:15 in Seoul is 10:15 in Bắc Ninh.
    assert "DTSTART;TZID=Asia/Ho_Chi_Minh:20260521T101500" in lines
    assert "DTSTART;TZID=Asia/Ho_Chi_Minh:20260521T094500" in lines
    seoul_lines = lines_of(feed(meeting_entries, SEOUL))
    assert "DTSTART;TZID=Asia/Seoul:20260521T114500" in seoul_lines
    for timezone in (HCM, SEOUL):
        parsed = {e.uid: e for e in parse_with_icalendar(feed(meeting_entries, timezone))}
        for entry in meeting_entries:
            assert parsed[entry.uid].start == entry.starts_at
            assert parsed[entry.uid].end == entry.ends_at
            assert parsed[entry.uid].tzid == timezone


def test_utc_feed_needs_no_vtimezone(meeting_entries: Entries) -> None:
    body = feed(meeting_entries, "UTC")
    assert b"BEGIN:VTIMEZONE" not in body
    assert "DTSTART:20260521T024500Z" in lines_of(body)


def test_entries_sorted_by_start_then_uid(meeting_entries: Entries) -> None:
    twin = dataclasses.replace(by_uid(meeting_entries, "meeting-101@meetx.example"), uid="a@x")
    events = parse_with_icalendar(feed((*meeting_entries, twin)))
    assert [e.uid for e in events] == [
        "session-7@meetx.example",
        "a@x",
        "meeting-101@meetx.example",
        "meeting-102@meetx.example",
        "meeting-103@meetx.example",
    ]


def test_long_vietnamese_description_folds_correctly(meeting_entries: Entries) -> None:
    entry = by_uid(meeting_entries, "meeting-101@meetx.example")
    body = feed(meeting_entries)
    physical = check_lines(body)  # <= 75 octets and valid UTF-8 on every line
    folded = [line for line in physical if line.startswith(b" ")]
    assert len(folded) >= 5, "the description should need several continuation lines"
    # The fold must land next to multibyte characters somewhere, or the test proves nothing.
    assert any(line[1:2] >= b"\x80" or line[-1:] >= b"\x80" for line in folded)
    (parsed,) = [e for e in parse_with_icalendar(body) if e.uid == entry.uid]
    assert parsed.description == entry.description
    assert parsed.location == "Bàn 12 / Table 12, Trung tâm Hội nghị tỉnh Bắc Ninh"
    assert parsed.summary == entry.summary


def test_decomposed_vietnamese_is_written_precomposed(meeting_entries: Entries) -> None:
    entry = meeting_entries[0]
    nfd = dataclasses.replace(
        entry,
        summary=unicodedata.normalize("NFD", entry.summary),
        description=unicodedata.normalize("NFD", entry.description).replace("\n", "\r\n"),
    )
    assert feed((nfd,)) == feed((entry,))


def test_dtstamp_and_last_modified_come_from_the_row(meeting_entries: Entries) -> None:
    body = feed(meeting_entries)
    lines = lines_of(body)
    assert lines.count("DTSTAMP:20260510T083015Z") == len(meeting_entries)
    assert lines.count("LAST-MODIFIED:20260510T083015Z") == len(meeting_entries)
    later = dataclasses.replace(
        meeting_entries[0], last_modified=meeting_entries[0].last_modified + timedelta(hours=1)
    )
    changed = feed((later, *meeting_entries[1:]))
    assert changed != body
    assert feed_etag(changed) != feed_etag(body)


def test_status_sequence_alarm_and_transparency(meeting_entries: Entries) -> None:
    cancelled = dataclasses.replace(meeting_entries[0], status="CANCELLED", sequence=3)
    calendar = Calendar.from_ical(feed((cancelled, *meeting_entries[1:])))
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    gone = events["meeting-101@meetx.example"]
    assert str(gone["STATUS"]) == "CANCELLED"
    assert int(gone["SEQUENCE"]) == 3
    assert str(gone["TRANSP"]) == "TRANSPARENT"
    assert gone.walk("VALARM") == []
    live = events["meeting-102@meetx.example"]
    assert str(live["STATUS"]) == "CONFIRMED"
    assert str(live["TRANSP"]) == "OPAQUE"
    (alarm,) = live.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-10)
    assert str(events["meeting-103@meetx.example"]["STATUS"]) == "TENTATIVE"
    assert events["session-7@meetx.example"].walk("VALARM") == []


def test_categories_url_and_organizer(meeting_entries: Entries) -> None:
    calendar = Calendar.from_ical(feed(meeting_entries))
    event = next(e for e in calendar.walk("VEVENT") if e["UID"] == "meeting-101@meetx.example")
    assert list(event["CATEGORIES"].cats) == ["Kết nối B2B", "Gặp gỡ Hàn Quốc 2026"]
    assert str(event["URL"]) == "https://meetx.example/p/abc/meetings/101"
    assert str(event["ORGANIZER"]) == "mailto:songoaivu@bacninh.example.vn"
    assert event["ORGANIZER"].params["CN"] == "Sở Ngoại vụ tỉnh Bắc Ninh"


def test_publish_feed_leaves_attendees_out(meeting_entries: Entries) -> None:
    assert b"ATTENDEE" not in feed(meeting_entries, method="PUBLISH")
    calendar = Calendar.from_ical(feed(meeting_entries, method=None))
    event = next(e for e in calendar.walk("VEVENT") if e["UID"] == "meeting-101@meetx.example")
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == [
        "mailto:huong.nguyen@bacninh.example.vn",
        "mailto:minjun.kim@hanbit.example.kr",
    ]
    # A subscribed feed cannot carry replies, so it must not ask for one.
    assert all("RSVP" not in a.params for a in attendees)


def test_invitation_request(meeting_entries: Entries) -> None:
    entry = meeting_entries[0]
    body = build_invitation(entry=entry, timezone=SEOUL, name="Gặp gỡ Hàn Quốc 2026")
    check_lines(body)
    calendar = Calendar.from_ical(body)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["PRODID"]) == PRODID
    (event,) = calendar.walk("VEVENT")
    assert event["ORGANIZER"].params["CN"] == "Sở Ngoại vụ tỉnh Bắc Ninh"
    attendees = event["ATTENDEE"]
    assert [(a.params["CN"], str(a)) for a in attendees] == [
        ("Nguyễn Thị Thu Hương", "mailto:huong.nguyen@bacninh.example.vn"),
        ("김민준 (Kim Min-jun)", "mailto:minjun.kim@hanbit.example.kr"),
    ]
    for attendee in attendees:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"
    (parsed,) = parse_with_icalendar(body)
    assert parsed.tzid == SEOUL
    assert parsed.start == entry.starts_at


def test_invitation_cancel(meeting_entries: Entries) -> None:
    entry = dataclasses.replace(meeting_entries[0], status="CANCELLED", sequence=2)
    calendar = Calendar.from_ical(build_invitation(entry=entry, timezone=HCM, name="x"))
    assert str(calendar["METHOD"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 2
    assert len(event["ATTENDEE"]) == 2


def test_invitation_needs_organizer_and_attendees(meeting_entries: Entries) -> None:
    entry = meeting_entries[0]
    with pytest.raises(ValueError, match="organizer"):
        build_invitation(entry=dataclasses.replace(entry, organizer=None), timezone=HCM, name="x")
    with pytest.raises(ValueError, match="attendee"):
        build_invitation(entry=dataclasses.replace(entry, attendees=()), timezone=HCM, name="x")


def test_empty_feed_is_valid() -> None:
    body = feed(())
    assert parse_with_icalendar(body) == []
    assert b"BEGIN:VEVENT" not in body


def test_feed_rejects_bad_input(meeting_entries: Entries) -> None:
    with pytest.raises(ValueError, match="duplicate UID"):
        feed(
            (
                meeting_entries[0],
                dataclasses.replace(meeting_entries[1], uid=meeting_entries[0].uid),
            )
        )
    with pytest.raises(ValueError, match="time zone"):
        feed(meeting_entries, "Asia/Sai_Gon")


@pytest.mark.parametrize(
    "changes",
    [
        {"starts_at": datetime(2026, 5, 21, 9, 45)},  # naive
        {"ends_at": datetime(2026, 5, 21, 9, 45, tzinfo=ZoneInfo(HCM))},  # not after start
        {"status": "DONE"},
        {"sequence": -1},
        {"alarm_minutes": -5},
        {"uid": ""},
        {"uid": "a\r\nb"},
        {"attendees": (("Nguyễn Văn A", "not-an-address"),)},
        {"organizer": ("Ban tổ chức", "ban to chuc@example.vn")},
        {"categories": ("",)},
    ],
)
def test_entry_validation(meeting_entries: Entries, changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(meeting_entries[0], **changes)


def test_entry_accepts_lists_and_stays_hashable(meeting_entries: Entries) -> None:
    entry = dataclasses.replace(
        meeting_entries[0],
        categories=["B2B"],  # type: ignore[arg-type]
        attendees=[["Lê Văn Bình", "binh@example.vn"]],  # type: ignore[list-item]
    )
    assert entry.categories == ("B2B",)
    assert entry.attendees == (("Lê Văn Bình", "binh@example.vn"),)
    hash(entry)


def test_feed_etag_is_a_strong_quoted_hash() -> None:
    tag = feed_etag(b"BEGIN:VCALENDAR\r\n")
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    assert len(tag) == 66
    assert feed_etag(b"a") != feed_etag(b"b")


def test_feed_last_modified(meeting_entries: Entries) -> None:
    newest = datetime(2026, 5, 12, 16, 0, 0, 999999, tzinfo=ZoneInfo(SEOUL))
    entries = (
        *meeting_entries,
        dataclasses.replace(meeting_entries[0], uid="n@x", last_modified=newest),
    )
    result = feed_last_modified(entries)
    assert result == datetime(2026, 5, 12, 7, 0, 0, tzinfo=UTC)
    assert result.tzinfo == UTC
    event_change = datetime(2026, 5, 13, tzinfo=UTC)
    assert feed_last_modified(entries, default=event_change) == event_change
    assert feed_last_modified((), default=event_change) == event_change
    with pytest.raises(ValueError):
        feed_last_modified(())


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://meetx.example/api/v1/calendars/tok_123.ics",
            "webcal://meetx.example/api/v1/calendars/tok_123.ics",
        ),
        ("http://127.0.0.1:8000/c.ics?lang=vi", "webcal://127.0.0.1:8000/c.ics?lang=vi"),
        ("webcal://meetx.example/c.ics", "webcal://meetx.example/c.ics"),
    ],
)
def test_webcal_url(url: str, expected: str) -> None:
    assert webcal_url(url) == expected


@pytest.mark.parametrize("url", ["ftp://meetx.example/c.ics", "/calendars/x.ics", "https://"])
def test_webcal_url_rejects_other_urls(url: str) -> None:
    with pytest.raises(ValueError):
        webcal_url(url)
