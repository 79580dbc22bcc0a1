"""Meeting requests, meetings and the seats that stop double booking.

Double booking is prevented by the database, not only by Python:
- ``meeting`` has UNIQUE(session_id, active_slot, table_no): one meeting per table and slot;
- ``meeting_seat`` has UNIQUE(participant_id, session_id, active_slot): a participant sits
  in one meeting per slot.
``active_slot`` holds the slot while the meeting is live and NULL once it is cancelled
(NULLs never collide in a UNIQUE constraint on SQLite or PostgreSQL), so a cancelled
meeting keeps its time for calendars without blocking the slot.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel, UniqueConstraint

from service.database import UTCDateTime, utcnow
from service.types import LongText


class RequestStatus(enum.StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    expired = "expired"
    withdrawn = "withdrawn"


class MeetingStatus(enum.StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class MeetingSource(enum.StrEnum):
    request = "request"  # an accepted request: required
    suggestion = "suggestion"  # placed by the scheduler from the suggestions
    organizer = "organizer"  # created directly by an organiser: required


def pair_key(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


# ---------------------------------------------------------------- requests


class MeetingRequestBase(SQLModel):
    from_participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    to_participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    message: LongText | None = Field(default=None, sa_type=sa.Text)


class MeetingRequestCreate(MeetingRequestBase):
    model_config = {  # type: ignore[assignment]
        "json_schema_extra": {
            "examples": [
                {
                    "from_participant_id": 12,
                    "to_participant_id": 3,
                    "message": "Chúng tôi tìm nhà cung cấp linh kiện điện tử tại Bắc Ninh.",
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
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MeetingRequestPublic(MeetingRequestBase):
    id: int
    event_id: int
    status: RequestStatus
    expires_at: datetime | None = Field(
        description="While pending: when the request expires if nobody answers"
    )
    responded_at: datetime | None
    created_at: datetime
    updated_at: datetime


# ---------------------------------------------------------------- meetings


class MeetingBase(SQLModel):
    session_id: int = Field(foreign_key="event_session.id", index=True)
    slot: int = Field(description="1-based slot within the session")
    table_no: int = Field(description="1-based table number")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    interpreter_language: str | None = Field(default=None, max_length=3)


class Meeting(MeetingBase, table=True):
    __table_args__ = (
        UniqueConstraint("session_id", "active_slot", "table_no", name="uq_meeting_table_slot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    uid: str = Field(
        default_factory=lambda: uuid.uuid4().hex,
        max_length=64,
        unique=True,
        description="Calendar UID, fixed for the meeting's life",
    )
    participant_a_id: int = Field(foreign_key="participant.id", index=True)
    participant_b_id: int = Field(foreign_key="participant.id", index=True)
    status: MeetingStatus = Field(
        default=MeetingStatus.scheduled,
        sa_column=Column(sa.Enum(MeetingStatus, native_enum=False, length=16), nullable=False),
    )
    active_slot: int | None = Field(default=None, description="slot while live, NULL if cancelled")
    sequence: int = Field(default=0, description="iCalendar SEQUENCE: up on every change")
    locked: bool = Field(default=False, description="The scheduler never moves a locked meeting")
    source: MeetingSource = Field(
        default=MeetingSource.organizer,
        sa_column=Column(sa.Enum(MeetingSource, native_enum=False, length=16), nullable=False),
    )
    request_id: int | None = Field(default=None, foreign_key="meeting_request.id", index=True)
    score: float | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MeetingSeat(SQLModel, table=True):
    __tablename__ = "meeting_seat"
    __table_args__ = (
        UniqueConstraint(
            "participant_id", "session_id", "active_slot", name="uq_meeting_seat_participant_slot"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", index=True)
    session_id: int = Field(foreign_key="event_session.id")
    active_slot: int | None = Field(default=None)


class MeetingPublic(SQLModel):
    id: int
    event_id: int
    uid: str
    participants: list[int]
    session_id: int
    slot: int
    table: int
    table_name: str
    starts_at: datetime
    ends_at: datetime
    status: MeetingStatus
    sequence: int
    locked: bool
    source: MeetingSource
    interpreter_language: str | None
    request_id: int | None
    updated_at: datetime


# ---------------------------------------------------------------- preferences


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


# ---------------------------------------------------------------- scheduler run


class ScheduleOptions(SQLModel):
    dry_run: bool = Field(default=False, description="Compute and report, store nothing")
    fill: bool = Field(
        default=True, description="Fill free places with the best suggested meetings"
    )
    time_limit_s: float = Field(default=20, ge=1, le=300, description="Solver time limit")
    replan: bool = Field(
        default=False,
        description="Re-plan every meeting but the locked ones; by default existing meetings "
        "keep their slot and table whenever they can",
    )
    max_suggestions_per_participant: int = Field(
        default=8, ge=1, le=50, description="Suggested partners considered per participant"
    )

    model_config = {  # type: ignore[assignment]
        "json_schema_extra": {"examples": [{"dry_run": True, "fill": True, "time_limit_s": 20}]}
    }


class SchedulePlace(SQLModel):
    session_id: int
    slot: int
    table: int
    starts_at: datetime
    ends_at: datetime


class ScheduleChange(SQLModel):
    meeting_id: int | None = Field(description="None for a meeting added by a dry run")
    participants: list[int]
    action: Literal["add", "move", "cancel", "keep"]
    from_: SchedulePlace | None = Field(default=None, alias="from", description="Place before")
    to: SchedulePlace | None = Field(default=None, description="Place after")
    required: bool
    source: MeetingSource
    request_id: int | None = None
    score: float | None = None
    interpreter_language: str | None = None

    model_config = {"populate_by_name": True}  # type: ignore[assignment]


class UnplacedMeeting(SQLModel):
    request_id: int | None = None
    meeting_id: int | None = None
    pair: str = Field(description="'low:high' participant ids")
    participants: list[int]
    reason: str


class ScheduleReport(SQLModel):
    status: str = Field(description="optimal | feasible | infeasible (from the solver)")
    dry_run: bool
    placed: int = Field(description="Live meetings of the schedule after the run")
    added: int
    moved: int
    kept: int
    cancelled: int
    unplaced: list[UnplacedMeeting] = Field(description="Required meetings left out, and why")
    required_total: int
    required_placed: int
    optional_placed: int
    score: float = Field(description="Total score of the optional meetings placed")
    breaks: int = Field(
        description="Idle stretches between two meetings of a participant within a session"
    )
    elapsed_s: float
    solver_elapsed_s: float
    changes: list[ScheduleChange]


class ScheduleRun(SQLModel, table=True):
    """A scheduler run's report, kept so every server process (and a restarted one) shows
    the organisers the last run and why required meetings were left out."""

    __tablename__ = "schedule_run"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    dry_run: bool
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    report: str = Field(sa_type=sa.Text, description="The ScheduleReport as JSON")
