"""Calendar feeds: the public programme, participants' subscriptions, organisers' feeds
and one-off meeting invitations.

Calendar clients send no Authorization header when they refresh a subscription, so the
secret travels in the URL: a participant's token in the path, an organiser's token in
``?token=``. The request log records the path with tokens masked and never the query
string (``service.core.middleware``); feed bodies never contain a token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from service.auth.dependencies import MaybeActorDep
from service.auth.service import Actor, participant_by_token, resolve_token
from service.calendars import service
from service.calendars.feed_cache import FeedCache
from service.calendars.http import (
    CALENDAR_MEDIA_TYPE,
    PRIVATE_CACHE,
    PUBLIC_CACHE,
    feed_response,
)
from service.changes.service import current_version
from service.core.database import SessionDep, end_read, read_without_transaction, utcnow
from service.core.dependencies import shared
from service.core.errors import ProblemError, invalid, not_found
from service.core.i18n import vi_en
from service.events.models import Event, EventStatus
from service.events.service import get_event
from service.meetings.service import get_meeting
from service.participants.models import Participant

router = APIRouter(tags=["calendars"])

_CHALLENGE: Final = {"WWW-Authenticate": "Bearer"}

_FEED_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "The feed (iCalendar, RFC 5545), with a strong ETag and Last-Modified",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    },
    304: {"description": "Not modified: the If-None-Match or If-Modified-Since copy is current"},
}

TOKEN_QUERY_HELP: Final = (
    "An organiser token, for calendar clients that cannot send 'Authorization: Bearer'. "
    "The header is used when both are given. Treat the whole address as a secret."
)


def feed_route(path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """GET and HEAD on the same handler, as two routes so each has its own operation id."""

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        options = {"response_class": Response, "responses": _FEED_RESPONSES, **kwargs}
        router.head(path, include_in_schema=False, **options)(handler)
        return router.get(path, **options)(handler)

    return register


# The app's feed cache, made by create_app (overridable as a dependency by benchmarks).
feed_cache = shared(FeedCache)
FeedCacheDep = Annotated[FeedCache, Depends(feed_cache)]


def _public_url(request: Request) -> str:
    return request.app.state.settings.public_base


def calendar_actor(
    request: Request,
    session: SessionDep,
    header_actor: MaybeActorDep,
    token: Annotated[str | None, Query(max_length=200, description=TOKEN_QUERY_HELP)] = None,
) -> Actor:
    """The caller, from 'Authorization: Bearer' or else from ``?token=``; 401 without
    either, 403 when the token stands for nobody."""
    if header_actor is not None:
        return header_actor
    if not token:
        raise ProblemError(
            401,
            vi_en("problem.401"),
            "Send 'Authorization: Bearer <token>' or add ?token=<token> to the feed address",
            headers=_CHALLENGE,
        )
    admin = request.app.state.settings.admin_token
    actor = resolve_token(
        session=session, token=token, admin_token=admin.get_secret_value() if admin else None
    )
    if actor is None:
        raise ProblemError(403, vi_en("problem.403"), "The token is not valid", headers=_CHALLENGE)
    return actor


CalendarActorDep = Annotated[Actor, Depends(calendar_actor)]


def _organizer_only(actor: Actor) -> None:
    if not actor.is_organizer:
        raise ProblemError(403, vi_en("problem.403"), "Organisers only")


# ---------------------------------------------------------------- the public programme


@feed_route(
    "/events/{event_id}/calendar.ics",
    summary="The event's programme as a calendar feed",
    description="Every session (plenary, B2B, visit, networking), titles in Vietnamese and "
    "English. Public once the event is open; a draft event answers 404 except to organisers.",
)
def programme_calendar(
    event_id: int,
    request: Request,
    session: SessionDep,
    actor: MaybeActorDep,
    cache: FeedCacheDep,
) -> Response:
    version = current_version(session=session)
    public_url = _public_url(request)
    now = utcnow()
    # Only published programmes are stored with their version (a draft's status change
    # raises it), so a stored one may be served to anyone.
    feed = cache.current(service.programme_key(event_id, public_url), version=version, now=now)
    if feed is None:
        event = get_event(session=session, event_id=event_id)
        organizer = actor is not None and actor.is_organizer
        draft = event.status is EventStatus.draft
        if draft and not organizer:
            raise not_found(f"event {event_id}")
        feed = service.programme_feed(
            session=session,
            event=event,
            public_url=public_url,
            now=now,
            cache=cache,
            version=None if draft else version,
        )
        public = not draft
    else:
        public = True
    return feed_response(
        method=request.method,
        headers=request.headers,
        feed=feed,
        cache_control=PUBLIC_CACHE if public else PRIVATE_CACHE,
    )


# ---------------------------------------------------------------- a participant's feed


class CalendarSubscription(BaseModel):
    """A participant's feed addresses: ``webcal_url`` subscribes (the client keeps it
    current), ``calendar_url`` downloads a copy."""

    event_id: int
    participant_id: int
    calendar_url: str
    webcal_url: str
    programme_url: str


def _subscription_links(addresses: service.FeedAddresses) -> str:
    return (
        f'<{addresses.calendar_url}>; rel="self"; type="text/calendar", '
        f'<{addresses.webcal_url}>; rel="alternate"; type="text/calendar"'
    )


@feed_route(
    "/calendars/{token}.ics",
    summary="A participant's private calendar feed",
    description="Its meetings (cancelled ones stay for 30 days as STATUS:CANCELLED) and the "
    "sessions it attends. The `Link` header gives the https (`rel=self`) and `webcal://` "
    "(`rel=alternate`) addresses. An unknown or rotated token answers 404.",
)
def participant_calendar(
    token: str,
    request: Request,
    session: SessionDep,
    cache: FeedCacheDep,
) -> Response:
    read_without_transaction(session)
    found = service.subscriber(session=session, token=token)
    if found is None:
        raise not_found("calendar")
    participant_id, version = found
    public_url = _public_url(request)
    now = utcnow()
    # Nothing written since the stored body was last checked: serve it as it is.
    key = service.participant_key(participant_id, public_url)
    feed = cache.current(key, version=version, now=now)
    if feed is None:
        participant = session.get(Participant, participant_id)
        if participant is None:  # deleted since the token was read
            raise not_found("calendar")
        event = session.get(Event, participant.event_id)
        assert event is not None  # a foreign key
        feed = service.participant_feed(
            session=session,
            participant=participant,
            event=event,
            public_url=public_url,
            now=now,
            cache=cache,
            version=version,
        )
    end_read(session)
    links = service.addresses(service.participant_feed_url(public_url, token))
    return feed_response(
        method=request.method,
        headers=request.headers,
        feed=feed,
        cache_control=PRIVATE_CACHE,
        extra_headers={"Link": _subscription_links(links)},
    )


@router.get(
    "/calendars/{token}",
    summary="A participant's feed addresses",
    description="The https and `webcal://` addresses of the participant's feed and the "
    "event's programme, for subscription buttons. Unknown or rotated token: 404.",
)
def participant_subscription(
    token: str, request: Request, session: SessionDep
) -> CalendarSubscription:
    participant = participant_by_token(session=session, token=token)
    if participant is None:
        raise not_found("calendar")
    public_url = _public_url(request)
    links = service.addresses(service.participant_feed_url(public_url, token))
    return CalendarSubscription(
        event_id=participant.event_id,
        participant_id=participant.id,  # type: ignore[arg-type]
        calendar_url=links.calendar_url,
        webcal_url=links.webcal_url,
        programme_url=f"{public_url}/api/v1/events/{participant.event_id}/calendar.ics",
    )


# ---------------------------------------------------------------- organisers' feeds


class OrganizerCalendar(BaseModel):
    kind: str
    title: str
    calendar_url: str
    webcal_url: str


class OrganizerCalendars(BaseModel):
    """The addresses carry no token: append ``?token=<organiser token>`` for clients that
    cannot send an Authorization header."""

    items: list[OrganizerCalendar]


def _organizer_feed(
    *,
    request: Request,
    session: SessionDep,
    event: Event,
    cache: FeedCache,
    kind: service.OrganizerFeedKind,
) -> Response:
    feed = service.organizer_feed(
        session=session,
        event=event,
        kind=kind,
        public_url=_public_url(request),
        now=utcnow(),
        cache=cache,
    )
    return feed_response(
        method=request.method, headers=request.headers, feed=feed, cache_control=PRIVATE_CACHE
    )


@router.get(
    "/events/{event_id}/calendars",
    summary="The organisers' feeds of an event",
    description="All meetings, one feed per table, one per interpreter language.",
)
def organizer_calendars(
    event_id: int, request: Request, session: SessionDep, actor: CalendarActorDep
) -> OrganizerCalendars:
    _organizer_only(actor)
    event = get_event(session=session, event_id=event_id)
    catalogue = service.organizer_catalogue(session=session, event=event)
    base = f"{_public_url(request)}/api/v1/events/{event_id}/calendars"
    feeds = [("all", service.all_meetings(event_id), f"{base}/all.ics")]
    feeds += [
        ("table", service.table_meetings(event_id, n), f"{base}/tables/{n}.ics")
        for n in range(1, catalogue.tables + 1)
    ]
    feeds += [
        (
            "interpreter",
            service.interpreter_meetings(event_id, lang),
            f"{base}/interpreters/{lang}.ics",
        )
        for lang in catalogue.languages
    ]
    items = []
    for kind, feed, url in feeds:
        links = service.addresses(url)
        items.append(
            OrganizerCalendar(
                kind=kind,
                title=feed.title,
                calendar_url=links.calendar_url,
                webcal_url=links.webcal_url,
            )
        )
    return OrganizerCalendars(items=items)


@feed_route(
    "/events/{event_id}/calendars/all.ics",
    summary="All meetings of the event (organisers)",
    description="Organiser token in 'Authorization: Bearer' or `?token=`.",
)
def all_meetings_calendar(
    event_id: int,
    request: Request,
    session: SessionDep,
    actor: CalendarActorDep,
    cache: FeedCacheDep,
) -> Response:
    _organizer_only(actor)
    event = get_event(session=session, event_id=event_id)
    return _organizer_feed(
        request=request,
        session=session,
        event=event,
        cache=cache,
        kind=service.all_meetings(event_id),
    )


@feed_route(
    "/events/{event_id}/calendars/tables/{table_no}.ics",
    summary="The meetings at one table (organisers)",
    description="Table numbers as in the B2B sessions; organiser token in 'Authorization: "
    "Bearer' or `?token=`.",
)
def table_calendar(
    event_id: int,
    table_no: Annotated[int, Path(ge=1, le=10_000)],
    request: Request,
    session: SessionDep,
    actor: CalendarActorDep,
    cache: FeedCacheDep,
) -> Response:
    _organizer_only(actor)
    event = get_event(session=session, event_id=event_id)
    if table_no > service.organizer_catalogue(session=session, event=event).tables:
        raise not_found(f"table {table_no}")
    return _organizer_feed(
        request=request,
        session=session,
        event=event,
        cache=cache,
        kind=service.table_meetings(event_id, table_no),
    )


@feed_route(
    "/events/{event_id}/calendars/interpreters/{language}.ics",
    summary="The meetings needing one interpreter language (organisers)",
    description="`language` is an ISO 639-1 code such as `ko`; organiser token in "
    "'Authorization: Bearer' or `?token=`.",
)
def interpreter_calendar(
    event_id: int,
    language: Annotated[str, Path(max_length=3)],
    request: Request,
    session: SessionDep,
    actor: CalendarActorDep,
    cache: FeedCacheDep,
) -> Response:
    if not (2 <= len(language) <= 3 and language.isascii() and language.islower()):
        raise invalid("path.language", "must be an ISO 639 code such as 'ko'")
    _organizer_only(actor)
    event = get_event(session=session, event_id=event_id)
    return _organizer_feed(
        request=request,
        session=session,
        event=event,
        cache=cache,
        kind=service.interpreter_meetings(event_id, language),
    )


# ---------------------------------------------------------------- invitations


@feed_route(
    "/events/{event_id}/meetings/{meeting_id}/invitation.ics",
    summary="One meeting as an e-mail invitation",
    description="METHOD:REQUEST (METHOD:CANCEL once cancelled) with a no-reply ORGANIZER and "
    "every delegate with an e-mail address as ATTENDEE; served as `text/calendar; "
    "method=REQUEST`. For organisers and the meeting's two participants (header or "
    "`?token=`). 409 when no delegate has an e-mail address.",
)
def meeting_invitation(
    event_id: int,
    meeting_id: int,
    request: Request,
    session: SessionDep,
    actor: CalendarActorDep,
) -> Response:
    meeting = get_meeting(session=session, event_id=event_id, meeting_id=meeting_id)
    sides = (meeting.participant_a_id, meeting.participant_b_id)
    if not actor.is_organizer and actor.participant_id not in sides:
        # The same answer as for an unknown id, so meeting ids cannot be probed.
        raise not_found(f"meeting {meeting_id}")
    event = get_event(session=session, event_id=event_id)
    invitation = service.meeting_invitation(
        session=session, event=event, meeting=meeting, public_url=_public_url(request)
    )
    return feed_response(
        method=request.method,
        headers=request.headers,
        feed=invitation.feed,
        cache_control=PRIVATE_CACHE,
        media_type=CALENDAR_MEDIA_TYPE.replace(";", f"; method={invitation.method};", 1),
    )
