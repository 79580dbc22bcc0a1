"""Session fixtures for the calendar tests: ical.js under node and a Radicale server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import caldav
import pytest

from service.calendars.ics import CalendarEntry
from tests.calendars.clients import (
    IcalJsUnavailable,
    RadicaleServer,
    ensure_icaljs,
    make_calendar,
    parse_with_icaljs,
    run_radicale,
)


@pytest.fixture(scope="session")
def icaljs() -> Callable[[bytes], list[dict[str, object]]]:
    """``parse_with_icaljs``, once ical.js is installed (``npm ci`` on first use).

    Skips, saying why, where node or npm is missing or the install fails; the other
    calendar tests still run.
    """
    try:
        ensure_icaljs()
    except IcalJsUnavailable as exc:
        pytest.skip(f"ical.js unavailable: {exc}")
    return parse_with_icaljs


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    """A Radicale CalDAV server on 127.0.0.1 for the whole session."""
    folder: Path = tmp_path_factory.mktemp("radicale")
    with run_radicale(folder) as server:
        yield server


@pytest.fixture(scope="session")
def caldav_principal(radicale: RadicaleServer) -> caldav.Principal:
    """The CalDAV principal of the test user, discovered once per session."""
    return radicale.client().principal()


@pytest.fixture
def caldav_calendar(
    caldav_principal: caldav.Principal, request: pytest.FixtureRequest
) -> caldav.Calendar:
    """A fresh, empty calendar collection on the session's Radicale server."""
    return make_calendar(caldav_principal, name=request.node.name)


# --- synthetic programme: "Gặp gỡ Hàn Quốc 2026" in Bắc Ninh ----------------------------

EVENT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
GUEST_TZ = ZoneInfo("Asia/Seoul")
VENUE = "Trung tâm Hội nghị tỉnh Bắc Ninh"

LONG_DESCRIPTION = (
    "Cuộc gặp kết nối giữa Sở Ngoại vụ tỉnh Bắc Ninh và Công ty TNHH Hanbit Điện tử Việt Nam "
    "về mở rộng nhà máy linh kiện bán dẫn tại Khu công nghiệp Yên Phong II-C; thảo luận nhu "
    "cầu nhân lực kỹ thuật, ưu đãi đầu tư, đất công nghiệp và thủ tục cấp Giấy chứng nhận "
    "đăng ký đầu tư.\n"
    "한빛전자 베트남과 박닌성 대외관계국 간의 1:1 비즈니스 미팅 — 반도체 부품 공장 확장.\n"
    "Phiên dịch: tiếng Hàn ↔ tiếng Việt."
)


@pytest.fixture
def meeting_entries() -> tuple[CalendarEntry, ...]:
    """Four programme items, deliberately given out of order and in two time zones."""
    changed = datetime(2026, 5, 10, 8, 30, 15, 123456, tzinfo=UTC)
    organizer = ("Sở Ngoại vụ tỉnh Bắc Ninh", "songoaivu@bacninh.example.vn")
    return (
        CalendarEntry(
            uid="meeting-101@meetx.example",
            summary="Kết nối: Sở Ngoại vụ Bắc Ninh – Hanbit Electronics / 한빛전자",
            description=LONG_DESCRIPTION,
            location=f"Bàn 12 / Table 12, {VENUE}",
            starts_at=datetime(2026, 5, 21, 9, 45, tzinfo=EVENT_TZ),
            ends_at=datetime(2026, 5, 21, 10, 5, tzinfo=EVENT_TZ),
            last_modified=changed,
            url="https://meetx.example/p/abc/meetings/101",
            categories=("Kết nối B2B", "Gặp gỡ Hàn Quốc 2026"),
            attendees=(
                ("Nguyễn Thị Thu Hương", "huong.nguyen@bacninh.example.vn"),
                ("김민준 (Kim Min-jun)", "minjun.kim@hanbit.example.kr"),
            ),
            organizer=organizer,
            alarm_minutes=10,
        ),
        CalendarEntry(
            # Entered by the Korean guest's side in Seoul time: 12:15 KST is 10:15 in Bắc Ninh.
            uid="meeting-102@meetx.example",
            summary="Kết nối: Tỉnh Bắc Ninh – Daehan Logistics / 대한물류",
            description="Kho bãi và logistics (VSIC H52).",
            location=f"Bàn 3 / Table 3, {VENUE}",
            starts_at=datetime(2026, 5, 21, 12, 15, tzinfo=GUEST_TZ),
            ends_at=datetime(2026, 5, 21, 12, 35, tzinfo=GUEST_TZ),
            last_modified=changed,
            attendees=(("Trần Đức Anh", "anh.tran@bacninh.example.vn"),),
            organizer=organizer,
            alarm_minutes=10,
        ),
        CalendarEntry(
            uid="meeting-103@meetx.example",
            summary="Kết nối: Tập đoàn Đông Á – Seoul Green Energy",
            location=f"Bàn 7 / Table 7, {VENUE}",
            status="TENTATIVE",
            starts_at=datetime(2026, 5, 22, 14, 0, tzinfo=EVENT_TZ),
            ends_at=datetime(2026, 5, 22, 14, 20, tzinfo=EVENT_TZ),
            last_modified=changed,
        ),
        CalendarEntry(
            uid="session-7@meetx.example",
            summary="Phiên toàn thể / 전체 회의 / Plenary session",
            location=f"Hội trường A, {VENUE}",
            starts_at=datetime(2026, 5, 21, 8, 0, tzinfo=EVENT_TZ),
            ends_at=datetime(2026, 5, 21, 9, 30, tzinfo=EVENT_TZ),
            last_modified=changed,
            categories=("Phiên toàn thể",),
        ),
    )
