"""Participants: side derivation, token shown once and stored hashed, duplicates."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from service.core.security import hash_token
from service.participants.models import Participant
from tests.service.factories import assert_problem, create, event_payload, organization_payload


def setup_event(client: TestClient, headers: dict) -> tuple[dict, dict, dict]:
    event = create(client, "/api/v1/events", event_payload(), headers)
    guest = create(client, "/api/v1/organizations", organization_payload(), headers)
    host = create(
        client,
        "/api/v1/organizations",
        organization_payload(
            kind="province",
            name="UBND tỉnh Bắc Ninh",
            country="VN",
            province_code="24",
            languages=["vi"],
        ),
        headers,
    )
    return event, guest, host


def test_registration_derives_side_and_shows_the_token_once(
    client: TestClient, admin_headers: dict, db: Session
) -> None:
    event, guest, host = setup_event(client, admin_headers)
    path = f"/api/v1/events/{event['id']}/participants"
    p_guest = create(
        client,
        path,
        {
            "organization_id": guest["id"],
            "delegates": [{"name": "Kim Min-jun", "email": "kim@hanbit.example"}],
        },
        admin_headers,
    )
    p_host = create(
        client,
        path,
        {
            "organization_id": host["id"],
            "max_meetings": 8,
            "unavailable": [{"start": "2026-12-10T13:30", "end": "2026-12-10T15:00"}],
        },
        admin_headers,
    )
    assert p_guest["side"] == "guest" and p_host["side"] == "host"
    token = p_guest["token"]
    assert len(token) >= 40
    assert p_guest["calendar_url"] == f"https://meetx.example/api/v1/calendars/{token}.ics"
    assert p_guest["webcal_url"].startswith("webcal://meetx.example/")
    # Naive times are the event's local time (UTC+7).
    assert p_host["unavailable"][0]["start"] == "2026-12-10T06:30:00Z"
    row = db.get(Participant, p_guest["id"])
    assert row is not None and row.token_hash == hash_token(token) and token not in row.token_hash
    # The token is never shown again.
    again = client.get(f"{path}/{p_guest['id']}", headers=admin_headers).json()
    assert "token" not in again
    # The participant reads itself with its own token.
    own = client.get(f"{path}/{p_guest['id']}", headers={"Authorization": f"Bearer {token}"})
    assert own.status_code == 200
    # ...but not another participant: same answer as an unknown id.
    other = client.get(f"{path}/{p_host['id']}", headers={"Authorization": f"Bearer {token}"})
    assert_problem(other, 404)


def test_side_can_be_overridden(client: TestClient, admin_headers: dict) -> None:
    event, guest, _ = setup_event(client, admin_headers)
    p = create(
        client,
        f"/api/v1/events/{event['id']}/participants",
        {"organization_id": guest["id"], "side": "host"},
        admin_headers,
    )
    assert p["side"] == "host"


def test_duplicate_registration_is_409_and_stores_nothing(
    client: TestClient, admin_headers: dict, db: Session
) -> None:
    event, guest, _ = setup_event(client, admin_headers)
    path = f"/api/v1/events/{event['id']}/participants"
    create(client, path, {"organization_id": guest["id"]}, admin_headers)
    before = db.exec(select(func.count()).select_from(Participant)).one()
    assert_problem(
        client.post(path, json={"organization_id": guest["id"]}, headers=admin_headers),
        409,
        "body.organization_id",
    )
    assert db.exec(select(func.count()).select_from(Participant)).one() == before


def test_bad_participant_input(client: TestClient, admin_headers: dict, db: Session) -> None:
    event, guest, _ = setup_event(client, admin_headers)
    path = f"/api/v1/events/{event['id']}/participants"
    before = db.exec(select(func.count()).select_from(Participant)).one()
    cases = [
        ({"organization_id": 999999}, "body.organization_id"),
        ({"organization_id": guest["id"], "max_meetings": -1}, "body.max_meetings"),
        ({"organization_id": guest["id"], "delegates": [{"name": ""}]}, "body.delegates.0.name"),
        (
            {"organization_id": guest["id"], "delegates": [{"name": "Kim", "email": "not-mail"}]},
            "body.delegates.0.email",
        ),
        (
            {
                "organization_id": guest["id"],
                "unavailable": [
                    {"start": "2026-12-10T12:00:00+07:00", "end": "2026-12-10T11:00:00+07:00"}
                ],
            },
            "body.unavailable.0.end",
        ),
    ]
    for payload, field in cases:
        assert_problem(client.post(path, json=payload, headers=admin_headers), 422, field)
    assert db.exec(select(func.count()).select_from(Participant)).one() == before


def test_token_rotation_retires_the_old_token(client: TestClient, admin_headers: dict) -> None:
    event, guest, _ = setup_event(client, admin_headers)
    path = f"/api/v1/events/{event['id']}/participants"
    p = create(client, path, {"organization_id": guest["id"]}, admin_headers)
    old = {"Authorization": f"Bearer {p['token']}"}
    rotated = client.post(f"{path}/{p['id']}/token", headers=old)
    assert rotated.status_code == 200
    assert_problem(client.get(f"{path}/{p['id']}", headers=old), 403)
    new = {"Authorization": f"Bearer {rotated.json()['token']}"}
    assert client.get(f"{path}/{p['id']}", headers=new).status_code == 200


def test_directory_hides_other_delegates_emails(client: TestClient, admin_headers: dict) -> None:
    event, guest, host = setup_event(client, admin_headers)
    path = f"/api/v1/events/{event['id']}/participants"
    p_guest = create(
        client,
        path,
        {
            "organization_id": guest["id"],
            "delegates": [{"name": "Kim", "email": "kim@hanbit.example"}],
        },
        admin_headers,
    )
    p_host = create(client, path, {"organization_id": host["id"]}, admin_headers)
    listing = client.get(path, headers={"Authorization": f"Bearer {p_host['token']}"}).json()
    kim = next(i for i in listing["items"] if i["id"] == p_guest["id"])
    assert kim["delegates"][0]["email"] is None
    assert_problem(client.get(path), 401)
