"""The outbox, mailings and each participant's notification consent.

A message row is written in the same transaction as the change that causes it, so a
committed change always has its message and a rolled-back one never does. Delivery
(delivery.py) claims rows, sends them and marks each one sent in its own commit. The
row keeps what was sent: recipients, subject, language, the template's context and the
calendar invitation bytes; the body is rendered from the template files on delivery and
for the organisers' outbox page, from that stored context.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, EmailStr
from sqlmodel import Column, Field, Index, SQLModel

from service.core.database import UTCDateTime, utcnow
from service.kit.fields import ShortText


class MessageStatus(enum.StrEnum):
    queued = "queued"  # waiting for delivery (also after a temporary failure)
    sending = "sending"  # claimed by a delivery process until lease_until
    sent = "sent"  # the SMTP server answered 250
    failed = "failed"  # refused for good, or too many temporary failures
    suppressed = "suppressed"  # not sent: consent withdrawn, or no e-mail address


class Category(enum.StrEnum):
    """What a participant can turn off; ``essential`` (the welcome with the personal link)
    cannot be turned off and carries no unsubscribe link."""

    essential = "essential"
    requests = "requests"
    schedule = "schedule"
    reminders = "reminders"
    mailings = "mailings"
    follow_up = "follow_up"


CONSENT_CATEGORIES: tuple[Category, ...] = (
    Category.requests,
    Category.schedule,
    Category.reminders,
    Category.mailings,
    Category.follow_up,
)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    participant_id: int | None = Field(
        default=None, foreign_key="participant.id", index=True, ondelete="CASCADE"
    )
    mailing_id: int | None = Field(
        default=None, foreign_key="mailing.id", index=True, ondelete="CASCADE"
    )
    kind: str = Field(max_length=32)
    category: str = Field(max_length=16)
    language: str = Field(max_length=4, description="vi, en or both")
    to_addresses: list[list[str]] = Field(
        default_factory=list, sa_type=sa.JSON, description="[[name, e-mail], ...]"
    )
    subject: str = Field(max_length=500)
    context: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    calendar: str | None = Field(default=None, sa_type=sa.Text, description="text/calendar part")
    message_id: str = Field(max_length=255, unique=True, description="RFC 5322 Message-ID")
    dedupe_key: str | None = Field(
        default=None, max_length=255, unique=True, description="one message per key, ever"
    )
    status: MessageStatus = Field(
        default=MessageStatus.queued,
        sa_column=Column(sa.Enum(MessageStatus, native_enum=False, length=16), nullable=False),
    )
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: str | None = Field(default=None, max_length=32, description="the claiming run")
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Mailing(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    subject_vi: str = Field(max_length=300)
    subject_en: str = Field(max_length=300)
    body_vi: str = Field(sa_type=sa.Text)
    body_en: str = Field(sa_type=sa.Text)
    audience: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    recipients: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NotificationConsent(SQLModel, table=True):
    """A participant's choices; no row means every category on."""

    __tablename__ = "notification_consent"

    participant_id: int = Field(foreign_key="participant.id", primary_key=True, ondelete="CASCADE")
    requests: bool = True
    schedule: bool = True
    reminders: bool = True
    mailings: bool = True
    follow_up: bool = True
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# ---------------------------------------------------------------- API shapes


class MessagePublic(BaseModel):
    id: int
    kind: str
    category: str
    participant_id: int | None
    mailing_id: int | None
    to: list[str]
    subject: str
    language: str
    status: MessageStatus
    attempts: int
    last_error: str | None
    message_id: str
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime


class Audience(BaseModel):
    side: str | None = Field(default=None, max_length=8, description="host or guest")
    country: str | None = Field(default=None, max_length=2, description="ISO 3166 alpha-2")
    province: str | None = Field(
        default=None, max_length=100, description="province code or name, current or former"
    )
    sector: str | None = Field(default=None, max_length=8, description="VSIC code, e.g. C26")
    without_meetings: bool | None = Field(default=None, description="no live meeting yet")
    not_checked_in: bool | None = Field(
        default=None, description="not checked in at the registration desk yet"
    )
    participant_ids: list[int] | None = Field(default=None, max_length=10_000)


class MailingCreate(BaseModel):
    subject_vi: ShortText
    subject_en: ShortText
    body_vi: str = Field(min_length=1, max_length=10_000)
    body_en: str = Field(min_length=1, max_length=10_000)
    audience: Audience = Field(default_factory=Audience)
    dry_run: bool = False


class Recipient(BaseModel):
    participant_id: int
    organization: str
    language: str
    to: list[EmailStr | str]


class MailingPreview(BaseModel):
    subject: str
    text: str
    html: str


class MailingResult(BaseModel):
    dry_run: bool
    mailing_id: int | None = None
    total: int = Field(description="recipients the mailing goes to")
    queued: int = 0
    items: list[Recipient] = Field(default_factory=list, description="the recipients (dry run)")
    skipped: list[Recipient] = Field(
        default_factory=list, description="matched, but without an e-mail address or consent"
    )
    preview: dict[str, MailingPreview] = Field(default_factory=dict)
