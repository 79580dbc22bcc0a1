"""A small event for the e-mail tests, built through the API of a committed database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tests.service.factories import b2b_session_payload, create, event_payload, organization_payload
from tests.service.notifications.conftest import Live


@dataclass
class World:
    live: Live
    event: dict[str, Any]
    b2b: dict[str, Any]

    @property
    def id(self) -> int:
        return self.event["id"]

    def path(self, suffix: str) -> str:
        return f"/api/v1/events/{self.id}{suffix}"

    def participant(
        self,
        *,
        country: str,
        email: str | None,
        name: str | None = None,
        delegate: str = "Nguyễn Văn An",
        languages: list[str] | None = None,
    ) -> dict[str, Any]:
        tag = uuid.uuid4().hex[:6]
        org = organization_payload(
            name=name
            or (f"Công ty Điện tử Bắc Ninh {tag}" if country == "VN" else f"Hanbit {tag}"),
            country=country,
            languages=languages or (["vi"] if country == "VN" else ["ko", "en"]),
            **({"province_code": "24"} if country == "VN" else {}),
        )
        organization = create(self.live.client, "/api/v1/organizations", org, self.live.headers)
        delegates = [{"name": delegate, "email": email}] if email else [{"name": delegate}]
        return create(
            self.live.client,
            self.path("/participants"),
            {"organization_id": organization["id"], "delegates": delegates},
            self.live.headers,
        )

    def meeting(
        self, a: dict[str, Any], b: dict[str, Any], slot: int = 1, table: int = 1
    ) -> dict[str, Any]:
        return create(
            self.live.client,
            self.path("/meetings"),
            {
                "participants": [a["id"], b["id"]],
                "session_id": self.b2b["id"],
                "slot": slot,
                "table": table,
            },
            self.live.headers,
        )


def new_world(live: Live, **event: Any) -> World:
    created = create(live.client, "/api/v1/events", event_payload(**event), live.headers)
    b2b = create(
        live.client,
        f"/api/v1/events/{created['id']}/sessions",
        b2b_session_payload(),
        live.headers,
    )
    return World(live=live, event=created, b2b=b2b)
