"""Wishes and blocks: who records them, who sees them, what a block does to requests."""

from __future__ import annotations

from fastapi.testclient import TestClient
from httpx import Response

from tests.service.factories import assert_problem
from tests.service.builders import EventBuilder


def _prefer(ev: EventBuilder, a: dict, b: dict, kind: str, headers: dict | None = None) -> Response:
    return ev.client.post(
        ev.path("/preferences"),
        json={"from_participant_id": a["id"], "to_participant_id": b["id"], "kind": kind},
        headers=headers or ev.headers,
    )


def test_wish_is_recorded_replaced_and_deleted(client: TestClient, admin_headers: dict) -> None:
    ev = EventBuilder.new(client, admin_headers)
    host, guest = ev.host(), ev.guest()
    created = _prefer(ev, guest, host, "wish", ev.auth(guest))
    assert created.status_code == 201, created.text
    assert created.json()["kind"] == "wish"
    replaced = _prefer(ev, guest, host, "block", ev.auth(guest))
    assert replaced.status_code == 200 and replaced.json()["id"] == created.json()["id"]
    assert replaced.json()["kind"] == "block"

    own = client.get(ev.path("/preferences"), headers=ev.auth(guest)).json()
    assert [p["kind"] for p in own["items"]] == ["block"]
    # The blocked side does not learn of the block.
    assert client.get(ev.path("/preferences"), headers=ev.auth(host)).json()["total"] == 0
    assert_problem(
        client.delete(ev.path(f"/preferences/{created.json()['id']}"), headers=ev.auth(host)), 404
    )
    deleted = client.delete(ev.path(f"/preferences/{created.json()['id']}"), headers=ev.auth(guest))
    assert deleted.status_code == 204
    assert client.get(ev.path("/preferences"), headers=admin_headers).json()["total"] == 0


def test_preferences_validate_the_pair_and_the_author(
    client: TestClient, admin_headers: dict
) -> None:
    ev = EventBuilder.new(client, admin_headers)
    host, guest, guest2 = ev.host(), ev.guest(), ev.guest()
    assert_problem(_prefer(ev, guest, guest, "wish"), 422, "body.to_participant_id")
    assert_problem(_prefer(ev, guest, guest2, "wish"), 422, "body.to_participant_id")
    # Blocking someone of one's own side is allowed (a competitor, say).
    assert _prefer(ev, guest, guest2, "block").status_code == 201
    assert_problem(_prefer(ev, guest2, host, "wish", ev.auth(guest)), 403)
    bad_kind = _prefer(ev, guest, host, "love")
    assert_problem(bad_kind, 422, "body.kind")


def test_block_closes_pending_requests_and_stops_new_ones(
    client: TestClient, admin_headers: dict
) -> None:
    ev = EventBuilder.new(client, admin_headers)
    host, guest = ev.host(), ev.guest()
    request = ev.request(guest, host).json()
    assert _prefer(ev, host, guest, "block", ev.auth(host)).status_code == 201
    fetched = client.get(f"/api/v1/meeting-requests/{request['id']}", headers=admin_headers).json()
    assert fetched["status"] == "declined"
    assert_problem(ev.request(guest, host), 409, "body.to_participant_id")
    assert_problem(ev.request(host, guest), 409, "body.to_participant_id")
