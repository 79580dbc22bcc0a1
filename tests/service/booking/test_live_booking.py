"""Live booking: proposed times, the best free slot, free times, interpreters, reasons
when nothing fits, and the scheduler leaving live bookings where they are."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.booking import service as live
from tests.service.builders import EventBuilder
from tests.service.factories import assert_problem

SLOT_1 = "2026-12-10T09:45:00+07:00"
SLOT_2 = "2026-12-10T10:10:00+07:00"
SLOT_3 = "2026-12-10T10:35:00+07:00"


def live_event(client: TestClient, headers: dict[str, str], **session: Any) -> EventBuilder:
    event = EventBuilder.new(client, headers)
    event.session(**session)
    patched = client.patch(event.path(""), json={"booking_mode": "live"}, headers=headers)
    assert patched.status_code == 200, patched.text
    assert patched.json()["booking_mode"] == "live"
    return event


def send(event: EventBuilder, sender: dict, recipient: dict, **extra: Any) -> dict[str, Any]:
    response = event.client.post(
        event.path("/meeting-requests"),
        json={"from_participant_id": sender["id"], "to_participant_id": recipient["id"], **extra},
        headers=event.auth(sender),
    )
    assert response.status_code == 201, response.text
    return response.json()


def accept(event: EventBuilder, request: dict, by: dict, **body: Any) -> Any:
    return event.client.post(
        f"/api/v1/meeting-requests/{request['id']}/accept",
        json=body or None,
        headers=event.auth(by),
    )


def free_times(event: EventBuilder, a: dict, b: dict, headers: dict | None = None) -> Any:
    return event.client.get(
        event.path(f"/participants/{a['id']}/free-times"),
        params={"with": b["id"]},
        headers=headers or event.auth(a),
    )


def test_a_proposed_time_accepted_is_booked_at_that_time(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    event = live_event(client, admin_headers)
    host, guest = event.host(), event.guest()
    request = send(event, guest, host, proposed_times=[SLOT_3, SLOT_2])
    assert len(request["proposed_times"]) == 2
    answer = accept(event, request, host, starts_at=SLOT_2)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "accepted"
    assert body["meeting"]["starts_at"].startswith("2026-12-10T03:10:00")
    assert body["meeting"]["table"] == 1
    assert body["meeting"]["participants"] == [guest["id"], host["id"]]
    assert body["booking_note"] is None
    assert [m["id"] for m in event.meetings()] == [body["meeting"]["id"]]


def test_without_a_time_the_best_free_slot_adds_no_break(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    event = live_event(client, admin_headers)
    host, first, second = event.host(), event.guest(), event.guest()
    booked = accept(event, send(event, first, host), host, starts_at=SLOT_3).json()["meeting"]
    assert booked["slot"] == 3
    # Slot 1 would leave the host idle in slot 2; slots 2 and 4 add no break: 2 is earlier.
    answer = accept(event, send(event, second, host), host).json()
    assert answer["meeting"]["slot"] == 2
    other = event.guest()
    slots = [i["slot"] for i in free_times(event, host, other).json()["items"]]
    assert 2 not in slots and 3 not in slots and 1 in slots and 4 in slots


def test_free_times_leave_out_plenaries_unavailability_and_full_tables(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    event = live_event(client, admin_headers, tables=1)
    event.plenary("2026-12-10T09:00:00+07:00", "2026-12-10T10:00:00+07:00")
    host = event.host()
    guest = event.guest(
        unavailable=[{"start": "2026-12-10T10:30:00+07:00", "end": "2026-12-10T11:00:00+07:00"}]
    )
    busy_a, busy_b = event.host(attends_plenary=False), event.guest(attends_plenary=False)
    accept(event, send(event, busy_b, busy_a), busy_a, starts_at="2026-12-10T11:00:00+07:00")
    items = free_times(event, host, guest).json()["items"]
    # 5 slots: 1 overlaps the plenary, 3 the guest's absence, 4 has its only table taken.
    assert [i["slot"] for i in items] == [2, 5]
    assert all(i["tables_free"] == 1 for i in items)
    assert free_times(event, guest, host).status_code == 200
    assert free_times(event, host, guest, headers=admin_headers).status_code == 200
    assert free_times(event, host, guest, headers=event.auth(busy_a)).status_code == 403
    assert_problem(
        client.get(
            event.path(f"/participants/{host['id']}/free-times"),
            params={"with": 99999},
            headers=admin_headers,
        ),
        422,
        "query.with",
    )


def test_nothing_free_leaves_the_request_accepted_with_a_reason(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    event = live_event(client, admin_headers)
    host, guest = event.host(max_meetings=1), event.guest()
    accept(event, send(event, event.guest(), host), host)
    answer = accept(event, send(event, guest, host), host)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "accepted" and body["meeting"] is None
    assert "tối đa" in body["unplaced_reason"]["vi"]
    assert "maximum" in body["unplaced_reason"]["en"]
    stored = client.get(f"/api/v1/meeting-requests/{body['id']}", headers=admin_headers).json()
    assert stored["unplaced_reason"] == body["unplaced_reason"]
    # Once the organiser raises the cap, the scheduler places it and the reason goes.
    client.patch(
        event.path(f"/participants/{host['id']}"), json={"max_meetings": 2}, headers=admin_headers
    )
    report = event.schedule(fill=False)
    assert report["unplaced"] == [] and report["added"] == 1
    stored = client.get(f"/api/v1/meeting-requests/{body['id']}", headers=admin_headers).json()
    assert stored["unplaced_reason"] is None


def test_the_last_interpreter_of_a_slot_goes_to_one_meeting(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    # One slot, two tables, one Korean interpreter; guests speak only Korean.
    event = live_event(
        client,
        admin_headers,
        ends_at="2026-12-10T10:05:00+07:00",
        tables=2,
        interpreters={"ko": 1},
    )
    hosts = [event.host(languages=["vi"]) for _ in range(2)]
    guests = [event.guest(languages=["ko"]) for _ in range(2)]
    first = accept(event, send(event, guests[0], hosts[0]), hosts[0]).json()
    assert first["meeting"]["interpreter_language"] == "ko"
    assert free_times(event, hosts[1], guests[1]).json()["items"] == []
    second = accept(event, send(event, guests[1], hosts[1]), hosts[1]).json()
    assert second["meeting"] is None
    assert "ko" in second["unplaced_reason"]["en"]
    # A pair that shares a language still gets the free table.
    host, guest = event.host(), event.guest()
    third = accept(event, send(event, guest, host), host).json()
    assert third["meeting"]["table"] == 2 and third["meeting"]["interpreter_language"] is None


def test_an_undeclared_interpreter_pool_is_no_limit(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    event = EventBuilder.new(client, admin_headers)
    event.session(interpreters={}, tables=4)
    pairs = [(event.host(languages=["vi"]), event.guest(languages=["ko"])) for _ in range(6)]
    for host, guest in pairs:
        event.accepted(guest, host)
    report = event.schedule(fill=False)
    assert report["required_placed"] == 6 and report["unplaced"] == []
    assert report["status"] != "infeasible"
    needs = report["interpreter_needs"]
    assert sum(n["meetings"] for n in needs) == 6
    assert all(n["language"] == "ko" and "phiên dịch" in n["message_vi"] for n in needs)
    assert all(m["interpreter_language"] == "ko" for m in event.meetings())


def test_the_scheduler_keeps_live_bookings_and_replan_raises_sequences(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    event = live_event(client, admin_headers, tables=3)
    hosts = [event.host() for _ in range(3)]
    guests = [event.guest() for _ in range(3)]
    booked = {}
    for index, (host, guest) in enumerate(zip(hosts, guests, strict=True)):
        times = [SLOT_3, SLOT_1, SLOT_2][index]
        meeting = accept(event, send(event, guest, host), host, starts_at=times).json()["meeting"]
        booked[meeting["id"]] = meeting
    report = event.schedule(fill=True)
    assert report["moved"] == 0 and report["cancelled"] == 0
    after = {m["id"]: m for m in event.meetings() if m["id"] in booked}
    for meeting_id, before in booked.items():
        assert (after[meeting_id]["slot"], after[meeting_id]["table"]) == (
            before["slot"],
            before["table"],
        )
        assert after[meeting_id]["sequence"] == before["sequence"]
    replanned = event.schedule(fill=False, replan=True)
    moved = {c["meeting_id"] for c in replanned["changes"] if c["action"] == "move"}
    for meeting in event.meetings():
        if meeting["id"] in moved:
            assert meeting["sequence"] > booked.get(meeting["id"], {"sequence": 0})["sequence"]


def test_bad_times_are_refused_and_organizer_mode_books_nothing(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    event = live_event(client, admin_headers)
    host, guest = event.host(), event.guest()
    bad = client.post(
        event.path("/meeting-requests"),
        json={
            "from_participant_id": guest["id"],
            "to_participant_id": host["id"],
            "proposed_times": [SLOT_1, "2026-12-10T09:50:00+07:00"],
        },
        headers=event.auth(guest),
    )
    assert_problem(bad, 422, "body.proposed_times.1")
    request = send(event, guest, host, proposed_times=[SLOT_1])
    assert_problem(
        accept(event, request, host, starts_at="2026-12-10T09:46:00+07:00"), 422, "body.starts_at"
    )
    still = client.get(f"/api/v1/meeting-requests/{request['id']}", headers=admin_headers)
    assert still.json()["status"] == "pending" and event.meetings() == []
    client.patch(event.path(""), json={"booking_mode": "organizer"}, headers=admin_headers)
    answer = accept(event, request, host).json()
    assert answer["status"] == "accepted" and answer["meeting"] is None
    assert event.meetings() == []


def test_the_dashboard_counts_undeclared_interpreter_needs_per_slot(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    event = EventBuilder.new(client, admin_headers)
    event.session(interpreters={}, tables=4)
    for _ in range(3):
        event.accepted(event.guest(languages=["ko"]), event.host(languages=["vi"]))
    event.schedule(fill=False)
    signin = client.post(
        "/admin/login", data={"token": admin_headers["Authorization"][7:]}, follow_redirects=False
    )
    assert signin.status_code in (302, 303), signin.text
    page = client.get(f"/admin/events/{event.id}")
    assert page.status_code == 200
    assert "chưa khai báo nhóm phiên dịch" in page.text
    assert "cần 1" in page.text or "cần 2" in page.text or "cần 3" in page.text


def test_a_lost_race_rolls_back_to_the_savepoint_and_books_the_next_slot(
    client: TestClient, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a concurrent booking does to a stale read: the table (or the last interpreter)
    seen free is taken when the insert comes; the UNIQUE constraint refuses it and the next
    best slot is booked in the same transaction."""
    event = live_event(client, admin_headers, tables=2, interpreters={"ko": 1})
    first_host, first_guest = event.host(languages=["vi"]), event.guest(languages=["ko"])
    taken = accept(event, send(event, first_guest, first_host), first_host).json()["meeting"]
    assert (taken["slot"], taken["table"], taken["interpreter_language"]) == (1, 1, "ko")
    # Every read of occupancy now misses the meeting just booked, as a transaction that
    # read before the other committed would.
    monkeypatch.setattr(live.booking, "tables_in_use", lambda **_: {})
    monkeypatch.setattr(live.booking, "interpreters_in_use", lambda **_: {})
    monkeypatch.setattr(live.booking, "free_table", lambda **_: 1)
    host, guest = event.host(languages=["vi"]), event.guest(languages=["ko"])
    answer = accept(event, send(event, guest, host), host, starts_at=SLOT_1)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["meeting"]["slot"] == 2 and body["meeting"]["table"] == 1
    assert body["booking_note"]["en"].startswith("The time asked for is no longer free")
    # An interpreter-only clash: table 2 is free in slot 1 but the one interpreter is not.
    monkeypatch.setattr(live.booking, "free_table", lambda **_: 2)
    other_host, other_guest = event.host(languages=["vi"]), event.guest(languages=["ko"])
    body = accept(event, send(event, other_guest, other_host), other_host, starts_at=SLOT_1)
    assert body.status_code == 200, body.text
    assert body.json()["meeting"]["slot"] == 3
    slots = sorted((m["slot"], m["table"]) for m in event.meetings())
    assert slots == [(1, 1), (2, 1), (3, 2)]


def test_interpreter_seats_are_unique_per_slot_language_and_number(db: Session) -> None:
    constraints = sa.inspect(db.connection()).get_unique_constraints("interpreter_seat")
    columns = {c["name"]: c["column_names"] for c in constraints}
    assert columns["uq_interpreter_seat"] == ["session_id", "active_slot", "language", "seat_no"]
