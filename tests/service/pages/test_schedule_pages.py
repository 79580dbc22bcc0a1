"""Scheduler preview and apply from the organisers' dashboard."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.core.dependencies import shared_objects
from service.meeting_requests.models import MeetingRequest
from service.meetings.models import Meeting, MeetingStatus
from service.suggestions import service as suggestions_service
from service.suggestions.service import IndexCache
from tests.service.factories import create, event_payload
from tests.service.pages.conftest import PagesEvent, sign_in


def _accepted_request(client: TestClient, db: Session, setup: PagesEvent) -> MeetingRequest:
    client.post(
        f"/p/{setup.guest['token']}/requests", data={"to_participant_id": str(setup.host["id"])}
    )
    request = db.exec(select(MeetingRequest)).one()
    client.post(f"/p/{setup.host['token']}/requests/{request.id}/accept")
    return request


def _live_meetings(db: Session) -> list[Meeting]:
    db.expire_all()
    return list(db.exec(select(Meeting).where(Meeting.status == MeetingStatus.scheduled)).all())


def test_preview_shows_the_changes_and_stores_nothing_then_apply_places_them(
    client: TestClient, db: Session, pages_event: PagesEvent
) -> None:
    request = _accepted_request(client, db, pages_event)
    csrf = sign_in(client)
    dashboard = f"/admin/events/{pages_event.event_id}"
    assert "Cuộc gặp bắt buộc chưa xếp được (1)" in client.get(dashboard).text

    preview = client.post(
        f"{dashboard}/schedule/preview",
        data={"csrf_token": csrf, "fill": "true", "time_limit_s": "5"},
    )
    assert preview.status_code == 200, preview.text
    html = preview.text
    row = re.search(r'<tr class="change-add">(.*?)</tr>', html, re.S)
    assert row, "the accepted request appears as a meeting to add"
    assert "Hanbit Semicon Co., Ltd." in row.group(1) and "bắt buộc" in row.group(1)
    assert "Bàn " in row.group(1)
    assert _live_meetings(db) == []  # a preview stores nothing

    fingerprint = re.search(r'name="previewed" value="([0-9a-f]+)"', html)
    assert fingerprint
    applied = client.post(
        f"{dashboard}/schedule/apply",
        data={
            "csrf_token": csrf,
            "fill": "true",
            "time_limit_s": "5",
            "previewed": fingerprint.group(1),
        },
        follow_redirects=False,
    )
    assert applied.status_code == 303
    assert applied.headers["location"] == f"{dashboard}?done=applied"
    meetings = _live_meetings(db)
    assert [m.request_id for m in meetings] == [request.id]

    after = client.get(applied.headers["location"]).text
    assert "Đã áp dụng lịch mới." in after
    assert "Cuộc gặp bắt buộc chưa xếp được (0)" in after
    assert "Lần xếp lịch gần nhất" in after and "Áp dụng lúc" in after
    agenda = client.get(f"/p/{pages_event.guest['token']}").text
    assert f"Bàn {meetings[0].table_no}" in agenda


def test_apply_says_so_when_the_outcome_differs_from_the_preview(
    client: TestClient, db: Session, pages_event: PagesEvent
) -> None:
    _accepted_request(client, db, pages_event)
    csrf = sign_in(client)
    applied = client.post(
        f"/admin/events/{pages_event.event_id}/schedule/apply",
        data={"csrf_token": csrf, "time_limit_s": "5", "previewed": "0" * 32},
        follow_redirects=False,
    )
    assert applied.status_code == 303
    assert applied.headers["location"].endswith("?done=applied_changed")
    assert "khác bản xem trước" in client.get(applied.headers["location"]).text


def test_scheduling_needs_csrf_and_a_b2b_session(
    client: TestClient, admin_headers: dict[str, str], db: Session, pages_event: PagesEvent
) -> None:
    _accepted_request(client, db, pages_event)
    csrf = sign_in(client)
    base = f"/admin/events/{pages_event.event_id}/schedule"
    assert client.post(f"{base}/apply", data={"time_limit_s": "5"}).status_code == 403
    assert client.post(f"{base}/preview", data={"csrf_token": "x"}).status_code == 403
    assert _live_meetings(db) == []

    bare = create(
        client, "/api/v1/events", event_payload(name="Giới thiệu Cao Bằng"), admin_headers
    )
    refused = client.post(f"/admin/events/{bare['id']}/schedule/preview", data={"csrf_token": csrf})
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text


def test_a_dashboard_run_reuses_the_suggestion_index_the_api_built(
    app,
    client: TestClient,
    admin_headers: dict[str, str],
    db: Session,
    pages_event: PagesEvent,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _accepted_request(client, db, pages_event)
    builds: list[int] = []
    real_build_index = suggestions_service.build_index

    def counting_build_index(*args: Any, **kwargs: Any) -> Any:
        builds.append(1)
        return real_build_index(*args, **kwargs)

    # Every index built anywhere in the app is counted, whatever cache asked for it.
    monkeypatch.setattr(suggestions_service, "build_index", counting_build_index)
    event_id = pages_event.event_id
    suggestions = client.get(
        f"/api/v1/events/{event_id}/participants/{pages_event.host['id']}/suggestions",
        headers=admin_headers,
    )
    assert suggestions.status_code == 200
    # The personal pages that made and accepted the request may have built it already.
    assert len(builds) <= 1
    assert shared_objects(app).get(IndexCache).builds >= 1
    built = len(builds)

    csrf = sign_in(client)
    for step in ("preview", "apply"):
        response = client.post(
            f"/admin/events/{event_id}/schedule/{step}",
            data={"csrf_token": csrf, "fill": "true", "time_limit_s": "5", "previewed": ""},
            follow_redirects=False,
        )
        assert response.status_code in (200, 303), response.text
    assert _live_meetings(db), "the dashboard's run placed the accepted request"
    # Neither dashboard run built an index of its own: both read the API's (storing
    # meetings changes nothing an index depends on).
    assert len(builds) == built
    api_run = client.post(
        f"/api/v1/events/{event_id}/schedule", json={"dry_run": True}, headers=admin_headers
    )
    assert api_run.status_code == 200
    assert len(builds) == built
