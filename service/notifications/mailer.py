"""SMTP: the settings' URL and sender checked at start, and one connection per batch.

The client is the standard library's ``smtplib``: maintained with Python itself, it does
TLS (``smtps://``), STARTTLS, AUTH and SMTPUTF8, and delivery runs in its own thread or
process (delivery.py), so an asynchronous client would buy nothing. Messages are built
with the standard ``email`` package (compose.py).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import Message
from email.policy import compat32

from service.core.mail_settings import SmtpConfig, parse_sender, parse_smtp_url

# Lines end in CRLF on the wire (RFC 5321); headers are already encoded by compose.py.
_WIRE = compat32.clone(linesep="\r\n", max_line_length=998)


class TemporaryFailure(Exception):
    """Worth retrying later: the server is away, busy or answered 4xx."""


class PermanentFailure(Exception):
    """Retrying will not help: the server answered 5xx for the message or every recipient."""


class Mailer:
    """Made once in the app factory (a shared object, ``core.dependencies``) or by
    ``meetx deliver-mail``.
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
