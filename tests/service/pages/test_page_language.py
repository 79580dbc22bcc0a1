"""A personal page opens in its participant's language: Vietnamese for a Vietnamese
organisation, English for a foreign guest (until a catalogue exists for the guest's own
language); ``?lang=`` still switches, and the choice is remembered over that default."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.pages.i18n import LANG_COOKIE
from tests.service.pages.conftest import PagesEvent, add_participant


def _lang(html: str) -> str:
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_a_korean_firms_page_opens_in_english(client: TestClient, pages_event: PagesEvent) -> None:
    page = client.get(f"/p/{pages_event.guest['token']}")
    assert page.status_code == 200
    assert _lang(page.text) == "en"
    assert "Subscribe" in page.text and "Đăng ký lịch" not in page.text
    assert LANG_COOKIE not in page.cookies  # a default, not a choice: nothing remembered


def test_a_vietnamese_provinces_page_opens_in_vietnamese(
    client: TestClient, admin_headers: dict[str, str], pages_event: PagesEvent
) -> None:
    province = add_participant(
        client,
        admin_headers,
        pages_event.event_id,
        kind="province",
        name="Ủy ban nhân dân tỉnh Bắc Ninh",
        name_en="Bac Ninh Provincial People's Committee",
        country="VN",
        province_code="24",
        languages=["vi"],
    )
    page = client.get(f"/p/{province['token']}")
    assert page.status_code == 200
    assert _lang(page.text) == "vi"
    assert "Đăng ký lịch / Subscribe" in page.text
    # The printable agenda follows the page.
    assert _lang(client.get(f"/p/{province['token']}/agenda").text) == "vi"


def test_lang_switches_the_korean_page_to_vietnamese_and_the_choice_sticks(
    client: TestClient, pages_event: PagesEvent
) -> None:
    token = pages_event.guest["token"]
    switched = client.get(f"/p/{token}?lang=vi")
    assert _lang(switched.text) == "vi"
    assert "Đăng ký lịch / Subscribe" in switched.text
    assert client.cookies.get(LANG_COOKIE) == "vi"
    # Without ?lang= the remembered choice wins over the participant's default.
    assert _lang(client.get(f"/p/{token}").text) == "vi"
    assert _lang(client.get(f"/p/{token}/agenda").text) == "vi"
    # And back to English.
    assert _lang(client.get(f"/p/{token}?lang=en").text) == "en"
    assert _lang(client.get(f"/p/{token}").text) == "en"


def test_other_pages_still_open_in_vietnamese(client: TestClient, pages_event: PagesEvent) -> None:
    assert _lang(client.get("/").text) == "vi"
    assert _lang(client.get("/p/mxp_no-such-link").text) == "vi"
