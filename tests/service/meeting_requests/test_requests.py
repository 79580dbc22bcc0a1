"""Meeting requests: create, answer, expire, duplicates, caps and who may do what."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.core.database import utcnow
from service.meeting_requests.models import MeetingRequest
from tests.service.factories import assert_problem
from tests.service.builders import EventBuilder


def _event(client: TestClient, headers: dict, **event: object) -> EventBuilder:
    builder = EventBuilder.new(client, headers, **event)
    builder.session()
    return builder


def test_participant_requests_and_the_other_accepts(
    client: TestClient, admin_headers: dict
) -> None:
    ev = _event(client, admin_headers)
    host, guest = ev.host(), ev.guest()
    response = ev.request(guest, host, headers=ev.auth(guest))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending" and body["expires_at"]
    assert body["from_participant_id"] == guest["id"] and body["to_participant_id"] == host["id"]

    # The sender cannot accept its own request.
    own = client.post(f"/api/v1/meeting-requests/{body['id']}/accept", headers=ev.auth(guest))
    assert_problem(own, 403)
    accepted = client.post(f"/api/v1/meeting-requests/{body['id']}/accept", headers=ev.auth(host))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and accepted.json()["responded_at"]

    # Only pending requests change.
    again = client.post(f"/api/v1/meeting-requests/{body['id']}/decline", headers=ev.auth(host))
    assert_problem(again, 409)
    # The accepted pair waits for the scheduler: no second request.
    assert_problem(ev.request(host, guest), 409, "body.to_participant_id")


def test_decline_and_withdraw(client: TestClient, admin_headers: dict) -> None:
    ev = _event(client, admin_headers)
    host, guest, other = ev.host(), ev.guest(), ev.guest()
    first = ev.request(guest, host, headers=ev.auth(guest)).json()
    declined = client.post(f"/api/v1/meeting-requests/{first['id']}/decline", headers=ev.auth(host))
    assert declined.status_code == 200 and declined.json()["status"] == "declined"

    second = ev.request(other, host, headers=ev.auth(other)).json()
    # The recipient cannot withdraw, the sender can.
    wrong = client.post(f"/api/v1/meeting-requests/{second['id']}/withdraw", headers=ev.auth(host))
    assert_problem(wrong, 403)
    withdrawn = client.post(
        f"/api/v1/meeting-requests/{second['id']}/withdraw", headers=ev.auth(other)
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    # A withdrawn request frees the pair.
    assert ev.request(other, host, headers=ev.auth(other)).status_code == 201


def test_second_pending_request_for_a_pair_is_409_in_either_direction(
    client: TestClient, admin_headers: dict
) -> None:
    ev = _event(client, admin_headers)
    host, guest = ev.host(), ev.guest()
    assert ev.request(guest, host).status_code == 201
    assert_problem(ev.request(guest, host), 409, "body.to_participant_id")
    assert_problem(ev.request(host, guest), 409, "body.to_participant_id")
    listed = client.get(ev.path("/meeting-requests"), headers=admin_headers).json()
    assert listed["total"] == 1


def test_bad_pairs_are_422_naming_the_field(client: TestClient, admin_headers: dict) -> None:
    ev = _event(client, admin_headers)
    host, guest, guest2 = ev.host(), ev.guest(), ev.guest()
    assert_problem(ev.request(guest, guest), 422, "body.to_participant_id")
    same_side = assert_problem(ev.request(guest, guest2), 422, "body.to_participant_id")
    assert "side" in same_side["detail"]

    other = _event(client, admin_headers, name="Gặp gỡ Nhật Bản 2026", partner_country="JP")
    foreigner = other.guest()
    assert_problem(ev.request(host, foreigner), 422, "body.to_participant_id")
    assert_problem(ev.request(foreigner, host), 422, "body.from_participant_id")
    unknown = client.post(
        ev.path("/meeting-requests"),
        json={"from_participant_id": host["id"], "to_participant_id": 987654},
        headers=admin_headers,
    )
    assert_problem(unknown, 422, "body.to_participant_id")


def test_same_side_allowed_when_the_event_says_so(client: TestClient, admin_headers: dict) -> None:
    ev = _event(client, admin_headers)
    patched = client.patch(ev.path(""), json={"allow_same_side": True}, headers=admin_headers)
    assert patched.status_code == 200, patched.text
    guest, guest2 = ev.guest(), ev.guest()
    assert ev.request(guest, guest2).status_code == 201


def test_cap_on_pending_outgoing_requests(client: TestClient, admin_headers: dict) -> None:
    ev = _event(client, admin_headers)
    client.patch(ev.path(""), json={"max_pending_requests": 2}, headers=admin_headers)
    guest = ev.guest()
    hosts = [ev.host() for _ in range(3)]
    first = ev.request(guest, hosts[0]).json()
    assert ev.request(guest, hosts[1]).status_code == 201
    assert_problem(ev.request(guest, hosts[2]), 409, "body.from_participant_id")
    # An answer frees a place under the cap.
    client.post(f"/api/v1/meeting-requests/{first['id']}/decline", headers=admin_headers)
    assert ev.request(guest, hosts[2]).status_code == 201


def test_pending_requests_expire_and_free_the_pair(
    client: TestClient, admin_headers: dict, db: Session
) -> None:
    ev = _event(client, admin_headers)
    host, guest = ev.host(), ev.guest()
    created = ev.request(guest, host).json()
    row = db.get(MeetingRequest, created["id"])
    assert row is not None
    row.created_at = utcnow() - timedelta(hours=73)  # the default expiry is 72 hours
    db.add(row)
    db.commit()

    listed = client.get(ev.path("/meeting-requests"), headers=admin_headers).json()["items"]
    assert [r["status"] for r in listed] == ["expired"]
    late = client.post(f"/api/v1/meeting-requests/{created['id']}/accept", headers=ev.auth(host))
    assert_problem(late, 409)
    # The expired request no longer holds the pair.
    assert ev.request(host, guest).status_code == 201


def test_expiry_follows_the_events_setting(
    client: TestClient, admin_headers: dict, db: Session
) -> None:
    ev = _event(client, admin_headers)
    host, guest = ev.host(), ev.guest()
    created = ev.request(guest, host).json()
    row = db.get(MeetingRequest, created["id"])
    assert row is not None
    row.created_at = utcnow() - timedelta(hours=5)
    db.add(row)
    db.commit()
    fetched = client.get(f"/api/v1/meeting-requests/{created['id']}", headers=admin_headers)
    assert fetched.json()["status"] == "pending"
    client.patch(ev.path(""), json={"request_expiry_hours": 4}, headers=admin_headers)
    fetched = client.get(f"/api/v1/meeting-requests/{created['id']}", headers=admin_headers)
    assert fetched.json()["status"] == "expired"


def test_who_may_send_and_see_requests(client: TestClient, admin_headers: dict) -> None:
    ev = _event(client, admin_headers)
    host, guest, guest2 = ev.host(), ev.guest(), ev.guest()
    # A participant sends only for itself.
    assert_problem(ev.request(guest2, host, headers=ev.auth(guest)), 403)
    assert_problem(ev.request(host, guest, headers=ev.auth(guest)), 403)
    # Without a token: 401.
    anonymous = client.post(
        ev.path("/meeting-requests"),
        json={"from_participant_id": guest["id"], "to_participant_id": host["id"]},
    )
    assert_problem(anonymous, 401)

    mine = ev.request(guest, host, headers=ev.auth(guest)).json()
    theirs = ev.request(guest2, host, headers=ev.auth(guest2)).json()
    # A third party neither sees nor answers another pair's request.
    assert_problem(
        client.get(f"/api/v1/meeting-requests/{theirs['id']}", headers=ev.auth(guest)), 404
    )
    assert_problem(
        client.post(f"/api/v1/meeting-requests/{theirs['id']}/decline", headers=ev.auth(guest)), 404
    )

    own = client.get(ev.path("/meeting-requests"), headers=ev.auth(guest)).json()
    assert [r["id"] for r in own["items"]] == [mine["id"]]
    assert_problem(
        client.get(
            ev.path("/meeting-requests"),
            params={"participant_id": guest2["id"]},
            headers=ev.auth(guest),
        ),
        404,
    )
    incoming = client.get(
        ev.path("/meeting-requests"),
        params={"participant_id": host["id"], "direction": "incoming"},
        headers=ev.auth(host),
    ).json()
    assert {r["id"] for r in incoming["items"]} == {mine["id"], theirs["id"]}
    outgoing = client.get(
        ev.path("/meeting-requests"), params={"direction": "outgoing"}, headers=ev.auth(host)
    ).json()
    assert outgoing["total"] == 0
    pending = client.get(
        ev.path("/meeting-requests"), params={"status": "pending"}, headers=admin_headers
    ).json()
    assert pending["total"] == 2
    assert_problem(
        client.get(
            ev.path("/meeting-requests"), params={"direction": "incoming"}, headers=admin_headers
        ),
        422,
        "query.participant_id",
    )
    # A participant of another event sees nothing of this one.
    other = _event(client, admin_headers, name="Gặp gỡ Nhật Bản 2026", partner_country="JP")
    stranger = other.guest()
    assert_problem(client.get(ev.path("/meeting-requests"), headers=ev.auth(stranger)), 404)


def test_request_to_a_pair_with_a_meeting_is_409(client: TestClient, admin_headers: dict) -> None:
    ev = _event(client, admin_headers)
    session = client.get(ev.path("/sessions"), headers=admin_headers).json()["items"][0]
    host, guest = ev.host(), ev.guest()
    placed = client.post(
        ev.path("/meetings"),
        json={
            "participants": [host["id"], guest["id"]],
            "session_id": session["id"],
            "slot": 1,
            "table": 1,
        },
        headers=admin_headers,
    )
    assert placed.status_code == 201, placed.text
    assert_problem(ev.request(guest, host), 409, "body.to_participant_id")
