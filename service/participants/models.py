"""Participant models."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel, EmailStr, ValidationInfo, field_validator
from sqlmodel import Column, Field, SQLModel, UniqueConstraint

from service.core.database import UTCDateTime, utcnow
from service.kit.fields import Name, ShortText


class NotificationSettings(BaseModel):
    """Categories a participant receives (PATCH with only the ones to change)."""

    requests: bool | None = None
    schedule: bool | None = None
    reminders: bool | None = None
    mailings: bool | None = None
    follow_up: bool | None = None


class Side(enum.StrEnum):
    host = "host"  # Vietnamese provinces and firms
    guest = "guest"  # foreign firms and associations


class Delegate(BaseModel):
    name: Name
    title: ShortText | None = None
    email: EmailStr | None = None


class Interval(BaseModel):
    """A time window; a naive time is read in the event's time zone."""

    start: datetime
    end: datetime

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start")
        if start is not None and (start.tzinfo is None) == (end.tzinfo is None) and end <= start:
            raise ValueError("must be after start")
        return end


class ParticipantBase(SQLModel):
    max_meetings: int | None = Field(default=None, ge=0, le=200)


class ParticipantCreate(ParticipantBase):
    organization_id: int
    side: Side | None = Field(
        default=None, description="Derived from the organisation's country when omitted"
    )
    delegates: list[Delegate] = Field(default_factory=list, max_length=50)
    unavailable: list[Interval] = Field(default_factory=list, max_length=100)
    attends_plenary: bool = Field(
        default=True, description="Keeps its meetings clear of the plenary sessions"
    )

    model_config = {  # type: ignore[assignment]
        "json_schema_extra": {
            "examples": [
                {
                    "organization_id": 1,
                    "delegates": [
                        {
                            "name": "Nguyễn Văn An",
                            "title": "Phó Chủ tịch UBND tỉnh",
                            "email": "an.nv@bacninh.example",
                        }
                    ],
                    "max_meetings": 8,
                    "unavailable": [
                        {"start": "2026-12-10T09:45:00+07:00", "end": "2026-12-10T10:30:00+07:00"}
                    ],
                }
            ]
        }
    }


class ParticipantUpdate(SQLModel):
    side: Side | None = None
    delegates: list[Delegate] | None = Field(default=None, max_length=50)
    unavailable: list[Interval] | None = Field(default=None, max_length=100)
    max_meetings: int | None = Field(default=None, ge=0, le=200)
    attends_plenary: bool | None = None
    notifications: NotificationSettings | None = Field(
        default=None,
        description="E-mail categories to turn on or off: requests, schedule, reminders, "
        "mailings, follow_up",
    )


class Participant(ParticipantBase, table=True):
    __table_args__ = (
        UniqueConstraint("event_id", "organization_id", name="uq_participant_event_organization"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    organization_id: int = Field(foreign_key="organization.id", index=True)
    side: Side = Field(sa_column=Column(sa.Enum(Side, native_enum=False, length=8), nullable=False))
    delegates: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    unavailable: list[dict] = Field(
        default_factory=list, sa_type=sa.JSON, description="[{start, end}] in UTC ISO 8601"
    )
    attends_plenary: bool = Field(default=True)
    token_hash: str = Field(max_length=64, unique=True)
    search_text: str = Field(
        default="", max_length=2000, description="Folded delegates' names and titles"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ParticipantPublic(ParticipantBase):
    id: int
    event_id: int
    organization_id: int
    organization_name: str | None = None
    country: str | None = None
    side: Side
    delegates: list[Delegate]
    unavailable: list[Interval]
    attends_plenary: bool
    created_at: datetime
    updated_at: datetime
    notifications: NotificationSettings | None = Field(
        default=None, description="E-mail categories received (one participant's view)"
    )


class ParticipantWithToken(ParticipantPublic):
    """Returned once, at registration or token rotation: the token is not stored."""

    token: str
    calendar_url: str
    webcal_url: str
    page_url: str


def participant_links(*, token: str, public_url: str) -> tuple[str, str]:
    """The personal page and the calendar feed address a token opens."""
    return f"{public_url}/p/{token}", f"{public_url}/api/v1/calendars/{token}.ics"
