"""The organisers' session cookie: signed, expiring, tied to the secret it came from."""

from __future__ import annotations

import time

import pytest
from pydantic import SecretStr
from sqlmodel import Session

from service.core.settings import Settings
from service.pages import sessions
from tests.conftest import ADMIN_TOKEN


def test_cookie_round_trip_expiry_and_key_change(
    db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie = sessions.sign_in(session=db, settings=settings, token=f"  {ADMIN_TOKEN}\n")
    assert cookie is not None and ADMIN_TOKEN not in cookie
    organizer = sessions.read_session(session=db, settings=settings, cookie=cookie)
    assert organizer is not None and organizer.subject == "admin"
    assert sessions.csrf_ok(organizer, organizer.csrf_token)
    assert not sessions.csrf_ok(organizer, None) and not sessions.csrf_ok(organizer, "")

    # A new admin token ends every session signed with the old one.
    rotated = settings.model_copy(
        update={"admin_token": SecretStr("another-admin-token-0123456789")}
    )
    assert sessions.read_session(session=db, settings=rotated, cookie=cookie) is None

    later = time.time() + sessions.SESSION_SECONDS + 1
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    assert sessions.read_session(session=db, settings=settings, cookie=cookie) is None


@pytest.mark.parametrize(
    "cookie", [None, "", "v1", "v1.a.b", "v2.e30.x", "v1.!!!.x", "v1." + "A" * 2000 + ".x"]
)
def test_malformed_cookies_are_no_session(
    db: Session, settings: Settings, cookie: str | None
) -> None:
    assert sessions.read_session(session=db, settings=settings, cookie=cookie) is None
