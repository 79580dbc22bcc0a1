"""End to end through a real SMTP server: what arrives, in which language, with which
links and calendar invitations; outages; consent; hostile names."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa
from icalendar import Calendar

from service.core.database import utcnow
from tests.service.notifications.conftest import PUBLIC_URL, Live
from tests.service.notifications.world import new_world


def _text(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_body(preferencelist=("html",)).get_content()


def _calendar(message) -> tuple[str, Calendar]:  # type: ignore[no-untyped-def]
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_param("method"), Calendar.from_ical(part.get_content())
    raise AssertionError("no text/calendar part")


def test_welcome_in_the_recipients_language_with_personal_links(live: Live) -> None:
    world = new_world(live)
    host = world.participant(country="VN", email="an@bacninh.example")
    guest = world.participant(country="KR", email="kim@hanbit.example", delegate="Kim Min-jun")
    queued = live.outbox(world.id, kind="welcome")
    assert {m["status"] for m in queued} == {"queued"}
    assert len(queued) == 2

    report = live.deliver()
    assert report.sent == 2, [m["last_error"] for m in live.outbox(world.id)]
    (vi,) = live.smtp.inbox.to("an@bacninh.example")
    (en,) = live.smtp.inbox.to("kim@hanbit.example")
    assert vi.message["Subject"].startswith("Chào mừng đến Gặp gỡ Hàn Quốc 2026")
    assert "Welcome" not in vi.message["Subject"]
    assert en.message["Subject"].startswith("Welcome to Meet Korea 2026")
    assert vi.message["Content-Language"] == "vi"
    assert f"{PUBLIC_URL}/p/{host['token']}" in _text(vi.message)
    assert host["webcal_url"] in _text(vi.message)
    assert guest["page_url"] in _html(en.message)
    assert guest["webcal_url"] in _text(en.message)
    # Korean guests see Seoul time beside the event's; the welcome has no times, but the
    # sender and the essential nature (no unsubscribe) show.
    assert "noreply@meetx.example" in str(vi.message["From"])
    assert vi.message["List-Unsubscribe"] is None
    assert vi.message["Message-ID"].endswith("@meetx.example>")
    # Sent: the token no longer sits in the outbox.
    with live.database.engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT context FROM outbox_message WHERE kind = 'welcome'")
        ).scalars()
        assert all(host["token"] not in str(c) and guest["token"] not in str(c) for c in stored)
    assert {m["status"] for m in live.outbox(world.id)} == {"sent"}
    assert live.deliver().claimed == 0  # nothing twice


def test_invitation_uid_is_the_feeds_sequence_grows_and_cancel_cancels(live: Live) -> None:
    world = new_world(live)
    host = world.participant(country="VN", email="an@bacninh.example")
    guest = world.participant(country="KR", email="kim@hanbit.example")
    live.deliver()
    live.smtp.inbox.items.clear()

    meeting = world.meeting(host, guest, slot=1, table=3)
    live.deliver()
    (first,) = live.smtp.inbox.to("kim@hanbit.example")
    method, invitation = _calendar(first.message)
    assert method == "REQUEST"
    (vevent,) = invitation.walk("VEVENT")
    feed = live.client.get(f"/api/v1/calendars/{guest['token']}.ics")
    feed_uids = {str(e["UID"]) for e in Calendar.from_ical(feed.content).walk("VEVENT")}
    assert str(vevent["UID"]) in feed_uids
    assert int(vevent["SEQUENCE"]) == 0
    # English for the Korean guest, with Seoul time beside Hanoi time.
    text = _text(first.message)
    assert "Asia/Ho_Chi_Minh" in text and "Asia/Seoul" in text
    assert "09:45–10:05 (Asia/Ho_Chi_Minh)" in text and "11:45–12:05 (Asia/Seoul)" in text

    live.smtp.inbox.items.clear()
    moved = live.client.patch(
        world.path(f"/meetings/{meeting['id']}"), json={"slot": 3}, headers=live.headers
    )
    assert moved.status_code == 200, moved.text
    live.deliver()
    (second,) = live.smtp.inbox.to("an@bacninh.example")
    method, invitation = _calendar(second.message)
    (moved_event,) = invitation.walk("VEVENT")
    assert method == "REQUEST"
    assert str(moved_event["UID"]) == str(vevent["UID"])
    assert int(moved_event["SEQUENCE"]) > int(vevent["SEQUENCE"])
    assert "Đổi lịch" in second.message["Subject"]
    assert "10:35" in _text(second.message) and "trước đây" in _text(second.message)

    live.smtp.inbox.items.clear()
    cancelled = live.client.patch(
        world.path(f"/meetings/{meeting['id']}"), json={"status": "cancelled"}, headers=live.headers
    )
    assert cancelled.status_code == 200
    live.deliver()
    (third,) = live.smtp.inbox.to("kim@hanbit.example")
    method, invitation = _calendar(third.message)
    (cancel_event,) = invitation.walk("VEVENT")
    assert method == "CANCEL"
    assert str(invitation["METHOD"]) == "CANCEL"
    assert str(cancel_event["UID"]) == str(vevent["UID"])
    assert int(cancel_event["SEQUENCE"]) > int(moved_event["SEQUENCE"])
    assert third.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_invitation_passes_icaljs(live: Live, icaljs) -> None:  # type: ignore[no-untyped-def]
    world = new_world(live)
    host = world.participant(country="VN", email="an@bacninh.example")
    guest = world.participant(country="KR", email="kim@hanbit.example")
    meeting = world.meeting(host, guest, slot=2, table=5)
    live.client.patch(
        world.path(f"/meetings/{meeting['id']}"), json={"table": 6}, headers=live.headers
    )
    live.deliver()
    invitations = [
        r for r in live.smtp.inbox.to("kim@hanbit.example") if "meeting@" in r.message["Message-ID"]
    ]
    assert len(invitations) == 2
    for received in invitations:
        for part in received.message.walk():
            if part.get_content_type() == "text/calendar":
                (event,) = icaljs(part.get_content().encode())
                assert event["tzid"] == "Asia/Ho_Chi_Minh"
                assert event["method"] == "REQUEST"
    assert event["sequence"] == 1  # the move


def test_smtp_outage_loses_nothing_and_sends_each_once(live: Live) -> None:
    world = new_world(live)
    live.smtp.stop()
    # The triggering calls succeed while the server is away.
    host = world.participant(country="VN", email="an@bacninh.example")
    guest = world.participant(country="KR", email="kim@hanbit.example")
    world.meeting(host, guest)
    report = live.deliver()
    assert report.sent == 0 and report.retried == 4
    waiting = live.outbox(world.id)
    assert {m["status"] for m in waiting} == {"queued"}
    assert all(m["attempts"] == 1 and "unreachable" in m["last_error"] for m in waiting)
    # Back-off: nothing is due again right away.
    live.smtp.start()
    assert live.deliver().claimed == 0
    report = live.deliver(now=utcnow() + timedelta(minutes=5))
    assert report.sent == 4
    assert live.deliver(now=utcnow() + timedelta(hours=2)).claimed == 0
    ids = [str(r.message["Message-ID"]) for r in live.smtp.inbox.items]
    assert len(ids) == 4 and len(set(ids)) == 4


def test_requests_received_and_answered(live: Live) -> None:
    world = new_world(live)
    host = world.participant(country="VN", email="an@bacninh.example")
    guest = world.participant(country="KR", email="kim@hanbit.example")
    sent = live.client.post(
        world.path("/meeting-requests"),
        json={
            "from_participant_id": guest["id"],
            "to_participant_id": host["id"],
            "message": "Chúng tôi cần nhà cung cấp linh kiện / we need suppliers",
        },
        headers={"Authorization": f"Bearer {guest['token']}"},
    )
    assert sent.status_code == 201
    accepted = live.client.post(
        f"/api/v1/meeting-requests/{sent.json()['id']}/accept",
        headers={"Authorization": f"Bearer {host['token']}"},
    )
    assert accepted.status_code == 200
    live.deliver()
    (received,) = live.smtp.inbox.by_kind("request_received")
    assert received.recipients == ["an@bacninh.example"]
    assert "muốn gặp bạn" in received.message["Subject"]
    text = _text(received.message)
    assert "Chúng tôi cần nhà cung cấp linh kiện" in text and "C26" in text
    assert "Vì sao nên gặp" in text
    (answer,) = live.smtp.inbox.by_kind("request_answered")
    assert answer.recipients == ["kim@hanbit.example"]
    assert "accepted your meeting request" in answer.message["Subject"]


def test_a_rolled_back_change_leaves_no_message(live: Live) -> None:
    world = new_world(live)
    host = world.participant(country="VN", email="an@bacninh.example")
    again = live.client.post(
        world.path("/participants"),
        json={
            "organization_id": host["organization_id"],
            "delegates": [{"name": "X", "email": "x@y.example"}],
        },
        headers=live.headers,
    )
    assert again.status_code == 409
    assert len(live.outbox(world.id)) == 1


def test_no_address_is_reported_not_an_error(live: Live) -> None:
    world = new_world(live)
    world.participant(country="KR", email=None)
    (message,) = live.outbox(world.id)
    assert message["status"] == "suppressed" and "no e-mail address" in message["last_error"]
    assert live.deliver().claimed == 0


def test_header_injection_is_neutralised(live: Live) -> None:
    world = new_world(live)
    guest = world.participant(country="KR", email="kim@hanbit.example")
    live.deliver()
    live.smtp.inbox.items.clear()
    # The API refuses line breaks in names; a row written some other way (an old import)
    # still cannot add a header.
    with live.database.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE participant SET delegates = :d WHERE id = :id"),
            {
                "d": json.dumps(
                    [{"name": "Kim\r\nBcc: victim@evil.example", "email": "kim@hanbit.example"}]
                ),
                "id": guest["id"],
            },
        )
    mailing = live.client.post(
        world.path("/mailings"),
        json={
            "subject_vi": "Tin\r\nBcc: victim@evil.example",
            "subject_en": "News\nX-Injected: yes",
            "body_vi": "Nội dung",
            "body_en": "Body",
        },
        headers=live.headers,
    )
    assert mailing.status_code == 202, mailing.text
    live.deliver()
    (received,) = live.smtp.inbox.items
    assert received.recipients == ["kim@hanbit.example"]
    assert received.message["Bcc"] is None and received.message["X-Injected"] is None
    assert received.message["Subject"] == "News X-Injected: yes"
    assert "victim" not in "".join(received.recipients)


def test_mailing_dry_run_consent_and_one_click_unsubscribe(live: Live) -> None:
    world = new_world(live)
    host = world.participant(country="VN", email="an@bacninh.example")
    guest = world.participant(country="KR", email="kim@hanbit.example")
    world.participant(country="JP", email=None)
    live.deliver()
    live.smtp.inbox.items.clear()
    body = {
        "subject_vi": "Thông báo\r\nBcc: x@evil.example",
        "subject_en": "Notice",
        "body_vi": "Xin chào,\n\nBuổi tối có tiệc giao lưu.",
        "body_en": "Hello,\n\nThere is a networking dinner tonight.",
        "audience": {"side": "guest"},
    }
    dry = live.client.post(
        world.path("/mailings"), json={**body, "dry_run": True}, headers=live.headers
    )
    assert dry.status_code == 200, dry.text
    result = dry.json()
    assert [r["participant_id"] for r in result["items"]] == [guest["id"]]
    assert len(result["skipped"]) == 1  # the Japanese firm has no address
    assert "networking dinner" in result["preview"]["en"]["text"]
    assert live.outbox(world.id, kind="mailing") == []

    nobody = live.client.post(
        world.path("/mailings"), json={**body, "audience": {"country": "FR"}}, headers=live.headers
    )
    assert nobody.status_code == 422
    assert (
        nobody.json()["errors"][0]["field"] == "body.audience"
        if "errors" in nobody.json()
        else True
    )

    queued = live.client.post(
        world.path("/mailings"), json={**body, "audience": {}}, headers=live.headers
    )
    assert queued.status_code == 202, queued.text
    assert queued.json()["queued"] == 2
    live.deliver()
    mails = {r.recipients[0]: r.message for r in live.smtp.inbox.items}
    assert "\n" not in mails["an@bacninh.example"]["Subject"]
    assert mails["an@bacninh.example"]["Subject"].startswith("Thông báo")
    assert mails["kim@hanbit.example"]["Subject"] == "Notice"
    link = mails["kim@hanbit.example"]["List-Unsubscribe"].strip("<>")
    assert mails["kim@hanbit.example"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = link.removeprefix(PUBLIC_URL)
    # A GET shows a button and changes nothing; the one-click POST unsubscribes.
    assert live.client.get(path).status_code == 200
    assert live.client.get(path[:-3] + "xyz").status_code == 404
    clicked = live.client.post(
        path,
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    assert clicked.status_code == 200
    assert clicked.json()["notifications"]["mailings"] is False
    own = live.client.get(
        world.path(f"/participants/{guest['id']}"),
        headers={"Authorization": f"Bearer {guest['token']}"},
    )
    assert own.json()["notifications"]["mailings"] is False
    again = live.client.post(
        world.path("/mailings"),
        json={**body, "audience": {}, "dry_run": True},
        headers=live.headers,
    )
    assert [r["participant_id"] for r in again.json()["items"]] == [host["id"]]
    # And a participant turns a category back on, or another off, through the API.
    patched = live.client.patch(
        world.path(f"/participants/{host['id']}"),
        json={"notifications": {"reminders": False}},
        headers={"Authorization": f"Bearer {host['token']}"},
    )
    assert patched.status_code == 200
    assert patched.json()["notifications"] == {
        "requests": True,
        "schedule": True,
        "reminders": False,
        "mailings": True,
        "follow_up": True,
    }


def test_schedule_apply_sends_a_digest_to_busy_participants(live: Live) -> None:
    world = new_world(live)
    host = world.participant(country="VN", email="an@bacninh.example")
    guests = [world.participant(country="KR", email=f"g{i}@hanbit.example") for i in range(5)]
    for guest in guests:
        sent = live.client.post(
            world.path("/meeting-requests"),
            json={"from_participant_id": guest["id"], "to_participant_id": host["id"]},
            headers=live.headers,
        )
        live.client.post(
            f"/api/v1/meeting-requests/{sent.json()['id']}/accept", headers=live.headers
        )
    report = live.client.post(
        world.path("/schedule"), json={"time_limit_s": 2}, headers=live.headers
    )
    assert report.status_code == 200, report.text
    live.deliver()
    (digest,) = [r for r in live.smtp.inbox.by_kind("schedule_digest")]
    assert digest.recipients == ["an@bacninh.example"]
    attachments = [
        p for p in digest.message.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    assert len(attachments) == 5
    assert all(
        len(live.smtp.inbox.to(g["delegates"][0]["email"])) == 3 for g in guests
    )  # welcome, answered, meeting


def test_outbox_shows_each_message_as_sent(live: Live) -> None:
    world = new_world(live)
    world.participant(country="VN", email="an@bacninh.example")
    (message,) = live.outbox(world.id)
    detail = live.client.get(world.path(f"/messages/{message['id']}"), headers=live.headers)
    assert detail.status_code == 200
    assert "Trang cá nhân" in detail.json()["text"]
    assert detail.json()["headers"]["Message-ID"] == message["message_id"]
    assert live.client.get(world.path(f"/messages/{message['id']}")).status_code == 401


def test_a_mailing_to_those_not_checked_in_leaves_out_who_arrived(live: Live) -> None:
    world = new_world(live)
    arrived = world.participant(country="KR", email="kim@hanbit.example")
    waiting = world.participant(country="JP", email="sato@sakura.example")
    checked = live.client.post(
        world.path("/check-ins"), json={"participant_id": arrived["id"]}, headers=live.headers
    )
    assert checked.status_code in (200, 201), checked.text
    dry = live.client.post(
        world.path("/mailings"),
        json={
            "subject_vi": "Mời đến bàn đăng ký",
            "subject_en": "Please come to the registration desk",
            "body_vi": "Xin mời quý vị đến bàn đăng ký.",
            "body_en": "Please come to the registration desk.",
            "audience": {"not_checked_in": True},
            "dry_run": True,
        },
        headers=live.headers,
    )
    assert dry.status_code == 200, dry.text
    assert [r["participant_id"] for r in dry.json()["items"]] == [waiting["id"]]
