"""Organisers' browser sessions: a signed, opaque cookie and the CSRF token of its forms.

The cookie never holds the organiser token. It holds who signed in ("admin" for the
bootstrap MEETX_ADMIN_TOKEN, "org:<id>" for an issued token), an expiry and a random
nonce, signed with HMAC-SHA256. The signing key is derived from the settings and from
the secret the subject signed in with: the admin token itself, or the stored hash of the
issued token. So a session cannot be forged without that secret, works across workers and
restarts, and ends when the admin token changes or the issued token is revoked (checked
on every request).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Final

from sqlmodel import Session, select

from service.auth.models import OrganizerToken
from service.auth.service import resolve_token
from service.core.security import hash_token, same_secret
from service.core.settings import Settings

SESSION_COOKIE: Final = "meetx_admin"
SESSION_SECONDS: Final = 12 * 3600  # one conference day
CSRF_FIELD: Final = "csrf_token"
_ADMIN: Final = "admin"
_VERSION: Final = "v1"


@dataclass(frozen=True)
class OrganizerSession:
    subject: str
    expires_at: int
    nonce: str
    csrf_token: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _base_key(settings: Settings) -> bytes:
    return hashlib.sha256(
        f"meetx/pages/session/{_VERSION}\0{settings.database_url}".encode()
    ).digest()


def _subject_secret(*, session: Session, settings: Settings, subject: str) -> str | None:
    """The secret behind a subject, or None when the subject no longer signs anyone in."""
    if subject == _ADMIN:
        admin = settings.admin_token
        return admin.get_secret_value() if admin else None
    if subject.startswith("org:") and subject[4:].isdigit():
        row = session.get(OrganizerToken, int(subject[4:]))
        if row is None or row.revoked_at is not None:
            return None
        return row.token_hash
    return None


def _key(settings: Settings, subject: str, secret: str) -> bytes:
    return hmac.new(_base_key(settings), f"{subject}\0{secret}".encode(), hashlib.sha256).digest()


def _csrf(key: bytes, nonce: str) -> str:
    return _b64(hmac.new(key, f"csrf\0{nonce}".encode(), hashlib.sha256).digest())


def sign_in(*, session: Session, settings: Settings, token: str) -> str | None:
    """The cookie value for an organiser token, or None if it is not one."""
    token = token.strip()
    admin = settings.admin_token.get_secret_value() if settings.admin_token else None
    actor = resolve_token(session=session, token=token, admin_token=admin)
    if actor is None or not actor.is_organizer:
        return None
    if admin and same_secret(token, admin):
        subject = _ADMIN
    else:
        row = session.exec(
            select(OrganizerToken).where(OrganizerToken.token_hash == hash_token(token))
        ).first()
        if row is None:
            return None
        subject = f"org:{row.id}"
    secret = _subject_secret(session=session, settings=settings, subject=subject)
    if secret is None:
        return None
    payload = {"s": subject, "e": int(time.time()) + SESSION_SECONDS, "n": secrets.token_hex(16)}
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signature = _b64(hmac.new(_key(settings, subject, secret), body.encode(), "sha256").digest())
    return f"{_VERSION}.{body}.{signature}"


def read_session(
    *, session: Session, settings: Settings, cookie: str | None
) -> OrganizerSession | None:
    """The organiser session a cookie carries, or None if it is missing, forged, expired
    or its subject can no longer sign in."""
    if not cookie or len(cookie) > 1000:
        return None
    parts = cookie.split(".")
    if len(parts) != 3 or parts[0] != _VERSION:
        return None
    _, body, signature = parts
    try:
        payload = json.loads(_unb64(body))
        subject, expires_at, nonce = str(payload["s"]), int(payload["e"]), str(payload["n"])
    except (ValueError, KeyError, TypeError):
        return None
    if expires_at < time.time():
        return None
    secret = _subject_secret(session=session, settings=settings, subject=subject)
    if secret is None:
        return None
    key = _key(settings, subject, secret)
    expected = _b64(hmac.new(key, body.encode(), "sha256").digest())
    if not hmac.compare_digest(expected, signature):
        return None
    return OrganizerSession(subject, expires_at, nonce, _csrf(key, nonce))


def csrf_ok(organizer: OrganizerSession, submitted: str | None) -> bool:
    return bool(submitted) and same_secret(organizer.csrf_token, submitted or "")
