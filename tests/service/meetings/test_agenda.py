"""Meeting lists behind a strong ETag: 304 while nothing changed, the new list after a
change, and each caller still sees only what is theirs."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

from tests.service.builders import EventBuilder


def _placed(
    client: TestClient, admin_headers: dict[str, str]
) -> tuple[EventBuilder, dict, dict, dict]:
    event = EventBuilder.new(client, admin_headers)
    b2b = event.session(tables=5)
    host, guest, other = event.host(), event.guest(), event.guest()
    for partner, slot in ((guest, 1), (other, 2)):
        placed = client.post(
            event.path("/meetings"),
            json={
                "participants": [host["id"], partner["id"]],
                "session_id": b2b["id"],
                "slot": slot,
                "table": slot,
            },
            headers=admin_headers,
        )
        assert placed.status_code == 201, placed.text
    return event, host, guest, other


def test_agenda_etag_and_304(client: TestClient, admin_headers: dict[str, str]) -> None:
    event, host, guest, _ = _placed(client, admin_headers)
    path = event.path("/meetings")
    first = client.get(path, headers=event.auth(guest))
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/json"
    assert first.headers["cache-control"] == "private, no-cache"
    etag = first.headers["etag"]
    assert etag == f'"{hashlib.blake2b(first.content, digest_size=16).hexdigest()}"'
    assert [m["participants"] for m in first.json()["items"]] == [[host["id"], guest["id"]]]

    again = client.get(path, headers={**event.auth(guest), "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(path, headers={**event.auth(guest), "If-None-Match": '"x"'}).json() == (
        first.json()
    )

    meeting_id = first.json()["items"][0]["id"]
    moved = client.patch(
        event.path(f"/meetings/{meeting_id}"), json={"slot": 3}, headers=admin_headers
    )
    assert moved.status_code == 200, moved.text
    after = client.get(path, headers={**event.auth(guest), "If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    assert after.json()["items"][0]["slot"] == 3
    assert after.json()["items"][0]["sequence"] == first.json()["items"][0]["sequence"] + 1


def test_stored_lists_stay_per_caller(client: TestClient, admin_headers: dict[str, str]) -> None:
    event, host, guest, other = _placed(client, admin_headers)
    path = event.path("/meetings")
    own = {p["id"]: client.get(path, headers=event.auth(p)).json() for p in (host, guest, other)}
    assert own[host["id"]]["total"] == 2
    assert own[guest["id"]]["total"] == 1 and own[other["id"]]["total"] == 1
    assert own[guest["id"]] != own[other["id"]]
    # Asking for someone else's list after it was stored: still not theirs to read.
    peek = client.get(path, params={"participant_id": guest["id"]}, headers=event.auth(other))
    assert peek.status_code == 404
    everything = client.get(path, headers=admin_headers).json()
    assert everything["total"] == 2
    paged = client.get(path, params={"limit": 1, "offset": 1}, headers=admin_headers).json()
    assert paged["items"] == everything["items"][1:] and paged["total"] == 2
