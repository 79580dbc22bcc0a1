"""The commitments register: MoUs, agreements, investment decisions, twinnings, followed
from signature to realised capital, across editions.

A commitment outlives its event (``event_id`` and ``meeting_id`` are optional and set to
NULL if their rows go), binds several organisations (``commitment_organization``) and
sectors (``commitment_sector``: rows, not a JSON list, so reports group by sector in
SQL). Its province is stored as given (``province_given``, e.g. "Bình Dương") with the
code of the unit that text named at entry (``province_unit``: 74, the former Bình Dương);
reports map that code to today's unit through ``former_province`` when they run, so a
commitment signed before the 2025 merger counts for TP. Hồ Chí Minh.

Reviews (``commitment_review``) are appended, never changed: each carries its date,
status, realised USD so far, note and reviewer. The commitment row carries the latest
status and realised amount (written in the review's own transaction) so lists and
reports need no "latest review" subquery.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from pydantic import ValidationInfo, field_validator
from sqlmodel import Column, Field, SQLModel

from service.core.database import UTCDateTime, utcnow
from service.kit.fields import CountryCode, LongText, Name, ShortText


class CommitmentKind(enum.StrEnum):
    mou = "mou"
    agreement = "agreement"
    investment = "investment"
    twinning = "twinning"
    other = "other"


class CommitmentStatus(enum.StrEnum):
    proposed = "proposed"
    signed = "signed"
    in_progress = "in_progress"
    realised = "realised"
    stalled = "stalled"
    cancelled = "cancelled"


class Commitment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: CommitmentKind = Field(
        sa_column=Column(sa.Enum(CommitmentKind, native_enum=False, length=16), nullable=False)
    )
    title: str = Field(max_length=300)
    event_id: int | None = Field(
        default=None, foreign_key="event.id", index=True, ondelete="SET NULL"
    )
    meeting_id: int | None = Field(
        default=None, foreign_key="meeting.id", index=True, ondelete="SET NULL"
    )
    feedback_id: int | None = Field(
        default=None, foreign_key="meeting_feedback.id", ondelete="SET NULL"
    )
    province_given: str | None = Field(default=None, max_length=100, description="As given")
    province_unit: str | None = Field(
        default=None,
        max_length=2,
        index=True,
        description="Code of the unit the given text named (a former code for a former name)",
    )
    partner_country: str | None = Field(default=None, max_length=2, index=True)
    signed_on: date | None = Field(default=None, index=True)
    value_usd: float | None = Field(default=None)
    jobs: int | None = Field(default=None)
    status: CommitmentStatus = Field(
        sa_column=Column(
            sa.Enum(CommitmentStatus, native_enum=False, length=16), nullable=False, index=True
        )
    )
    realised_usd: float = Field(default=0, description="Latest review's realised USD so far")
    next_review_on: date | None = Field(default=None, index=True)
    notes: str | None = Field(default=None, sa_type=sa.Text)
    search_text: str = Field(
        default="",
        max_length=2000,
        description="Folded title, notes and province as given: the register's word search",
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CommitmentOrganization(SQLModel, table=True):
    __tablename__ = "commitment_organization"

    commitment_id: int = Field(foreign_key="commitment.id", primary_key=True, ondelete="CASCADE")
    organization_id: int = Field(foreign_key="organization.id", primary_key=True, index=True)


class CommitmentSector(SQLModel, table=True):
    __tablename__ = "commitment_sector"

    commitment_id: int = Field(foreign_key="commitment.id", primary_key=True, ondelete="CASCADE")
    sector_code: str = Field(foreign_key="sector.code", primary_key=True, max_length=3, index=True)


class CommitmentReview(SQLModel, table=True):
    __tablename__ = "commitment_review"

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True, ondelete="CASCADE")
    reviewed_on: date
    status: CommitmentStatus = Field(
        sa_column=Column(sa.Enum(CommitmentStatus, native_enum=False, length=16), nullable=False)
    )
    realised_usd: float = Field(default=0)
    note: str = Field(sa_type=sa.Text)
    reviewer: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# ---------------------------------------------------------------- API shapes


class CommitmentCreate(SQLModel):
    kind: CommitmentKind
    title: Name = Field(max_length=300)
    organization_ids: list[int] = Field(min_length=1, max_length=50)
    event_id: int | None = None
    meeting_id: int | None = None
    feedback_id: int | None = Field(
        default=None,
        description="A 'MoU signed' feedback it comes from: fills the event, meeting, "
        "organisations, province, country, sectors and value left out",
    )
    province_code: Name | None = Field(
        default=None, description="Code or name, current or former ('Bình Dương'); kept as given"
    )
    partner_country: CountryCode | None = None
    sectors: list[Name] = Field(default_factory=list, max_length=50)
    signed_on: date | None = None
    value_usd: float | None = Field(default=None, ge=0, le=1e13)
    jobs: int | None = Field(default=None, ge=0, le=10_000_000)
    status: CommitmentStatus = CommitmentStatus.proposed
    next_review_on: date | None = None
    notes: LongText | None = Field(default=None, max_length=10_000)

    model_config = {  # type: ignore[assignment]
        "json_schema_extra": {
            "examples": [
                {
                    "kind": "mou",
                    "title": "Biên bản ghi nhớ hợp tác đầu tư nhà máy linh kiện điện tử",
                    "organization_ids": [1, 2],
                    "event_id": 1,
                    "province_code": "Bắc Giang",
                    "partner_country": "KR",
                    "sectors": ["C26"],
                    "signed_on": "2026-12-10",
                    "value_usd": 50000000,
                    "jobs": 800,
                    "status": "signed",
                    "next_review_on": "2027-06-10",
                }
            ]
        }
    }


class CommitmentUpdate(SQLModel):
    kind: CommitmentKind | None = None
    title: Name | None = Field(default=None, max_length=300)
    organization_ids: list[int] | None = Field(default=None, min_length=1, max_length=50)
    event_id: int | None = Field(
        default=None, description="null: signed outside any event (the meeting goes with it)"
    )
    meeting_id: int | None = Field(default=None, description="A meeting of the event, or null")
    province_code: Name | None = None
    partner_country: CountryCode | None = None
    sectors: list[Name] | None = Field(default=None, max_length=50)
    signed_on: date | None = None
    value_usd: float | None = Field(default=None, ge=0, le=1e13)
    jobs: int | None = Field(default=None, ge=0, le=10_000_000)
    next_review_on: date | None = None
    notes: LongText | None = Field(default=None, max_length=10_000)


class ReviewCreate(SQLModel):
    status: CommitmentStatus
    realised_usd: float | None = Field(
        default=None, ge=0, le=1e13, description="Realised so far (cumulative); default: unchanged"
    )
    note: LongText = Field(min_length=1, max_length=10_000)
    reviewed_on: date | None = Field(default=None, description="Default: today")
    reviewer: ShortText | None = Field(default=None, max_length=200)
    next_review_on: date | None = Field(
        default=None,
        description="When to review it next (not before this review); default: unchanged",
    )

    @field_validator("note")
    @classmethod
    def _not_blank(cls, note: str, info: ValidationInfo) -> str:
        if not note.strip():
            raise ValueError("must not be blank")
        return note


class ReviewPublic(SQLModel):
    id: int
    reviewed_on: date
    status: CommitmentStatus
    realised_usd: float
    note: str
    reviewer: str
    created_at: datetime


class OrganizationRef(SQLModel):
    id: int
    name: str
    country: str


class CommitmentPublic(SQLModel):
    id: int
    kind: CommitmentKind
    title: str
    organizations: list[OrganizationRef]
    organization_ids: list[int]
    event_id: int | None
    meeting_id: int | None
    feedback_id: int | None
    province_given: str | None
    province_code: str | None = Field(description="The current unit it is reported under")
    province_name: str | None
    province_name_en: str | None = None
    partner_country: str | None
    sectors: list[str]
    signed_on: date | None
    value_usd: float | None
    jobs: int | None
    status: CommitmentStatus
    realised_usd: float
    next_review_on: date | None
    review_due: bool
    notes: str | None
    created_at: datetime
    updated_at: datetime
    reviews: list[ReviewPublic] | None = None


class CommitmentFilters(SQLModel):
    """What the register is filtered by (the API's query, the organisers' page)."""

    event_id: int | None = None
    province: str | None = None
    country: str | None = None
    sector: str | None = None
    status: CommitmentStatus | None = None
    review_due: bool | None = None
    organization_id: int | None = None
    query: str | None = None
    on: date | None = None


class CommitmentTotals(SQLModel):
    count: int
    value_usd: float
    realised_usd: float
