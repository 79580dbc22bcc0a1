"""After the meeting, in headless Chromium: check-in through the QR code's link, a
participant's own check-in, feedback on a phone-sized screen, the dashboard's charts
(screenshots that fail the test when a chart is empty) and the printable report printed
to PDF. Screenshots go to test-artifacts/screenshots/ like the other page tests."""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.pages.outcomes_view import qr_data_uri
from tests.service.pages.live_server import (
    ADMIN_TOKEN,
    PHONE,
    SCREENSHOT_DIR,
    LiveServer,
    screenshot,
)

pytestmark = pytest.mark.slow

BRAND = (0x0A, 0x4F, 0x8A)
OK = (0x1E, 0x6B, 0x34)


@pytest.fixture(scope="module")
def edition(server: LiveServer) -> dict[str, Any]:
    """A past edition: three firms, two meetings held (one a no-show), two commitments
    with reviews, one of them entered under the former province Bình Dương."""
    with httpx.Client(
        base_url=f"{server.url}/api/v1",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=60,
    ) as api:

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = api.post(path, json=body)
            assert response.status_code in (200, 201), response.text
            return response.json()

        event = post("/events", {"name": "Gặp gỡ Hàn Quốc tháng 6", "partner_country": "KR",
                                  "host_province": "Bắc Ninh", "start_date": "2026-06-10",
                                  "end_date": "2026-06-11"})  # fmt: skip
        eid = event["id"]
        session = post(f"/events/{eid}/sessions", {
            "title": "Kết nối doanh nghiệp", "kind": "b2b", "slot_minutes": 20, "tables": 10,
            "starts_at": "2026-06-10T09:00:00+07:00",
            "ends_at": "2026-06-10T11:00:00+07:00"})  # fmt: skip

        def register(**org: Any) -> dict[str, Any]:
            made = post("/organizations", {"kind": "company", "languages": ["vi", "en"], **org})
            return post(f"/events/{eid}/participants", {"organization_id": made["id"],
                        "delegates": [{"name": "Trần Văn Bình"}]})  # fmt: skip

        host = register(name="Công ty Linh kiện Sóng Thần", country="VN",
                        province_code="Bình Dương", sectors=["C26"])  # fmt: skip
        guest = register(name="Hanbit Semicon", country="KR", sectors=["C26"])
        other = register(name="Công ty Cơ khí Kinh Bắc", country="VN", province_code="24",
                         sectors=["C28"])  # fmt: skip
        meetings = []
        for slot, (a, b) in enumerate(((host, guest), (other, guest)), start=1):
            meetings.append(post(f"/events/{eid}/meetings", {
                "participants": [a["id"], b["id"]], "session_id": session["id"],
                "slot": slot, "table": slot}))  # fmt: skip
        api.patch(f"/events/{eid}/meetings/{meetings[0]['id']}", json={"attendance": "held"})
        api.patch(f"/events/{eid}/meetings/{meetings[1]['id']}",
                  json={"attendance": "no_show", "absent": [other["id"]]})  # fmt: skip
        for given, value, realised, org in (("Bình Dương", 40e6, (8e6, 15e6), host),
                                            ("Bắc Ninh", 25e6, (5e6, 20e6), other)):  # fmt: skip
            c = post("/commitments", {
                "kind": "investment", "title": f"Dự án {given}", "status": "signed",
                "organization_ids": [org["organization_id"], guest["organization_id"]],
                "event_id": eid, "province_code": given, "partner_country": "KR",
                "sectors": ["C26"], "signed_on": "2026-06-10", "value_usd": value,
                "next_review_on": "2026-12-01"})  # fmt: skip
            for day, amount in zip(("2026-08-15", "2026-11-20"), realised, strict=True):
                post(f"/commitments/{c['id']}/reviews", {"status": "in_progress",
                     "realised_usd": amount, "note": "Giải ngân", "reviewed_on": day})  # fmt: skip
    return {"event_id": eid, "host": host, "guest": guest, "other": other, "meetings": meetings}


def _open(page: Any, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: {response.status if response else '?'}"


def _sign_in(page: Any, server: LiveServer) -> None:
    _open(page, server.url + "/admin")
    page.get_by_label("Mã ban tổ chức").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/admin$"))


def _api_get(server: LiveServer, path: str) -> Any:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    response = httpx.get(f"{server.url}/api/v1{path}", headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_check_in_by_the_qr_link_and_by_oneself(
    server: LiveServer, browser: Any, edition: dict[str, Any]
) -> None:
    host, guest = edition["host"], edition["guest"]
    page = browser.new_page(viewport=PHONE)
    _open(page, host["page_url"])
    qr = page.locator("img.qr")
    url = qr.get_attribute("data-check-in-url")
    assert url == f"{server.url}/admin/events/{edition['event_id']}/check-in/{host['id']}"
    assert qr.get_attribute("src") == qr_data_uri(url), "the QR code encodes that link"
    assert qr.evaluate("img => img.naturalWidth") > 0
    screenshot(page, "30-personal-page-check-in")
    # Scanned by someone not signed in: the sign-in page, nothing checked in.
    _open(page, url)
    assert page.url.endswith("/admin")
    # The organiser at the desk, signed in, opens the scanned link and checks the firm in.
    _sign_in(page, server)
    _open(page, url)
    assert "Công ty Linh kiện Sóng Thần" in page.locator("h1").inner_text()
    screenshot(page, "31-check-in-card")
    page.get_by_role("button", name="Điểm danh").click()
    page.wait_for_url(re.compile(r"done=checked_in"))
    assert page.get_by_role("status").inner_text() == "Đã ghi nhận điểm danh."
    screenshot(page, "32-check-in-desk")
    # The guest checks itself in from its own link.
    _open(page, guest["page_url"] + "?lang=vi")
    page.get_by_role("button", name="Tôi đã đến").click()
    page.wait_for_url(re.compile(r"done=checked_in"))
    assert page.locator(".checked-in").is_visible()
    arrived = _api_get(server, f"/events/{edition['event_id']}/check-ins")["items"]
    assert {(c["participant_id"], c["source"]) for c in arrived} == {
        (host["id"], "desk"), (guest["id"], "self")}  # fmt: skip
    page.close()


def test_feedback_on_a_phone(server: LiveServer, browser: Any, edition: dict[str, Any]) -> None:
    guest, meeting = edition["guest"], edition["meetings"][0]
    page = browser.new_page(viewport=PHONE)
    _open(page, guest["page_url"] + "?lang=vi")
    form = page.locator(f"#feedback-{meeting['id']}")
    form.scroll_into_view_if_needed()
    box = form.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    radio = form.get_by_label("4", exact=True)
    radio_box = radio.locator("xpath=..").bounding_box()
    assert radio_box is not None and radio_box["height"] >= 40, "a finger-sized target"
    radio.check()
    form.get_by_label("Kết quả").select_option("mou_signed")
    form.get_by_label("Số vốn cam kết (USD)").fill("12,000,000")
    form.get_by_label("Bước tiếp theo").fill("Khảo sát nhà xưởng tháng 7")
    screenshot(page, "33-feedback-phone")
    form.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_url(re.compile(r"done=feedback"))
    assert page.get_by_role("status").inner_text() == "Cảm ơn! Đã lưu đánh giá của quý vị."
    saved = _api_get(server, f"/events/{edition['event_id']}/meetings/{meeting['id']}/feedback")
    assert [(f["participant_id"], f["rating"], f["outcome"], f["pledged_usd"])
            for f in saved["items"]] == [(guest["id"], 4, "mou_signed", 12_000_000)]  # fmt: skip
    # English, same form.
    _open(page, guest["page_url"] + "?lang=en")
    assert page.get_by_role("button", name="Send feedback").count() >= 1
    screenshot(page, "34-feedback-phone-english")
    page.close()


def _coloured_pixels(png: bytes, colour: tuple[int, int, int]) -> int:
    from PIL import Image

    data = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
    return sum(
        1
        for i in range(0, len(data), 3)
        if all(abs(data[i + k] - colour[k]) <= 24 for k in range(3))
    )


def test_the_dashboard_charts_are_drawn(
    server: LiveServer, browser: Any, edition: dict[str, Any]
) -> None:
    pytest.importorskip("PIL", reason="Pillow reads the chart screenshots")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    _sign_in(page, server)
    _open(page, f"{server.url}/admin/events/{edition['event_id']}")
    screenshot(page, "35-dashboard-outcomes")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for chart, colour in (("chart-held", BRAND), ("chart-provinces", BRAND),
                          ("chart-timeline", OK)):  # fmt: skip
        figure = page.locator(f"#{chart}")
        assert figure.locator("svg").count() == 1, f"{chart}: no chart drawn"
        png = figure.screenshot(path=str(SCREENSHOT_DIR / f"36-{chart}.png"))
        drawn = _coloured_pixels(png, colour)
        assert drawn > 150, f"{chart} is empty: {drawn} pixels of its colour"
    provinces = page.locator("#chart-provinces svg").inner_html()
    assert "Hồ Chí Minh" in provinces and "Bình Dương" not in provinces
    _open(page, f"{server.url}/admin/events/{edition['event_id']}/outcomes")
    screenshot(page, "37-outcomes-board")
    page.close()


def test_the_printable_report_prints_to_pdf(
    server: LiveServer, browser: Any, edition: dict[str, Any], tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    _sign_in(page, server)
    _open(page, f"{server.url}/admin/events/{edition['event_id']}/report")
    assert "Thành phố Hồ Chí Minh" in page.locator("table.report-table").first.inner_text()
    screenshot(page, "38-printable-report")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= 2, "one page of figures and charts, then the tables"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    shutil.copy(path, SCREENSHOT_DIR / "39-report.pdf")
    if shutil.which("pdftoppm") and importlib.util.find_spec("PIL"):
        first = SCREENSHOT_DIR / "39-report-page"
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                        str(path), str(first)], check=True)  # fmt: skip
        drawn = _coloured_pixels(first.with_suffix(".png").read_bytes(), BRAND)
        assert drawn > 300, f"the first printed page carries no chart ({drawn} pixels)"
    page.close()


# ---------------------------------------------------------------- the commitments register


def _no_sideways_scroll(page: Any) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "scrolls sideways"


def _below(page: Any, error: str, field: str) -> None:
    """The error message sits right under its field, and the field says it is invalid."""
    message, box = page.locator(error), page.locator(field)
    assert message.is_visible() and box.get_attribute("aria-invalid") == "true"
    top, under = box.bounding_box(), message.bounding_box()
    assert top is not None and under is not None
    assert 0 <= under["y"] - (top["y"] + top["height"]) < 48, (top, under)


def test_a_commitment_from_a_mou_signed_feedback_and_a_review_on_a_phone(
    server: LiveServer, browser: Any, edition: dict[str, Any]
) -> None:
    eid, host, meeting = edition["event_id"], edition["host"], edition["meetings"][0]
    response = httpx.put(
        f"{server.url}/api/v1/events/{eid}/meetings/{meeting['id']}/feedback",
        json={"participant_id": host["id"], "rating": 5, "outcome": "investment_decided",
              "pledged_usd": 18_000_000, "next_step": "Ký hợp đồng thuê đất"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=60,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    page = browser.new_page(viewport=PHONE)
    _sign_in(page, server)
    _open(page, f"{server.url}/admin/events/{eid}/outcomes")
    row = page.locator("#commitments-heading ~ ul li.list-item").filter(
        has_text="Công ty Linh kiện Sóng Thần"
    )
    row.get_by_role("button", name="Tạo cam kết").click()
    page.wait_for_url(re.compile(r"/admin/commitments/\d+\?done=from_feedback"))
    commitment_id = int(re.search(r"/commitments/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    assert page.get_by_role("status").inner_text().startswith("Đã tạo cam kết từ phản hồi.")
    assert "Quyết định đầu tư" in page.locator("h1").inner_text()
    assert page.locator("#commitment-status").inner_text() == "Đã ký"
    _no_sideways_scroll(page)
    screenshot(page, "40-commitment-from-feedback")

    # A review dated before the signature: refused, the message under the date.
    form = page.locator("#review-form")
    form.get_by_label("Ngày rà soát", exact=True).fill("2026-06-01")
    form.get_by_label("Tình trạng").select_option("in_progress")
    form.get_by_label("Đã giải ngân đến nay (USD)").fill("2,000,000")
    form.get_by_label("Ghi chú rà soát").fill("Đã thuê nhà xưởng 2 ha")
    form.get_by_role("button", name="Lưu rà soát").click()
    page.wait_for_load_state()
    _below(page, "#reviewed_on-error", "#field-reviewed_on")
    assert page.locator("#field-note").input_value() == "Đã thuê nhà xưởng 2 ha", "kept"
    _no_sideways_scroll(page)
    page.locator("#review-form-heading").scroll_into_view_if_needed()
    screenshot(page, "41-review-refused-phone")

    form = page.locator("#review-form")
    form.get_by_label("Ngày rà soát", exact=True).fill("2026-07-15")
    form.get_by_label("Ngày rà soát tiếp").fill("2027-01-15")
    form.get_by_role("button", name="Lưu rà soát").click()
    page.wait_for_url(re.compile(r"done=reviewed"))
    assert page.get_by_role("status").inner_text() == "Đã lưu lần rà soát."
    history = page.locator(".review-history li")
    assert history.count() == 1
    assert "Đã thuê nhà xưởng 2 ha" in history.first.inner_text()
    assert page.locator("#commitment-realised").inner_text() == "2,000,000"
    assert page.locator("#commitment-status").inner_text() == "Đang triển khai"
    _no_sideways_scroll(page)
    screenshot(page, "42-review-saved-phone")
    stored = _api_get(server, f"/commitments/{commitment_id}")
    assert (stored["value_usd"], stored["status"], stored["next_review_on"]) == (
        18_000_000, "in_progress", "2027-01-15")  # fmt: skip
    assert [(r["reviewed_on"], r["realised_usd"]) for r in stored["reviews"]] == [
        ("2026-07-15", 2_000_000)]  # fmt: skip
    page.close()


def test_the_register_and_the_commitment_form(
    server: LiveServer, browser: Any, edition: dict[str, Any]
) -> None:
    eid = edition["event_id"]
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    _sign_in(page, server)
    _open(page, f"{server.url}/admin/commitments")
    page.get_by_label("Tìm theo tên, tổ chức, địa phương").fill("song than")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url(re.compile(r"q=song\+than"))
    titles = page.locator(".register-table tbody td:first-child a").all_inner_texts()
    assert "Dự án Bình Dương" in titles and "Dự án Bắc Ninh" not in titles
    _open(page, f"{server.url}/admin/commitments?province=binh+duong")
    assert "Thành phố Hồ Chí Minh" in page.locator(".register-table").inner_text()
    _open(page, f"{server.url}/admin/commitments")
    screenshot(page, "43-register")

    _open(page, f"{server.url}/admin/commitments/new?event_id={eid}")
    page.get_by_label("Tên cam kết").fill("Trung tâm đào tạo kỹ thuật viên bán dẫn")
    search = page.get_by_label("Tìm tổ chức để thêm")
    search.fill("hanbit")
    search.press("Enter")  # runs the search, not the save
    page.wait_for_load_state()
    page.locator(".picker-found").get_by_label(re.compile("Hanbit Semicon")).check()
    search = page.get_by_label("Tìm tổ chức để thêm")
    search.fill("co khi kinh bac")
    page.get_by_role("button", name="Tìm", exact=True).click()
    page.wait_for_load_state()
    page.locator(".picker-found").get_by_label(re.compile("Cơ khí Kinh Bắc")).check()
    chosen = page.locator(".picker-chosen").inner_text()
    assert "Hanbit Semicon" in chosen and page.get_by_label("Tên cam kết").input_value() != ""
    sectors = page.get_by_placeholder("Lọc ngành, ví dụ: dien tu")
    sectors.fill("dien tu")
    c26 = page.locator("#sector-box input[value='C26']")
    assert c26.is_visible() and not page.locator("#sector-box input[value='A01']").is_visible()
    c26.check()
    assert page.locator("[data-chosen-list]").inner_text() == "C26"
    page.get_by_label("Tỉnh, thành phố").fill("Bắc Ninh")
    page.get_by_label("Quốc gia đối tác").select_option("KR")
    page.get_by_label("Ngày ký").fill("2026-06-11")
    page.get_by_label("Giá trị (USD)").fill("-3,000,000")
    page.get_by_role("button", name="Lưu", exact=True).last.click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").is_visible()
    _below(page, "#value_usd-error", "#field-value_usd")
    chosen = page.locator("#field-sectors .picker-chosen input[value='C26']")
    assert chosen.is_checked(), "kept as entered, listed among the chosen"
    assert page.locator("#sector-box summary").first.is_visible(), "the other sectors offered"
    screenshot(page, "44-commitment-form-refused")
    page.get_by_label("Giá trị (USD)").fill("3,000,000")
    page.get_by_label("Số việc làm dự kiến").fill("150")
    page.get_by_role("button", name="Lưu", exact=True).last.click()
    page.wait_for_url(re.compile(r"/admin/commitments/\d+\?done=created"))
    facts = page.locator(".facts").inner_text()
    assert "Hanbit Semicon" in facts and "Công ty Cơ khí Kinh Bắc" in facts
    assert "C26 – " in facts and "Bắc Ninh" in facts
    screenshot(page, "45-commitment-page")
    page.close()


def test_the_report_across_editions(
    server: LiveServer, browser: Any, edition: dict[str, Any]
) -> None:
    pytest.importorskip("PIL", reason="Pillow reads the chart screenshots")
    page = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    _sign_in(page, server)
    _open(page, f"{server.url}/admin/reports")
    page.get_by_label("Từ ngày").fill("2026-01-01")
    page.get_by_label("Đến ngày").fill("2026-12-31")
    page.get_by_label("Nhóm theo").select_option("province")
    page.get_by_role("button", name="Xem báo cáo").click()
    page.wait_for_url(re.compile(r"from=2026-01-01"))
    table = page.locator("table.report-table").inner_text()
    assert "Thành phố Hồ Chí Minh" in table and "Bình Dương" not in table
    assert page.locator("tr.total-row").is_visible()
    for chart, colour in (("chart-money", BRAND), ("chart-meetings", BRAND),
                          ("chart-timeline", OK)):  # fmt: skip
        figure = page.locator(f"#{chart}")
        assert figure.locator("svg").count() == 1, f"{chart}: no chart drawn"
        drawn = _coloured_pixels(figure.screenshot(), colour)
        assert drawn > 150, f"{chart} is empty: {drawn} pixels of its colour"
    screenshot(page, "46-report-across-editions")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải về XLSX").click()
    assert download.value.suggested_filename == "meetx-report-2026-01-01-2026-12-31-province.xlsx"
    page.close()
