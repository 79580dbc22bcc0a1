"""The demo event loads through the service functions and is big enough to schedule."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from service.meeting_requests.models import MeetingRequest, RequestStatus
from service.meetings.models import Meeting, MeetingStatus
from service.participants.models import Participant, Side
from service.seeding.demo import load_demo_event


def test_demo_event_loads_once_and_is_found_by_search(
    client: TestClient, db: Session, tmp_path: Path
) -> None:
    links = tmp_path / "links.csv"
    event, created = load_demo_event(
        session=db, public_url="https://meetx.example", links_file=links
    )
    assert created
    again, created_again = load_demo_event(session=db, public_url="https://meetx.example")
    assert not created_again and again.id == event.id

    found = client.get("/api/v1/events", params={"q": "gap go han quoc"}).json()
    assert event.id in [e["id"] for e in found["items"]]

    sides = db.exec(
        select(Participant.side, func.count())
        .where(Participant.event_id == event.id)
        .group_by(Participant.side)
    ).all()
    counts = dict(sides)
    assert counts[Side.host] >= 25 and counts[Side.guest] >= 55

    sessions = client.get(f"/api/v1/events/{event.id}/sessions").json()["items"]
    b2b = [s for s in sessions if s["kind"] == "b2b"]
    assert len(b2b) == 2 and all(s["slots"] >= 4 and s["tables"] >= 10 for s in b2b)

    accepted = db.exec(
        select(func.count())
        .select_from(MeetingRequest)
        .where(MeetingRequest.event_id == event.id, MeetingRequest.status == RequestStatus.accepted)
    ).one()
    assert accepted >= 5
    lines = links.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + sum(counts.values())
    assert "https://meetx.example/p/mxp_" in lines[1]


def test_demo_event_loads_with_its_day_scheduled(client: TestClient, db: Session) -> None:
    event, _ = load_demo_event(session=db, public_url="https://meetx.example", schedule=True)
    accepted = db.exec(
        select(MeetingRequest.id).where(
            MeetingRequest.event_id == event.id, MeetingRequest.status == RequestStatus.accepted
        )
    ).all()
    meetings = db.exec(
        select(Meeting).where(
            Meeting.event_id == event.id, Meeting.status == MeetingStatus.scheduled
        )
    ).all()
    # Every accepted request has its meeting, and the best suggestions fill the grid.
    assert {m.request_id for m in meetings if m.request_id} == set(accepted)
    assert len(meetings) > 2 * len(accepted)
    first = db.exec(
        select(Participant).where(Participant.event_id == event.id).order_by(Participant.id)
    ).first()
    assert first is not None
    assert any(first.id in (m.participant_a_id, m.participant_b_id) for m in meetings)
