"""The organisers' area: sign-in, session cookie, CSRF, dashboard and meeting forms."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.auth.service import create_organizer_token, revoke_organizer_token
from service.meeting_requests.models import MeetingRequest
from service.meetings.models import Meeting
from service.pages.sessions import SESSION_COOKIE
from tests.conftest import ADMIN_TOKEN
from tests.service.pages.conftest import PagesEvent, place_meeting, sign_in


def test_organiser_pages_need_a_signed_in_session(
    client: TestClient, pages_event: PagesEvent
) -> None:
    for path in (
        f"/admin/events/{pages_event.event_id}",
        f"/admin/events/{pages_event.event_id}/import",
        f"/admin/events/{pages_event.event_id}/export/meetings.csv",
        f"/admin/events/{pages_event.event_id}/print",
    ):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/admin", path
    signin = client.get("/admin")
    assert signin.status_code == 200 and 'name="token"' in signin.text
    assert 'type="password"' in signin.text and '<label for="token">' in signin.text


def test_sign_in_refuses_wrong_and_participant_tokens(
    client: TestClient, pages_event: PagesEvent
) -> None:
    for token in ("not-a-token", pages_event.host["token"], ""):
        response = client.post("/admin/login", data={"token": token}, follow_redirects=False)
        assert response.status_code == 401
        assert "set-cookie" not in response.headers
        assert "Mã không đúng" in response.text


def test_session_cookie_is_httponly_strict_signed_and_holds_no_token(
    client: TestClient, pages_event: PagesEvent
) -> None:
    response = client.post("/admin/login", data={"token": ADMIN_TOKEN}, follow_redirects=False)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test below
    value = client.cookies[SESSION_COOKIE]
    assert ADMIN_TOKEN not in value
    assert client.get(f"/admin/events/{pages_event.event_id}").status_code == 200

    # Any change to the signed value ends the session.
    head, body, signature = value.split(".")
    tampered = f"{head}.{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    client.cookies.set(SESSION_COOKIE, tampered, path="/admin")
    response = client.get(f"/admin/events/{pages_event.event_id}", follow_redirects=False)
    assert response.status_code == 303


def test_session_cookie_is_secure_over_https(app, pages_event: PagesEvent) -> None:
    with TestClient(app, base_url="https://testserver") as https_client:
        response = https_client.post(
            "/admin/login", data={"token": ADMIN_TOKEN}, follow_redirects=False
        )
    assert "Secure" in response.headers["set-cookie"]


def test_an_issued_token_signs_in_until_it_is_revoked(
    client: TestClient, db: Session, pages_event: PagesEvent
) -> None:
    row, token = create_organizer_token(session=db, name="Sở Ngoại vụ Bắc Ninh")
    sign_in(client, token)
    dashboard = f"/admin/events/{pages_event.event_id}"
    assert client.get(dashboard).status_code == 200
    revoke_organizer_token(session=db, token_id=row.id)  # type: ignore[arg-type]
    assert client.get(dashboard, follow_redirects=False).status_code == 303


def test_forms_without_the_sessions_csrf_token_are_refused(
    client: TestClient, admin_headers: dict[str, str], db: Session, pages_event: PagesEvent
) -> None:
    meeting = place_meeting(client, admin_headers, pages_event)
    csrf = sign_in(client)
    lock = f"/admin/events/{pages_event.event_id}/meetings/{meeting['id']}/lock"
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": csrf[:-1]}):
        refused = client.post(lock, data=data)
        assert refused.status_code == 403
        assert "Phiên làm việc không hợp lệ" in refused.text
    assert db.get(Meeting, meeting["id"]).locked is False  # type: ignore[union-attr]

    # Another organiser session's token does not fit this session either.
    with TestClient(client.app) as other:
        other_csrf = sign_in(other)
    assert other_csrf != csrf
    assert client.post(lock, data={"csrf_token": other_csrf}).status_code == 403

    done = client.post(lock, data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    db.expire_all()
    assert db.get(Meeting, meeting["id"]).locked is True  # type: ignore[union-attr]


def test_dashboard_counts_grid_and_interpreter_load(
    client: TestClient, admin_headers: dict[str, str], pages_event: PagesEvent
) -> None:
    sent = client.post(
        f"/p/{pages_event.guest['token']}/requests",
        data={"to_participant_id": str(pages_event.host["id"])},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    place_meeting(client, admin_headers, pages_event, slot=1, table=2)
    sign_in(client)
    html = client.get(f"/admin/events/{pages_event.event_id}").text
    assert "Gặp gỡ Hàn Quốc 2026" in html
    assert "Phía Việt Nam" in html and "Hàn Quốc" in html
    assert "<strong>1</strong>Đề nghị gặp: Đang chờ" in html
    assert "<strong>1</strong>Cuộc gặp đã xếp" in html
    # The grid row of table 2 holds the meeting; the Korean interpreter pool is 1/4 busy.
    assert "Kinh Bắc ↔ Hanbit" in html or "Hanbit Semicon Co., Ltd. ↔" in html
    assert "1/4" in html and "0/4" in html
    english = client.get(f"/admin/events/{pages_event.event_id}?lang=en").text
    assert "Schedule grid" in english and "Interpreters per slot" in english


def test_move_lock_and_cancel_a_meeting(
    client: TestClient, admin_headers: dict[str, str], db: Session, pages_event: PagesEvent
) -> None:
    meeting = place_meeting(client, admin_headers, pages_event, slot=1, table=1)
    csrf = sign_in(client)
    base = f"/admin/events/{pages_event.event_id}/meetings/{meeting['id']}"
    moved = client.post(
        f"{base}/move",
        data={"csrf_token": csrf, "session_id": pages_event.session_id, "slot": 3, "table": 5},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert moved.headers["location"].endswith(f"?done=moved#meeting-{meeting['id']}")
    db.expire_all()
    row = db.get(Meeting, meeting["id"])
    assert row is not None and (row.slot, row.table_no, row.sequence) == (3, 5, 1)

    out_of_range = client.post(
        f"{base}/move",
        data={"csrf_token": csrf, "session_id": pages_event.session_id, "slot": 99, "table": 1},
    )
    assert out_of_range.status_code == 422
    assert "must be between 1 and" in out_of_range.text

    cancelled = client.post(f"{base}/cancel", data={"csrf_token": csrf}, follow_redirects=False)
    assert cancelled.status_code == 303
    assert "Đã huỷ cuộc gặp." in client.get(cancelled.headers["location"]).text
    db.expire_all()
    assert db.get(Meeting, meeting["id"]).status.value == "cancelled"  # type: ignore[union-attr]
    assert client.post(f"{base}/lock", data={"csrf_token": csrf}).status_code == 409


def test_sign_out_ends_the_session(client: TestClient, pages_event: PagesEvent) -> None:
    csrf = sign_in(client)
    out = client.post("/admin/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert "Max-Age=0" in out.headers["set-cookie"] or "expires=" in out.headers["set-cookie"]
    dashboard = client.get(f"/admin/events/{pages_event.event_id}", follow_redirects=False)
    assert dashboard.status_code == 303


def test_unknown_event_or_meeting_is_a_404_page(
    client: TestClient, pages_event: PagesEvent
) -> None:
    csrf = sign_in(client)
    assert client.get("/admin/events/999999").status_code == 404
    missing = client.post(
        f"/admin/events/{pages_event.event_id}/meetings/999999/lock", data={"csrf_token": csrf}
    )
    assert missing.status_code == 404 and "Không tìm thấy trang" in missing.text


def test_dashboard_counts_overdue_requests_as_expired_and_lists_accepted_ones_unplaced(
    client: TestClient, db: Session, pages_event: PagesEvent
) -> None:
    guest, host = pages_event.guest, pages_event.host
    client.post(f"/p/{guest['token']}/requests", data={"to_participant_id": str(host["id"])})
    request = db.exec(select(MeetingRequest)).one()
    request.created_at -= timedelta(days=30)  # far past the event's 72-hour expiry
    db.add(request)
    db.commit()
    sign_in(client)
    html = client.get(f"/admin/events/{pages_event.event_id}").text
    assert "<strong>1</strong>Đề nghị gặp: Hết hạn" in html
    assert "<strong>0</strong>Đề nghị gặp: Đang chờ" in html

    # A fresh request, accepted: a required meeting the scheduler has not placed yet.
    client.post(f"/p/{host['token']}/requests", data={"to_participant_id": str(guest["id"])})
    fresh = db.exec(select(MeetingRequest).where(MeetingRequest.status == "pending")).one()
    client.post(f"/p/{guest['token']}/requests/{fresh.id}/accept")
    html = client.get(f"/admin/events/{pages_event.event_id}").text
    assert "Cuộc gặp bắt buộc chưa xếp được (1)" in html
    assert "Chưa chạy xếp lịch kể từ khi được chấp nhận" in html
