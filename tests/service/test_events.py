"""Events and sessions: creation, search, and bad input that stores nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from service.events.models import Event, EventSession
from tests.service.factories import assert_problem, b2b_session_payload, create, event_payload


def count(db: Session, model: type) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def test_create_event_resolves_a_former_host_name(client: TestClient, admin_headers: dict) -> None:
    event = create(
        client, "/api/v1/events", event_payload(host_province="Bắc Giang"), admin_headers
    )
    assert event["host_province_code"] == "24"
    assert event["host_province_name"] == "Bắc Ninh"
    assert event["timezone"] == "Asia/Ho_Chi_Minh"
    assert event["status"] == "open"
    assert client.get(f"/api/v1/events/{event['id']}").json()["name"] == "Gặp gỡ Hàn Quốc 2026"


def test_search_events_accent_insensitively(client: TestClient, admin_headers: dict) -> None:
    create(client, "/api/v1/events", event_payload(), admin_headers)
    found = client.get("/api/v1/events", params={"q": "gap go han quoc 2026"}).json()
    assert [e["name"] for e in found["items"]] == ["Gặp gỡ Hàn Quốc 2026"]
    past = client.get("/api/v1/events", params={"q": "GAP GO NHAT BAN"}).json()
    assert past["total"] == 3  # the three Meet Japan 2023 editions of the public record


def test_nfd_input_is_stored_nfc(client: TestClient, admin_headers: dict) -> None:
    import unicodedata

    name = unicodedata.normalize("NFD", "Gặp gỡ Nhật Bản 2027")
    event = create(client, "/api/v1/events", event_payload(name=name), admin_headers)
    assert event["name"] == unicodedata.normalize("NFC", name)


def test_drafts_are_hidden_from_anonymous(client: TestClient, admin_headers: dict) -> None:
    event = create(client, "/api/v1/events", event_payload(status="draft"), admin_headers)
    assert client.get(f"/api/v1/events/{event['id']}").status_code == 404
    assert client.get(f"/api/v1/events/{event['id']}", headers=admin_headers).status_code == 200


def test_creating_needs_an_organiser(client: TestClient) -> None:
    assert_problem(client.post("/api/v1/events", json=event_payload()), 401)
    bad = {"Authorization": "Bearer not-a-token"}
    assert_problem(client.post("/api/v1/events", json=event_payload(), headers=bad), 403)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": "2026-12-09"}, "body.end_date"),
        ({"host_province": "Atlantis"}, "body.host_province"),
        ({"host_province": "99"}, "body.host_province"),
        ({"timezone": "Asia/Hanoi_City"}, "body.timezone"),
        ({"timezone": "../../etc/passwd"}, "body.timezone"),
        ({"name": ""}, "body.name"),
        ({"name": "   "}, "body.name"),
        ({"name": "G" * 201}, "body.name"),
        ({"venue": "V" * 301}, "body.venue"),
        ({"partner_country": "Korea"}, "body.partner_country"),
        ({"start_date": "not-a-date"}, "body.start_date"),
    ],
)
def test_bad_event_is_422_naming_the_field_and_stores_nothing(
    client: TestClient, admin_headers: dict, db: Session, overrides: dict, field: str
) -> None:
    before = count(db, Event)
    assert_problem(
        client.post("/api/v1/events", json=event_payload(**overrides), headers=admin_headers),
        422,
        field,
    )
    assert count(db, Event) == before


def test_b2b_session_reports_its_slots(client: TestClient, admin_headers: dict) -> None:
    event = create(client, "/api/v1/events", event_payload(), admin_headers)
    session = create(
        client, f"/api/v1/events/{event['id']}/sessions", b2b_session_payload(), admin_headers
    )
    # 09:45-11:45 with 20-minute slots and 5-minute breaks: 5 slots (the last ends 11:40).
    assert session["slots"] == 5
    assert session["starts_at"] == "2026-12-10T02:45:00Z"
    listed = client.get(f"/api/v1/events/{event['id']}/sessions").json()
    assert listed["total"] == 1


def test_naive_session_times_are_read_in_the_event_zone(
    client: TestClient, admin_headers: dict
) -> None:
    event = create(client, "/api/v1/events", event_payload(timezone="Asia/Seoul"), admin_headers)
    session = create(
        client,
        f"/api/v1/events/{event['id']}/sessions",
        {
            "title": "Khai mạc",
            "kind": "plenary",
            "starts_at": "2026-12-10T09:00",
            "ends_at": "2026-12-10T10:00",
        },
        admin_headers,
    )
    assert session["starts_at"] == "2026-12-10T00:00:00Z"
    assert session["slot_minutes"] is None and session["tables"] is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": "2026-12-10T09:00:00+07:00"}, "body.ends_at"),
        (
            {"starts_at": "2026-12-12T09:45:00+07:00", "ends_at": "2026-12-12T11:45:00+07:00"},
            "body.starts_at",
        ),
        ({"starts_at": "2026-12-09T23:00:00+07:00"}, "body.starts_at"),
        ({"ends_at": "2026-12-12T01:00:00+07:00"}, "body.ends_at"),
        ({"tables": 0}, "body.tables"),
        ({"tables": None}, "body.tables"),
        ({"slot_minutes": 0}, "body.slot_minutes"),
        ({"slot_minutes": -5}, "body.slot_minutes"),
        ({"slot_minutes": 150}, "body.slot_minutes"),
        ({"slot_minutes": None}, "body.slot_minutes"),
        ({"kind": "party"}, "body.kind"),
        ({"title": ""}, "body.title"),
        ({"title": "T" * 201}, "body.title"),
        ({"table_names": ["Bàn 1"]}, "body.table_names"),
        ({"interpreters": {"ko": -1}}, "body.interpreters"),
    ],
)
def test_bad_session_is_422_naming_the_field_and_stores_nothing(
    client: TestClient, admin_headers: dict, db: Session, overrides: dict, field: str
) -> None:
    event = create(client, "/api/v1/events", event_payload(), admin_headers)
    before = count(db, EventSession)
    response = client.post(
        f"/api/v1/events/{event['id']}/sessions",
        json=b2b_session_payload(**overrides),
        headers=admin_headers,
    )
    assert_problem(response, 422, field)
    assert count(db, EventSession) == before


def test_session_of_unknown_event_is_404(client: TestClient, admin_headers: dict) -> None:
    assert_problem(
        client.post(
            "/api/v1/events/999999/sessions", json=b2b_session_payload(), headers=admin_headers
        ),
        404,
    )


def test_malformed_json_is_problem_json(client: TestClient, admin_headers: dict) -> None:
    response = client.post(
        "/api/v1/events",
        content=b'{"name": ',
        headers={**admin_headers, "content-type": "application/json"},
    )
    assert_problem(response, 422, "body")


def test_oversized_body_is_413(client: TestClient, admin_headers: dict) -> None:
    response = client.post(
        "/api/v1/events",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={**admin_headers, "content-type": "application/json"},
    )
    assert_problem(response, 413)
