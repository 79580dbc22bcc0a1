"""Calendar feeds read from the database, rebuilt only when the rows they show change.

Calendar clients poll a subscription every few minutes to hours, nearly always to find it
unchanged. So each feed is served in two steps:

1. its fingerprint (:mod:`service.calendars.fingerprints`): one aggregate query over
   every row the feed shows;
2. the body, from the :class:`FeedCache` when it was built for that fingerprint, else
   built with :mod:`service.calendars.ics` and stored.

A stored body also remembers the data version (:mod:`service.changes`) it was last
checked at: a request that finds the version unchanged serves it (or answers 304) after
one indexed read, without the fingerprint query.

The ETag is still the hash of the body (:func:`feed_etag`), so it is strong and the same
in every server process; the fingerprint only decides whether a stored body is current.
The cache key also holds what the fingerprint cannot see: the refresh interval (it
depends on the date) and the public URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from service.calendars.entries import (
    MeetingContext,
    MeetingSide,
    bilingual,
    delegate_addresses,
    interpreter_label,
    meeting_entry,
    session_entry,
)
from service.calendars.feed_cache import Feed, FeedCache, lookup
from service.calendars.fingerprints import (
    CANCELLED_RETENTION,
    MeetingScope,
    meetings_fingerprint,
    scope_condition,
    sessions_fingerprint,
    shown_condition,
)
from service.calendars.ics import (
    CalendarEntry,
    build_feed,
    build_invitation,
    feed_etag,
    feed_last_modified,
    webcal_url,
)
from service.changes.service import version_column
from service.changes.versioned_cache import Checked
from service.core.errors import ProblemError
from service.core.i18n import gettext, vi_en, vi_en_each
from service.core.security import lookup_hash
from service.events.models import Event, EventSession, SessionKind
from service.events.service import list_sessions
from service.meetings.models import Meeting
from service.organizations.models import Organization
from service.participants.models import Participant

# Refresh hints (REFRESH-INTERVAL, X-PUBLISHED-TTL): often around the event, when tables
# and times move, rarely otherwise.
REFRESH_MINUTES_NEAR_EVENT: Final = 30
REFRESH_MINUTES_OTHERWISE: Final = 6 * 60
NEAR_EVENT_BEFORE: Final = timedelta(days=7)

FEED_PREFIX: Final = "MeetX"

# ---------------------------------------------------------------- addresses


def uid_host(public_url: str) -> str:
    """The domain part of calendar UIDs: the public host, without port."""
    return urlsplit(public_url).hostname or "meetx.invalid"


def noreply_address(public_url: str) -> str:
    return f"noreply@{uid_host(public_url)}"


def event_page_url(public_url: str, event_id: int) -> str:
    # Feeds link here rather than to the participant's page: a feed body must never carry
    # the participant's token, since feeds get forwarded and imported into shared calendars.
    return f"{public_url}/events/{event_id}"


def participant_feed_url(public_url: str, token: str) -> str:
    return f"{public_url}/api/v1/calendars/{token}.ics"


@dataclass(frozen=True, slots=True)
class FeedAddresses:
    calendar_url: str
    webcal_url: str


def addresses(calendar_url: str) -> FeedAddresses:
    return FeedAddresses(calendar_url=calendar_url, webcal_url=webcal_url(calendar_url))


# ---------------------------------------------------------------- building


def refresh_minutes(event: Event, now: datetime) -> int:
    """How often clients should refresh: every 30 minutes from a week before the event to
    its last day (in the event's zone), every 6 hours otherwise."""
    today = now.astimezone(ZoneInfo(event.timezone)).date()
    if event.start_date - NEAR_EVENT_BEFORE <= today <= event.end_date:
        return REFRESH_MINUTES_NEAR_EVENT
    return REFRESH_MINUTES_OTHERWISE


def refresh_changes_at(event: Event, now: datetime) -> datetime | None:
    """The next instant :func:`refresh_minutes` gives another answer: local midnight
    starting the week before the event, or ending its last day; None when both are past."""
    zone = ZoneInfo(event.timezone)
    boundaries = (event.start_date - NEAR_EVENT_BEFORE, event.end_date + timedelta(days=1))
    instants = (datetime.combine(day, datetime.min.time(), tzinfo=zone) for day in boundaries)
    return min((t for t in instants if t > now), default=None)


def _checked(
    version: int | None, event: Event, now: datetime, *changes_at: datetime | None
) -> Checked | None:
    """What lets the next request trust the stored body without a fingerprint."""
    if version is None:
        return None
    moments = [t for t in (refresh_changes_at(event, now), *changes_at) if t is not None]
    return Checked(version=version, fresh_until=min(moments, default=None))


def _load_meetings(session: Session, scope: MeetingScope, cutoff: datetime) -> list[Meeting]:
    shown = sa.and_(scope_condition(scope.kind), shown_condition())
    statement = select(Meeting).where(shown).params(**scope.params(), cutoff=cutoff)
    return list(session.exec(statement).all())


def _load_sides(session: Session, participant_ids: set[int]) -> dict[int, MeetingSide]:
    if not participant_ids:
        return {}
    rows = session.exec(
        select(Participant, Organization)
        .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
        .where(Participant.id.in_(sorted(participant_ids)))  # type: ignore[union-attr]
    ).all()
    return {p.id: MeetingSide(p, o) for p, o in rows}  # type: ignore[misc]


def _meeting_entries(
    *,
    session: Session,
    event: Event,
    meetings: Sequence[Meeting],
    sessions: dict[int, EventSession],
    public_url: str,
    viewer_id: int | None,
) -> list[CalendarEntry]:
    sides = _load_sides(
        session, {p for m in meetings for p in (m.participant_a_id, m.participant_b_id)}
    )
    host = uid_host(public_url)
    url = event_page_url(public_url, event.id)  # type: ignore[arg-type]
    return [
        meeting_entry(
            m,
            MeetingContext(
                event=event,
                event_session=sessions[m.session_id],
                a=sides[m.participant_a_id],
                b=sides[m.participant_b_id],
                uid_host=host,
                event_url=url,
            ),
            viewer_id=viewer_id,
            alarm=viewer_id is not None,
        )
        for m in meetings
    ]


def _feed(
    *,
    name: str,
    description: str,
    event: Event,
    entries: Sequence[CalendarEntry],
    refresh: int,
    changed: datetime,
    filename: str,
) -> Feed:
    """Serialise as a PUBLISH feed; ``changed`` is the latest change of anything it shows,
    entries or not (a removed entry changes no remaining one)."""
    body = build_feed(
        name=name,
        description=description,
        timezone=event.timezone,
        entries=entries,
        refresh_minutes=refresh,
        method="PUBLISH",
    )
    return Feed(
        body=body,
        etag=feed_etag(body),
        last_modified=feed_last_modified(entries, default=changed),
        filename=filename,
    )


def programme_feed(
    *,
    session: Session,
    event: Event,
    public_url: str,
    now: datetime,
    cache: FeedCache | None,
    version: int | None = None,
) -> Feed:
    """The event's public programme: every session, whatever its kind. ``version`` is the
    data version read before the event row (see :mod:`service.changes`)."""
    fingerprint = sessions_fingerprint(session=session, event=event)
    refresh = refresh_minutes(event, now)

    def build() -> Feed:
        host = uid_host(public_url)
        url = event_page_url(public_url, event.id)  # type: ignore[arg-type]
        entries = [
            session_entry(row, event=event, uid_host=host, event_url=url)
            for row in list_sessions(session=session, event_id=event.id)  # type: ignore[arg-type]
        ]
        return _feed(
            name=f"{FEED_PREFIX} – {event.name}",
            description=vi_en("cal.programme") + ": " + bilingual(event.name, event.name_en),
            event=event,
            entries=entries,
            refresh=refresh,
            changed=fingerprint.last_change,
            filename=f"meetx-{event.id}-programme.ics",
        )

    key = programme_key(event.id, public_url)  # type: ignore[arg-type]
    return lookup(cache)(key, (refresh, fingerprint), build, _checked(version, event, now))


def programme_key(event_id: int, public_url: str) -> tuple[str, int, str]:
    return ("programme", event_id, public_url)


def _attends(participant: Participant, row: EventSession) -> bool:
    # Plenaries only for participants that attend them; networking is open to everyone.
    # B2B frames are left out (the meetings themselves are listed) and so are site visits,
    # which need a registration the service does not record.
    if row.kind is SessionKind.plenary:
        return participant.attends_plenary
    return row.kind is SessionKind.networking


def participant_feed(
    *,
    session: Session,
    participant: Participant,
    event: Event,
    public_url: str,
    now: datetime,
    cache: FeedCache | None,
    version: int | None = None,
) -> Feed:
    """A participant's subscription: its meetings (the cancelled ones for
    :data:`CANCELLED_RETENTION`) and the sessions it attends. ``version`` is the data
    version read before the participant row (see :mod:`service.changes`)."""
    scope = MeetingScope(event_id=event.id, participant_id=participant.id)  # type: ignore[arg-type]
    fingerprint = meetings_fingerprint(
        session=session,
        event=event,
        scope=scope,
        now=now,
        organization_id=participant.organization_id,
    )
    refresh = refresh_minutes(event, now)

    def build() -> Feed:
        org = session.get(Organization, participant.organization_id)
        assert org is not None  # a foreign key
        sessions = {row.id: row for row in list_sessions(session=session, event_id=event.id)}  # type: ignore[arg-type]
        meetings = _load_meetings(session, scope, now - CANCELLED_RETENTION)
        entries = _meeting_entries(
            session=session,
            event=event,
            meetings=meetings,
            sessions=sessions,  # type: ignore[arg-type]
            public_url=public_url,
            viewer_id=participant.id,
        )
        host = uid_host(public_url)
        url = event_page_url(public_url, event.id)  # type: ignore[arg-type]
        entries += [
            session_entry(row, event=event, uid_host=host, event_url=url)
            for row in sessions.values()
            if _attends(participant, row)
        ]
        org_en = org.name_en or org.name
        return _feed(
            name=f"{FEED_PREFIX} – {event.name} – {org.name}",
            description=(
                vi_en_each(
                    "cal.meetings_of",
                    vi={"name": org.name, "event": event.name},
                    en={"name": org_en, "event": event.name_en or event.name},
                )
            ),
            event=event,
            entries=entries,
            refresh=refresh,
            # Its own row decides which sessions it gets (attends_plenary).
            changed=max(fingerprint.last_change, participant.updated_at),
            filename=f"meetx-{event.id}-{participant.id}.ics",
        )

    key = participant_key(participant.id, public_url)  # type: ignore[arg-type]
    # The participant row itself is not in the aggregate: its own change time and the
    # flags the feed depends on are already at hand.
    own = (participant.updated_at, participant.attends_plenary)
    checked = _checked(version, event, now, fingerprint.changes_at)
    return lookup(cache)(key, (refresh, own, fingerprint), build, checked)


def participant_key(participant_id: int, public_url: str) -> tuple[str, int, str]:
    return ("participant", participant_id, public_url)


_SUBSCRIBER: Final = sa.select(Participant.id, version_column()).where(
    Participant.token_hash == sa.bindparam("token_hash")  # type: ignore[arg-type]
)


def subscriber(*, session: Session, token: str) -> tuple[int, int] | None:
    """The participant a feed token stands for and the data version, in one statement
    (the version is read no later than the rows, as :mod:`service.changes` requires)."""
    token_hash = lookup_hash(token)
    if token_hash is None:
        return None
    row = session.connection().execute(_SUBSCRIBER, {"token_hash": token_hash}).first()
    return None if row is None else (int(row[0]), int(row[1]))


@dataclass(frozen=True, slots=True)
class OrganizerFeedKind:
    """One of the organisers' feeds: its scope, title and file name."""

    scope: MeetingScope
    title: str
    slug: str


def all_meetings(event_id: int) -> OrganizerFeedKind:
    return OrganizerFeedKind(MeetingScope(event_id=event_id), vi_en("cal.all_meetings"), "meetings")


def table_meetings(event_id: int, table_no: int) -> OrganizerFeedKind:
    return OrganizerFeedKind(
        MeetingScope(event_id=event_id, table_no=table_no),
        vi_en("cal.table", number=table_no),
        f"table-{table_no}",
    )


def interpreter_meetings(event_id: int, language: str) -> OrganizerFeedKind:
    return OrganizerFeedKind(
        MeetingScope(event_id=event_id, language=language),
        interpreter_label(language),
        f"interpreter-{language}",
    )


def organizer_feed(
    *,
    session: Session,
    event: Event,
    kind: OrganizerFeedKind,
    public_url: str,
    now: datetime,
    cache: FeedCache | None,
) -> Feed:
    """Meetings of the event as the organisers see them (both sides named)."""
    fingerprint = meetings_fingerprint(session=session, event=event, scope=kind.scope, now=now)
    refresh = refresh_minutes(event, now)

    def build() -> Feed:
        sessions = {row.id: row for row in list_sessions(session=session, event_id=event.id)}  # type: ignore[arg-type]
        meetings = _load_meetings(session, kind.scope, now - CANCELLED_RETENTION)
        entries = _meeting_entries(
            session=session,
            event=event,
            meetings=meetings,
            sessions=sessions,  # type: ignore[arg-type]
            public_url=public_url,
            viewer_id=None,
        )
        return _feed(
            name=f"{FEED_PREFIX} – {event.name} – {kind.title}",
            description=f"{kind.title}: {bilingual(event.name, event.name_en)}",
            event=event,
            entries=entries,
            refresh=refresh,
            changed=fingerprint.last_change,
            filename=f"meetx-{event.id}-{kind.slug}.ics",
        )

    key = ("organizer", kind.scope, public_url)
    return lookup(cache)(key, (refresh, fingerprint), build)


@dataclass(frozen=True, slots=True)
class FeedCatalogue:
    """Which organiser feeds an event has: its table numbers and interpreter languages."""

    tables: int
    languages: tuple[str, ...]


def organizer_catalogue(*, session: Session, event: Event) -> FeedCatalogue:
    rows = list_sessions(session=session, event_id=event.id)  # type: ignore[arg-type]
    b2b = [r for r in rows if r.kind is SessionKind.b2b]
    used = session.exec(
        select(Meeting.interpreter_language)
        .where(Meeting.event_id == event.id, Meeting.interpreter_language.is_not(None))  # type: ignore[union-attr]
        .distinct()
    ).all()
    languages = {lang for r in b2b for lang in r.interpreters} | {lang for lang in used if lang}
    return FeedCatalogue(
        tables=max((r.tables or 0 for r in b2b), default=0), languages=tuple(sorted(languages))
    )


# ---------------------------------------------------------------- invitations


@dataclass(frozen=True, slots=True)
class Invitation:
    feed: Feed
    method: str  # "REQUEST" or "CANCEL"


def meeting_invitation(
    *, session: Session, event: Event, meeting: Meeting, public_url: str
) -> Invitation:
    """One meeting as an iTIP message for e-mail: REQUEST (CANCEL once cancelled), from a
    no-reply organiser address on the public host, to every delegate with an address."""
    event_session = session.get(EventSession, meeting.session_id)
    sides = _load_sides(session, {meeting.participant_a_id, meeting.participant_b_id})
    assert event_session is not None
    a, b = sides[meeting.participant_a_id], sides[meeting.participant_b_id]
    attendees = delegate_addresses(a, b)
    if not attendees:
        raise ProblemError(
            409,
            vi_en("problem.409"),
            vi_en("cal.no_email"),
        )
    entry = meeting_entry(
        meeting,
        MeetingContext(
            event=event,
            event_session=event_session,
            a=a,
            b=b,
            uid_host=uid_host(public_url),
            event_url=event_page_url(public_url, event.id),  # type: ignore[arg-type]
        ),
        viewer_id=None,
        organizer=(gettext("vi", "cal.organisers", event=event.name), noreply_address(public_url)),
        attendees=attendees,
    )
    body = build_invitation(
        entry=entry, timezone=event.timezone, name=f"{FEED_PREFIX} – {event.name}"
    )
    feed = Feed(
        body=body,
        etag=feed_etag(body),
        last_modified=feed_last_modified([entry]),
        filename=f"meetx-{event.id}-meeting-{meeting.id}.ics",
    )
    return Invitation(feed=feed, method="CANCEL" if entry.status == "CANCELLED" else "REQUEST")
