"""Event and session models: Base, Create, Update, table, Public for each."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from pydantic import ValidationInfo, field_validator
from sqlmodel import Column, Field, SQLModel

from service.core.database import UTCDateTime, utcnow
from service.kit.fields import (
    CountryCode,
    LanguageCode,
    LongText,
    Name,
    ProvinceRef,
    ShortText,
    TimeZoneName,
)

MATCH_COMPONENTS = ("sector", "text", "potential", "language", "preference")


class EventStatus(enum.StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


class BookingMode(enum.StrEnum):
    organizer = "organizer"  # accepted requests wait for the organiser's scheduler run
    live = "live"  # an accepted request is booked at once


class SessionKind(enum.StrEnum):
    plenary = "plenary"
    b2b = "b2b"
    visit = "visit"
    networking = "networking"


# ---------------------------------------------------------------- events


class EventBase(SQLModel):
    name: Name = Field(max_length=200, description="Vietnamese name, e.g. 'Gặp gỡ Hàn Quốc 2026'")
    name_en: Name | None = Field(default=None, max_length=200, description="English name")
    partner_country: CountryCode | None = Field(
        default=None,
        max_length=2,
        description="ISO 3166-1 alpha-2 of the partner country, or EU; none for a "
        "province showcase",
    )
    venue: ShortText | None = Field(default=None, max_length=300)
    timezone: TimeZoneName = Field(default="Asia/Ho_Chi_Minh", max_length=64)
    start_date: date
    end_date: date
    description: LongText | None = Field(default=None, sa_type=sa.Text)


class EventCreate(EventBase):
    partner_country: CountryCode = Field(
        max_length=2, description="ISO 3166-1 alpha-2 of the partner country, or EU"
    )
    host_province: ProvinceRef | None = Field(
        default=None,
        description="Code ('24'), current name ('Bắc Ninh') or former name ('Bắc Giang')",
        schema_extra={"examples": ["24"]},
    )
    status: EventStatus = EventStatus.open

    @field_validator("end_date")
    @classmethod
    def _dates_in_order(cls, end_date: date, info: ValidationInfo) -> date:
        start_date = info.data.get("start_date")
        if start_date is not None and end_date < start_date:
            raise ValueError("must not be before start_date")
        return end_date

    model_config = {  # type: ignore[assignment]
        "json_schema_extra": {
            "examples": [
                {
                    "name": "Gặp gỡ Hàn Quốc 2026",
                    "name_en": "Meet Korea 2026",
                    "partner_country": "KR",
                    "host_province": "Bắc Ninh",
                    "venue": "Trung tâm Hội nghị tỉnh Bắc Ninh",
                    "timezone": "Asia/Ho_Chi_Minh",
                    "start_date": "2026-12-10",
                    "end_date": "2026-12-11",
                }
            ]
        }
    }


class EventUpdate(SQLModel):
    name: Name | None = None
    name_en: Name | None = None
    venue: ShortText | None = None
    description: LongText | None = None
    status: EventStatus | None = None
    allow_same_side: bool | None = None
    request_expiry_hours: int | None = Field(default=None, ge=1, le=24 * 30)
    max_pending_requests: int | None = Field(default=None, ge=1, le=1000)
    booking_mode: BookingMode | None = Field(
        default=None,
        description="`organizer`: accepted requests wait for the scheduler; `live`: "
        "accepting a request books the meeting at once",
    )
    match_weights: dict[str, float] | None = Field(
        default=None,
        description="Weights of the match components: sector, text, potential, language, "
        "preference (non-negative; normalised to sum 1)",
        schema_extra={"examples": [{"sector": 0.3, "text": 0.35, "potential": 0.15}]},
    )

    @field_validator("match_weights")
    @classmethod
    def _known_components(cls, weights: dict[str, float] | None) -> dict[str, float] | None:
        if weights is None:
            return None
        unknown = set(weights) - set(MATCH_COMPONENTS)
        if unknown:
            raise ValueError(f"unknown components {sorted(unknown)}; use {list(MATCH_COMPONENTS)}")
        if any(not 0 <= w <= 100 for w in weights.values()):
            raise ValueError("weights must be between 0 and 100")
        if weights and sum(weights.values()) <= 0:
            raise ValueError("at least one weight must be positive")
        return weights


class Event(EventBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    host_province_code: str | None = Field(
        default=None, foreign_key="province.code", max_length=2, index=True
    )
    status: EventStatus = Field(
        default=EventStatus.open,
        sa_column=Column(sa.Enum(EventStatus, native_enum=False, length=16), nullable=False),
    )
    allow_same_side: bool = Field(default=False)
    request_expiry_hours: int = Field(
        default=72, description="Pending requests expire after this many hours"
    )
    max_pending_requests: int = Field(
        default=20, description="Cap on a participant's unanswered outgoing requests"
    )
    match_weights: dict[str, float] | None = Field(
        default=None, sa_type=sa.JSON, description="Per-event weights of the match components"
    )
    booking_mode: BookingMode = Field(
        default=BookingMode.organizer,
        sa_column=Column(
            sa.Enum(BookingMode, native_enum=False, length=16),
            nullable=False,
            server_default=BookingMode.organizer.value,
        ),
    )
    search_text: str = Field(default="", max_length=1200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EventPublic(EventBase):
    id: int
    host_province_code: str | None
    host_province_name: str | None = None
    status: EventStatus
    allow_same_side: bool
    request_expiry_hours: int
    max_pending_requests: int
    booking_mode: BookingMode
    match_weights: dict[str, float] | None = None
    calendar_url: str | None = None
    created_at: datetime
    updated_at: datetime


# ---------------------------------------------------------------- sessions


class SessionBase(SQLModel):
    title: Name = Field(max_length=200)
    title_en: Name | None = Field(default=None, max_length=200)
    kind: SessionKind = Field(
        sa_column=Column(sa.Enum(SessionKind, native_enum=False, length=16), nullable=False)
    )
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    location: ShortText | None = Field(default=None, max_length=300)
    slot_minutes: int | None = Field(default=None, description="B2B: length of one meeting")
    break_minutes: int = Field(default=0, ge=0, le=240, description="B2B: pause between slots")
    tables: int | None = Field(default=None, description="B2B: number of tables")


class SessionCreate(SessionBase):
    kind: SessionKind
    slot_minutes: int | None = Field(default=None, gt=0, le=240)
    tables: int | None = Field(default=None, ge=1, le=2000)
    table_names: list[Name] | None = Field(
        default=None, max_length=2000, description="Optional names, one per table"
    )
    interpreters: dict[LanguageCode, int] = Field(
        default_factory=dict,
        description="Interpreter pool per language code, e.g. {'ko': 4}",
    )

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, ends_at: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")
        # Mixed naive/aware pairs are compared later, once both are in the event's zone.
        comparable = starts_at is not None and (starts_at.tzinfo is None) is (
            ends_at.tzinfo is None
        )
        if comparable and ends_at <= starts_at:
            raise ValueError("must be after starts_at")
        return ends_at

    @field_validator("interpreters")
    @classmethod
    def _interpreter_counts(cls, pools: dict[str, int]) -> dict[str, int]:
        if any(count < 0 or count > 500 for count in pools.values()):
            raise ValueError("interpreter counts must be between 0 and 500")
        return pools

    model_config = {  # type: ignore[assignment]
        "json_schema_extra": {
            "examples": [
                {
                    "title": "Kết nối doanh nghiệp buổi sáng",
                    "title_en": "Morning B2B meetings",
                    "kind": "b2b",
                    "starts_at": "2026-12-10T09:45:00+07:00",
                    "ends_at": "2026-12-10T11:45:00+07:00",
                    "location": "Sảnh B / Hall B",
                    "slot_minutes": 20,
                    "break_minutes": 5,
                    "tables": 14,
                    "interpreters": {"ko": 4},
                }
            ]
        }
    }


class SessionUpdate(SQLModel):
    title: Name | None = None
    title_en: Name | None = None
    location: ShortText | None = None


class EventSession(SessionBase, table=True):
    __tablename__ = "event_session"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    table_names: list[str] | None = Field(default=None, sa_type=sa.JSON)
    interpreters: dict[str, int] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SessionPublic(SessionBase):
    id: int
    event_id: int
    table_names: list[str] | None
    interpreters: dict[str, int]
    slots: int | None = Field(default=None, description="B2B: number of meeting slots")
