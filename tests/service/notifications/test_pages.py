"""The organisers' outbox page and the personal page's e-mail choices, in Chromium: the
demo event served without SMTP shows its welcomes waiting, each one readable as it will
be sent. Screenshots under test-artifacts/screenshots/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlmodel import Session

from service.core.database import make_engine
from service.seeding.demo import load_demo_event
from tests.service.pages.live_server import (
    ADMIN_TOKEN,
    LiveServer,
    chromium,
    screenshot,
)

pytestmark = pytest.mark.slow


def test_outbox_page_lists_queued_mail_without_smtp_and_choices_save(
    server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    engine = make_engine(server.settings.database_url)
    links = tmp_path_factory.mktemp("links") / "links.csv"
    with Session(engine) as session:
        event, _ = load_demo_event(session=session, public_url=server.url, links_file=links)
        event_id = event.id
    engine.dispose()
    first_link = links.read_text(encoding="utf-8").splitlines()[1].split(",")
    page_url = next(v for v in first_link if "/p/mxp_" in v)

    with chromium() as browser:
        page: Any = browser.new_page()
        page.goto(server.url + "/admin")
        page.get_by_label("Mã ban tổ chức").fill(ADMIN_TOKEN)
        page.get_by_role("button", name="Đăng nhập").click()
        page.goto(f"{server.url}/admin/events/{event_id}")
        page.get_by_role("link", name="Hộp thư đi").click()
        page.wait_for_url(re.compile(rf"/admin/events/{event_id}/messages$"))
        assert "Chưa cấu hình SMTP" in page.inner_text("main")
        rows = page.locator("tbody tr")
        assert rows.count() >= 80  # the demo's welcomes, waiting
        assert "Đang chờ gửi" in rows.first.inner_text()
        screenshot(page, "20-outbox")
        page.get_by_role("link", name="Xem").first.click()
        page.wait_for_url(re.compile(r"message=\d+"))
        preview = page.frame_locator("iframe.mail-preview")
        assert "Busan" in preview.locator("body").inner_text() or preview.locator("p").count()
        # Organisers read the message, not the participant's token.
        assert "/p/mxp_…" in page.locator("pre.mail-text").first.text_content()
        assert not re.search(r"mxp_[A-Za-z0-9_-]{43}", page.content())
        screenshot(page, "21-outbox-message")
        page.goto(f"{server.url}/admin/events/{event_id}/messages?lang=en")
        assert "SMTP is not configured" in page.inner_text("main")
        screenshot(page, "22-outbox-english")

        page.goto(page_url + "?lang=vi")
        page.get_by_label("Thư của ban tổ chức").uncheck()
        page.get_by_role("button", name="Lưu").click()
        page.wait_for_url(re.compile(r"done=notifications"))
        assert "Đã lưu lựa chọn thư" in page.inner_text("body")
        assert not page.get_by_label("Thư của ban tổ chức").is_checked()
        assert page.get_by_label("Nhắc lịch tối hôm trước và lịch buổi sáng").is_checked()
        screenshot(page, "23-participant-email-choices")
