"""The SMTP settings read at start (``MEETX_SMTP_URL``, ``MEETX_MAIL_FROM``): parsed and
checked here, in core, so that a bad value stops `meetx` before anything runs, with a
message that names the setting. The notifications domain's mailer uses what they give."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from email_validator import EmailNotValidError, validate_email

Security = Literal["none", "starttls", "tls"]
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = None
    timeout_s: float = 30.0
    verify_tls: bool = True


def parse_smtp_url(url: str) -> SmtpConfig:
    """``smtp://user:pass@host:port`` (``?starttls=true``), ``smtps://`` for TLS from the
    first byte; ``?timeout=`` seconds, ``?verify=false`` for a test server's certificate.
    A ValueError says what is wrong, so a bad setting stops the start with that message."""
    text = url.strip()
    if any(c in text for c in "\r\n\t "):
        raise ValueError("MEETX_SMTP_URL must not contain spaces or line breaks")
    parts = urlsplit(text)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(
            f"MEETX_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme or '(none)'}://"
        )
    if not parts.hostname:
        raise ValueError("MEETX_SMTP_URL has no host (smtp://user:pass@host:port)")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"MEETX_SMTP_URL has an invalid port: {exc}") from exc
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"starttls", "timeout", "verify"}
    if unknown:
        raise ValueError(f"MEETX_SMTP_URL has unknown options: {', '.join(sorted(unknown))}")
    security: Security = "tls" if parts.scheme == "smtps" else "none"
    if query.get("starttls", "").lower() in _TRUE:
        if security == "tls":
            raise ValueError("MEETX_SMTP_URL: smtps:// is TLS already; drop ?starttls=true")
        security = "starttls"
    try:
        timeout = float(query.get("timeout", "30"))
    except ValueError as exc:
        raise ValueError("MEETX_SMTP_URL: ?timeout= must be a number of seconds") from exc
    return SmtpConfig(
        host=parts.hostname,
        port=port or (465 if security == "tls" else 587 if security == "starttls" else 25),
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout_s=timeout,
        verify_tls=query.get("verify", "true").lower() in _TRUE,
    )


def parse_sender(value: str) -> tuple[str, str]:
    """(display name, address) of ``MEETX_MAIL_FROM``; ValueError when it is not one
    valid address (a list, a line break or a malformed address)."""
    if any(c in value for c in "\r\n"):
        raise ValueError("MEETX_MAIL_FROM must not contain line breaks")
    name, address = parseaddr(value.strip())
    if not address or "," in value.replace(name, "", 1):
        raise ValueError(f"MEETX_MAIL_FROM is not one e-mail address: {value!r}")
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"MEETX_MAIL_FROM is not a valid address ({address}): {exc}") from exc
    return name.strip(), address
