"""The reports' figures, kept by database triggers (migration 0010_report_tallies).

``report_tally`` holds, per event, dimension ('total', 'province', 'country', 'sector')
and code, the participants, requests, accepted, scheduled, held, no-shows and the sum
and count of ratings; triggers on participant, meeting, meeting_request,
meeting_attendance and meeting_feedback raise and lower them in the writer's
transaction, so a report reads a few hundred rows instead of counting every meeting.
``report_organization_key`` holds the codes each organisation counts under (its
province mapped to the current unit, its country, each of its VSIC codes; '' where it
has none), kept by triggers on organization and former_province. Neither is written by
the application.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class ReportTally(SQLModel, table=True):
    __tablename__ = "report_tally"

    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    dimension: str = Field(primary_key=True, max_length=8)
    code: str = Field(primary_key=True)
    participants: int = 0
    requests: int = 0
    accepted: int = 0
    scheduled: int = 0
    held: int = 0
    no_show: int = 0
    rating_sum: int = Field(default=0, sa_type=sa.BigInteger)
    rating_count: int = 0


class ReportOrganizationKey(SQLModel, table=True):
    __tablename__ = "report_organization_key"

    organization_id: int = Field(foreign_key="organization.id", primary_key=True,
                                 ondelete="CASCADE")  # fmt: skip
    dimension: str = Field(primary_key=True, max_length=8)
    code: str = Field(primary_key=True)


def _meeting_scope() -> sa.Index:
    """An event's live meetings, read from the index alone (migration 0008_outcomes):
    per-event scans such as the slot figures of the dashboard."""
    from service.meetings.models import Meeting

    m = Meeting.__table__.c  # type: ignore[attr-defined]
    return sa.Index(
        "ix_report_meeting_scope", m.event_id, m.status, m.participant_a_id, m.participant_b_id
    )


REPORT_INDEXES = (_meeting_scope(),)
