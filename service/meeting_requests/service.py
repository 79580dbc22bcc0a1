"""Meeting requests and pair preferences (wishes and blocks).

A request moves from ``pending`` to ``accepted`` or ``declined`` (by the requested
participant), ``withdrawn`` (by the sender) or ``expired`` (nobody answered within the
event's ``request_expiry_hours``). Expiry is applied lazily: every read or write of an
event's requests, and every scheduler run, first expires what is due, so no background
job is needed.

One open request per pair is enforced by the database: ``pending_pair`` holds
``"low:high"`` while the request is pending and NULL afterwards, under a UNIQUE
constraint with the event id. Two racing senders, in either direction, cannot both
succeed.

Accepted requests become required meetings for the scheduler.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, func, select

from service.core.database import utcnow
from service.core.errors import conflict, invalid, not_found
from service.core.signals import Signal
from service.events.models import Event
from service.events.service import list_sessions, local_aware, slot_times
from service.meeting_requests.models import (
    MeetingRequest,
    MeetingRequestCreate,
    MeetingRequestPublic,
    PairPreference,
    PreferenceCreate,
    PreferenceKind,
    RequestStatus,
    pair_key,
)
from service.meetings.models import Meeting, MeetingStatus
from service.participants.models import Participant

# Sent in the transaction of the change, before its commit (core/signals.py): the
# notifications domain writes the e-mails they cause.
request_created = Signal("request_created")
request_answered = Signal("request_answered")


class Direction(StrEnum):
    incoming = "incoming"
    outgoing = "outgoing"


# ---------------------------------------------------------------- expiry


def expiry_time(request: MeetingRequest, event: Event) -> datetime:
    """When a pending request expires under the event's current setting: an organiser who
    shortens or lengthens the delay changes it for requests already sent, too."""
    return request.created_at + timedelta(hours=event.request_expiry_hours)


_REQUEST = MeetingRequest.__table__  # type: ignore[attr-defined]
# Built once: every answer and every new request runs it, and it nearly always finds
# nothing, so the check costs a Core query and objects are loaded only for what it finds.
_OVERDUE = sa.select(_REQUEST.c.id).where(
    _REQUEST.c.event_id == sa.bindparam("event"),
    _REQUEST.c.status == RequestStatus.pending,
    _REQUEST.c.created_at <= sa.bindparam("cutoff"),
)


def expire_stale_requests(*, session: Session, event: Event, commit: bool = True) -> int:
    """Marks the event's overdue pending requests ``expired`` and frees their pairs."""
    now = utcnow()
    cutoff = now - timedelta(hours=event.request_expiry_hours)
    session.flush()
    ids = session.execute(_OVERDUE, {"event": event.id, "cutoff": cutoff}).scalars().all()
    if not ids:
        return 0
    overdue = session.exec(
        select(MeetingRequest)
        .where(MeetingRequest.id.in_(ids))  # type: ignore[union-attr]
        .order_by(MeetingRequest.id)  # type: ignore[arg-type]
    ).all()
    for request in overdue:
        request.status = RequestStatus.expired
        request.expires_at = expiry_time(request, event)
        request.pending_pair = None
        request.updated_at = now
        session.add(request)
    if overdue:
        session.flush()
        if commit:
            session.commit()
    return len(overdue)


def request_public(request: MeetingRequest, event: Event) -> MeetingRequestPublic:
    expires_at = request.expires_at
    if request.status is RequestStatus.pending:
        expires_at = expiry_time(request, event)
    return MeetingRequestPublic.model_validate(
        request,
        update={
            "expires_at": expires_at,
            "proposed_times": [datetime.fromisoformat(t) for t in request.proposed_times or []],
            "unplaced_reason": request.unplaced_reason,
        },
    )


def slot_starts(*, session: Session, event: Event) -> dict[datetime, tuple[int, int]]:
    """Every b2b slot start of the event (UTC) -> (session id, slot number)."""
    starts: dict[datetime, tuple[int, int]] = {}
    for row in list_sessions(session=session, event_id=event.id):  # type: ignore[arg-type]
        for number, (start, _) in enumerate(slot_times(row), start=1):
            starts.setdefault(start.astimezone(UTC), (row.id, number))  # type: ignore[arg-type]
    return starts


def check_slot_start(
    *, session: Session, event: Event, value: datetime, field: str
) -> tuple[datetime, tuple[int, int]]:
    """The instant as UTC and its (session id, slot); 422 naming the field unless it is a
    slot start of one of the event's b2b sessions (a naive time is read in its zone)."""
    instant = local_aware(value, ZoneInfo(event.timezone)).astimezone(UTC)
    found = slot_starts(session=session, event=event).get(instant)
    if found is None:
        raise invalid(field, "is not the start of a meeting slot of the event's b2b sessions")
    return instant, found


# ---------------------------------------------------------------- pairs


def check_pair(
    *,
    session: Session,
    event: Event,
    from_id: int,
    to_id: int,
    enforce_sides: bool = True,
) -> tuple[Participant, Participant]:
    """Both participants belong to the event, differ, and (unless the event allows it)
    sit on opposite sides; otherwise a 422 naming the offending field."""
    if from_id == to_id:
        raise invalid("body.to_participant_id", "a participant cannot meet itself")
    sender = session.get(Participant, from_id)
    if sender is None or sender.event_id != event.id:
        raise invalid(
            "body.from_participant_id",
            f"participant {from_id} is not registered for event {event.id}",
        )
    recipient = session.get(Participant, to_id)
    if recipient is None or recipient.event_id != event.id:
        raise invalid(
            "body.to_participant_id",
            f"participant {to_id} is not registered for event {event.id}",
        )
    if enforce_sides and sender.side == recipient.side and not event.allow_same_side:
        raise invalid(
            "body.to_participant_id",
            f"both participants are on the {sender.side.value} side; this event pairs "
            "hosts with guests",
        )
    return sender, recipient


def _pair_clause(column_a: sa.ColumnElement, column_b: sa.ColumnElement, a: int, b: int):
    return sa.or_(sa.and_(column_a == a, column_b == b), sa.and_(column_a == b, column_b == a))


def live_meeting_between(*, session: Session, event_id: int, a: int, b: int) -> Meeting | None:
    return session.exec(
        select(Meeting).where(
            Meeting.event_id == event_id,
            Meeting.status == MeetingStatus.scheduled,
            _pair_clause(Meeting.participant_a_id, Meeting.participant_b_id, a, b),  # type: ignore[arg-type]
        )
    ).first()


def _accepted_unscheduled(
    *, session: Session, event_id: int, a: int, b: int
) -> MeetingRequest | None:
    """An accepted request of the pair still waiting for the scheduler (no meeting yet)."""
    has_meeting = select(Meeting.id).where(Meeting.request_id == MeetingRequest.id).exists()
    return session.exec(
        select(MeetingRequest).where(
            MeetingRequest.event_id == event_id,
            MeetingRequest.status == RequestStatus.accepted,
            _pair_clause(
                MeetingRequest.from_participant_id,  # type: ignore[arg-type]
                MeetingRequest.to_participant_id,  # type: ignore[arg-type]
                a,
                b,
            ),
            ~has_meeting,
        )
    ).first()


def _blocked(*, session: Session, event_id: int, a: int, b: int) -> bool:
    return (
        session.exec(
            select(PairPreference.id).where(
                PairPreference.event_id == event_id,
                PairPreference.kind == PreferenceKind.block,
                _pair_clause(
                    PairPreference.from_participant_id,  # type: ignore[arg-type]
                    PairPreference.to_participant_id,  # type: ignore[arg-type]
                    a,
                    b,
                ),
            )
        ).first()
        is not None
    )


def pending_outgoing(*, session: Session, event_id: int, participant_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(MeetingRequest)
        .where(
            MeetingRequest.event_id == event_id,
            MeetingRequest.from_participant_id == participant_id,
            MeetingRequest.status == RequestStatus.pending,
        )
    ).one()


# ---------------------------------------------------------------- requests


def create_request(*, session: Session, event: Event, data: MeetingRequestCreate) -> MeetingRequest:
    """A pending request. 422 for a bad pair, 409 when the pair already has an open
    request (either direction), a meeting, an accepted request waiting for the scheduler,
    or a block, and 409 when the sender has reached the event's cap on pending requests."""
    sender, recipient = check_pair(
        session=session, event=event, from_id=data.from_participant_id, to_id=data.to_participant_id
    )
    a, b = sender.id, recipient.id
    assert a is not None and b is not None
    expire_stale_requests(session=session, event=event, commit=False)
    if live_meeting_between(session=session, event_id=event.id, a=a, b=b) is not None:  # type: ignore[arg-type]
        raise conflict(
            "the two participants already have a meeting", field="body.to_participant_id"
        )
    if _accepted_unscheduled(session=session, event_id=event.id, a=a, b=b) is not None:  # type: ignore[arg-type]
        raise conflict(
            "a request between the two participants is already accepted and waits for the schedule",
            field="body.to_participant_id",
        )
    if _blocked(session=session, event_id=event.id, a=a, b=b):  # type: ignore[arg-type]
        raise conflict(
            "the participants do not take meeting requests from each other",
            field="body.to_participant_id",
        )
    pending = pending_outgoing(session=session, event_id=event.id, participant_id=a)  # type: ignore[arg-type]
    if pending >= event.max_pending_requests:
        raise conflict(
            f"participant {a} already has {pending} unanswered requests, the event's cap; "
            "wait for answers or withdraw one",
            field="body.from_participant_id",
        )
    proposed: list[str] = []
    for index, value in enumerate(data.proposed_times):
        instant, _ = check_slot_start(
            session=session, event=event, value=value, field=f"body.proposed_times.{index}"
        )
        if instant.isoformat() not in proposed:
            proposed.append(instant.isoformat())
    now = utcnow()
    request = MeetingRequest(
        event_id=event.id,  # type: ignore[arg-type]
        from_participant_id=a,
        to_participant_id=b,
        message=data.message,
        proposed_times=proposed or None,
        status=RequestStatus.pending,
        pending_pair=pair_key(a, b),
        expires_at=now + timedelta(hours=event.request_expiry_hours),
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    try:
        session.flush()
        request_created.send(session=session, event=event, request=request)
        session.commit()
    except sa.exc.IntegrityError as exc:
        # The UNIQUE(event_id, pending_pair) constraint: an open request of the pair exists,
        # whoever sent it, possibly committed a moment ago by a concurrent request.
        session.rollback()
        raise conflict(
            "an open request between the two participants already exists",
            field="body.to_participant_id",
        ) from exc
    session.refresh(request)
    return request


def get_request(*, session: Session, request_id: int) -> MeetingRequest:
    request = session.get(MeetingRequest, request_id)
    if request is None:
        raise not_found(f"meeting request {request_id}")
    return request


_TARGET = {
    "accept": RequestStatus.accepted,
    "decline": RequestStatus.declined,
    "withdraw": RequestStatus.withdrawn,
}


def answer_request(
    *, session: Session, event: Event, request: MeetingRequest, action: str, commit: bool = True
) -> MeetingRequest:
    """accept / decline / withdraw a pending request (409 for any other status). With
    ``commit=False`` the change is only flushed: live booking adds the meeting to the same
    transaction.

    The request's row is read again and locked (PostgreSQL; SQLite runs one writer at a
    time): of two answers at the same moment, the second waits for the first to commit
    and then finds the request answered (409), never answers it twice."""
    expire_stale_requests(session=session, event=event, commit=False)
    session.refresh(request, with_for_update=True)
    if request.status is not RequestStatus.pending:
        raise conflict(
            f"the request is {request.status.value}; only pending requests can be answered"
        )
    now = utcnow()
    request.status = _TARGET[action]
    request.pending_pair = None
    request.responded_at = now
    request.updated_at = now
    session.add(request)
    request_answered.send(session=session, event=event, request=request)
    if not commit:
        session.flush()
        return request
    session.commit()
    session.refresh(request)
    return request


def clear_unplaced_reasons(*, session: Session, request_ids: list[int]) -> None:
    """The requests now have a meeting: their live-booking reasons no longer hold."""
    if request_ids:
        session.execute(
            sa.update(MeetingRequest)
            .where(
                MeetingRequest.id.in_(request_ids),  # type: ignore[union-attr]
                MeetingRequest.unplaced_reason.is_not(None),  # type: ignore[union-attr]
            )
            .values(unplaced_reason=None)
        )


def set_unplaced_reason(
    *, session: Session, request: MeetingRequest, reason: dict[str, str] | None
) -> None:
    request.unplaced_reason = reason
    session.add(request)
    session.flush()


def list_requests(
    *,
    session: Session,
    event: Event,
    participant_id: int | None,
    status: RequestStatus | None,
    direction: Direction | None,
    limit: int,
    offset: int,
) -> tuple[list[MeetingRequest], int]:
    expire_stale_requests(session=session, event=event)
    statement = select(MeetingRequest).where(MeetingRequest.event_id == event.id)
    if participant_id is not None:
        outgoing = MeetingRequest.from_participant_id == participant_id
        incoming = MeetingRequest.to_participant_id == participant_id
        if direction is Direction.outgoing:
            statement = statement.where(outgoing)
        elif direction is Direction.incoming:
            statement = statement.where(incoming)
        else:
            statement = statement.where(sa.or_(outgoing, incoming))
    if status is not None:
        statement = statement.where(MeetingRequest.status == status)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(
        statement.order_by(MeetingRequest.created_at.desc(), MeetingRequest.id.desc())  # type: ignore[attr-defined,union-attr]
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def accepted_requests(*, session: Session, event_id: int) -> list[MeetingRequest]:
    return list(
        session.exec(
            select(MeetingRequest)
            .where(
                MeetingRequest.event_id == event_id,
                MeetingRequest.status == RequestStatus.accepted,
            )
            .order_by(MeetingRequest.id)  # type: ignore[arg-type]
        ).all()
    )


def declined_pairs(*, session: Session, event_id: int) -> set[str]:
    """Pairs where one side said no: never proposed again automatically."""
    rows = session.exec(
        select(MeetingRequest.from_participant_id, MeetingRequest.to_participant_id).where(
            MeetingRequest.event_id == event_id,
            MeetingRequest.status == RequestStatus.declined,
        )
    ).all()
    return {pair_key(a, b) for a, b in rows}


# ---------------------------------------------------------------- preferences


def set_preference(
    *, session: Session, event: Event, data: PreferenceCreate
) -> tuple[PairPreference, bool]:
    """Records a wish or a block (replacing the pair's earlier one); True when new.

    A block also closes the pair's pending requests: declined when the blocker was asked,
    withdrawn when the blocker had asked."""
    sender, recipient = check_pair(
        session=session,
        event=event,
        from_id=data.from_participant_id,
        to_id=data.to_participant_id,
        # Blocking someone of one's own side is harmless; wishing for them is pointless
        # where the event pairs only hosts with guests.
        enforce_sides=data.kind is PreferenceKind.wish,
    )
    row = session.exec(
        select(PairPreference).where(
            PairPreference.from_participant_id == sender.id,
            PairPreference.to_participant_id == recipient.id,
        )
    ).first()
    created = row is None
    if row is None:
        row = PairPreference(
            event_id=event.id,  # type: ignore[arg-type]
            from_participant_id=sender.id,  # type: ignore[arg-type]
            to_participant_id=recipient.id,  # type: ignore[arg-type]
            kind=data.kind,
        )
    else:
        row.kind = data.kind
    session.add(row)
    if data.kind is PreferenceKind.block:
        _close_pending_between(session=session, event=event, blocker=sender.id, other=recipient.id)  # type: ignore[arg-type]
    try:
        session.commit()
    except sa.exc.IntegrityError as exc:
        session.rollback()
        raise conflict("the preference was changed concurrently; retry") from exc
    session.refresh(row)
    return row, created


def _close_pending_between(*, session: Session, event: Event, blocker: int, other: int) -> None:
    now = utcnow()
    pending = session.exec(
        select(MeetingRequest).where(
            MeetingRequest.event_id == event.id,
            MeetingRequest.pending_pair == pair_key(blocker, other),
        )
    ).all()
    for request in pending:
        asked_blocker = request.to_participant_id == blocker
        request.status = RequestStatus.declined if asked_blocker else RequestStatus.withdrawn
        request.pending_pair = None
        request.responded_at = now
        request.updated_at = now
        session.add(request)


def get_preference(*, session: Session, event_id: int, preference_id: int) -> PairPreference:
    row = session.get(PairPreference, preference_id)
    if row is None or row.event_id != event_id:
        raise not_found(f"preference {preference_id}")
    return row


def delete_preference(*, session: Session, row: PairPreference) -> None:
    session.delete(row)
    session.commit()


def list_preferences(
    *,
    session: Session,
    event_id: int,
    participant_id: int | None,
    kind: PreferenceKind | None,
    limit: int,
    offset: int,
) -> tuple[list[PairPreference], int]:
    statement = select(PairPreference).where(PairPreference.event_id == event_id)
    if participant_id is not None:
        statement = statement.where(PairPreference.from_participant_id == participant_id)
    if kind is not None:
        statement = statement.where(PairPreference.kind == kind)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(
        statement.order_by(PairPreference.id).limit(limit).offset(offset)  # type: ignore[arg-type]
    ).all()
    return list(rows), total


def preferences_of_event(*, session: Session, event_id: int) -> list[PairPreference]:
    return list(
        session.exec(select(PairPreference).where(PairPreference.event_id == event_id)).all()
    )


# ---------------------------------------------------------------- what the suggestions read


def requests_stamp(*, session: Session, event_id: int) -> tuple:
    """Changes whenever a request of the event is made or answered."""
    return tuple(
        session.exec(
            select(func.count(), func.max(MeetingRequest.updated_at)).where(
                MeetingRequest.event_id == event_id
            )
        ).one()
    )


def preferences_stamp(*, session: Session, event_id: int) -> tuple:
    """Changes whenever a wish or block of the event is set or removed."""
    return tuple(
        session.exec(
            select(
                func.count(), func.max(PairPreference.created_at), func.sum(PairPreference.id)
            ).where(PairPreference.event_id == event_id)
        ).one()
    )


def open_requests(*, session: Session, event_id: int) -> list[MeetingRequest]:
    """Pending and accepted requests: each says its sender wants the meeting."""
    return list(
        session.exec(
            select(MeetingRequest).where(
                MeetingRequest.event_id == event_id,
                MeetingRequest.status.in_([RequestStatus.pending, RequestStatus.accepted]),  # type: ignore[attr-defined]
            )
        ).all()
    )


def request_status_by_partner(*, session: Session, participant_id: int) -> dict[int, str]:
    """The latest request status with each partner, either direction."""
    rows = session.exec(
        select(MeetingRequest)
        .where(
            sa.or_(
                MeetingRequest.from_participant_id == participant_id,
                MeetingRequest.to_participant_id == participant_id,
            )
        )
        .order_by(MeetingRequest.id)  # type: ignore[arg-type]
    ).all()
    status: dict[int, str] = {}
    for r in rows:
        partner = (
            r.to_participant_id
            if r.from_participant_id == participant_id
            else r.from_participant_id
        )
        status[partner] = r.status.value
    return status
