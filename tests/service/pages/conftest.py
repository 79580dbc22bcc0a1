"""An event with two participants, one per side, and helpers to sign in as organiser."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_TOKEN
from tests.service.factories import b2b_session_payload, create, event_payload, organization_payload


@dataclass
class PagesEvent:
    event_id: int
    session_id: int
    guest: dict[str, Any]  # the Korean firm's participant, with its token
    host: dict[str, Any]  # the Vietnamese firm's participant, with its token


def add_participant(
    client: TestClient, headers: dict[str, str], event_id: int, **org: Any
) -> dict[str, Any]:
    organization = create(client, "/api/v1/organizations", organization_payload(**org), headers)
    return create(
        client,
        f"/api/v1/events/{event_id}/participants",
        {"organization_id": organization["id"], "delegates": [{"name": "Nguyễn Văn An"}]},
        headers,
    )


@pytest.fixture
def pages_event(client: TestClient, admin_headers: dict[str, str]) -> PagesEvent:
    event = create(client, "/api/v1/events", event_payload(), admin_headers)
    b2b = create(
        client,
        f"/api/v1/events/{event['id']}/sessions",
        b2b_session_payload(table_names=[f"Bàn {n}" for n in range(1, 15)]),
        admin_headers,
    )
    guest = add_participant(client, admin_headers, event["id"])
    host = add_participant(
        client,
        admin_headers,
        event["id"],
        name="Công ty Cổ phần Linh kiện Điện tử Kinh Bắc",
        name_en="Kinh Bac Electronic Components JSC",
        country="VN",
        province_code="24",
        languages=["vi"],
        needs="Công nghệ đóng gói bán dẫn",
    )
    return PagesEvent(event["id"], b2b["id"], guest, host)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client: TestClient, token: str = ADMIN_TOKEN) -> str:
    """Signs the client in as organiser; returns the CSRF token of its forms."""
    response = client.post("/admin/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    page = client.get("/admin")
    match = CSRF.search(page.text)
    assert match, "signed-in page carries no CSRF token"
    return match.group(1)


def place_meeting(
    client: TestClient, headers: dict[str, str], setup: PagesEvent, slot: int = 1, table: int = 1
) -> dict[str, Any]:
    return create(
        client,
        f"/api/v1/events/{setup.event_id}/meetings",
        {
            "participants": [setup.host["id"], setup.guest["id"]],
            "session_id": setup.session_id,
            "slot": slot,
            "table": table,
        },
        headers,
    )
