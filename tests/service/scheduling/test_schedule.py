"""The scheduler run through the API: placement rules, dry runs, re-runs that keep what
exists, re-plans, locks, interpreters, plenary sessions and availability."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.service.builders import EventBuilder
from tests.service.factories import assert_problem

MORNING = {
    "starts_at": "2026-12-10T09:00:00+07:00",
    "ends_at": "2026-12-10T11:00:00+07:00",
    "slot_minutes": 25,
    "break_minutes": 5,
}  # 4 slots: 09:00, 09:30, 10:00, 10:30
AFTERNOON = {
    "title": "Kết nối doanh nghiệp buổi chiều",
    "starts_at": "2026-12-10T14:00:00+07:00",
    "ends_at": "2026-12-10T15:30:00+07:00",
    "slot_minutes": 25,
    "break_minutes": 5,
}  # 3 slots: 14:00, 14:30, 15:00


def assert_no_double_booking(meetings: list[dict[str, Any]], sessions: dict[int, dict]) -> None:
    live = [m for m in meetings if m["status"] == "scheduled"]
    tables = Counter((m["session_id"], m["slot"], m["table"]) for m in live)
    assert max(tables.values(), default=1) == 1, tables
    seats = Counter((p, m["starts_at"]) for m in live for p in m["participants"])
    assert max(seats.values(), default=1) == 1, seats
    for m in live:
        assert 1 <= m["table"] <= sessions[m["session_id"]]["tables"]


def _sessions(ev: EventBuilder) -> dict[int, dict]:
    items = ev.client.get(ev.path("/sessions"), headers=ev.headers).json()["items"]
    return {s["id"]: s for s in items}


def _places(meetings: list[dict[str, Any]]) -> dict[int, tuple]:
    return {
        m["id"]: (m["session_id"], m["slot"], m["table"])
        for m in meetings
        if m["status"] == "scheduled"
    }


def _two_session_event(client: TestClient, headers: dict) -> tuple[EventBuilder, list, list]:
    ev = EventBuilder.new(client, headers)
    ev.session(**MORNING, tables=3, interpreters={"ko": 2})
    ev.session(**AFTERNOON, tables=2, interpreters={"ko": 1})
    hosts = [ev.host(sectors=["C26", "C27"]) for _ in range(4)]
    # The last two guests speak only Korean: their meetings need an interpreter.
    guests = [ev.guest(sectors=["C26"]) for _ in range(3)]
    guests += [ev.guest(sectors=["C26"], languages=["ko"]) for _ in range(2)]
    return ev, hosts, guests


def test_schedule_places_every_accepted_request_without_double_booking(
    client: TestClient, admin_headers: dict
) -> None:
    ev, hosts, guests = _two_session_event(client, admin_headers)
    pairs = [(guests[i], hosts[i % 4]) for i in range(5)] + [(guests[0], hosts[1])]
    requests = [ev.accepted(g, h) for g, h in pairs]

    dry = ev.schedule(dry_run=True)
    assert dry["dry_run"] and dry["added"] >= len(requests)
    assert all(c["meeting_id"] is None for c in dry["changes"])
    assert ev.meetings() == []  # a dry run stores nothing

    report = ev.schedule()
    assert report["unplaced"] == []
    assert report["required_total"] == report["required_placed"] == len(requests)
    assert report["optional_placed"] > 0  # free places filled with suggestions
    assert report["moved"] == report["cancelled"] == 0
    meetings = ev.meetings()
    assert len(meetings) == report["placed"] == report["added"]
    assert_no_double_booking(meetings, _sessions(ev))
    by_request = {m["request_id"] for m in meetings if m["source"] == "request"}
    assert by_request == {r["id"] for r in requests}
    # A meeting needing a Korean interpreter records it; the afternoon has one only.
    interpreted = Counter(
        (m["session_id"], m["slot"]) for m in meetings if m["interpreter_language"] == "ko"
    )
    assert sum(interpreted.values()) >= 2
    for (session_id, _), count in interpreted.items():
        assert count <= _sessions(ev)[session_id]["interpreters"]["ko"]
    added_ids = {c["meeting_id"] for c in report["changes"] if c["action"] == "add"}
    assert added_ids == {m["id"] for m in meetings}


def test_rerun_after_late_registration_moves_nothing(
    client: TestClient, admin_headers: dict
) -> None:
    ev, hosts, guests = _two_session_event(client, admin_headers)
    for i in range(4):
        ev.accepted(guests[i], hosts[i])
    first = ev.schedule()
    assert first["unplaced"] == []
    before = _places(ev.meetings())
    sequences = {m["id"]: m["sequence"] for m in ev.meetings()}

    late = ev.guest(sectors=["C26"])
    request = ev.accepted(late, hosts[0])
    second = ev.schedule()
    assert second["moved"] == 0 and second["unplaced"] == []
    after = _places(ev.meetings())
    for meeting_id, place in before.items():
        if meeting_id in after:
            assert after[meeting_id] == place
    kept_or_dropped = {c["meeting_id"]: c["action"] for c in second["changes"] if c["meeting_id"]}
    # Only suggested meetings may have been dropped to make room.
    for meeting in ev.meetings(include_cancelled=True):
        if meeting["id"] in before and meeting["status"] == "cancelled":
            assert meeting["source"] == "suggestion"
            assert kept_or_dropped[meeting["id"]] == "cancel"
        elif meeting["id"] in before:
            assert meeting["sequence"] == sequences[meeting["id"]]
    assert request["id"] in {m["request_id"] for m in ev.meetings()}
    assert_no_double_booking(ev.meetings(), _sessions(ev))


def test_replan_keeps_locked_meetings_and_raises_sequences_of_moved_ones(
    client: TestClient, admin_headers: dict
) -> None:
    ev, hosts, guests = _two_session_event(client, admin_headers)
    sessions = sorted(_sessions(ev).values(), key=lambda s: s["starts_at"])
    # The organiser pins one meeting at the last afternoon slot, and places another at a
    # spot that leaves its participants with a break.
    locked = client.post(
        ev.path("/meetings"),
        json={
            "participants": [hosts[0]["id"], guests[0]["id"]],
            "session_id": sessions[1]["id"],
            "slot": 3,
            "table": 2,
            "locked": True,
        },
        headers=admin_headers,
    ).json()
    for i in range(1, 4):
        ev.accepted(guests[i], hosts[i])
    ev.schedule(fill=False)
    report = ev.schedule(replan=True)
    assert report["unplaced"] == []
    meetings = {m["id"]: m for m in ev.meetings()}
    assert (meetings[locked["id"]]["session_id"], meetings[locked["id"]]["slot"]) == (
        sessions[1]["id"],
        3,
    )
    assert meetings[locked["id"]]["table"] == 2 and meetings[locked["id"]]["sequence"] == 0
    for change in report["changes"]:
        if change["action"] == "move":
            assert meetings[change["meeting_id"]]["sequence"] >= 1
            assert change["from"] != change["to"]
    assert_no_double_booking(list(meetings.values()), _sessions(ev))


def test_interpreters_are_a_capacity_per_slot(client: TestClient, admin_headers: dict) -> None:
    ev = EventBuilder.new(client, admin_headers)
    ev.session(**MORNING, tables=5, interpreters={"ko": 1})
    hosts = [ev.host(languages=["vi"]) for _ in range(3)]
    guests = [ev.guest(languages=["ko"]) for _ in range(3)]
    for host, guest in zip(hosts, guests, strict=True):
        ev.accepted(guest, host)
    report = ev.schedule(fill=False)
    assert report["required_placed"] == 3
    meetings = ev.meetings()
    assert all(m["interpreter_language"] == "ko" for m in meetings)
    assert len({m["slot"] for m in meetings}) == 3  # one interpreter: one meeting per slot


def test_plenary_and_unavailability_are_respected(client: TestClient, admin_headers: dict) -> None:
    ev = EventBuilder.new(client, admin_headers)
    ev.session(**MORNING, tables=4, interpreters={})
    # The plenary covers the first two slots (09:00 and 09:30).
    ev.plenary("2026-12-10T08:00:00+07:00", "2026-12-10T09:45:00+07:00")
    host = ev.host()
    busy_guest = ev.guest(
        unavailable=[{"start": "2026-12-10T10:30:00", "end": "2026-12-10T11:00:00"}]
    )
    free_guest = ev.guest()
    ev.accepted(busy_guest, host)
    ev.accepted(free_guest, host)
    # Two who skip the plenary may meet during it: here only then, since the guest leaves
    # at 09:30.
    late_host = ev.host(attends_plenary=False)
    early_guest = ev.guest(
        attends_plenary=False,
        unavailable=[{"start": "2026-12-10T09:30:00", "end": "2026-12-10T11:00:00"}],
    )
    ev.accepted(early_guest, late_host)
    report = ev.schedule(fill=False)
    assert report["unplaced"] == [] and report["required_placed"] == 3
    meetings = ev.meetings()
    slots = {frozenset(m["participants"]): m["slot"] for m in meetings}
    assert slots[frozenset((host["id"], busy_guest["id"]))] == 3  # after the plenary, before 10:30
    assert slots[frozenset((host["id"], free_guest["id"]))] == 4
    assert slots[frozenset((late_host["id"], early_guest["id"]))] == 1


def test_impossible_request_is_reported_with_a_reason(
    client: TestClient, admin_headers: dict
) -> None:
    ev = EventBuilder.new(client, admin_headers)
    ev.session(**MORNING, tables=4, interpreters={})
    host = ev.host(unavailable=[{"start": "2026-12-10T08:00:00", "end": "2026-12-10T12:00:00"}])
    guest = ev.guest()
    request = ev.accepted(guest, host)
    report = ev.schedule(fill=False)
    assert report["status"] == "infeasible"
    assert report["required_placed"] == 0
    [unplaced] = report["unplaced"]
    assert unplaced["request_id"] == request["id"] and unplaced["reason"]
    assert ev.meetings() == []


def test_blocked_pairs_are_never_scheduled(client: TestClient, admin_headers: dict) -> None:
    ev = EventBuilder.new(client, admin_headers)
    ev.session(**MORNING, tables=4, interpreters={})
    host, guest, other = ev.host(), ev.guest(), ev.guest()
    request = ev.accepted(guest, host)
    first = ev.schedule(fill=False)
    assert first["required_placed"] == 1
    blocked = client.post(
        ev.path("/preferences"),
        json={"from_participant_id": host["id"], "to_participant_id": guest["id"], "kind": "block"},
        headers=admin_headers,
    )
    assert blocked.status_code == 201
    second = ev.schedule()
    assert second["cancelled"] == 1
    assert [u["request_id"] for u in second["unplaced"]] == [request["id"]]
    live = ev.meetings(include_cancelled=False)
    # The host still meets the other guest as a suggestion, never the blocked one.
    assert [sorted(m["participants"]) for m in live] == [sorted([host["id"], other["id"]])]


def test_schedule_errors(client: TestClient, admin_headers: dict) -> None:
    ev = EventBuilder.new(client, admin_headers)
    guest = ev.guest()
    assert_problem(
        client.post(ev.path("/schedule"), json={}, headers=admin_headers), 422, "path.event_id"
    )
    assert_problem(
        client.post("/api/v1/events/987654/schedule", json={}, headers=admin_headers), 404
    )
    assert_problem(client.post(ev.path("/schedule"), json={}, headers=ev.auth(guest)), 403)
    assert_problem(
        client.post(ev.path("/schedule"), json={"time_limit_s": 0}, headers=admin_headers),
        422,
        "body.time_limit_s",
    )
    # A b2b session and a single participant: nothing to schedule, and no error.
    ev.session(**MORNING, tables=2, interpreters={"ko": 1})
    report = ev.schedule()
    assert report["placed"] == 0 and report["unplaced"] == [] and report["status"] == "optimal"


def test_demo_event_schedules_end_to_end_and_a_late_registration_moves_nothing(
    client: TestClient, admin_headers: dict, db: Session
) -> None:
    from service.seeding.demo import load_demo_event

    event, _ = load_demo_event(session=db, public_url="https://meetx.example")
    ev = EventBuilder(client, admin_headers, event={"id": event.id})
    accepted = client.get(
        ev.path("/meeting-requests"),
        params={"status": "accepted", "limit": 200},
        headers=admin_headers,
    ).json()["items"]
    assert accepted
    report = ev.schedule(time_limit_s=3)
    assert report["unplaced"] == []
    assert report["required_placed"] == report["required_total"] == len(accepted)
    meetings = ev.meetings()
    assert {m["request_id"] for m in meetings if m["request_id"]} == {r["id"] for r in accepted}
    assert_no_double_booking(meetings, _sessions(ev))
    assert report["optional_placed"] > 0

    # A late guest asks the first host whose day is full: one of the host's suggested
    # meetings gives way, and nothing else moves.
    slots = sum(s["slots"] for s in _sessions(ev).values() if s["kind"] == "b2b")
    load = Counter(p for m in meetings for p in m["participants"])
    hosts = client.get(
        ev.path("/participants"), params={"side": "host", "limit": 200}, headers=admin_headers
    ).json()["items"]
    host = next(h for h in sorted(hosts, key=lambda h: h["id"]) if load[h["id"]] == slots)
    late = ev.guest(sectors=["C26"])
    request = ev.accepted(late, host)
    before = _places(meetings)
    again = ev.schedule(time_limit_s=3)
    assert again["unplaced"] == [] and again["moved"] == 0
    after = _places(ev.meetings())
    assert all(after[i] == place for i, place in before.items() if i in after)
    assert request["id"] in {m["request_id"] for m in ev.meetings()}
    assert_no_double_booking(ev.meetings(), _sessions(ev))


def test_meetings_can_trade_places_in_one_run(
    client: TestClient, admin_headers: dict, db: Session
) -> None:
    from service.events.models import Event
    from service.scheduling import service as scheduling
    from service.scheduling.models import ScheduleOptions
    from service.scheduling.placements import Settled
    from service.scheduling.planning import build_plan

    ev = EventBuilder.new(client, admin_headers)
    session_id = ev.session(**MORNING, tables=1, interpreters={})["id"]
    hosts, guests = [ev.host(), ev.host()], [ev.guest(), ev.guest()]
    placed = [
        client.post(
            ev.path("/meetings"),
            json={
                "participants": [hosts[i]["id"], guests[i]["id"]],
                "session_id": session_id,
                "slot": i + 1,
                "table": 1,
            },
            headers=admin_headers,
        ).json()
        for i in range(2)
    ]
    event = db.get(Event, ev.id)
    assert event is not None
    plan = build_plan(session=db, event=event, options=ScheduleOptions(fill=False))
    first, second = (f"m{m['id']}" for m in placed)
    # Slot 1 and slot 2 trade their only table: each needs the other's place.
    settled = Settled(places={first: (2, 1), second: (1, 1)}, reasons={}, adjusted=0)
    changes, unplaced = scheduling._outcome(plan, settled)
    assert unplaced == [] and [c.public.action for c in changes] == ["move", "move"]
    scheduling._apply(db, plan, settled, changes, scheduling._fingerprint(db, ev.id))

    after = {m["id"]: m for m in ev.meetings()}
    assert (after[placed[0]["id"]]["slot"], after[placed[1]["id"]]["slot"]) == (2, 1)
    assert all(m["sequence"] == 1 for m in after.values())


def test_a_change_during_the_run_is_409_and_stores_nothing(
    client: TestClient, admin_headers: dict, db: Session, monkeypatch: Any
) -> None:
    from service.meeting_requests.service import live_meeting_between
    from service.meetings.models import MeetingSource
    from service.scheduling import service as scheduling

    ev = EventBuilder.new(client, admin_headers)
    session_id = ev.session(**MORNING, tables=2, interpreters={})["id"]
    host, guest, other_host, other_guest = ev.host(), ev.guest(), ev.host(), ev.guest()
    ev.accepted(guest, host)
    real_solver = scheduling.solve_problem

    def solve_while_an_organiser_books(problem: dict, time_limit_s: float, **solver: Any) -> Any:
        answer = real_solver(problem, time_limit_s, **solver)
        booked = client.post(
            ev.path("/meetings"),
            json={
                "participants": [other_host["id"], other_guest["id"]],
                "session_id": session_id,
                "slot": 1,
                "table": 1,
            },
            headers=admin_headers,
        )
        assert booked.status_code == 201, booked.text
        return answer

    monkeypatch.setattr(scheduling, "solve_problem", solve_while_an_organiser_books)
    response = client.post(ev.path("/schedule"), json={"time_limit_s": 2}, headers=admin_headers)
    assert_problem(response, 409)
    assert live_meeting_between(session=db, event_id=ev.id, a=host["id"], b=guest["id"]) is None
    [only] = ev.meetings()
    assert only["source"] == MeetingSource.organizer.value
