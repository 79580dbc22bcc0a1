"""Meeting requests between participants, and their pair preferences (wishes, blocks).

One open request per pair; an accepted request is a required meeting for the scheduler."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel, UniqueConstraint

from service.core.database import UTCDateTime, utcnow
from service.kit.fields import LongText


class RequestStatus(enum.StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    expired = "expired"
    withdrawn = "withdrawn"


def pair_key(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


class MeetingRequestBase(SQLModel):
    from_participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    to_participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    message: LongText | None = Field(default=None, sa_type=sa.Text)


class MeetingRequestCreate(MeetingRequestBase):
    proposed_times: list[datetime] = Field(
        default_factory=list,
        max_length=3,
        description="Up to 3 slot starts of the event's b2b sessions the sender proposes; "
        "a naive time is read in the event's time zone",
    )
    model_config = {  # type: ignore[assignment]
        "json_schema_extra": {
            "examples": [
                {
                    "from_participant_id": 12,
                    "to_participant_id": 3,
                    "message": "Chúng tôi tìm nhà cung cấp linh kiện điện tử tại Bắc Ninh.",
                    "proposed_times": ["2026-12-10T09:45:00+07:00"],
                }
            ]
        }
    }


class MeetingRequest(MeetingRequestBase, table=True):
    __tablename__ = "meeting_request"
    __table_args__ = (
        # One open request per pair of participants, whoever asked first.
        UniqueConstraint("event_id", "pending_pair", name="uq_meeting_request_pending_pair"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    status: RequestStatus = Field(
        default=RequestStatus.pending,
        sa_column=Column(sa.Enum(RequestStatus, native_enum=False, length=16), nullable=False),
    )
    pending_pair: str | None = Field(
        default=None, max_length=40, description="'low:high' while pending, else NULL"
    )
    proposed_times: list[str] | None = Field(
        default=None, sa_type=sa.JSON, description="UTC ISO 8601 slot starts the sender proposed"
    )
    unplaced_reason: dict[str, str] | None = Field(
        default=None,
        sa_type=sa.JSON,
        description="Live booking: why the accepted request has no meeting yet {vi, en}",
    )
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Reason(SQLModel):
    vi: str
    en: str


class MeetingRequestPublic(MeetingRequestBase):
    id: int
    event_id: int
    status: RequestStatus
    proposed_times: list[datetime] = Field(default_factory=list)
    unplaced_reason: Reason | None = Field(
        default=None,
        description="Live booking: why the accepted request has no meeting yet",
    )
    expires_at: datetime | None = Field(
        description="While pending: when the request expires if nobody answers"
    )
    responded_at: datetime | None
    created_at: datetime
    updated_at: datetime


class AcceptBody(SQLModel):
    starts_at: datetime | None = Field(
        default=None,
        description="Live booking: the time to meet, one of the proposed times or any slot "
        "start both sides have free (see free-times); a naive time is read in the event's "
        "time zone",
    )


class PreferenceKind(enum.StrEnum):
    wish = "wish"  # the participant would like to meet the other
    block = "block"  # never suggest or schedule this pair


class PairPreference(SQLModel, table=True):
    __tablename__ = "pair_preference"
    __table_args__ = (
        UniqueConstraint(
            "from_participant_id", "to_participant_id", name="uq_pair_preference_pair"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    from_participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    to_participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    kind: PreferenceKind = Field(
        sa_column=Column(sa.Enum(PreferenceKind, native_enum=False, length=8), nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PreferenceCreate(SQLModel):
    from_participant_id: int
    to_participant_id: int
    kind: PreferenceKind

    model_config = {  # type: ignore[assignment]
        "json_schema_extra": {
            "examples": [{"from_participant_id": 12, "to_participant_id": 3, "kind": "wish"}]
        }
    }


class PreferencePublic(SQLModel):
    id: int
    event_id: int
    from_participant_id: int
    to_participant_id: int
    kind: PreferenceKind
    created_at: datetime
