"""Delivery: claims due messages safely under any number of processes, sends each over
one SMTP connection per batch, and records each outcome in its own commit.

The claim is one conditional UPDATE that moves due rows to ``sending`` with a lease and a
claim token: on PostgreSQL its subquery takes the rows ``FOR UPDATE SKIP LOCKED``, so two
processes never pick the same row and never wait on each other; on SQLite the UPDATE runs
under the database's single write lock (BEGIN IMMEDIATE), which serialises claims. A
message is marked ``sent`` in its own commit right after the server's 250, so a process
killed mid-batch leaves the rest ``sending`` until their lease ends, when any process
takes them again. The one window no SMTP client can close is between the server's 250 and
that commit (RFC 1047); the message then goes again with the same Message-ID, which
receiving systems use to drop the copy.

:func:`deliver_all` is what runs it: the periodic job ``mail.deliver`` (tasks.py, every
``MEETX_MAIL_DELIVER_INTERVAL_S``, wherever jobs run), ``meetx deliver-mail`` in a
process of its own, or, with ``MEETX_MAIL_LOOP``, a small loop in each server process
(:func:`run_delivery_loop`). Any mix of them is safe: the claims decide.
"""

from __future__ import annotations

import logging
import random
import secrets
import smtplib
import threading
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.policy import default as default_policy
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service.core.database import utcnow
from service.core.settings import Settings
from service.events.models import Event
from service.notifications import service
from service.notifications.compose import Rendered, build_email, render
from service.notifications.mailer import Mailer, PermanentFailure, TemporaryFailure, close_quietly
from service.notifications.models import (
    Category,
    Mailing,
    MessageStatus,
    NotificationConsent,
    OutboxMessage,
)

logger = logging.getLogger("meetx.notifications")

LEASE: Final = timedelta(minutes=5)
MAX_ATTEMPTS: Final = 10
FIRST_RETRY: Final = timedelta(seconds=30)
LAST_RETRY: Final = timedelta(hours=1)
BATCH: Final = 100
# Stands for a recipient's own unsubscribe link in a mailing rendered once for all.
_LINK_PLACEHOLDER: Final = "https://unsubscribe.invalid/meetx-link"


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... up to an hour, with a fifth of jitter so a recovered
    server is not hit by every message at once."""
    delay = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LAST_RETRY)
    return delay * random.uniform(0.8, 1.2)


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(
            OutboxMessage.status == MessageStatus.queued,  # type: ignore[arg-type]
            OutboxMessage.next_attempt_at <= now,  # type: ignore[arg-type]
        ),
        sa.and_(
            OutboxMessage.status == MessageStatus.sending,  # type: ignore[arg-type]
            OutboxMessage.lease_until < now,  # type: ignore[arg-type,operator]
        ),
    )


def claim(session: Session, *, now: datetime, limit: int, token: str) -> list[int]:
    """Moves up to ``limit`` due messages to ``sending`` for this run and commits."""
    pick = select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit)  # type: ignore[arg-type]
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    statement = (
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(pick.scalar_subquery()), _due(now))  # type: ignore[union-attr]
        .values(
            status=MessageStatus.sending,
            lease_until=now + LEASE,
            claim_token=token,
            attempts=OutboxMessage.attempts + 1,
            updated_at=now,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    ids = sorted(session.execute(statement).scalars().all())
    session.commit()
    return ids


_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]


def _finish(session: Session, message_id: int, token: str, **values: Any) -> bool:
    """Records an outcome if this run still holds the message; commits. A Core UPDATE:
    one per message sent, so the ORM's bulk-update machinery is left out."""
    result = session.connection().execute(
        _OUTBOX.update()
        .where(
            _OUTBOX.c.id == message_id,
            _OUTBOX.c.claim_token == token,
            _OUTBOX.c.status == MessageStatus.sending,
        )
        .values(lease_until=None, updated_at=utcnow(), **values)
    )
    session.commit()
    return result.rowcount == 1


def _retry_or_fail(session: Session, message: OutboxMessage, token: str, error: str) -> str:
    if message.attempts >= MAX_ATTEMPTS:
        _finish(session, message.id, token, status=MessageStatus.failed, last_error=error[:1000])  # type: ignore[arg-type]
        return "failed"
    _finish(
        session,
        message.id,  # type: ignore[arg-type]
        token,
        status=MessageStatus.queued,
        next_attempt_at=utcnow() + backoff(message.attempts),
        last_error=error[:1000],
    )
    return "retried"


def _renew(session: Session, ids: list[int], token: str) -> None:
    session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.claim_token == token)  # type: ignore[union-attr,arg-type]
        .values(lease_until=utcnow() + LEASE)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _scrubbed(context: dict[str, Any]) -> dict[str, Any]:
    """The context as kept after sending: the sealed token goes."""
    return {key: value for key, value in context.items() if key != "sealed_token"}


class _Contexts:
    """What messages of a batch share: events and mailings, loaded once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.events: dict[int, Event | None] = {}
        self.mailings: dict[int, dict[str, Any]] = {}

    def of(self, message: OutboxMessage) -> dict[str, Any]:
        context = dict(message.context)
        if message.mailing_id is None:
            return context
        if message.mailing_id not in self.mailings:
            mailing = self.session.get(Mailing, message.mailing_id)
            event = self.event(message.event_id)
            shared: dict[str, Any] = {}
            if mailing is not None and event is not None:
                shared = service._base_context(event, None) | service.mailing_context(
                    event, mailing
                )
            self.mailings[message.mailing_id] = shared
        return self.mailings[message.mailing_id] | context

    def event(self, event_id: int) -> Event | None:
        if event_id not in self.events:
            self.events[event_id] = self.session.get(Event, event_id)
        return self.events[event_id]


def email_for(
    message: OutboxMessage,
    context: dict[str, Any],
    *,
    mailer: Mailer,
    settings: Settings,
    reveal: bool = True,
    cache: dict[tuple[Any, ...], Rendered] | None = None,
) -> Message:
    """The e-mail a row stands for (also what the outbox page shows, where ``reveal`` is
    False: personal links show no token)."""
    if message.kind == "welcome":
        sealed = context.get("sealed_token")
        token = service.unseal(settings, sealed) if sealed and reveal else "mxp_…"
        context = context | service.personal_links(settings.public_base, token)
    unsubscribe = None
    if message.category != Category.essential.value and message.participant_id is not None:
        unsubscribe = service.unsubscribe_url(settings, message.participant_id, message.category)
    if cache is not None and message.mailing_id is not None:
        # A mailing's messages differ only by their unsubscribe link: render once.
        key = (message.mailing_id, message.language, context.get("recipient_tz"))
        shared = cache.get(key)
        if shared is None:
            shared = cache[key] = render(
                kind=message.kind,
                language=message.language,
                context=context,
                unsubscribe_url=_LINK_PLACEHOLDER,
            )
        link = unsubscribe or ""
        rendered = Rendered(
            subject=shared.subject,
            text=shared.text.replace(_LINK_PLACEHOLDER, link),
            html=shared.html.replace(_LINK_PLACEHOLDER, link),
        )
    else:
        rendered = render(
            kind=message.kind,
            language=message.language,
            context=context,
            unsubscribe_url=unsubscribe,
        )
    calendars = service.unbundle(message.calendar)
    inline = calendars[0] if message.kind == "meeting" and calendars else None
    attachments = (
        [(f"meeting-{i + 1}.ics", ics) for i, ics in enumerate(calendars)]
        if message.kind != "meeting"
        else []
    )
    return build_email(
        sender=mailer.sender,
        to=[(n, a) for n, a in message.to_addresses],
        rendered=rendered,
        message_id=message.message_id,
        language=message.language,
        sent_at=utcnow(),
        unsubscribe_url=unsubscribe,
        calendar=inline,
        attachments=attachments,
    )


def readable(message: Message) -> EmailMessage:
    """The message as a reader sees it (parts decoded), for the outbox previews."""
    return message_from_bytes(message.as_bytes(), policy=default_policy)  # type: ignore[return-value]


def deliver_due(
    *,
    engine: Engine,
    mailer: Mailer,
    settings: Settings,
    limit: int = BATCH,
    now: datetime | None = None,
) -> DeliveryReport:
    """Claims up to ``limit`` due messages and sends them over one SMTP connection.
    Without SMTP settings it does nothing: the messages stay queued in the outbox."""
    report = DeliveryReport()
    if not mailer.configured:
        return report
    token = secrets.token_hex(8)
    with Session(engine, expire_on_commit=False) as session:
        ids = claim(session, now=now or utcnow(), limit=limit, token=token)
        report.claimed = len(ids)
        if not ids:
            return report
        messages = session.exec(
            select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)  # type: ignore[union-attr,arg-type]
        ).all()
        consent = {
            row.participant_id: row
            for row in session.exec(
                select(NotificationConsent).where(
                    NotificationConsent.participant_id.in_(  # type: ignore[attr-defined]
                        {m.participant_id for m in messages if m.participant_id}
                    )
                )
            ).all()
        }
        session.commit()
        contexts = _Contexts(session)
        rendered: dict[tuple[Any, ...], Rendered] = {}
        client: smtplib.SMTP | None = None
        unreachable: str | None = None
        started = clock.monotonic()
        try:
            for index, message in enumerate(messages):
                if clock.monotonic() - started > LEASE.total_seconds() / 2:
                    _renew(session, [m.id for m in messages[index:]], token)  # type: ignore[misc]
                    started = clock.monotonic()
                row = consent.get(message.participant_id)
                if (
                    row is not None
                    and message.category != Category.essential.value
                    and not getattr(row, message.category, True)
                ):
                    _finish(
                        session,
                        message.id,  # type: ignore[arg-type]
                        token,
                        status=MessageStatus.suppressed,
                        last_error=service.UNSUBSCRIBED,
                    )
                    report.suppressed += 1
                    continue
                context = contexts.of(message)
                try:
                    email = email_for(
                        message, context, mailer=mailer, settings=settings, cache=rendered
                    )
                except Exception as exc:  # a template or address that cannot be built
                    logger.exception("outbox message %s cannot be built", message.id)
                    _finish(
                        session,
                        message.id,  # type: ignore[arg-type]
                        token,
                        status=MessageStatus.failed,
                        last_error=f"cannot build the message: {type(exc).__name__}: {exc}"[:1000],
                    )
                    report.failed += 1
                    continue
                if unreachable is not None:
                    # The server is away: the rest of the batch waits too, no new attempt.
                    _retry_or_fail(session, message, token, unreachable)
                    report.retried += 1
                    continue
                try:
                    if client is None:
                        try:
                            client = mailer.connect()
                        except TemporaryFailure as exc:
                            unreachable = str(exc)
                            raise
                    refused = mailer.send(client, email, [a for _, a in message.to_addresses])
                except TemporaryFailure as exc:
                    close_quietly(client)
                    client = None
                    outcome = _retry_or_fail(session, message, token, str(exc))
                    report.errors.append(str(exc))
                    if outcome == "failed":
                        report.failed += 1
                    else:
                        report.retried += 1
                    continue
                except PermanentFailure as exc:
                    _finish(
                        session,
                        message.id,  # type: ignore[arg-type]
                        token,
                        status=MessageStatus.failed,
                        last_error=str(exc)[:1000],
                    )
                    report.failed += 1
                    continue
                _finish(
                    session,
                    message.id,  # type: ignore[arg-type]
                    token,
                    status=MessageStatus.sent,
                    sent_at=utcnow(),
                    last_error=f"refused: {sorted(refused)}"[:1000] if refused else None,
                    context=_scrubbed(message.context),
                )
                report.sent += 1
        finally:
            close_quietly(client)
    return report


def deliver_all(
    *,
    engine: Engine,
    mailer: Mailer,
    settings: Settings,
    now: datetime | None = None,
    progress: Callable[[DeliveryReport], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Batches until nothing is due (or the server is away). `progress` hears the running
    totals after each batch; once `should_stop` answers True no new batch starts."""
    total = DeliveryReport()
    while should_stop is None or not should_stop():
        report = deliver_due(engine=engine, mailer=mailer, settings=settings, now=now)
        for name in ("claimed", "sent", "retried", "failed", "suppressed"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        total.errors.extend(report.errors)
        if progress is not None:
            progress(total)
        # Stop when nothing is due, or when the server is away (everything deferred).
        if report.claimed == 0 or report.retried == report.claimed:
            break
    return total


def count_due(*, engine: Engine, now: datetime | None = None) -> int:
    """How many messages are due for delivery now."""
    with Session(engine) as session:
        return int(
            session.exec(
                select(sa.func.count()).select_from(OutboxMessage).where(_due(now or utcnow()))
            ).one()
        )


def enqueue_time_driven(*, engine: Engine, settings: Settings) -> int:
    """Runs :func:`service.enqueue_due` in a session of its own."""
    with Session(engine, expire_on_commit=False) as session:
        return service.enqueue_due(session=session, public_url=settings.public_base)


def run_delivery_loop(
    *, engine: Engine, mailer: Mailer, settings: Settings, stop: threading.Event
) -> None:
    """Delivery without the job engine (``meetx deliver-mail``, ``MEETX_MAIL_LOOP``):
    delivers every ``mail_deliver_interval_s`` and enqueues the time-driven messages once
    a minute."""
    interval = settings.mail_deliver_interval_s or 5.0
    last_due = 0.0
    while not stop.is_set():
        try:
            if clock.monotonic() - last_due >= 60:
                enqueue_time_driven(engine=engine, settings=settings)
                last_due = clock.monotonic()
            deliver_all(engine=engine, mailer=mailer, settings=settings)
        except Exception:
            logger.exception("mail delivery run failed; next run in %s s", interval)
        stop.wait(interval)
