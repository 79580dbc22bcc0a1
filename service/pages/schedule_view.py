"""The scheduler's report as the organisers read it: who moves where, what is left out.

The last report of each event is on record (``service.scheduling.runs``), so the
dashboard of every server process can say why required meetings are still unplaced.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from service.core.database import utcnow
from service.events.models import Event
from service.events.service import list_sessions
from service.meetings.service import table_name
from service.pages.agenda_view import Counterpart, counterparts
from service.scheduling.models import SchedulePlace, ScheduleReport
from service.scheduling.runs import LastRun


@dataclass(frozen=True)
class PlaceView:
    session_title: str
    session_title_en: str | None
    slot: int
    table: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ChangeView:
    action: str  # add | move | cancel
    a: Counterpart | None
    b: Counterpart | None
    before: PlaceView | None
    after: PlaceView | None
    required: bool
    interpreter_language: str | None


@dataclass(frozen=True)
class UnplacedView:
    a: Counterpart | None
    b: Counterpart | None
    reason: str


def unplaced_reasons(run: LastRun | None) -> dict[int, str]:
    """The reason each accepted request was left out, by request id."""
    if run is None:
        return {}
    return {u.request_id: u.reason for u in run.report.unplaced if u.request_id is not None}


def fingerprint(report: ScheduleReport) -> str:
    """What a run would change, as a short digest: equal digests, equal outcomes."""
    outcome = sorted(
        (
            c.action,
            sorted(c.participants),
            (c.to.session_id, c.to.slot, c.to.table) if c.to else None,
        )
        for c in report.changes
        if c.action != "keep"
    )
    unplaced = sorted(u.pair for u in report.unplaced)
    digest = hashlib.sha256(json.dumps([outcome, unplaced]).encode()).hexdigest()
    return digest[:32]


def describe_changes(*, session: Session, event: Event, report: ScheduleReport) -> list[ChangeView]:
    """The changes a run makes, kept meetings left out, in time order of their new place."""
    sessions = {s.id: s for s in list_sessions(session=session, event_id=event.id)}  # type: ignore[arg-type]
    changes = [c for c in report.changes if c.action != "keep"]
    people = counterparts(
        session=session, participant_ids={p for c in changes for p in c.participants}
    )

    def place(value: SchedulePlace | None) -> PlaceView | None:
        if value is None or value.session_id not in sessions:
            return None
        event_session = sessions[value.session_id]
        return PlaceView(
            event_session.title,
            event_session.title_en,
            value.slot,
            table_name(event_session, value.table),
            value.starts_at,
            value.ends_at,
        )

    views = [
        ChangeView(
            action=c.action,
            a=people.get(c.participants[0]),
            b=people.get(c.participants[1]),
            before=place(c.from_),
            after=place(c.to),
            required=c.required,
            interpreter_language=c.interpreter_language,
        )
        for c in changes
    ]
    order = {"cancel": 0, "move": 1, "add": 2}
    return sorted(
        views,
        key=lambda v: (
            order.get(v.action, 3),
            (v.after or v.before).starts_at if (v.after or v.before) else utcnow(),
        ),
    )


def describe_unplaced(*, session: Session, report: ScheduleReport) -> list[UnplacedView]:
    people = counterparts(
        session=session, participant_ids={p for u in report.unplaced for p in u.participants}
    )
    return [
        UnplacedView(people.get(u.participants[0]), people.get(u.participants[1]), u.reason)
        for u in report.unplaced
    ]
