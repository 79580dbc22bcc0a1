"""SMTP: the settings' URL and sender checked at start, and one connection per batch.

The client is the standard library's ``smtplib``: maintained with Python itself, it does
TLS (``smtps://``), STARTTLS, AUTH and SMTPUTF8, and delivery runs in its own thread or
process (delivery.py), so an asynchronous client would buy nothing. Messages are built
with the standard ``email`` package (compose.py).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import Message
from email.policy import compat32
from email.utils import parseaddr
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from email_validator import EmailNotValidError, validate_email

Security = Literal["none", "starttls", "tls"]
# Lines end in CRLF on the wire (RFC 5321); headers are already encoded by compose.py.
_WIRE = compat32.clone(linesep="\r\n", max_line_length=998)
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


class TemporaryFailure(Exception):
    """Worth retrying later: the server is away, busy or answered 4xx."""


class PermanentFailure(Exception):
    """Retrying will not help: the server answered 5xx for the message or every recipient."""


class Mailer:
    """Made once in the app factory (``app.state.mailer``) or by ``meetx deliver-mail``.
    Without an SMTP URL it is not ``configured`` and delivery leaves the outbox alone."""

    def __init__(self, config: SmtpConfig | None, sender: tuple[str, str]) -> None:
        self.config = config
        self.sender = sender

    @classmethod
    def from_settings(cls, settings) -> Mailer:  # type: ignore[no-untyped-def]
        from service.calendars.service import noreply_address

        url = settings.smtp_url.get_secret_value() if settings.smtp_url else None
        sender = (
            parse_sender(settings.mail_from)
            if settings.mail_from
            else ("MeetX", noreply_address(settings.public_base))
        )
        return cls(parse_smtp_url(url) if url else None, sender)

    @property
    def configured(self) -> bool:
        return self.config is not None

    def connect(self) -> smtplib.SMTP:
        """An open, authenticated connection; TemporaryFailure when the server is away."""
        config = self.config
        assert config is not None
        context = ssl.create_default_context()
        if not config.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            if config.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    config.host, config.port, timeout=config.timeout_s, context=context
                )
            else:
                client = smtplib.SMTP(config.host, config.port, timeout=config.timeout_s)
            client.ehlo()
            if config.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if config.username:
                client.login(config.username, config.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise TemporaryFailure(f"SMTP authentication failed: {exc.smtp_code}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"SMTP server unreachable: {_describe(exc)}") from exc
        return client

    def send(
        self, client: smtplib.SMTP, message: Message, recipients: list[str]
    ) -> dict[str, tuple[int, bytes]]:
        """Hands the message over once the server answered 250 for it; returns the
        recipients it refused while accepting the others."""
        try:
            refused = client.sendmail(
                self.sender[1],
                recipients,
                message.as_bytes(policy=_WIRE),
                mail_options=["SMTPUTF8"]
                if not all(a.isascii() for a in [self.sender[1], *recipients])
                else [],
            )
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(code >= 500 for code in codes):
                raise PermanentFailure(f"every recipient refused: {codes}") from exc
            raise TemporaryFailure(f"recipients deferred: {codes}") from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise PermanentFailure(_describe(exc)) from exc
            raise TemporaryFailure(_describe(exc)) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(_describe(exc)) from exc
        return refused  # the others got it: the message counts as sent


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode("utf-8", "replace") if exc.smtp_error else ""
        return f"{exc.smtp_code} {detail}".strip()[:300]
    return f"{type(exc).__name__}: {exc}"[:300]


def close_quietly(client: smtplib.SMTP | None) -> None:
    if client is None:
        return
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()
