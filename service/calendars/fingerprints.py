"""Fingerprints of calendar feeds: one aggregate query over every row a feed shows.

Equal fingerprints mean equal feed bytes, so a stored body can be served (or a 304
answered) without loading the rows and serialising them again. Anything that changes a
feed's bytes must change its fingerprint: a new, moved, cancelled or aged-out meeting, a
renamed partner or session, an edited event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from service.events.models import Event, EventSession
from service.meetings.models import Meeting, MeetingStatus
from service.organizations.models import Organization
from service.participants.models import Participant

# A cancelled meeting stays in feeds (as STATUS:CANCELLED) this long after its
# cancellation, so every client polling in that time replaces its copy instead of keeping
# a stale confirmed one; afterwards the feed no longer carries it.
CANCELLED_RETENTION: Final = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class MeetingScope:
    """The meetings a feed shows: one participant's, or the event's (optionally one table
    or one interpreter language)."""

    event_id: int
    participant_id: int | None = None
    table_no: int | None = None
    language: str | None = None

    @property
    def kind(self) -> str:
        if self.participant_id is not None:
            return "participant"
        if self.table_no is not None:
            return "table"
        return "interpreter" if self.language is not None else "event"

    def params(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "participant_id": self.participant_id,
            "table_no": self.table_no,
            "language": self.language,
        }


# The statements below are built once per scope kind with bound parameters, so a request
# only supplies values: building and compiling them each time cost more than running
# them (about 0.2 ms on SQLite for a participant).


def scope_condition(kind: str) -> ColumnElement[bool]:
    if kind == "participant":
        # No event_id term: the participant implies the event, and this form lets the
        # database use the two participant indexes instead of scanning the event.
        return sa.or_(
            Meeting.participant_a_id == sa.bindparam("participant_id"),
            Meeting.participant_b_id == sa.bindparam("participant_id"),
        )
    terms: list[ColumnElement[bool]] = [Meeting.event_id == sa.bindparam("event_id")]  # type: ignore[list-item]
    if kind == "table":
        terms.append(Meeting.table_no == sa.bindparam("table_no"))  # type: ignore[arg-type]
    if kind == "interpreter":
        terms.append(Meeting.interpreter_language == sa.bindparam("language"))  # type: ignore[arg-type]
    return sa.and_(*terms)


def shown_condition() -> ColumnElement[bool]:
    """Live meetings, and cancelled ones until ``cutoff`` (now minus the retention)."""
    return sa.or_(
        Meeting.status == MeetingStatus.scheduled,  # type: ignore[arg-type]
        Meeting.updated_at >= sa.bindparam("cutoff"),  # type: ignore[operator]
    )


def _sessions_summary() -> sa.Subquery:
    return (
        sa.select(
            sa.func.count(EventSession.id).label("sessions"),
            sa.func.max(EventSession.updated_at).label("sessions_changed"),
            sa.func.coalesce(sa.func.sum(EventSession.id), 0).label("session_ids"),
        )
        .where(EventSession.event_id == sa.bindparam("event_id"))
        .subquery()
    )


@lru_cache(maxsize=8)
def _meetings_query(kind: str) -> sa.Select[Any]:
    """The fingerprint of a meeting feed: the meetings shown (count, latest change, sums
    of sequences and ids, which change when one enters or leaves), the latest aged-out
    cancellation, the two sides and their organisations, the event's sessions, and the
    viewer's own organisation."""
    in_scope = scope_condition(kind)
    shown = sa.and_(in_scope, shown_condition())
    meetings = (
        sa.select(
            sa.func.count(Meeting.id).label("meetings"),
            sa.func.max(Meeting.updated_at).label("meetings_changed"),
            sa.func.coalesce(sa.func.sum(Meeting.sequence), 0).label("sequences"),
            sa.func.coalesce(sa.func.sum(Meeting.id), 0).label("meeting_ids"),
            # The first shown cancellation to age out: the feed changes then by itself.
            sa.func.min(
                sa.case(
                    (Meeting.status == MeetingStatus.cancelled, Meeting.updated_at),  # type: ignore[arg-type]
                    else_=sa.null(),
                )
            ).label("oldest_cancelled"),
        )
        .where(shown)
        .subquery()
    )
    aged_out = (
        sa.select(sa.func.max(Meeting.updated_at).label("aged_out"))
        .where(
            in_scope,
            Meeting.status == MeetingStatus.cancelled,  # type: ignore[arg-type]
            Meeting.updated_at < sa.bindparam("cutoff"),  # type: ignore[operator]
        )
        .subquery()
    )
    sides = sa.union(
        sa.select(Meeting.participant_a_id).where(shown),
        sa.select(Meeting.participant_b_id).where(shown),
    )
    people = (
        sa.select(
            sa.func.max(Participant.updated_at).label("participants_changed"),
            sa.func.max(Organization.updated_at).label("organizations_changed"),
        )
        .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
        .where(Participant.id.in_(sides))  # type: ignore[union-attr]
        .subquery()
    )
    sessions = _sessions_summary()
    own = (
        sa.select(Organization.updated_at)
        .where(Organization.id == sa.bindparam("organization_id"))
        .scalar_subquery()
        .label("own_changed")
    )
    return sa.select(meetings, aged_out, people, sessions, own).select_from(
        meetings.join(aged_out, sa.true()).join(people, sa.true()).join(sessions, sa.true())
    )


_SESSIONS_QUERY: Final = sa.select(_sessions_summary())


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the feed's rows look like now; equal fingerprints mean equal feeds."""

    values: tuple[Any, ...]
    last_change: datetime
    # When the feed will change with no write: a shown cancellation ages out.
    changes_at: datetime | None = None


def _fingerprint_of(
    values: Sequence[Any],
    *,
    left_feed_at: datetime | None = None,
    changes_at: datetime | None = None,
) -> Fingerprint:
    stamps = [v for v in values if isinstance(v, datetime)]
    if left_feed_at is not None:
        stamps.append(left_feed_at)
    return Fingerprint(values=tuple(values), last_change=max(stamps), changes_at=changes_at)


def meetings_fingerprint(
    *,
    session: Session,
    event: Event,
    scope: MeetingScope,
    now: datetime,
    organization_id: int | None = None,
) -> Fingerprint:
    """One aggregate query over every row a meeting feed shows (see :func:`_meetings_query`)."""
    cutoff = now - CANCELLED_RETENTION
    row = (
        session.connection()
        .execute(
            _meetings_query(scope.kind),
            {**scope.params(), "cutoff": cutoff, "organization_id": organization_id},
        )
        .one()
    )
    aged, oldest = row.aged_out, row.oldest_cancelled
    return _fingerprint_of(
        (*tuple(row), event.updated_at),
        # The feed lost the latest aged-out cancellation when it aged out.
        left_feed_at=aged + CANCELLED_RETENTION if aged is not None else None,
        changes_at=oldest + CANCELLED_RETENTION if oldest is not None else None,
    )


def sessions_fingerprint(*, session: Session, event: Event) -> Fingerprint:
    row = session.connection().execute(_SESSIONS_QUERY, {"event_id": event.id}).one()
    return _fingerprint_of((*tuple(row), event.updated_at))
