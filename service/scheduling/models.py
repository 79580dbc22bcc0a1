"""What a scheduler run is asked (options), what it answers (the report) and the record
of recent runs kept per event."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.core.database import UTCDateTime, utcnow
from service.meetings.models import MeetingSource


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


class InterpreterNeed(SQLModel):
    """Meetings placed in one slot that need an interpreter of a language no session
    declares a pool for: not a limit, but the organiser has to find the interpreters."""

    language: str
    session_id: int
    slot: int
    starts_at: datetime
    meetings: int
    message_vi: str
    message_en: str


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
    interpreter_needs: list[InterpreterNeed] = Field(
        default_factory=list,
        description="Per language and slot: placed meetings needing an interpreter of a "
        "language without a declared pool (not a limit; to be arranged)",
    )


class ScheduleRun(SQLModel, table=True):
    """A scheduler run's report, kept so every server process (and a restarted one) shows
    the organisers the last run and why required meetings were left out."""

    __tablename__ = "schedule_run"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    dry_run: bool
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    report: str = Field(sa_type=sa.Text, description="The ScheduleReport as JSON")
