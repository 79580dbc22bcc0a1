"""What a participant's personal page shows, gathered from the domain services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from service.booking.service import availability
from service.calendars.service import addresses, participant_feed_url
from service.core import i18n
from service.events.models import BookingMode, Event
from service.meeting_requests.models import RequestStatus
from service.meeting_requests.service import (
    Direction,
    list_requests,
    request_public,
    request_status_by_partner,
)
from service.organizations.models import Organization
from service.pages.agenda_view import AgendaDay, Counterpart, counterparts
from service.participants.models import Participant
from service.participants.service import list_participants
from service.reference.models import Province
from service.reference.service import sector_names
from service.suggestions.service import IndexCache, suggestions_for

# Requests that still tie a pair: no new request is possible while one of these stands.
OPEN_STATUSES = (RequestStatus.pending.value, RequestStatus.accepted.value)
MAX_LISTED = 500
SUGGESTIONS_SHOWN = 10


@dataclass(frozen=True)
class Profile:
    org: Organization
    province_name: str | None
    sectors: list[tuple[str, str]]  # (code, name in the page's language)


@dataclass(frozen=True)
class RequestView:
    id: int
    status: str
    counterpart: Counterpart
    message: str | None
    expires_at: datetime | None
    unplaced_reason: tuple[str, str] | None = None  # (vi, en): live booking found no time
    proposed: tuple[datetime, ...] = ()  # the sender's proposed times


@dataclass(frozen=True)
class TimeOption:
    value: str  # ISO 8601, what the form sends back
    starts_at: datetime
    proposed: bool  # one of the times the sender proposed


FREE_TIMES_SHOWN = 8


def free_times(
    *,
    session: Session,
    event: Event,
    participant: Participant,
    partner_id: int,
    proposed: list[datetime] | None = None,
) -> list[TimeOption]:
    """In a live-booking event, the common free times with the partner (the sender's
    proposals first, then in time order); empty otherwise."""
    if event.booking_mode is not BookingMode.live:
        return []
    partner = session.get(Participant, partner_id)
    if partner is None:
        return []
    found = availability(session=session, event=event, a=participant, b=partner)
    wanted = set(proposed or [])
    options = [
        TimeOption(f.slot.starts_at.isoformat(), f.slot.starts_at, f.slot.starts_at in wanted)
        for f in found.free
    ]
    options.sort(key=lambda o: (not o.proposed, o.starts_at))
    return options[:FREE_TIMES_SHOWN]


@dataclass(frozen=True)
class Requests:
    incoming: list[RequestView]
    outgoing: list[RequestView]


@dataclass(frozen=True)
class SuggestionView:
    participant_id: int
    name: str
    name_en: str | None
    country: str
    sectors: list[str]
    score: float
    reasons: list[tuple[str, str]]  # (Vietnamese, English)
    request_status: str | None
    can_request: bool


def profile(*, session: Session, participant: Participant, lang: str) -> Profile:
    org = session.get(Organization, participant.organization_id)
    assert org is not None  # participant.organization_id is a foreign key
    province = session.get(Province, org.province_code) if org.province_code else None
    names = sector_names(session=session) if org.sectors else {}
    sectors = [
        (code, names[code][0 if lang == "vi" else 1] if code in names else "")
        for code in org.sectors
    ]
    return Profile(org, province.name if province else None, sectors)


def own_language(*, session: Session, participant: Participant) -> str:
    """The language the participant's page opens in: Vietnamese for a Vietnamese
    organisation, the organisation's own language when there is a catalogue for it, else
    English (a Korean firm reads English until a Korean catalogue is added)."""
    org = session.get(Organization, participant.organization_id)
    return i18n.language_of_country(org.country if org else None)


def calendar_links(*, public_url: str, token: str) -> tuple[str, str]:
    """(https download URL, webcal:// subscription URL) of the participant's own feed."""
    links = addresses(participant_feed_url(public_url, token))
    return links.calendar_url, links.webcal_url


def requests_of(*, session: Session, event: Event, participant: Participant) -> Requests:
    lists: dict[Direction, list] = {}
    for direction in Direction:
        rows, _ = list_requests(
            session=session,
            event=event,
            participant_id=participant.id,
            status=None,
            direction=direction,
            limit=MAX_LISTED,
            offset=0,
        )
        lists[direction] = [request_public(r, event) for r in rows]
    people = counterparts(
        session=session,
        participant_ids={
            p
            for rows in lists.values()
            for r in rows
            for p in (r.from_participant_id, r.to_participant_id)
        },
    )

    def view(r, other: int) -> RequestView:
        reason = r.unplaced_reason
        return RequestView(
            r.id,
            r.status.value,
            people[other],
            r.message,
            r.expires_at,
            (reason.vi, reason.en) if reason and r.status is RequestStatus.accepted else None,
            tuple(r.proposed_times),
        )

    return Requests(
        incoming=[view(r, r.from_participant_id) for r in lists[Direction.incoming]],
        outgoing=[view(r, r.to_participant_id) for r in lists[Direction.outgoing]],
    )


def directory(
    *, session: Session, event: Event, participant: Participant, exclude: set[int]
) -> list[Counterpart]:
    """Everyone the participant may ask for a meeting: the other side (either side where
    the event allows it), minus itself and the excluded ids, by name."""
    side = None if event.allow_same_side else participant.side
    rows, _ = list_participants(
        session=session,
        event_id=event.id,
        side=None,
        limit=5000,
        offset=0,  # type: ignore[arg-type]
    )
    people = [
        Counterpart(p.id, o.name, o.name_en, o.country)  # type: ignore[arg-type]
        for p, o in rows
        if p.id != participant.id and p.id not in exclude and (side is None or p.side != side)
    ]
    return sorted(people, key=lambda c: c.name.casefold())


def suggestions(
    *,
    session: Session,
    event: Event,
    participant: Participant,
    cache: IndexCache,
    met: set[int],
    limit: int = SUGGESTIONS_SHOWN,
) -> list[SuggestionView]:
    """The ranked partners of the suggestion service, each with whether a request can
    still be sent: not while one is pending or accepted, nor to someone already met."""
    matching, found = suggestions_for(
        session=session,
        event=event,
        participant_id=participant.id,  # type: ignore[arg-type]
        limit=limit,
        cache=cache,
    )
    statuses = request_status_by_partner(session=session, participant_id=participant.id)  # type: ignore[arg-type]
    views = []
    for suggestion in found:
        partner = matching.participants[int(suggestion.partner_id)]
        org = matching.organizations[partner.organization_id]
        status = statuses.get(partner.id)  # type: ignore[arg-type]
        views.append(
            SuggestionView(
                participant_id=partner.id,  # type: ignore[arg-type]
                name=org.name,
                name_en=org.name_en,
                country=org.country,
                sectors=list(org.sectors),
                score=suggestion.score,
                reasons=[(reason.vi, reason.en) for reason in suggestion.reasons],
                request_status=status,
                can_request=status not in OPEN_STATUSES and partner.id not in met,
            )
        )
    return views


def open_requests_with(*, session: Session, participant: Participant) -> set[int]:
    """Partners with a pending or accepted request, either way."""
    statuses = request_status_by_partner(session=session, participant_id=participant.id)  # type: ignore[arg-type]
    return {partner for partner, status in statuses.items() if status in OPEN_STATUSES}


def has_meetings(days: list[AgendaDay]) -> bool:
    return any(item.kind == "meeting" for day in days for item in day.items)
