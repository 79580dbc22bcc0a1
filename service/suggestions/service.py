"""Builds the matching library's index from an event's rows and keeps it current.

The index is cached per event in the process, keyed by a stamp of everything it was
built from (participants, their organisations, wishes and blocks, the event's weights):
any change to those rows changes the stamp and the next read rebuilds, so a suggestion is
never computed from a stale profile.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, func, select

from matching.profiles import MatchConfig, PairPreferences, Profile
from matching.scoring import MatchIndex, Suggestion, build_index
from service.events.models import Event
from service.meeting_requests.models import (
    MeetingRequest,
    PairPreference,
    PreferenceKind,
    RequestStatus,
)
from service.organizations.models import Organization
from service.participants.models import Participant
from service.reference.service import sector_names

_CACHE_EVENTS = 16


@dataclass(frozen=True)
class EventMatching:
    index: MatchIndex
    participants: dict[int, Participant]
    organizations: dict[int, Organization]


class IndexCache:
    """A small LRU of indexes by event, safe across the server's threads."""

    def __init__(self, size: int = _CACHE_EVENTS) -> None:
        self._entries: OrderedDict[int, tuple[tuple, EventMatching]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, event_id: int, stamp: tuple) -> EventMatching | None:
        with self._lock:
            entry = self._entries.get(event_id)
            if entry is None or entry[0] != stamp:
                return None
            self._entries.move_to_end(event_id)
            return entry[1]

    def put(self, event_id: int, stamp: tuple, value: EventMatching) -> None:
        with self._lock:
            self._entries[event_id] = (stamp, value)
            self._entries.move_to_end(event_id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


def _stamp(session: Session, event: Event) -> tuple:
    participants = session.exec(
        select(func.count(), func.max(Participant.updated_at), func.sum(Participant.id)).where(
            Participant.event_id == event.id
        )
    ).one()
    organizations = session.exec(
        select(func.max(Organization.updated_at))
        .join(Participant, Participant.organization_id == Organization.id)  # type: ignore[arg-type]
        .where(Participant.event_id == event.id)
    ).one()
    preferences = session.exec(
        select(
            func.count(), func.max(PairPreference.created_at), func.sum(PairPreference.id)
        ).where(PairPreference.event_id == event.id)
    ).one()
    requests = session.exec(
        select(func.count(), func.max(MeetingRequest.updated_at)).where(
            MeetingRequest.event_id == event.id
        )
    ).one()
    return (
        tuple(participants),
        organizations,
        tuple(preferences),
        tuple(requests),
        event.updated_at,
    )


def profile_of(participant: Participant, org: Organization) -> Profile:
    return Profile(
        id=str(participant.id),
        side=participant.side.value,  # type: ignore[arg-type]
        organization_id=str(org.id),
        kind=org.kind.value,  # type: ignore[arg-type]
        name=org.name,
        country=org.country,
        province_code=org.province_code,
        sectors=tuple(org.sectors),
        offers=org.offers or "",
        needs=org.needs or "",
        languages=tuple(org.languages),
        investment_usd=org.investment_usd,
        fdi_target_usd=org.fdi_target_usd,
        industrial_land_ha=org.industrial_land_ha,
        projects=org.projects,
    )


def match_config(event: Event) -> MatchConfig:
    weights = event.match_weights or {}
    return MatchConfig(**weights, allow_same_side=event.allow_same_side)


def _preferences(session: Session, event_id: int) -> PairPreferences:
    rows = session.exec(select(PairPreference).where(PairPreference.event_id == event_id)).all()
    wishes = {
        (str(r.from_participant_id), str(r.to_participant_id))
        for r in rows
        if r.kind is PreferenceKind.wish
    }
    # A request says as much as a wish: the sender wants the meeting, and an accepting
    # partner wants it too.
    requests = session.exec(
        select(MeetingRequest).where(
            MeetingRequest.event_id == event_id,
            MeetingRequest.status.in_([RequestStatus.pending, RequestStatus.accepted]),  # type: ignore[attr-defined]
        )
    ).all()
    for r in requests:
        wishes.add((str(r.from_participant_id), str(r.to_participant_id)))
        if r.status is RequestStatus.accepted:
            wishes.add((str(r.to_participant_id), str(r.from_participant_id)))
    return PairPreferences.of(
        wishes=sorted(wishes),
        blocked=[
            (str(r.from_participant_id), str(r.to_participant_id))
            for r in rows
            if r.kind is PreferenceKind.block
        ],
    )


def event_matching(*, session: Session, event: Event, cache: IndexCache) -> EventMatching:
    """The event's index, rebuilt only when something it depends on changed."""
    stamp = _stamp(session, event)
    cached = cache.get(event.id, stamp)  # type: ignore[arg-type]
    if cached is not None:
        return cached
    rows = session.exec(
        select(Participant, Organization)
        .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
        .where(Participant.event_id == event.id)
        .order_by(Participant.id)  # type: ignore[arg-type]
    ).all()
    participants = {p.id: p for p, _ in rows}
    organizations = {o.id: o for _, o in rows}
    index = build_index(
        [profile_of(p, o) for p, o in rows],
        config=match_config(event),
        preferences=_preferences(session, event.id),  # type: ignore[arg-type]
        sector_names=sector_names(session=session),
    )
    value = EventMatching(index=index, participants=participants, organizations=organizations)  # type: ignore[arg-type]
    cache.put(event.id, stamp, value)  # type: ignore[arg-type]
    return value


def suggestions_for(
    *, session: Session, event: Event, participant_id: int, limit: int, cache: IndexCache
) -> tuple[EventMatching, list[Suggestion]]:
    matching = event_matching(session=session, event=event, cache=cache)
    return matching, matching.index.suggest(str(participant_id), limit=limit)


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
