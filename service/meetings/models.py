"""Meetings and the seats that stop double booking.

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

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel, UniqueConstraint

from service.core.database import UTCDateTime, utcnow


class MeetingStatus(enum.StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class MeetingSource(enum.StrEnum):
    request = "request"  # an accepted request: required
    suggestion = "suggestion"  # placed by the scheduler from the suggestions
    organizer = "organizer"  # created directly by an organiser: required


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


class InterpreterSeat(SQLModel, table=True):
    """One interpreter of a declared pool, taken by a live meeting for its slot.

    ``seat_no`` runs over 1..pool size of the meeting's session and language, so the
    UNIQUE constraint lets at most pool-size meetings hold an interpreter in one slot,
    settled by the database exactly like tables (no row lock, same on both databases).
    Languages no session declares a pool for take no seat: they are not a limit."""

    __tablename__ = "interpreter_seat"
    __table_args__ = (
        UniqueConstraint(
            "session_id", "active_slot", "language", "seat_no", name="uq_interpreter_seat"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    session_id: int = Field(foreign_key="event_session.id")
    active_slot: int = Field()
    language: str = Field(max_length=3)
    seat_no: int = Field(description="1..the session's pool size for the language")


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
