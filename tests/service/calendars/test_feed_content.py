"""What the feeds say, read by icalendar and ical.js: instants, UIDs, updates, text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlmodel import Session

from service.core.database import utcnow
from service.meetings.models import Meeting
from tests.calendars.clients import ParsedEvent, parse_with_icalendar
from tests.service.calendars.conftest import VENUE, Programme

IcalJs = Callable[[bytes], list[dict[str, object]]]


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def icaljs_instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def events_by_uid(body: bytes) -> dict[str, ParsedEvent]:
    return {e.uid: e for e in parse_with_icalendar(body)}


def meeting_uid(programme: Programme, name: str) -> str:
    return f"{programme.meetings[name]['uid']}@meetx.example"


def all_feeds(
    client: TestClient, programme: Programme, admin_headers: dict[str, str]
) -> dict[str, bytes]:
    paths = {
        "programme": f"{programme.base}/calendar.ics",
        "all": f"{programme.base}/calendars/all.ics",
        "table 12": f"{programme.base}/calendars/tables/12.ics",
        "interpreter ko": f"{programme.base}/calendars/interpreters/ko.ics",
        "invitation": (
            f"{programme.base}/meetings/{programme.meetings['korean']['id']}/invitation.ics"
        ),
    }
    paths |= {name: programme.feed_path(name) for name in programme.participants}
    feeds = {}
    for name, path in paths.items():
        response = client.get(path, headers=admin_headers)
        assert response.status_code == 200, (name, response.text)
        feeds[name] = response.content
    return feeds


def test_every_feed_parses_with_a_vtimezone_for_every_tzid(
    client: TestClient, programme: Programme, admin_headers: dict[str, str]
) -> None:
    for name, body in all_feeds(client, programme, admin_headers).items():
        # parse_with_icalendar also checks CRLF, 75-octet folding and the VTIMEZONEs.
        events = parse_with_icalendar(body)
        assert events, name
        assert {e.tzid for e in events} == {"Asia/Ho_Chi_Minh"}, name
        calendar = Calendar.from_ical(body)
        assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]


def test_icaljs_sees_every_start_as_the_right_instant(
    client: TestClient, programme: Programme, admin_headers: dict[str, str], icaljs: IcalJs
) -> None:
    feeds = all_feeds(client, programme, admin_headers)
    expected = {
        meeting_uid(programme, name): (instant(m["starts_at"]), instant(m["ends_at"]))
        for name, m in programme.meetings.items()
    }
    for name, body in feeds.items():
        parsed = icaljs(body)
        assert parsed, name
        for event in parsed:
            assert event["tzid"] == "Asia/Ho_Chi_Minh", (name, event)
            if event["uid"] in expected:
                start, end = expected[str(event["uid"])]
                assert event["start_utc"] == icaljs_instant(start), (name, event)
                assert event["end_utc"] == icaljs_instant(end), (name, event)

    # The Korean guest's first meeting: 09:45 in Bắc Ninh is 02:45 UTC (11:45 in Seoul).
    korean = {e["uid"]: e for e in icaljs(feeds["hanbit"])}[meeting_uid(programme, "korean")]
    assert korean["start_utc"] == "2026-12-10T02:45:00.000Z"
    assert korean["end_utc"] == "2026-12-10T03:05:00.000Z"
    assert korean["utc_offset_seconds"] == 7 * 3600


def test_participant_feed_shows_its_meetings_and_sessions(
    client: TestClient, programme: Programme
) -> None:
    body = client.get(programme.feed_path("hanbit")).content
    events = events_by_uid(body)
    plenary = f"session-{programme.plenary_session_id}@meetx.example"
    korean, electronics = meeting_uid(programme, "korean"), meeting_uid(programme, "electronics")
    assert korean in events and electronics in events and plenary in events
    # Its own meetings only; no B2B frame (the meetings are listed), no site visit.
    assert meeting_uid(programme, "logistics") not in events
    summaries = sorted(e.summary for e in events.values())
    assert summaries == sorted(
        [
            "Gặp Sở Ngoại vụ tỉnh Bắc Ninh / Meeting with Bac Ninh Department of Foreign Affairs",
            "Gặp Công ty CP Điện tử Đông Á / Meeting with Dong A Electronics JSC",
            "Phiên toàn thể / Plenary session",
            "Tiệc trưa giao lưu / Networking lunch",
        ]
    )

    meeting = events[korean]
    assert meeting.start == datetime(2026, 12, 10, 2, 45, tzinfo=UTC)
    assert meeting.status == "CONFIRMED" and meeting.sequence == 0
    assert meeting.location == f"Bàn 12 / Table 12, Sảnh B, {VENUE}"
    description = meeting.description
    for text in (
        "Đối tác / Partner: Sở Ngoại vụ tỉnh Bắc Ninh / Bac Ninh Department of Foreign Affairs",
        "- Nguyễn Thị Thu Hương, Phó Giám đốc Sở",
        "- Trần Đức Anh, Chuyên viên",
        "Phiên dịch tiếng Hàn / Korean interpreter",
        "Lý do / Why: do ban tổ chức sắp xếp / arranged by the organisers",
        f"https://meetx.example/events/{programme.event_id}",
    ):
        assert text in description, text
    # The partner's e-mail addresses stay private, and the token never leaves the URL.
    assert "@bacninh.example" not in body.decode()
    assert programme.token("hanbit") not in body.decode()
    assert "/p/" not in body.decode()
    assert str(meeting.component["URL"]) == f"https://meetx.example/events/{programme.event_id}"
    assert str(events[plenary].location) == f"Hội trường A, {VENUE}"

    calendar = Calendar.from_ical(body)
    name = "MeetX – Gặp gỡ Hàn Quốc 2026 – Hanbit Semicon Co., Ltd."
    assert str(calendar["X-WR-CALNAME"]) == name
    assert "REFRESH-INTERVAL" in calendar and "X-PUBLISHED-TTL" in calendar
    assert str(calendar["METHOD"]) == "PUBLISH"


def test_a_participant_that_skips_plenaries_does_not_get_them(
    client: TestClient, programme: Programme, admin_headers: dict[str, str]
) -> None:
    participant = programme.participants["daehan"]
    changed = client.patch(
        f"{programme.base}/participants/{participant['id']}",
        json={"attends_plenary": False},
        headers=admin_headers,
    )
    assert changed.status_code == 200
    events = events_by_uid(client.get(programme.feed_path("daehan")).content)
    assert f"session-{programme.plenary_session_id}@meetx.example" not in events
    assert meeting_uid(programme, "energy") in events


def test_organizer_feed_names_both_sides_host_first(
    client: TestClient, programme: Programme, admin_headers: dict[str, str]
) -> None:
    body = client.get(f"{programme.base}/calendars/all.ics", headers=admin_headers).content
    events = events_by_uid(body)
    electronics = events[meeting_uid(programme, "electronics")]
    assert electronics.summary == (
        "Gặp Công ty CP Điện tử Đông Á – Hanbit Semicon Co., Ltd. / "
        "Meeting Dong A Electronics JSC – Hanbit Semicon Co., Ltd."
    )
    assert "Bên 1 / Side 1: Công ty CP Điện tử Đông Á" in electronics.description
    assert "- 김민준 (Kim Min-jun), CEO" in electronics.description
    assert "ATTENDEE" not in body.decode(), "RFC 5546: no ATTENDEE under METHOD:PUBLISH"


def test_move_and_cancel_keep_the_uid_and_raise_the_sequence(
    client: TestClient, programme: Programme, admin_headers: dict[str, str]
) -> None:
    path = programme.feed_path("bacninh")
    before = events_by_uid(client.get(path).content)
    korean, logistics = meeting_uid(programme, "korean"), meeting_uid(programme, "logistics")

    moved = client.patch(
        f"{programme.base}/meetings/{programme.meetings['korean']['id']}",
        json={"slot": 4, "table": 7},
        headers=admin_headers,
    ).json()
    cancelled = client.patch(
        f"{programme.base}/meetings/{programme.meetings['logistics']['id']}",
        json={"status": "cancelled"},
        headers=admin_headers,
    ).json()
    after = events_by_uid(client.get(path).content)

    assert set(after) == set(before), "same UIDs: a move or a cancel never adds an event"
    assert after[korean].start == datetime(2026, 12, 10, 4, 0, tzinfo=UTC)  # 11:00 local
    assert after[korean].location.startswith("Bàn 7 / Table 7, ")
    assert after[korean].sequence == before[korean].sequence + 1 == moved["sequence"]
    assert after[korean].status == "CONFIRMED"
    # DTSTAMP and LAST-MODIFIED are the row's last change (whole seconds), not "now".
    changed = instant(moved["updated_at"]).replace(microsecond=0)
    assert after[korean].component.decoded("DTSTAMP") == changed
    assert after[korean].component.decoded("LAST-MODIFIED") == changed

    assert after[logistics].status == "CANCELLED"
    assert after[logistics].sequence == cancelled["sequence"] == 1
    assert after[logistics].start == before[logistics].start
    assert after[logistics].summary.startswith("Đã hủy / Cancelled: Gặp Daehan Logistics")
    assert str(after[logistics].component["TRANSP"]) == "TRANSPARENT"
    assert "VALARM" not in after[logistics].component.to_ical().decode()


def test_cancelled_meetings_leave_the_feed_after_30_days(
    client: TestClient, programme: Programme, admin_headers: dict[str, str], db: Session
) -> None:
    meeting_id = programme.meetings["energy"]["id"]
    client.patch(
        f"{programme.base}/meetings/{meeting_id}",
        json={"status": "cancelled"},
        headers=admin_headers,
    )
    path = programme.feed_path("donga")
    uid = meeting_uid(programme, "energy")
    assert events_by_uid(client.get(path).content)[uid].status == "CANCELLED"

    def cancelled_days_ago(days: int) -> None:
        row = db.get(Meeting, meeting_id)
        assert row is not None
        row.updated_at = utcnow() - timedelta(days=days)
        db.add(row)
        db.commit()

    cancelled_days_ago(29)
    kept = client.get(path)
    assert uid in events_by_uid(kept.content)
    cancelled_days_ago(31)
    dropped = client.get(path, headers={"If-None-Match": kept.headers["etag"]})
    assert dropped.status_code == 200
    assert uid not in events_by_uid(dropped.content)
    assert meeting_uid(programme, "electronics") in events_by_uid(dropped.content)


def test_edits_to_what_a_feed_shows_reach_it(
    client: TestClient, programme: Programme, admin_headers: dict[str, str]
) -> None:
    """Every row a feed renders is part of its fingerprint: a stored body never outlives
    a change to the partner, the session or the event."""
    path = programme.feed_path("hanbit")
    korean = meeting_uid(programme, "korean")

    def fetch() -> tuple[str, ParsedEvent]:
        response = client.get(path)
        return response.headers["etag"], events_by_uid(response.content)[korean]

    etag, _ = fetch()
    org_id = programme.participants["bacninh"]["organization_id"]
    renamed = client.patch(
        f"/api/v1/organizations/{org_id}",
        json={"name_en": "Bac Ninh Foreign Affairs"},
        headers=admin_headers,
    )
    assert renamed.status_code == 200, renamed.text
    etag_2, event = fetch()
    assert etag_2 != etag and event.summary.endswith("/ Meeting with Bac Ninh Foreign Affairs")

    moved_hall = client.patch(
        f"{programme.base}/sessions/{programme.b2b_session_id}",
        json={"location": "Sảnh C"},
        headers=admin_headers,
    )
    assert moved_hall.status_code == 200, moved_hall.text
    etag_3, event = fetch()
    assert etag_3 != etag_2 and event.location == f"Bàn 12 / Table 12, Sảnh C, {VENUE}"

    new_venue = client.patch(
        programme.base, json={"venue": "Khách sạn Mường Thanh Bắc Ninh"}, headers=admin_headers
    )
    assert new_venue.status_code == 200, new_venue.text
    etag_4, event = fetch()
    assert etag_4 != etag_3 and event.location.endswith("Sảnh C, Khách sạn Mường Thanh Bắc Ninh")

    partner = programme.participants["bacninh"]
    client.patch(
        f"{programme.base}/participants/{partner['id']}",
        json={"delegates": [{"name": "Đỗ Minh Quân", "title": "Giám đốc Sở"}]},
        headers=admin_headers,
    )
    etag_5, event = fetch()
    assert etag_5 != etag_4 and "- Đỗ Minh Quân, Giám đốc Sở" in event.description
    assert "Nguyễn Thị Thu Hương" not in event.description


def test_programme_feed_lists_every_session(
    client: TestClient, programme: Programme, admin_headers: dict[str, str]
) -> None:
    body = client.get(f"{programme.base}/calendar.ics").content
    events = parse_with_icalendar(body)
    assert [e.summary for e in events] == [
        "Phiên toàn thể / Plenary session",
        "Kết nối doanh nghiệp buổi sáng / Morning B2B meetings",
        "Tiệc trưa giao lưu / Networking lunch",
        "Khảo sát KCN Yên Phong II-C / Visit to Yen Phong II-C industrial park",
    ]
    assert events[0].location == f"Hội trường A, {VENUE}"
    assert events[0].start == datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    assert all(e.uid.startswith("session-") for e in events)
    assert "Bàn" not in body.decode(), "the public programme shows no meetings"
