"""Check-ins, attendance per meeting and each side's feedback, through the API."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.attendance.service import meetings_needing_feedback
from tests.service.builders import EventBuilder
from tests.service.factories import assert_problem
from tests.service.outcomes import PastEdition, past_edition

FEEDBACK = {"rating": 4, "outcome": "mou_planned", "pledged_usd": 5_000_000,
            "next_step": "Khảo sát KCN", "comment": "Rất hữu ích"}  # fmt: skip


def _edition(client: TestClient, admin_headers: dict[str, str]) -> PastEdition:
    return past_edition(client, admin_headers)


def test_check_in_once_and_listed(client: TestClient, admin_headers: dict[str, str]) -> None:
    e = _edition(client, admin_headers)
    body = {"participant_id": e.host["id"]}
    first = client.post(e.path("/check-ins"), json=body, headers=admin_headers)
    assert first.status_code == 201, first.text
    again = client.post(e.path("/check-ins"), json=body, headers=admin_headers)
    assert again.status_code == 200
    assert again.json()["checked_in_at"] == first.json()["checked_in_at"]
    listed = client.get(e.path("/check-ins"), headers=admin_headers).json()
    assert listed["total"] == 1
    assert listed["items"][0]["organization_name"] == "Công ty Linh kiện Sóng Thần"
    rows = client.get(e.path("/attendance"), headers=admin_headers).json()["items"]
    assert {r["participant_id"]: r["checked_in"] for r in rows}[e.host["id"]] is True


def test_check_in_of_a_stranger_is_refused(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = _edition(client, admin_headers)
    other = EventBuilder.new(client, admin_headers, name="Gặp gỡ Nhật Bản 2026")
    stranger = other.guest()
    for pid in (stranger["id"], 987654):
        response = client.post(
            e.path("/check-ins"), json={"participant_id": pid}, headers=admin_headers
        )
        assert_problem(response, 422, "body.participant_id")
    assert client.get(e.path("/check-ins"), headers=admin_headers).json()["total"] == 0


def test_attendance_marks_and_no_show_counts(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = _edition(client, admin_headers)
    path = e.path(f"/meetings/{e.meeting['id']}")
    held = client.patch(path, json={"attendance": "held"}, headers=admin_headers)
    assert held.status_code == 200, held.text
    assert held.json()["attendance"] == "held"
    no_show = client.patch(
        e.path(f"/meetings/{e.other_meeting['id']}"),
        json={"attendance": "no_show", "absent": [e.other_guest["id"]]},
        headers=admin_headers,
    )
    assert no_show.status_code == 200, no_show.text
    assert no_show.json()["absent"] == [e.other_guest["id"]]
    rows = {r["participant_id"]: r for r in client.get(
        e.path("/attendance"), headers=admin_headers).json()["items"]}  # fmt: skip
    assert rows[e.other_guest["id"]]["no_shows"] == 1
    assert rows[e.host["id"]]["no_shows"] == 0
    assert rows[e.host["id"]]["held"] == 1
    assert rows[e.host["id"]]["meetings"] == 2


def test_bad_attendance_names_the_field_and_stores_nothing(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = _edition(client, admin_headers)
    path = e.path(f"/meetings/{e.meeting['id']}")
    assert_problem(
        client.patch(path, json={"attendance": "no_show"}, headers=admin_headers),
        422, "body.absent",
    )  # fmt: skip
    assert_problem(
        client.patch(path, json={"attendance": "no_show", "absent": [e.other_guest["id"]]},
                     headers=admin_headers),
        422, "body.absent.0",
    )  # fmt: skip
    assert_problem(
        client.patch(path, json={"attendance": "gone"}, headers=admin_headers),
        422, "body.attendance",
    )  # fmt: skip
    # A move that fails takes the attendance sent with it back too.
    clash = client.patch(
        path, json={"attendance": "held", "slot": 2, "table": 2}, headers=admin_headers
    )
    assert clash.status_code == 409
    rows = client.get(e.path("/attendance"), headers=admin_headers).json()["items"]
    assert all(r["held"] == 0 and r["no_shows"] == 0 for r in rows)


def test_a_future_meeting_cannot_be_marked_or_rated(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    future = EventBuilder.new(client, admin_headers, start_date="2030-03-01", end_date="2030-03-02")
    session = future.session(
        starts_at="2030-03-01T09:00:00+07:00", ends_at="2030-03-01T11:00:00+07:00"
    )
    a, b = future.host(), future.guest()
    body = {"participants": [a["id"], b["id"]], "session_id": session["id"], "slot": 1, "table": 1}
    m = client.post(future.path("/meetings"), json=body, headers=admin_headers).json()
    response = client.patch(
        future.path(f"/meetings/{m['id']}"), json={"attendance": "held"}, headers=admin_headers
    )
    assert_problem(response, 409)
    response = client.put(
        future.path(f"/meetings/{m['id']}/feedback"), json=FEEDBACK, headers=future.auth(a)
    )
    assert_problem(response, 409, "body.rating")


def test_bulk_marking_of_a_slot(client: TestClient, admin_headers: dict[str, str]) -> None:
    e = _edition(client, admin_headers)
    client.patch(
        e.path(f"/meetings/{e.other_meeting['id']}"),
        json={"attendance": "no_show", "absent": [e.host["id"]]},
        headers=admin_headers,
    )
    for slot in (1, 2):
        response = client.post(
            e.path("/attendance"),
            json={"session_id": e.session["id"], "slot": slot},
            headers=admin_headers,
        )
        assert response.status_code == 200, response.text
        assert response.json()["marked"] == (1 if slot == 1 else 0), "a marked meeting stays"
    assert_problem(
        client.post(e.path("/attendance"), json={"session_id": 987654, "slot": 1},
                    headers=admin_headers),
        422, "body.session_id",
    )  # fmt: skip


def test_each_side_sees_only_its_own_feedback(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = _edition(client, admin_headers)
    path = e.path(f"/meetings/{e.meeting['id']}/feedback")
    mine = client.put(path, json=FEEDBACK, headers=EventBuilder.auth(e.host))
    assert mine.status_code == 200, mine.text
    assert mine.json()["participant_id"] == e.host["id"]
    theirs = client.put(
        path, json={**FEEDBACK, "rating": 2, "outcome": "none"}, headers=EventBuilder.auth(e.guest)
    )
    assert theirs.status_code == 200
    seen = client.get(path, headers=EventBuilder.auth(e.guest)).json()["items"]
    assert [f["rating"] for f in seen] == [2]
    both = client.get(path, headers=admin_headers).json()["items"]
    assert sorted(f["rating"] for f in both) == [2, 4]
    # A second answer replaces the first.
    client.put(path, json={**FEEDBACK, "rating": 5}, headers=EventBuilder.auth(e.host))
    assert [f["rating"] for f in client.get(path, headers=EventBuilder.auth(e.host)).json()[
        "items"]] == [5]  # fmt: skip
    # Someone not in the meeting: 404 like an unknown meeting.
    outsider = client.put(path, json=FEEDBACK, headers=EventBuilder.auth(e.other_guest))
    assert_problem(outsider, 404)
    assert_problem(client.get(path, headers=EventBuilder.auth(e.other_guest)), 404)


def test_bad_feedback_names_the_field(client: TestClient, admin_headers: dict[str, str]) -> None:
    e = _edition(client, admin_headers)
    path = e.path(f"/meetings/{e.meeting['id']}/feedback")
    me = EventBuilder.auth(e.host)
    for body, field in (
        ({**FEEDBACK, "rating": 6}, "body.rating"),
        ({**FEEDBACK, "rating": 0}, "body.rating"),
        ({**FEEDBACK, "outcome": "great"}, "body.outcome"),
        ({**FEEDBACK, "pledged_usd": -1}, "body.pledged_usd"),
    ):
        assert_problem(client.put(path, json=body, headers=me), 422, field)
    assert_problem(
        client.put(path, json={**FEEDBACK, "participant_id": e.other_guest["id"]},
                   headers=admin_headers),
        422, "body.participant_id",
    )  # fmt: skip
    assert_problem(client.put(path, json=FEEDBACK, headers=admin_headers), 422,
                   "body.participant_id")  # fmt: skip
    assert_problem(
        client.put(path, json={**FEEDBACK, "participant_id": e.guest["id"]}, headers=me), 403
    )
    assert client.get(path, headers=admin_headers).json()["total"] == 0


def test_meetings_needing_feedback(
    client: TestClient, admin_headers: dict[str, str], db: Session
) -> None:
    e = _edition(client, admin_headers)
    client.patch(e.path(f"/meetings/{e.meeting['id']}"), json={"attendance": "held"},
                 headers=admin_headers)  # fmt: skip
    client.patch(
        e.path(f"/meetings/{e.other_meeting['id']}"),
        json={"attendance": "no_show", "absent": [e.other_guest["id"]]},
        headers=admin_headers,
    )
    client.put(e.path(f"/meetings/{e.meeting['id']}/feedback"), json=FEEDBACK,
               headers=EventBuilder.auth(e.host))  # fmt: skip
    due = meetings_needing_feedback(session=db, day=date(2026, 6, 10), event_id=e.builder.id)
    assert [(d.meeting_id, d.participant_id) for d in due] == [(e.meeting["id"], e.guest["id"])]
    assert meetings_needing_feedback(session=db, day=date(2026, 6, 11), event_id=e.builder.id) == []
