"""Participant service functions."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, func, select

from service.core.database import utcnow
from service.core.errors import conflict, invalid, not_found
from service.core.security import hash_token, new_token
from service.core.settings import Settings
from service.core.signals import Signal
from service.events.models import Event
from service.events.service import local_aware
from service.kit.folding import search_key, words_match
from service.organizations.models import Organization
from service.participants.models import (
    Interval,
    Participant,
    ParticipantCreate,
    ParticipantPublic,
    ParticipantUpdate,
    ParticipantWithToken,
    Side,
    participant_links,
)

# Sent in the registering or updating transaction, before its commit (core/signals.py):
# the notifications domain writes the welcome e-mail and stores the e-mail choices.
participant_registered = Signal("participant_registered")
notifications_chosen = Signal("notifications_chosen")


def side_for_country(country: str) -> Side:
    return Side.host if country.upper() == "VN" else Side.guest


def _intervals_utc(intervals: list[Interval], tz: ZoneInfo) -> list[dict]:
    return [
        {
            "start": local_aware(i.start, tz).astimezone(UTC).isoformat(),
            "end": local_aware(i.end, tz).astimezone(UTC).isoformat(),
        }
        for i in intervals
    ]


def create_participant(
    *, session: Session, event: Event, data: ParticipantCreate, settings: Settings | None = None
) -> tuple[Participant, str]:
    """Registers the organisation for the event; returns the row and its token, which is
    stored only as a hash and so can be shown this once. The welcome e-mail (personal
    link, calendar subscription) is queued in the same transaction."""
    org = session.get(Organization, data.organization_id)
    if org is None:
        raise invalid("body.organization_id", f"unknown organization {data.organization_id}")
    token = new_token("mxp")
    participant = Participant(
        event_id=event.id,  # type: ignore[arg-type]
        organization_id=org.id,  # type: ignore[arg-type]
        side=data.side or side_for_country(org.country),
        delegates=[d.model_dump(mode="json") for d in data.delegates],
        unavailable=_intervals_utc(data.unavailable, ZoneInfo(event.timezone)),
        max_meetings=data.max_meetings,
        attends_plenary=data.attends_plenary,
        token_hash=hash_token(token),
    )
    participant.search_text = delegate_search_text(participant.delegates)
    session.add(participant)
    try:
        session.flush()
        participant_registered.send(
            session=session,
            event=event,
            participant=participant,
            organization=org,
            token=token,
            settings=settings,
        )
        session.commit()
    except sa.exc.IntegrityError as exc:
        session.rollback()
        raise conflict(
            f"organization {org.id} is already registered for event {event.id}",
            field="body.organization_id",
        ) from exc
    session.refresh(participant)
    return participant, token


def rotate_token(*, session: Session, participant: Participant) -> str:
    """A new token; the old one (and its calendar address) stops working at once."""
    token = new_token("mxp")
    participant.token_hash = hash_token(token)
    participant.updated_at = utcnow()
    session.add(participant)
    session.commit()
    session.refresh(participant)
    return token


def update_participant(
    *, session: Session, event: Event, participant: Participant, data: ParticipantUpdate
) -> Participant:
    changes = data.model_dump(exclude_unset=True)
    if "delegates" in changes and data.delegates is not None:
        participant.delegates = [d.model_dump(mode="json") for d in data.delegates]
        participant.search_text = delegate_search_text(participant.delegates)
    if "unavailable" in changes and data.unavailable is not None:
        participant.unavailable = _intervals_utc(data.unavailable, ZoneInfo(event.timezone))
    for key in ("side", "max_meetings", "attends_plenary"):
        if key in changes and (changes[key] is not None or key == "max_meetings"):
            setattr(participant, key, changes[key])
    if data.notifications is not None:
        notifications_chosen.send(
            session=session,
            participant_id=participant.id,
            changes=data.notifications,
        )
    participant.updated_at = utcnow()
    session.add(participant)
    session.commit()
    session.refresh(participant)
    return participant


def get_participant(*, session: Session, event_id: int, participant_id: int) -> Participant:
    participant = session.get(Participant, participant_id)
    if participant is None or participant.event_id != event_id:
        raise not_found(f"participant {participant_id}")
    return participant


def lock_participants(*, session: Session, participant_ids: list[int]) -> dict[int, Participant]:
    """The participants read afresh and locked until the transaction ends, so that a
    decision made from their meetings (a free slot, ``max_meetings``) still holds when it
    is written: a concurrent transaction locking any of them waits for this one's commit.

    PostgreSQL: FOR NO KEY UPDATE, taken in id order (two transactions locking overlapping
    pairs cannot deadlock), which still lets others insert rows that reference them.
    SQLite runs one writer at a time: a plain read."""
    rows = session.exec(
        select(Participant)
        .where(Participant.id.in_(sorted(set(participant_ids))))  # type: ignore[union-attr]
        .order_by(Participant.id)  # type: ignore[arg-type]
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).all()
    return {p.id: p for p in rows}  # type: ignore[misc]


def lock_event_participants(*, session: Session, event_id: int) -> None:
    """Every participant of the event locked as :func:`lock_participants` does, in the
    same order: a scheduler storing its plan excludes live bookings meanwhile."""
    session.execute(
        sa.select(Participant.id)
        .where(Participant.event_id == event_id)
        .order_by(Participant.id)  # type: ignore[arg-type]
        .with_for_update(key_share=True)
    ).all()


def delegate_search_text(delegates: list[dict]) -> str:
    """The folded names and titles of the delegates, searched beside the organisation's key."""
    return search_key(*(f"{d.get('name') or ''} {d.get('title') or ''}" for d in delegates))[:2000]


def list_participants(
    *,
    session: Session,
    event_id: int,
    side: Side | None,
    limit: int,
    offset: int,
    query: str | None = None,
) -> tuple[list[tuple[Participant, Organization]], int]:
    statement = (
        select(Participant, Organization)
        .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
        .where(Participant.event_id == event_id)
    )
    condition = words_match(query or "", Organization.search_text, Participant.search_text)  # type: ignore[arg-type]
    if condition is not None:
        statement = statement.where(condition)
    if side is not None:
        statement = statement.where(Participant.side == side)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(
        statement.order_by(Participant.id).limit(limit).offset(offset)  # type: ignore[arg-type]
    ).all()
    return [(p, o) for p, o in rows], total


def participant_public(
    participant: Participant, org: Organization | None, *, with_contacts: bool = True
) -> ParticipantPublic:
    delegates = participant.delegates
    if not with_contacts:
        delegates = [{**d, "email": None} for d in delegates]
    return ParticipantPublic.model_validate(
        participant,
        update={
            "organization_name": org.name if org else None,
            "country": org.country if org else None,
            "delegates": delegates,
        },
    )


def participant_with_token(
    *, participant: Participant, org: Organization | None, token: str, public_url: str
) -> ParticipantWithToken:
    page_url, calendar_url = participant_links(token=token, public_url=public_url)
    base = participant_public(participant, org)
    return ParticipantWithToken(
        **base.model_dump(),
        token=token,
        calendar_url=calendar_url,
        webcal_url="webcal://" + calendar_url.split("://", 1)[1],
        page_url=page_url,
    )


def participants_stamp(*, session: Session, event_id: int) -> tuple:
    """Changes whenever a participant of the event, or its organisation, changes."""
    participants = session.exec(
        select(func.count(), func.max(Participant.updated_at), func.sum(Participant.id)).where(
            Participant.event_id == event_id
        )
    ).one()
    organizations = session.exec(
        select(func.max(Organization.updated_at))
        .join(Participant, Participant.organization_id == Organization.id)  # type: ignore[arg-type]
        .where(Participant.event_id == event_id)
    ).one()
    return (tuple(participants), organizations)


def participants_with_organizations(
    *, session: Session, event_id: int
) -> list[tuple[Participant, Organization]]:
    """Every participant of the event with its organisation, by participant id."""
    return list(
        session.exec(
            select(Participant, Organization)
            .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
            .where(Participant.event_id == event_id)
            .order_by(Participant.id)  # type: ignore[arg-type]
        ).all()
    )
