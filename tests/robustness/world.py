"""The fixture event the authorisation and fuzz tests run against, built through the API.

Two open events and a draft one; in the first, "the participant" (a Vietnamese firm)
with a meeting, a request it received, one it sent and a preference, beside a peer, a
partner and two more guests; in the second, an outsider and its host.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.core.database import utcnow
from service.core.settings import Settings
from service.jobs.service import create_job
from service.meetings.models import Meeting
from service.notifications.service import unsubscribe_url
from service.pages.sessions import read_session, sign_in
from tests.conftest import ADMIN_TOKEN
from tests.robustness.authorization import ORGANIZER, OUTSIDER, PARTICIPANT, PEER, World
from tests.robustness.seed import API, created


def _participant(client: TestClient, event_id: int, org: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    org_row = created(client.post(f"{API}/organizations", json=org, headers=headers))
    body = {
        "organization_id": org_row["id"],
        "delegates": [
            {"name": f"Đại diện {org['name']}", "email": f"contact{org_row['id']}@firm.example"}
        ],
    }
    return created(client.post(f"{API}/events/{event_id}/participants", json=body, headers=headers))


def _host(name: str) -> dict[str, Any]:
    return {"kind": "company", "name": name, "country": "VN", "province_code": "24",
            "sectors": ["C27"], "languages": ["vi"]}  # fmt: skip


def _guest(name: str) -> dict[str, Any]:
    return {"kind": "company", "name": name, "country": "KR", "sectors": ["C26"],
            "languages": ["ko"]}  # fmt: skip


def build_world(client: TestClient, settings: Settings, engine: sa.Engine) -> World:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def post(path: str, body: dict[str, Any], headers: dict[str, str] = admin) -> dict[str, Any]:
        return created(client.post(f"{API}{path}", json=body, headers=headers))

    def event(name: str, country: str, **extra: Any) -> int:
        body = {"name": name, "partner_country": country, "host_province": "24",
                "start_date": "2026-12-10", "end_date": "2026-12-11", **extra}  # fmt: skip
        return int(post("/events", body)["id"])

    w = World()
    w.event_id = event("Gặp gỡ Hàn Quốc 2026", "KR")
    w.other_event_id = event("Gặp gỡ Nhật Bản 2026", "JP")
    w.draft_event_id = event("Gặp gỡ Canada 2027", "CA", status="draft")
    w.b2b_session_id = post(f"/events/{w.event_id}/sessions", {
        "title": "Kết nối doanh nghiệp", "kind": "b2b", "starts_at": "2026-12-10T09:00:00+07:00",
        "ends_at": "2026-12-10T11:00:00+07:00", "slot_minutes": 20, "tables": 10,
        "interpreters": {"ko": 2}})["id"]  # fmt: skip
    w.plenary_session_id = post(f"/events/{w.event_id}/sessions", {
        "title": "Phiên toàn thể", "kind": "plenary", "starts_at": "2026-12-10T08:00:00+07:00",
        "ends_at": "2026-12-10T08:45:00+07:00"})["id"]  # fmt: skip

    me = _participant(client, w.event_id, _host("Công ty Điện tử Bắc Ninh"))
    peer = _participant(client, w.event_id, _guest("Hanbit Semicon"))
    partner = _participant(client, w.event_id, _guest("Daesung Logistics"))
    requester = _participant(client, w.event_id, _guest("Seoul Biotech"))
    requested = _participant(client, w.event_id, _guest("Busan Marine"))
    outsider = _participant(client, w.other_event_id, _guest("Osaka Robotics"))
    outsider_partner = _participant(client, w.other_event_id, _host("Công ty Cơ khí Hải Phòng"))
    w.participant_id, w.peer_id, w.partner_id = me["id"], peer["id"], partner["id"]
    w.requester_id, w.requested_id = requester["id"], requested["id"]
    w.outsider_id, w.outsider_partner_id = outsider["id"], outsider_partner["id"]
    w.organization_id = me["organization_id"]
    w.spare_organization_id = post("/organizations", _host("Công ty Chưa Đăng Ký"))["id"]
    w.tokens = {PARTICIPANT: me["token"], PEER: peer["token"], OUTSIDER: outsider["token"],
                ORGANIZER: ADMIN_TOKEN}  # fmt: skip

    w.meeting_id = post(f"/events/{w.event_id}/meetings", {
        "participants": [w.participant_id, w.partner_id], "session_id": w.b2b_session_id,
        "slot": 1, "table": 1})["id"]  # fmt: skip
    w.request_id = post(
        f"/events/{w.event_id}/meeting-requests",
        {"from_participant_id": w.requester_id, "to_participant_id": w.participant_id},
    )["id"]
    w.outgoing_request_id = post(
        f"/events/{w.event_id}/meeting-requests",
        {"from_participant_id": w.participant_id, "to_participant_id": w.requested_id},
    )["id"]
    w.preference_id = post(f"/events/{w.event_id}/preferences", {
        "from_participant_id": w.participant_id, "to_participant_id": w.requested_id,
        "kind": "wish"})["id"]  # fmt: skip

    messages = client.get(f"{API}/events/{w.event_id}/messages", headers=admin).json()["items"]
    w.message_id = messages[0]["id"]
    w.unsubscribe_link = unsubscribe_url(settings, w.participant_id, "mailings").rsplit("/", 1)[1]

    with Session(engine) as session:
        job, _ = create_job(session=session, kind="jobs.sleep", params={}, event_id=w.event_id)
        w.job_id = job.id  # type: ignore[assignment]
    # The meeting has started (yesterday), so its attendance and feedback are open.
    with Session(engine) as session:
        row = session.get(Meeting, w.meeting_id)
        assert row is not None
        row.starts_at = utcnow() - timedelta(days=1)
        row.ends_at = row.starts_at + timedelta(minutes=20)
        session.add(row)
        session.commit()
    mine = {"Authorization": f"Bearer {w.tokens[PARTICIPANT]}"}
    feedback = client.put(
        f"{API}/events/{w.event_id}/meetings/{w.meeting_id}/feedback",
        json={"rating": 5, "outcome": "mou_signed", "pledged_usd": 2000000},
        headers=mine,
    )
    assert feedback.status_code == 200, feedback.text
    w.feedback_id = feedback.json()["id"]
    w.commitment_id = post("/commitments", {
        "kind": "mou", "title": "Biên bản ghi nhớ Bắc Ninh - Daesung", "status": "signed",
        "organization_ids": [w.organization_id, partner["organization_id"]],
        "event_id": w.event_id, "meeting_id": w.meeting_id, "province_code": "Bắc Ninh",
        "partner_country": "KR", "sectors": ["C27"], "signed_on": "2026-12-01",
        "value_usd": 3000000})["id"]  # fmt: skip

    with Session(engine) as session:
        cookie = sign_in(session=session, settings=settings, token=ADMIN_TOKEN)
        assert cookie is not None
        organizer = read_session(session=session, settings=settings, cookie=cookie)
        assert organizer is not None
    w.admin_cookie, w.csrf_token = cookie, organizer.csrf_token
    return w
