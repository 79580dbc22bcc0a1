"""The event list and a participant's personal page, through plain HTTP."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from service.pages.i18n import LANG_COOKIE
from tests.service.factories import create, event_payload
from tests.service.pages.conftest import PagesEvent, place_meeting


def _lang(html: str) -> str:
    match = re.search(r'<html lang="(\w+)">', html)
    assert match
    return match.group(1)


def test_event_list_is_vietnamese_by_default_and_switches_to_english(
    client: TestClient, pages_event: PagesEvent
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert _lang(page.text) == "vi"
    assert "Sự kiện đang mở đăng ký" in page.text
    assert "Gặp gỡ Hàn Quốc 2026" in page.text and "Meet Korea 2026" in page.text

    english = client.get("/?lang=en")
    assert _lang(english.text) == "en"
    assert "Open events" in english.text
    assert "meetx_lang=en" in english.headers["set-cookie"]
    # The choice is remembered by the cookie on the next page.
    assert _lang(client.get("/").text) == "en"
    assert _lang(client.get("/?lang=vi").text) == "vi"


def test_event_list_shows_only_open_events_and_searches_without_accents(
    client: TestClient, admin_headers: dict[str, str], pages_event: PagesEvent
) -> None:
    create(
        client,
        "/api/v1/events",
        event_payload(name="Gặp gỡ Nhật Bản 2027 (nháp)", status="draft"),
        admin_headers,
    )
    page = client.get("/").text
    assert "Gặp gỡ Nhật Bản 2027" not in page
    # Past editions are seeded closed: not open, not listed.
    assert "Gặp gỡ Canada" not in page
    assert "Gặp gỡ Hàn Quốc 2026" in client.get("/", params={"q": "gap go han quoc"}).text
    assert "Gặp gỡ Hàn Quốc 2026" not in client.get("/", params={"q": "canada"}).text


def test_unknown_token_gets_a_404_page(client: TestClient, pages_event: PagesEvent) -> None:
    for response in (
        client.get("/p/mxp_not-a-real-token"),
        client.get("/p/mxp_not-a-real-token/agenda"),
        client.post("/p/mxp_not-a-real-token/requests", data={"to_participant_id": "1"}),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Không tìm thấy trang" in response.text


def test_personal_page_shows_profile_and_calendar_links_without_leaking_the_token(
    client: TestClient, pages_event: PagesEvent
) -> None:
    token = pages_event.host["token"]
    page = client.get(f"/p/{token}")
    assert page.status_code == 200
    html = page.text
    assert "Công ty Cổ phần Linh kiện Điện tử Kinh Bắc" in html
    assert "Kinh Bac Electronic Components JSC" in html
    assert "Bắc Ninh" in html and "Phía Việt Nam" in html
    assert f'href="webcal://meetx.example/api/v1/calendars/{token}.ics"' in html
    assert f'href="https://meetx.example/api/v1/calendars/{token}.ics"' in html
    assert "Đăng ký lịch / Subscribe" in html and "Tải xuống / Download" in html
    # The URL is a credential: never sent on as a referrer, never cached.
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_request_sent_then_accepted_through_the_forms(
    client: TestClient, admin_headers: dict[str, str], pages_event: PagesEvent
) -> None:
    guest, host = pages_event.guest, pages_event.host
    # The foreign guest's page opens in English; this reader chose Vietnamese.
    client.cookies.set(LANG_COOKIE, "vi")
    sent = client.post(
        f"/p/{guest['token']}/requests",
        data={"to_participant_id": str(host["id"]), "message": "Xin chào, chúng tôi muốn gặp."},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"].startswith(f"/p/{guest['token']}?done=sent")
    assert "Đã gửi đề nghị gặp." in client.get(sent.headers["location"]).text

    host_page = client.get(f"/p/{host['token']}").text
    accept = re.search(rf'action="/p/{host["token"]}/requests/(\d+)/accept"', host_page)
    assert accept, "the requested side sees an accept button"
    assert "Xin chào, chúng tôi muốn gặp." in host_page
    request_id = accept.group(1)

    accepted = client.post(
        f"/p/{host['token']}/requests/{request_id}/accept", follow_redirects=False
    )
    assert accepted.status_code == 303
    assert "Đã chấp nhận đề nghị gặp." in client.get(accepted.headers["location"]).text
    stored = client.get(f"/api/v1/meeting-requests/{request_id}", headers=admin_headers).json()
    assert stored["status"] == "accepted"


def test_only_the_requested_side_answers_and_refusals_show_on_the_page(
    client: TestClient, admin_headers: dict[str, str], pages_event: PagesEvent
) -> None:
    guest, host = pages_event.guest, pages_event.host
    client.post(f"/p/{guest['token']}/requests", data={"to_participant_id": str(host["id"])})
    requests = client.get(
        f"/api/v1/events/{pages_event.event_id}/meeting-requests", headers=admin_headers
    ).json()["items"]
    request_id = requests[0]["id"]

    # The sender cannot accept its own request: the page answers as for an unknown one.
    refused = client.post(f"/p/{guest['token']}/requests/{request_id}/accept")
    assert refused.status_code == 404
    again = client.get(f"/api/v1/meeting-requests/{request_id}", headers=admin_headers).json()
    assert again["status"] == "pending"

    # A second request for the same pair is refused by the service; the page says why.
    duplicate = client.post(
        f"/p/{host['token']}/requests", data={"to_participant_id": str(guest["id"])}
    )
    assert duplicate.status_code == 409
    assert 'role="alert"' in duplicate.text and "already exists" in duplicate.text

    withdrawn = client.post(
        f"/p/{guest['token']}/requests/{request_id}/withdraw", follow_redirects=False
    )
    assert withdrawn.status_code == 303
    final = client.get(f"/api/v1/meeting-requests/{request_id}", headers=admin_headers).json()
    assert final["status"] == "withdrawn"


def test_agenda_shows_time_table_and_interpreter_in_the_event_zone(
    client: TestClient, admin_headers: dict[str, str], pages_event: PagesEvent
) -> None:
    place_meeting(client, admin_headers, pages_event, slot=2, table=3)
    for path in (f"/p/{pages_event.host['token']}", f"/p/{pages_event.host['token']}/agenda"):
        html = client.get(path).text
        # Slot 2 of a 09:45 start with 20-minute slots and 5-minute breaks, Hanoi time.
        assert "10:10–10:30" in html
        assert "Bàn 3" in html
        assert "Hanbit Semicon Co., Ltd." in html
        # Korean and English on one side, Vietnamese on the other: a Korean interpreter.
        assert "tiếng Hàn" in html
    english = client.get(f"/p/{pages_event.guest['token']}?lang=en").text
    assert "Korean" in english and "Agenda" in english


def test_personal_page_in_english_keeps_calendar_buttons_clear(
    client: TestClient, pages_event: PagesEvent
) -> None:
    html = client.get(f"/p/{pages_event.guest['token']}?lang=en").text
    assert '<html lang="en">' in html
    assert "Subscribe" in html and "Download" in html
    assert "Đăng ký lịch" not in html


def _card(html: str, participant_id: int) -> str:
    match = re.search(
        rf'<li class="card" id="suggestion-{participant_id}">(.*?)(?=<li class="card"|</ol>)',
        html,
        re.S,
    )
    assert match, f"participant {participant_id} is not among the suggestions"
    return match.group(1)


def test_suggestions_show_reasons_in_both_languages_and_lead_to_a_request(
    client: TestClient, pages_event: PagesEvent
) -> None:
    host, guest = pages_event.host, pages_event.guest
    card = _card(client.get(f"/p/{host['token']}").text, guest["id"])
    assert "Hanbit Semicon Co., Ltd." in card and "Mức phù hợp" in card
    assert '<ul class="reasons">' in card and 'lang="en"' in card
    assert f'name="to_participant_id" value="{guest["id"]}"' in card

    sent = client.post(
        f"/p/{host['token']}/requests",
        data={"to_participant_id": str(guest["id"])},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    after = _card(client.get(f"/p/{host['token']}").text, guest["id"])
    assert "Đang chờ" in after
    assert 'name="to_participant_id"' not in after
    english = client.get(f"/p/{host['token']}?lang=en").text
    assert "Suggested partners" in english and "Match" in english
