"""Scheduler runs on record: the last few reports of each event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

import sqlalchemy as sa
from sqlmodel import Session, select

from service.scheduling.models import ScheduleReport, ScheduleRun

# A report lists every change of its run, so a large day's can be megabytes: keep the
# last few per event, which is what the dashboard and an operator's questions need.
RUNS_KEPT: Final = 10


@dataclass(frozen=True)
class LastRun:
    report: ScheduleReport
    at: datetime


def record_run(*, session: Session, event_id: int, report: ScheduleReport) -> None:
    """Store the report and drop the event's older ones beyond :data:`RUNS_KEPT`."""
    session.add(
        ScheduleRun(
            event_id=event_id, dry_run=report.dry_run, report=report.model_dump_json(by_alias=True)
        )
    )
    session.flush()
    kept = (
        select(ScheduleRun.id)
        .where(ScheduleRun.event_id == event_id)
        .order_by(ScheduleRun.id.desc())  # type: ignore[union-attr]
        .limit(RUNS_KEPT)
    )
    session.execute(
        sa.delete(ScheduleRun).where(
            ScheduleRun.event_id == event_id,  # type: ignore[arg-type]
            ScheduleRun.id.not_in(kept.scalar_subquery()),  # type: ignore[union-attr]
        )
    )
    session.commit()


def last_run(*, session: Session, event_id: int) -> LastRun | None:
    row = session.exec(
        select(ScheduleRun)
        .where(ScheduleRun.event_id == event_id)
        .order_by(ScheduleRun.id.desc())  # type: ignore[union-attr]
        .limit(1)
    ).first()
    if row is None:
        return None
    return LastRun(ScheduleReport.model_validate_json(row.report), row.created_at)
