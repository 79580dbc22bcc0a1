"""Feeds over HTTP: validators, 304, HEAD, addresses, tokens, who may read what."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from service.calendars import router as calendars_router
from service.calendars.ics import feed_etag
from service.core.database import utcnow
from tests.conftest import Database
from tests.service.calendars.conftest import Programme
from tests.service.factories import assert_problem, create, event_payload, organization_payload

CALENDAR = "text/calendar; charset=utf-8"


def test_participant_feed_headers(client: TestClient, programme: Programme) -> None:
    response = client.get(programme.feed_path("hanbit"))
    assert response.status_code == 200
    assert response.headers["content-type"] == CALENDAR
    assert response.headers["content-disposition"].startswith("inline; filename=")
    assert response.headers["content-disposition"].endswith('.ics"')
    assert response.headers["cache-control"] == "private, max-age=300"
    etag = response.headers["etag"]
    assert etag == feed_etag(response.content), "a strong ETag: the hash of the bytes"
    assert parsedate_to_datetime(response.headers["last-modified"]).tzinfo is not None
    # Both addresses: https to download, webcal:// to subscribe.
    registration = programme.participants["hanbit"]
    link = response.headers["link"]
    assert f'<{registration["calendar_url"]}>; rel="self"' in link
    assert f'<{registration["webcal_url"]}>; rel="alternate"' in link
    # The token is the feed's only secret: it never appears inside the feed.
    assert programme.token("hanbit").encode() not in response.content


def test_unchanged_feed_is_byte_identical_and_answers_304(
    client: TestClient, programme: Programme
) -> None:
    path = programme.feed_path("bacninh")
    first = client.get(path)
    second = client.get(path)
    assert second.content == first.content
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert second.headers["etag"] == etag

    for if_none_match in (etag, f'"0000", {etag}', "*", f"W/{etag}"):
        answer = client.get(path, headers={"If-None-Match": if_none_match})
        assert answer.status_code == 304, if_none_match
        assert answer.content == b""
        assert answer.headers["etag"] == etag
        assert answer.headers["last-modified"] == last_modified
        assert answer.headers["cache-control"] == "private, max-age=300"

    assert client.get(path, headers={"If-None-Match": '"0000"'}).status_code == 200
    assert client.get(path, headers={"If-Modified-Since": last_modified}).status_code == 304
    later = format_datetime(parsedate_to_datetime(last_modified) + timedelta(days=1), usegmt=True)
    assert client.get(path, headers={"If-Modified-Since": later}).status_code == 304
    earlier = format_datetime(
        parsedate_to_datetime(last_modified) - timedelta(seconds=1), usegmt=True
    )
    assert client.get(path, headers={"If-Modified-Since": earlier}).status_code == 200
    assert client.get(path, headers={"If-Modified-Since": "not a date"}).status_code == 200
    # RFC 9110 13.2.2: If-None-Match decides; If-Modified-Since is then ignored.
    both = {"If-None-Match": '"0000"', "If-Modified-Since": last_modified}
    assert client.get(path, headers=both).status_code == 200


def test_a_change_changes_the_etag(
    client: TestClient, programme: Programme, admin_headers: dict[str, str]
) -> None:
    path = programme.feed_path("hanbit")
    before = client.get(path)
    meeting = programme.meetings["korean"]
    moved = client.patch(
        f"{programme.base}/meetings/{meeting['id']}", json={"slot": 4}, headers=admin_headers
    )
    assert moved.status_code == 200, moved.text
    after = client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert after.content != before.content


@contextmanager
def statements_run(database: Database) -> Iterator[list[str]]:
    """The SQL statements run meanwhile (savepoints, the tests' isolation, left out)."""
    run: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            run.append(statement)

    sa.event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield run
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", record)


def test_an_unchanged_feed_costs_one_read(
    client: TestClient, programme: Programme, database: Database, admin_headers: dict[str, str]
) -> None:
    path = programme.feed_path("hanbit")
    etag = client.get(path).headers["etag"]
    with statements_run(database) as run:
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(path).headers["etag"] == etag
    assert len(run) == 2, run
    assert all("data_version" in statement for statement in run)
    # Any write raises the version: the next request checks the fingerprint again, and
    # serves the same body when that write did not touch the feed.
    create(
        client,
        "/api/v1/organizations",
        organization_payload(name="Công ty Thép Hòa Phát", name_en="Hoa Phat Steel"),
        admin_headers,
    )
    with statements_run(database) as run:
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert len(run) > 1
    with statements_run(database) as run:
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert len(run) == 1


def test_a_cancellation_leaves_the_feed_after_the_retention_with_no_write(
    client: TestClient,
    programme: Programme,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    meeting = programme.meetings["korean"]
    cancelled = client.patch(
        f"{programme.base}/meetings/{meeting['id']}",
        json={"status": "cancelled"},
        headers=admin_headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    path = programme.feed_path("hanbit")
    uid = f"UID:{meeting['uid']}".encode()
    assert uid in client.get(path).content
    assert uid in client.get(path).content, "served from memory"
    later = utcnow() + timedelta(days=31)
    monkeypatch.setattr(calendars_router, "utcnow", lambda: later)
    assert uid not in client.get(path).content, "aged out although nothing was written"


def test_head_has_the_headers_and_no_body(client: TestClient, programme: Programme) -> None:
    path = programme.feed_path("hanbit")
    full = client.get(path)
    head = client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    for name in ("etag", "last-modified", "content-type", "cache-control", "link"):
        assert head.headers[name] == full.headers[name], name
    assert head.headers["content-length"] == str(len(full.content))
    conditional = client.head(path, headers={"If-None-Match": full.headers["etag"]})
    assert conditional.status_code == 304
    programme_head = client.head(f"{programme.base}/calendar.ics")
    assert programme_head.status_code == 200 and programme_head.content == b""


def test_unknown_and_rotated_tokens_answer_404(
    client: TestClient, programme: Programme, admin_headers: dict[str, str]
) -> None:
    assert_problem(client.get("/api/v1/calendars/mxp_nobody.ics"), 404)
    assert client.head("/api/v1/calendars/mxp_nobody.ics").status_code == 404
    old_path = programme.feed_path("daehan")
    before = client.get(old_path)
    assert before.status_code == 200
    participant = programme.participants["daehan"]
    rotated = client.post(
        f"{programme.base}/participants/{participant['id']}/token", headers=admin_headers
    )
    assert rotated.status_code == 200, rotated.text
    assert_problem(client.get(old_path), 404)
    assert_problem(client.get(f"/api/v1/calendars/{participant['token']}"), 404)
    new_token = rotated.json()["token"]
    after = client.get(f"/api/v1/calendars/{new_token}.ics")
    assert after.status_code == 200
    # The token is not in the body, so the new address serves the very same bytes.
    assert after.content == before.content
    assert after.headers["etag"] == before.headers["etag"]


def test_subscription_addresses(client: TestClient, programme: Programme) -> None:
    registration = programme.participants["hanbit"]
    response = client.get(f"/api/v1/calendars/{programme.token('hanbit')}")
    assert response.status_code == 200
    body = response.json()
    assert body["calendar_url"] == registration["calendar_url"]
    assert body["webcal_url"] == registration["webcal_url"]
    assert body["webcal_url"].startswith("webcal://meetx.example/api/v1/calendars/")
    assert body["programme_url"].endswith(f"/api/v1/events/{programme.event_id}/calendar.ics")
    assert body["participant_id"] == registration["id"]


def test_programme_is_public_unless_draft(
    client: TestClient, programme: Programme, admin_headers: dict[str, str]
) -> None:
    response = client.get(f"{programme.base}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == CALENDAR
    assert response.headers["cache-control"] == "public, max-age=300"
    event = client.get(programme.base).json()
    assert event["calendar_url"] == f"https://meetx.example{programme.base}/calendar.ics"

    draft = create(client, "/api/v1/events", event_payload(status="draft"), admin_headers)
    path = f"/api/v1/events/{draft['id']}/calendar.ics"
    assert_problem(client.get(path), 404)
    for_organizer = client.get(path, headers=admin_headers)
    assert for_organizer.status_code == 200
    assert for_organizer.headers["cache-control"] == "private, max-age=300"
    assert_problem(client.get("/api/v1/events/999999/calendar.ics"), 404)


@pytest.mark.parametrize("feed", ["all.ics", "tables/12.ics", "interpreters/ko.ics"])
def test_organizer_feeds_need_an_organizer_token(
    client: TestClient, programme: Programme, admin_headers: dict[str, str], feed: str
) -> None:
    path = f"{programme.base}/calendars/{feed}"
    participant = programme.token("bacninh")
    assert_problem(client.get(path), 401)
    assert_problem(client.get(path, params={"token": "mxo_wrong"}), 403)
    assert_problem(client.get(path, headers={"Authorization": "Bearer mxo_wrong"}), 403)
    assert_problem(client.get(path, params={"token": participant}), 403)
    assert_problem(client.get(path, headers={"Authorization": f"Bearer {participant}"}), 403)
    by_header = client.get(path, headers=admin_headers)
    assert by_header.status_code == 200
    assert by_header.headers["content-type"] == CALENDAR
    assert by_header.headers["cache-control"] == "private, max-age=300"
    token = admin_headers["Authorization"].removeprefix("Bearer ")
    by_query = client.get(path, params={"token": token})
    assert by_query.status_code == 200
    assert by_query.content == by_header.content
    assert client.head(path, params={"token": token}).status_code == 200


def test_organizer_feed_token_is_not_logged(
    client: TestClient, programme: Programme, admin_headers: dict[str, str]
) -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("meetx")
    handler, level = Keep(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        token = admin_headers["Authorization"].removeprefix("Bearer ")
        client.get(f"{programme.base}/calendars/all.ics", params={"token": token})
        client.get(programme.feed_path("hanbit"))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    logged = [r for r in records if r.getMessage() == "request"]
    assert len(logged) == 2
    for record in logged:
        text = f"{record.getMessage()} {vars(record)}"
        assert token not in text and programme.token("hanbit") not in text
        assert "?" not in str(record.path)  # type: ignore[attr-defined]


def test_table_and_interpreter_feeds(
    client: TestClient, programme: Programme, admin_headers: dict[str, str]
) -> None:
    def uids(path: str) -> set[str]:
        response = client.get(f"{programme.base}/calendars/{path}", headers=admin_headers)
        assert response.status_code == 200, response.text
        return {
            line.removeprefix("UID:").split("@")[0]
            for line in response.text.splitlines()
            if line.startswith("UID:")
        }

    uid = {name: m["uid"] for name, m in programme.meetings.items()}
    assert uids("all.ics") == set(uid.values())
    assert uids("tables/12.ics") == {uid["korean"], uid["energy"]}
    assert uids("tables/1.ics") == set()
    # Hanbit speaks Korean only, Bắc Ninh Vietnamese only: three meetings share no
    # language; Đông Á and Daehan both speak English.
    korean = {name for name, m in programme.meetings.items() if m["interpreter_language"] == "ko"}
    assert korean == {"korean", "logistics", "electronics"}
    assert uids("interpreters/ko.ics") == {uid[name] for name in korean}
    assert uids("interpreters/ja.ics") == set()
    assert_problem(
        client.get(f"{programme.base}/calendars/tables/15.ics", headers=admin_headers), 404
    )
    assert_problem(
        client.get(f"{programme.base}/calendars/interpreters/KO1.ics", headers=admin_headers), 422
    )

    catalogue = client.get(f"{programme.base}/calendars", headers=admin_headers)
    assert catalogue.status_code == 200
    items = catalogue.json()["items"]
    assert [i["kind"] for i in items].count("table") == 14
    languages = [i for i in items if i["kind"] == "interpreter"]
    assert [i["title"] for i in languages] == ["Phiên dịch tiếng Hàn / Korean interpreter"]
    assert languages[0]["calendar_url"].endswith("/calendars/interpreters/ko.ics")
    assert languages[0]["webcal_url"].startswith("webcal://")
    assert_problem(client.get(f"{programme.base}/calendars"), 401)


def test_invitation(
    client: TestClient, programme: Programme, admin_headers: dict[str, str]
) -> None:
    meeting = programme.meetings["korean"]
    path = f"{programme.base}/meetings/{meeting['id']}/invitation.ics"
    response = client.get(path, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; method=REQUEST; charset=utf-8"
    text = response.content.decode().replace("\r\n ", "")
    assert "METHOD:REQUEST" in text
    assert 'ORGANIZER;CN="Ban tổ chức Gặp gỡ Hàn Quốc 2026":mailto:noreply@meetx.example' in text
    assert "mailto:huong.nguyen@bacninh.example" in text
    assert "mailto:minjun.kim@hanbit.example" in text
    assert text.count("ATTENDEE;") == 2  # Trần Đức Anh has no address
    assert f"UID:{meeting['uid']}@meetx.example" in text
    repeat = client.get(path, headers={"If-None-Match": response.headers["etag"], **admin_headers})
    assert repeat.status_code == 304

    # Either participant of the meeting may fetch it, by header or by ?token=; others not.
    assert client.get(path, params={"token": programme.token("hanbit")}).status_code == 200
    own = {"Authorization": f"Bearer {programme.token('bacninh')}"}
    assert client.get(path, headers=own).status_code == 200
    assert_problem(client.get(path, params={"token": programme.token("donga")}), 404)
    assert_problem(client.get(path), 401)
    assert_problem(
        client.get(f"{programme.base}/meetings/999999/invitation.ics", headers=admin_headers), 404
    )

    cancelled = client.patch(
        f"{programme.base}/meetings/{meeting['id']}",
        json={"status": "cancelled"},
        headers=admin_headers,
    )
    assert cancelled.status_code == 200
    cancel = client.get(path, headers=admin_headers)
    assert cancel.headers["content-type"] == "text/calendar; method=CANCEL; charset=utf-8"
    assert b"METHOD:CANCEL" in cancel.content and b"STATUS:CANCELLED" in cancel.content
    assert b"SEQUENCE:1" in cancel.content


def test_invitation_without_any_address_is_409(
    client: TestClient, programme: Programme, admin_headers: dict[str, str]
) -> None:
    bacninh = programme.participants["bacninh"]
    changed = client.patch(
        f"{programme.base}/participants/{bacninh['id']}",
        json={"delegates": [{"name": "Trần Đức Anh"}]},
        headers=admin_headers,
    )
    assert changed.status_code == 200, changed.text
    # Bắc Ninh now has no address and Daehan never had one.
    meeting = programme.meetings["logistics"]
    response = client.get(
        f"{programme.base}/meetings/{meeting['id']}/invitation.ics", headers=admin_headers
    )
    assert_problem(response, 409)
