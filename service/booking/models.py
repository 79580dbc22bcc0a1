"""What live booking answers: free times of a pair, and an acceptance with its meeting."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.meeting_requests.models import MeetingRequestPublic, Reason
from service.meetings.models import MeetingPublic


class FreeTime(SQLModel):
    session_id: int
    slot: int = Field(description="1-based slot within the session")
    starts_at: datetime
    ends_at: datetime
    tables_free: int = Field(description="Tables still free in the slot")
    interpreter_language: str | None = Field(
        default=None, description="The interpreter the pair needs, if any"
    )
    added_breaks: int = Field(
        description="Idle stretches the meeting would add to the two agendas (fewer is better)"
    )


class AcceptAnswer(MeetingRequestPublic):
    meeting: MeetingPublic | None = Field(
        default=None,
        description="Live booking: the meeting booked on acceptance; null when nothing fit "
        "(see unplaced_reason) or in organiser-scheduled events",
    )
    booking_note: Reason | None = Field(
        default=None,
        description="Live booking: why the meeting is not at the time asked for, if so",
    )
