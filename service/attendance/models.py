"""Who came, which meetings were held, and what each side says came out of them.

Three tables of their own, keyed by what they describe, so the meeting row (the
scheduler's and the calendars') stays as it is:
- ``check_in``: one row per participant that has arrived (UNIQUE per participant: a second
  scan changes nothing);
- ``meeting_attendance``: one row per meeting once an organiser has marked it held,
  no-show (with the absent side or sides) or partial (UNIQUE per meeting: a re-mark
  overwrites, the last word counts);
- ``meeting_feedback``: one row per meeting and side (UNIQUE(meeting, participant)), each
  side writing only its own.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel, UniqueConstraint

from service.core.database import UTCDateTime, utcnow
from service.kit.fields import LongText, ShortText


class CheckInSource(enum.StrEnum):
    desk = "desk"  # an organiser at the registration desk (search or QR scan)
    self = "self"  # the participant from its personal link


class Attendance(enum.StrEnum):
    held = "held"
    no_show = "no_show"  # one side (or both) did not come
    partial = "partial"  # held, but late, cut short or with part of a delegation


class Outcome(enum.StrEnum):
    none = "none"
    follow_up = "follow_up"
    mou_planned = "mou_planned"
    mou_signed = "mou_signed"
    investment_decided = "investment_decided"


class CheckIn(SQLModel, table=True):
    __tablename__ = "check_in"
    __table_args__ = (UniqueConstraint("participant_id", name="uq_check_in_participant"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", ondelete="CASCADE")
    source: CheckInSource = Field(
        sa_column=Column(sa.Enum(CheckInSource, native_enum=False, length=8), nullable=False)
    )
    checked_in_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MeetingAttendance(SQLModel, table=True):
    __tablename__ = "meeting_attendance"

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True, ondelete="CASCADE")
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    attendance: Attendance = Field(
        sa_column=Column(sa.Enum(Attendance, native_enum=False, length=16), nullable=False)
    )
    a_absent: bool = Field(default=False, description="participant_a did not come")
    b_absent: bool = Field(default=False, description="participant_b did not come")
    marked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MeetingFeedback(SQLModel, table=True):
    __tablename__ = "meeting_feedback"
    __table_args__ = (
        UniqueConstraint("meeting_id", "participant_id", name="uq_meeting_feedback_side"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    rating: int
    outcome: Outcome = Field(
        sa_column=Column(sa.Enum(Outcome, native_enum=False, length=24), nullable=False)
    )
    pledged_usd: float | None = Field(default=None)
    next_step: str | None = Field(default=None, max_length=300)
    comment: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# ---------------------------------------------------------------- API shapes


class CheckInCreate(SQLModel):
    participant_id: int


class CheckInPublic(SQLModel):
    participant_id: int
    organization_name: str | None = None
    source: CheckInSource
    checked_in_at: datetime


class FeedbackIn(SQLModel):
    participant_id: int | None = Field(
        default=None, description="Organisers: the side the feedback is for"
    )
    rating: int = Field(ge=1, le=5)
    outcome: Outcome
    pledged_usd: float | None = Field(default=None, ge=0, le=1e12)
    next_step: ShortText | None = Field(default=None, max_length=300)
    comment: LongText | None = Field(default=None, max_length=5000)

    model_config = {  # type: ignore[assignment]
        "json_schema_extra": {
            "examples": [
                {
                    "rating": 5,
                    "outcome": "mou_planned",
                    "pledged_usd": 20000000,
                    "next_step": "Khảo sát KCN Quế Võ tháng 1/2027",
                    "comment": "Đối tác rất quan tâm đến đất công nghiệp.",
                }
            ]
        }
    }


class FeedbackPublic(SQLModel):
    id: int
    meeting_id: int
    participant_id: int
    rating: int
    outcome: Outcome
    pledged_usd: float | None
    next_step: str | None
    comment: str | None
    created_at: datetime
    updated_at: datetime


class SlotAttendance(SQLModel):
    """Bulk marking at the end of a slot: every live meeting of the slot not marked yet."""

    session_id: int
    slot: int = Field(ge=1, le=1000)
    attendance: Attendance = Attendance.held
    overwrite: bool = Field(default=False, description="Also re-mark meetings already marked")


class AttendanceRow(SQLModel):
    participant_id: int
    organization_name: str
    checked_in: bool
    meetings: int
    held: int
    no_shows: int
