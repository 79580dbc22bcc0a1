"""The pages in a real browser: headless Chromium driven by Playwright.

The flow of the issue: a business opens its personal link and requests a meeting, the
partner accepts, the organiser signs in, previews and applies the schedule, and the
business's agenda shows the table. Every page is also saved as a screenshot at phone and
desktop sizes under test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from service.core.database import make_engine
from service.seeding.demo import load_demo_event
from tests.service.pages.live_server import (
    ADMIN_TOKEN,
    PHONE,
    LiveServer,
    screenshot,
)

pytestmark = pytest.mark.slow


def _api(server: LiveServer) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.url}/api/v1",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=60,
    )


def _register(api: httpx.Client, event_id: int, **organization: Any) -> dict[str, Any]:
    org = api.post("/organizations", json=organization)
    org.raise_for_status()
    participant = api.post(
        f"/events/{event_id}/participants",
        json={"organization_id": org.json()["id"], "delegates": [{"name": "Đại diện"}]},
    )
    participant.raise_for_status()
    return participant.json()


@pytest.fixture(scope="module")
def demo(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo event, plus a Korean business and a Vietnamese partner that have never
    been in touch, so the flow below starts from nothing between them."""
    engine = make_engine(server.settings.database_url)
    with Session(engine) as session:
        event, _ = load_demo_event(session=session, public_url=server.url)
        event_id = event.id
    engine.dispose()
    with _api(server) as api:
        business = _register(
            api,
            event_id,  # type: ignore[arg-type]
            kind="company",
            name="Seoul Precision Optics Co., Ltd.",
            country="KR",
            sectors=["C26"],
            languages=["ko"],
            offers="Camera modules, optical lenses",
            needs="Nhà cung cấp linh kiện nhựa chính xác, đất khu công nghiệp",
            investment_usd=35_000_000,
        )
        partner = _register(
            api,
            event_id,  # type: ignore[arg-type]
            kind="company",
            name="Công ty TNHH Nhựa Kỹ thuật Quế Võ",
            name_en="Que Vo Engineering Plastics Co., Ltd.",
            country="VN",
            province_code="24",
            sectors=["C22"],
            languages=["vi"],
            offers="Linh kiện nhựa chính xác cho điện tử",
        )
    return {"event_id": event_id, "business": business, "partner": partner}


def _open(page: Any, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: {response.status if response else '?'}"


def test_business_requests_partner_accepts_organiser_schedules_agenda_shows_table(
    server: LiveServer, browser: Any, demo: dict[str, Any]
) -> None:
    business, partner = demo["business"], demo["partner"]
    page = browser.new_page(viewport=PHONE)
    page.on("dialog", lambda dialog: dialog.accept())

    _open(page, server.url + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", level=2, name=re.compile("Gặp gỡ Hàn Quốc 2026")).count()
    screenshot(page, "01-events")

    # Keyboard users land on the skip link first, and it shows where focus is.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"

    # The business opens its link (in Vietnamese: a Korean firm's page opens in English)
    # and asks the partner for a meeting.
    _open(page, business["page_url"] + "?lang=vi")
    assert (
        page.get_by_role("link", name="Đăng ký lịch / Subscribe")
        .get_attribute("href")
        .startswith("webcal://")
    )
    screenshot(page, "02-business")
    page.locator("summary", has_text="Đề nghị gặp một đơn vị khác").click()
    page.select_option("#to-participant", value=str(partner["id"]))
    page.fill("#message-other", "Chúng tôi muốn tìm nhà cung cấp linh kiện nhựa.")
    page.locator("form.request-form", has=page.locator("#to-participant")).get_by_role(
        "button", name="Đề nghị gặp"
    ).click()
    page.wait_for_url(re.compile(r"done=sent"))
    assert page.get_by_role("status").inner_text() == "Đã gửi đề nghị gặp."
    screenshot(page, "03-business-request-sent")

    # The partner accepts.
    _open(page, partner["page_url"])
    incoming = page.locator("li.list-item", has_text="Seoul Precision Optics")
    assert "Chúng tôi muốn tìm nhà cung cấp" in incoming.inner_text()
    screenshot(page, "04-partner-incoming")
    incoming.get_by_role("button", name="Chấp nhận").click()
    page.wait_for_url(re.compile(r"done=accepted"))
    assert "Đã chấp nhận" in page.locator("li.list-item", has_text="Seoul Precision").inner_text()

    # The organiser signs in, previews the schedule, then applies it.
    _open(page, server.url + "/admin")
    screenshot(page, "05-admin-signin")
    page.get_by_label("Mã ban tổ chức").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name=re.compile("Gặp gỡ Hàn Quốc 2026")).click()
    page.wait_for_url(re.compile(rf"/admin/events/{demo['event_id']}$"))
    unplaced = page.locator("section", has=page.locator("#unplaced-heading"))
    assert "Seoul Precision Optics" in unplaced.inner_text()
    screenshot(page, "06-dashboard-before")
    page.get_by_label("Thời gian tính tối đa (giây)").fill("5")
    page.get_by_role("button", name="Xem trước").click()
    page.wait_for_url(re.compile(r"/schedule/preview$"))
    added = page.locator("table.changes tr", has_text="Seoul Precision Optics").filter(
        has_text="Nhựa Kỹ thuật Quế Võ"
    )
    assert "Thêm" in added.inner_text() and "bắt buộc" in added.inner_text()
    screenshot(page, "07-schedule-preview")
    page.get_by_role("button", name="Áp dụng lịch này").click()
    page.wait_for_url(re.compile(r"done=applied"))
    assert "Đã áp dụng lịch mới" in page.get_by_role("status").inner_text()
    assert (
        "Seoul Precision Optics"
        not in page.locator("section", has=page.locator("#unplaced-heading")).inner_text()
    )
    screenshot(page, "08-dashboard-after")

    # The business's agenda now shows the meeting, its table and time.
    with _api(server) as api:
        meetings = api.get(
            f"/events/{demo['event_id']}/meetings",
            params={"participant_id": business["id"], "include_cancelled": False},
        ).json()["items"]
    ours = [m for m in meetings if partner["id"] in m["participants"]]
    assert len(ours) == 1
    _open(page, business["page_url"])
    row = page.locator("table.agenda tr", has_text="Công ty TNHH Nhựa Kỹ thuật Quế Võ")
    assert ours[0]["table_name"] in row.inner_text()
    assert "tiếng Hàn" in row.inner_text()  # Korean only on one side, Vietnamese on the other
    screenshot(page, "09-business-agenda")
    _open(page, business["page_url"] + "/agenda")
    printable = " ".join(table.inner_text() for table in page.locator("table.agenda").all())
    assert ours[0]["table_name"] in printable
    screenshot(page, "10-business-printable-agenda")
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    assert not page.get_by_role("button", name="In / Print").is_visible()
    screenshot(page, "10-business-printable-agenda-print-media")
    page.emulate_media(media="screen")

    _open(page, business["page_url"] + "?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Subscribe").count() == 1
    screenshot(page, "11-business-english")
    page.close()


def test_organiser_pages_import_report_exports_and_not_found(
    server: LiveServer, browser: Any, demo: dict[str, Any], tmp_path: Path
) -> None:
    page = browser.new_page(viewport=PHONE)
    _open(page, server.url + "/admin")
    page.get_by_label("Mã ban tổ chức").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/admin$"))
    screenshot(page, "12-admin-events")

    bad = tmp_path / "participants.csv"
    bad.write_text(
        "kind,name,country,sectors,delegate_name,delegate_email\n"
        "company,Công ty Một,VN,C26,An,an@example.com\n"
        "factory,Công ty Hai,VN,C26,Bình,\n"
        "company,Công ty Ba,Atlantis,Z99,Chi,not-an-email\n",
        encoding="utf-8",
    )
    _open(page, f"{server.url}/admin/events/{demo['event_id']}/import")
    page.set_input_files("#file", str(bad))
    page.get_by_role("button", name="Nhập", exact=True).click()
    errors = page.locator("table.import-errors")
    errors.wait_for()
    text = errors.inner_text()
    assert "kind" in text and "country" in text and "sectors" in text
    screenshot(page, "13-import-errors")

    good = tmp_path / "delegation.csv"
    good.write_text(
        "kind,name,country,province,sectors,languages,delegate_name,delegate_title\n"
        "province,Ủy ban nhân dân tỉnh Lạng Sơn,VN,Lạng Sơn,H52,vi,Hoàng Văn Nam,Phó Chủ tịch\n"
        "province,Ủy ban nhân dân tỉnh Lạng Sơn,VN,,,,Lương Thị Mai,Giám đốc Sở Ngoại vụ\n",
        encoding="utf-8",
    )
    page.set_input_files("#file", str(good))
    page.get_by_role("button", name="Nhập", exact=True).click()
    page.get_by_role("status").wait_for()
    assert "Đã nhập 1 người tham dự." in page.get_by_role("status").inner_text()
    screenshot(page, "14-import-done")
    with page.expect_download() as links:
        page.get_by_role("link", name="Tải danh sách liên kết (CSV)").click()
    saved = Path(links.value.path()).read_text(encoding="utf-8-sig")
    assert "Ủy ban nhân dân tỉnh Lạng Sơn" in saved and f"{server.url}/p/mxp_" in saved

    with page.expect_download() as download:
        page.evaluate(
            f"window.location.href = '/admin/events/{demo['event_id']}/export/meetings.csv'"
        )
    assert download.value.suggested_filename.endswith("-meetings.csv")

    _open(page, f"{server.url}/admin/events/{demo['event_id']}/print")
    assert page.locator("section.sheet").count() > 10
    screenshot(page, "15-table-sheets")

    response = page.goto(server.url + "/p/mxp_this-link-does-not-exist")
    assert response is not None and response.status == 404
    screenshot(page, "16-not-found")
    page.close()
