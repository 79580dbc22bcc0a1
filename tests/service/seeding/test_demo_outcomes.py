"""The demo's results: commitments with reviews at once, attendance and feedback once
its meetings exist and have started (and nothing before)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.core.database import utcnow
from service.meetings.models import Meeting
from service.participants.models import Participant, Side
from service.seeding.demo import load_demo_event
from service.seeding.demo_outcomes import load_demo_attendance


def test_demo_commitments_then_attendance_once_meetings_started(
    client: TestClient, db: Session, admin_headers: dict[str, str]
) -> None:
    event, _ = load_demo_event(session=db, public_url="https://meetx.example")
    listed = client.get("/api/v1/commitments", params={"limit": 50}, headers=admin_headers).json()[
        "items"
    ]
    assert len(listed) >= 3
    assert any(c["province_given"] == "Bình Dương" and c["province_code"] == "79" for c in listed)
    assert any(c["province_given"] == "Bắc Giang" and c["province_code"] == "24" for c in listed)
    reviewed = [c for c in listed if c["realised_usd"]]
    assert reviewed and len(client.get(f"/api/v1/commitments/{reviewed[0]['id']}",
                                       headers=admin_headers).json()["reviews"]) >= 2  # fmt: skip
    assert load_demo_attendance(session=db, event=event) == 0, "no meetings yet: nothing"

    mine = select(Participant.id).where(Participant.event_id == event.id)
    hosts = db.exec(mine.where(Participant.side == Side.host)).all()
    guests = db.exec(mine.where(Participant.side == Side.guest)).all()
    sessions = client.get(f"/api/v1/events/{event.id}/sessions").json()["items"]
    b2b = next(s for s in sessions if s["kind"] == "b2b")
    for table in (1, 2, 3):
        response = client.post(f"/api/v1/events/{event.id}/meetings", headers=admin_headers, json={
            "participants": [hosts[table], guests[table]], "session_id": b2b["id"],
            "slot": 1, "table": table})  # fmt: skip
        assert response.status_code == 201, response.text
    for meeting in db.exec(select(Meeting).where(Meeting.event_id == event.id)).all():
        meeting.starts_at = utcnow() - timedelta(hours=2)
        db.add(meeting)
    db.commit()
    assert load_demo_attendance(session=db, event=event) == 3
    assert load_demo_attendance(session=db, event=event) == 0, "marked once"
    report = client.get("/api/v1/reports/summary", params={"event_id": event.id},
                        headers=admin_headers).json()  # fmt: skip
    assert report["total"]["held"] + report["total"]["no_show"] == 3


def test_the_demo_fills_the_register_and_the_report_pages(
    client: TestClient, db: Session, admin_headers: dict[str, str]
) -> None:
    from service.attendance import service as attendance
    from service.attendance.models import Outcome
    from service.commitments import service as register
    from tests.service.pages.conftest import sign_in

    event, _ = load_demo_event(session=db, public_url="https://meetx.example")
    sign_in(client)
    page = client.get("/admin/commitments").text
    assert page.count('<tr id="commitment-') >= 7
    assert page.count("Đến hạn rà soát</span>") >= 3, "some reviews are due"
    for given in ("Bình Dương", "Bắc Giang", "Bình Định"):
        assert f"({given})" in page, given
    reviewed = next(c for c in register.list_commitments(session=db, limit=50)[0]
                    if c.realised_usd)  # fmt: skip
    assert "review-item" in client.get(f"/admin/commitments/{reviewed.id}").text
    report = client.get("/admin/reports", params={"group_by": "event"}).text
    assert report.count('<tr><th scope="row">') >= 5, "several editions with results"
    assert "<svg" in report[report.index('id="chart-money"') :]
    assert "<svg" in report[report.index('id="chart-timeline"') :]

    # Once meetings have started, two "MoU signed" answers become commitments.
    mine = select(Participant.id).where(Participant.event_id == event.id)
    hosts = db.exec(mine.where(Participant.side == Side.host)).all()
    guests = db.exec(mine.where(Participant.side == Side.guest)).all()
    b2b = next(s for s in client.get(f"/api/v1/events/{event.id}/sessions").json()["items"]
               if s["kind"] == "b2b")  # fmt: skip
    placed = 0
    for table in range(1, 13):
        answer = client.post(f"/api/v1/events/{event.id}/meetings", headers=admin_headers, json={
            "participants": [hosts[table], guests[table]], "session_id": b2b["id"],
            "slot": 1, "table": table})  # fmt: skip
        placed += answer.status_code == 201
    assert placed >= 10
    for meeting in db.exec(select(Meeting).where(Meeting.event_id == event.id)).all():
        meeting.starts_at = utcnow() - timedelta(hours=2)
        db.add(meeting)
    db.commit()
    assert load_demo_attendance(session=db, event=event) == placed
    signed = attendance.event_feedback(session=db, event_id=event.id, outcome=Outcome.mou_signed)
    made = [c for c in register.list_commitments(session=db, event_id=event.id, limit=50)[0]
            if c.feedback_id is not None]  # fmt: skip
    assert len(signed) >= 2 and len(made) == 2
    board = client.get(f"/admin/events/{event.id}/outcomes").text
    assert board.count("Xem cam kết") == 2
    assert board.count("Tạo cam kết") == len(signed) - 2, "the others keep their button"
