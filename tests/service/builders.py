"""A small event built through the API, for the meeting tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from tests.service.factories import (
    b2b_session_payload,
    create,
    event_payload,
    organization_payload,
)


@dataclass
class EventBuilder:
    client: TestClient
    headers: dict[str, str]
    event: dict[str, Any] = field(default_factory=dict)
    _count: int = 0

    @classmethod
    def new(cls, client: TestClient, headers: dict[str, str], **event: Any) -> EventBuilder:
        builder = cls(client, headers)
        builder.event = create(client, "/api/v1/events", event_payload(**event), headers)
        return builder

    @property
    def id(self) -> int:
        return self.event["id"]

    def path(self, suffix: str) -> str:
        return f"/api/v1/events/{self.id}{suffix}"

    def session(self, **overrides: Any) -> dict[str, Any]:
        return create(
            self.client, self.path("/sessions"), b2b_session_payload(**overrides), self.headers
        )

    def plenary(self, starts_at: str, ends_at: str) -> dict[str, Any]:
        payload = {
            "title": "Phiên toàn thể",
            "kind": "plenary",
            "starts_at": starts_at,
            "ends_at": ends_at,
        }
        return create(self.client, self.path("/sessions"), payload, self.headers)

    def participant(
        self,
        *,
        country: str = "KR",
        languages: list[str] | None = None,
        sectors: list[str] | None = None,
        **registration: Any,
    ) -> dict[str, Any]:
        self._count += 1
        if country == "VN":
            org = organization_payload(
                name=f"Công ty Việt Nam số {self._count}",
                country="VN",
                province_code="24",
                languages=languages if languages is not None else ["vi", "en"],
                sectors=sectors or ["C26"],
            )
        else:
            org = organization_payload(
                name=f"Korea Company {self._count}",
                country=country,
                languages=languages if languages is not None else ["ko", "en"],
                sectors=sectors or ["C26"],
            )
        organization = create(self.client, "/api/v1/organizations", org, self.headers)
        return create(
            self.client,
            self.path("/participants"),
            {"organization_id": organization["id"], **registration},
            self.headers,
        )

    def host(self, **kwargs: Any) -> dict[str, Any]:
        return self.participant(country="VN", **kwargs)

    def guest(self, **kwargs: Any) -> dict[str, Any]:
        return self.participant(country="KR", **kwargs)

    @staticmethod
    def auth(participant: dict[str, Any]) -> dict[str, str]:
        return {"Authorization": f"Bearer {participant['token']}"}

    def request(
        self,
        sender: dict[str, Any],
        recipient: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> Any:
        return self.client.post(
            self.path("/meeting-requests"),
            json={
                "from_participant_id": sender["id"],
                "to_participant_id": recipient["id"],
                "message": "Xin được gặp / May we meet?",
            },
            headers=headers or self.headers,
        )

    def accepted(self, sender: dict[str, Any], recipient: dict[str, Any]) -> dict[str, Any]:
        response = self.request(sender, recipient)
        assert response.status_code == 201, response.text
        accepted = self.client.post(
            f"/api/v1/meeting-requests/{response.json()['id']}/accept", headers=self.headers
        )
        assert accepted.status_code == 200, accepted.text
        return accepted.json()

    def schedule(self, **options: Any) -> dict[str, Any]:
        options.setdefault("time_limit_s", 2)
        response = self.client.post(self.path("/schedule"), json=options, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def meetings(self, **params: Any) -> list[dict[str, Any]]:
        params.setdefault("limit", 200)
        response = self.client.get(self.path("/meetings"), params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()["items"]
