"""The revision of each event's report figures, raised by database triggers.

One row per event, ``revision`` raised in the writer's own transaction by triggers on
participant, meeting, meeting_request, meeting_attendance and meeting_feedback (migration
0008_outcomes), so the reports can keep a past edition's figures until one of its rows
changes. No foreign key: a trigger fired by an event's cascade delete must not fail.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class ReportEventRevision(SQLModel, table=True):
    __tablename__ = "report_event_revision"

    event_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    revision: int = Field(default=0, sa_type=sa.BigInteger)


# Covering indexes for the reports' joins, on other domains' tables but declared here,
# beside the queries that need them (and created by migration 0008_outcomes): a
# participant's organisation, an organisation's keys, a former unit's current one and
# the live meetings of an event are then read from the index alone.
def _covering_indexes() -> tuple[sa.Index, ...]:
    from service.meetings.models import Meeting
    from service.organizations.models import Organization
    from service.participants.models import Participant
    from service.reference.models import FormerProvince

    p, o = Participant.__table__.c, Organization.__table__.c  # type: ignore[attr-defined]
    f, m = FormerProvince.__table__.c, Meeting.__table__.c  # type: ignore[attr-defined]
    return (
        sa.Index("ix_report_participant_keys", p.id, p.event_id, p.organization_id),
        sa.Index("ix_report_organization_keys", o.id, o.province_code, o.country),
        sa.Index("ix_report_former_province_current", f.code, f.current_code),
        sa.Index(
            "ix_report_meeting_scope", m.event_id, m.status, m.participant_a_id, m.participant_b_id
        ),
    )


REPORT_INDEXES = _covering_indexes()
