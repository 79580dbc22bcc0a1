"""A past edition with a few held meetings, for the attendance, commitments and report
tests: its meetings have started, so attendance and feedback are open; and the same
edition played (attendance, feedback, a request, a commitment reviewed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from tests.service.builders import EventBuilder
from tests.service.factories import create, organization_payload

PAST_EVENT = {
    "start_date": "2026-06-10",
    "end_date": "2026-06-11",
    "name": "Gặp gỡ Hàn Quốc 2026 (tháng 6)",
}
PAST_SESSION = {"starts_at": "2026-06-10T09:00:00+07:00", "ends_at": "2026-06-10T11:00:00+07:00"}


@dataclass
class PastEdition:
    builder: EventBuilder
    session: dict[str, Any]
    host: dict[str, Any]  # a firm registered under "Bình Dương"
    guest: dict[str, Any]
    other_guest: dict[str, Any]
    meeting: dict[str, Any]  # host x guest, slot 1
    other_meeting: dict[str, Any]  # host x other_guest, slot 2

    @property
    def headers(self) -> dict[str, str]:
        return self.builder.headers

    def path(self, suffix: str) -> str:
        return self.builder.path(suffix)


def registered(builder: EventBuilder, org: dict[str, Any], **registration: Any) -> dict[str, Any]:
    organization = create(builder.client, "/api/v1/organizations", org, builder.headers)
    return create(
        builder.client,
        builder.path("/participants"),
        {"organization_id": organization["id"], **registration},
        builder.headers,
    )


def meeting(
    builder: EventBuilder, session_id: int, a: dict[str, Any], b: dict[str, Any], slot: int
) -> dict[str, Any]:
    body = {
        "participants": [a["id"], b["id"]],
        "session_id": session_id,
        "slot": slot,
        "table": slot,
    }
    return create(builder.client, builder.path("/meetings"), body, builder.headers)


def past_edition(client: TestClient, headers: dict[str, str], **event: Any) -> PastEdition:
    builder = EventBuilder.new(client, headers, **{**PAST_EVENT, **event})
    session = builder.session(**PAST_SESSION)
    host = registered(builder, organization_payload(
        name="Công ty Linh kiện Sóng Thần", country="VN", province_code="Bình Dương",
        sectors=["C26", "C27"], languages=["vi", "en"]))  # fmt: skip
    guest = registered(builder, organization_payload(name="Hanbit Semicon", country="KR"))
    other = registered(builder, organization_payload(
        name="Tokyo Denki", country="JP", sectors=["C27"], languages=["ja", "en"]))  # fmt: skip
    first = meeting(builder, session["id"], host, guest, 1)
    second = meeting(builder, session["id"], host, other, 2)
    return PastEdition(builder, session, host, guest, other, first, second)


def played_edition(client: TestClient, headers: dict[str, str]) -> PastEdition:
    """Two meetings: one held and rated, one no-show by the Japanese side; a request
    accepted; an MoU entered under the former province name, reviewed once."""
    e = past_edition(client, headers)
    client.patch(
        e.path(f"/meetings/{e.meeting['id']}"), json={"attendance": "held"}, headers=headers
    )
    client.patch(
        e.path(f"/meetings/{e.other_meeting['id']}"),
        json={"attendance": "no_show", "absent": [e.other_guest["id"]]},
        headers=headers,
    )
    client.put(
        e.path(f"/meetings/{e.meeting['id']}/feedback"),
        json={"rating": 4, "outcome": "mou_signed"},
        headers=EventBuilder.auth(e.host),
    )
    client.put(
        e.path(f"/meetings/{e.meeting['id']}/feedback"),
        json={"rating": 2, "outcome": "follow_up"},
        headers=EventBuilder.auth(e.guest),
    )
    e.builder.accepted(e.builder.guest(), e.host)  # a fourth participant asks the host
    created = client.post(
        "/api/v1/commitments",
        json={
            "kind": "investment",
            "title": "Nhà máy bán dẫn",
            "status": "signed",
            "organization_ids": [e.host["organization_id"], e.guest["organization_id"]],
            "event_id": e.builder.id,
            "province_code": "Bình Dương",
            "partner_country": "KR",
            "sectors": ["C26"],
            "signed_on": "2026-06-10",
            "value_usd": 30_000_000,
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    review = client.post(f"/api/v1/commitments/{created.json()['id']}/reviews", json={
        "status": "in_progress", "realised_usd": 6_000_000, "note": "Giải ngân đợt 1",
        "reviewed_on": "2026-10-01"}, headers=headers)  # fmt: skip
    assert review.status_code == 201
    return e
