"""Search by words: every word of the query must occur, accents, case and punctuation
aside, in events, organisations and participants alike; province codes as numbers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.builders import EventBuilder
from tests.service.factories import create, event_payload, organization_payload


def _names(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [item.get("name") or item.get("organization_name") for item in response.json()["items"]]


def test_events_are_found_by_words_across_punctuation(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    create(
        client, "/api/v1/events", event_payload(name="Gặp gỡ Hàn Quốc – kiểm thử"), admin_headers
    )
    create(client, "/api/v1/events", event_payload(name="Gặp gỡ Nhật Bản"), admin_headers)
    found = _names(client.get("/api/v1/events", params={"q": "gap go han quoc kiem thu"}))
    assert found == ["Gặp gỡ Hàn Quốc – kiểm thử"]
    assert _names(client.get("/api/v1/events", params={"q": "KIỂM-THỬ, hàn"})) == found
    assert _names(client.get("/api/v1/events", params={"q": "han quoc nhat"})) == []
    assert len(_names(client.get("/api/v1/events", params={"q": " – "}))) >= 2


def test_organisations_and_participants_are_found_by_words(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    org = create(
        client,
        "/api/v1/organizations",
        organization_payload(name="Công ty TNHH Điện tử Đông Á", country="VN", province_code=24),
        admin_headers,
    )
    assert org["province_code"] == "24"
    found = _names(
        client.get("/api/v1/organizations", params={"q": "dong a dien tu"}, headers=admin_headers)
    )
    assert found == ["Công ty TNHH Điện tử Đông Á"]
    event = EventBuilder.new(client, admin_headers)
    create(
        client,
        event.path("/participants"),
        {"organization_id": org["id"], "delegates": [{"name": "Trần Thị Bích", "title": "CEO"}]},
        admin_headers,
    )
    event.guest()
    listed = client.get(
        event.path("/participants"), params={"q": "bich dong a"}, headers=admin_headers
    )
    assert _names(listed) == ["Công ty TNHH Điện tử Đông Á"]
    assert (
        _names(
            client.get(
                event.path("/participants"), params={"q": "bich nhat"}, headers=admin_headers
            )
        )
        == []
    )
