"""The personal page in a live-booking event: a business proposes a time from the common
free times, its partner accepts at that time, and both agendas show the meeting at once.
Screenshots at phone and desktop size under test-artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.service.pages.live_server import (
    ADMIN_TOKEN,
    PHONE,
    LiveServer,
    chromium,
    screenshot,
)

pytestmark = pytest.mark.slow


def _setup(server: LiveServer) -> dict[str, Any]:
    with httpx.Client(
        base_url=f"{server.url}/api/v1",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=60,
    ) as api:
        event = api.post(
            "/events",
            json={
                "name": "Gặp gỡ Hàn Quốc 2026",
                "name_en": "Meet Korea 2026",
                "partner_country": "KR",
                "host_province": 24,
                "venue": "Bắc Ninh",
                "start_date": "2026-12-10",
                "end_date": "2026-12-11",
            },
        ).json()
        api.post(
            f"/events/{event['id']}/sessions",
            json={
                "title": "Kết nối doanh nghiệp",
                "title_en": "B2B meetings",
                "kind": "b2b",
                "starts_at": "2026-12-10T09:45:00+07:00",
                "ends_at": "2026-12-10T11:45:00+07:00",
                "slot_minutes": 20,
                "break_minutes": 5,
                "tables": 10,
                "interpreters": {"ko": 2},
            },
        ).raise_for_status()
        api.patch(f"/events/{event['id']}", json={"booking_mode": "live"}).raise_for_status()
        people = {}
        for key, org in (
            (
                "business",
                {
                    "kind": "company",
                    "name": "Seoul Precision Optics Co., Ltd.",
                    "country": "KR",
                    "sectors": ["C26"],
                    "languages": ["ko"],
                    "offers": "Camera modules",
                    "needs": "Linh kiện điện tử",
                },
            ),
            (
                "partner",
                {
                    "kind": "company",
                    "name": "Công ty TNHH Điện tử Quế Võ",
                    "country": "VN",
                    "province_code": 24,
                    "sectors": ["C26"],
                    "languages": ["vi"],
                    "offers": "Linh kiện điện tử",
                },
            ),
        ):
            created = api.post("/organizations", json=org).json()
            people[key] = api.post(
                f"/events/{event['id']}/participants",
                json={"organization_id": created["id"], "delegates": [{"name": "Đại diện"}]},
            ).json()
    return {"event_id": event["id"], **people}


def test_propose_accept_and_book_from_the_personal_page(server: LiveServer) -> None:
    world = _setup(server)
    business, partner = world["business"], world["partner"]
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        page.goto(f"{server.url}/p/{business['token']}")
        select = page.locator(f"#proposed-{partner['id']}")
        assert select.count() == 1
        options = select.locator("option").all_text_contents()
        assert len(options) > 3  # "let them choose" and the free times
        select.select_option(index=2)
        screenshot(page, "live-01-business-proposes-a-time")
        page.locator(f"#suggestion-{partner['id']} button[type=submit]").click()
        page.wait_for_load_state()

        page.goto(f"{server.url}/p/{partner['token']}")
        accept_select = page.locator("select[name=starts_at]")
        assert accept_select.count() == 1
        chosen = accept_select.evaluate("s => s.options[s.selectedIndex].text")
        assert "đề xuất" in chosen and "10:10" in chosen
        screenshot(page, "live-02-partner-accepts-the-proposed-time")
        page.locator("form[action$='/accept'] button").click()
        page.wait_for_load_state()
        body = page.content()
        assert "Đã chấp nhận và đặt lịch gặp." in body
        screenshot(page, "live-03-partner-booked")
        page.close()
    with httpx.Client(base_url=f"{server.url}/api/v1", timeout=30) as api:
        agenda = api.get(
            f"/events/{world['event_id']}/meetings",
            params={"participant_id": business["id"]},
            headers={"Authorization": f"Bearer {business['token']}"},
        ).json()["items"]
    assert [m["starts_at"] for m in agenda] == ["2026-12-10T03:10:00Z"]
    assert agenda[0]["interpreter_language"] == "ko"
