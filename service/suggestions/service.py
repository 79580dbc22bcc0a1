"""Builds the matching library's index from an event's rows and keeps it current.

The index is cached per event in the process, keyed by a stamp of everything it was
built from (participants, their organisations, wishes and blocks, the event's weights):
any change to those rows changes the stamp and the next read rebuilds, so a suggestion is
never computed from a stale profile. Rows of other domains are read through their
services (participants, meeting requests), never queried here.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from matching.profiles import MatchConfig, PairPreferences, Profile
from matching.scoring import MatchIndex, Suggestion, build_index
from service.core.dependencies import shared
from service.events.models import Event
from service.meeting_requests import service as requests
from service.meeting_requests.models import PreferenceKind, RequestStatus
from service.organizations.models import Organization
from service.participants import service as participants
from service.participants.models import Participant
from service.reference.service import sector_names
from service.suggestions.models import IndexBuild

_CACHE_EVENTS = 16


@dataclass(frozen=True)
class EventMatching:
    index: MatchIndex
    participants: dict[int, Participant]
    organizations: dict[int, Organization]


class IndexCache:
    """A small LRU of indexes by event, safe across the server's threads; one per app,
    made by create_app and shared by the API and the pages. `builds` counts the indexes
    built, so an operator (and a test) can see that a schedule run reused one."""

    def __init__(self, size: int = _CACHE_EVENTS) -> None:
        self._entries: OrderedDict[int, tuple[tuple, EventMatching]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self.builds = 0

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
    return (
        *participants.participants_stamp(session=session, event_id=event.id),  # type: ignore[arg-type]
        requests.preferences_stamp(session=session, event_id=event.id),  # type: ignore[arg-type]
        requests.requests_stamp(session=session, event_id=event.id),  # type: ignore[arg-type]
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
    rows = requests.preferences_of_event(session=session, event_id=event_id)
    wishes = {
        (str(r.from_participant_id), str(r.to_participant_id))
        for r in rows
        if r.kind is PreferenceKind.wish
    }
    # A request says as much as a wish: the sender wants the meeting, and an accepting
    # partner wants it too.
    for r in requests.open_requests(session=session, event_id=event_id):
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


def event_matching(
    *,
    session: Session,
    event: Event,
    cache: IndexCache,
    phase: Callable[[str], None] | None = None,
) -> EventMatching:
    """The event's index, rebuilt only when something it depends on changed; `phase`
    hears "loading" and "building" when it is rebuilt (a background job's progress)."""
    stamp = _stamp(session, event)
    cached = cache.get(event.id, stamp)  # type: ignore[arg-type]
    if cached is not None:
        return cached
    if phase is not None:
        phase("loading")
    rows = participants.participants_with_organizations(session=session, event_id=event.id)  # type: ignore[arg-type]
    by_id = {p.id: p for p, _ in rows}
    organizations = {o.id: o for _, o in rows}
    if phase is not None:
        phase("building")
    index = build_index(
        [profile_of(p, o) for p, o in rows],
        config=match_config(event),
        preferences=_preferences(session, event.id),  # type: ignore[arg-type]
        sector_names=sector_names(session=session),
    )
    value = EventMatching(index=index, participants=by_id, organizations=organizations)  # type: ignore[arg-type]
    cache.builds += 1
    cache.put(event.id, stamp, value)  # type: ignore[arg-type]
    return value


def prepare_index(
    *,
    session: Session,
    event: Event,
    cache: IndexCache,
    phase: Callable[[str], None] | None = None,
) -> IndexBuild:
    """Build the event's index into `cache` now, unless it is current there already."""
    started = time.perf_counter()
    builds = cache.builds
    matching = event_matching(session=session, event=event, cache=cache, phase=phase)
    session.rollback()  # release the read transaction (SQLite: its snapshot)
    return IndexBuild(
        event_id=event.id,  # type: ignore[arg-type]
        participants=len(matching.participants),
        built=cache.builds > builds,
        seconds=round(time.perf_counter() - started, 3),
        process=f"{socket.gethostname()}:{os.getpid()}",
    )


def suggestions_for(
    *, session: Session, event: Event, participant_id: int, limit: int, cache: IndexCache
) -> tuple[EventMatching, list[Suggestion]]:
    matching = event_matching(session=session, event=event, cache=cache)
    return matching, matching.index.suggest(str(participant_id), limit=limit)


IndexCacheDep = Annotated[IndexCache, Depends(shared(IndexCache))]
