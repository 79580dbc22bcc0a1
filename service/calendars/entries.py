"""What a meeting or a session says in a calendar: Vietnamese first, English beside it.

Pure functions from rows to :class:`CalendarEntry`; the queries live in ``service.py``.
Nothing here reads the clock, so the same rows always give the same entries (and so the
same feed bytes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from service.calendars.ics import CalendarEntry
from service.core.i18n import gettext, has, vi_en, vi_en_each
from service.events.models import Event, EventSession, SessionKind
from service.meetings.models import Meeting, MeetingSource, MeetingStatus
from service.meetings.service import table_name
from service.organizations.models import Organization
from service.participants.models import Participant, Side

# Minutes before a meeting that a participant's calendar reminds it: time to find the table.
MEETING_ALARM_MINUTES: Final = 10

SESSION_KIND_LABELS: Final[dict[SessionKind, str]] = {
    SessionKind.plenary: vi_en("cal.kind.plenary"),
    SessionKind.b2b: vi_en("cal.kind.b2b"),
    SessionKind.visit: vi_en("cal.kind.visit"),
    SessionKind.networking: vi_en("cal.kind.networking"),
}

MEETING_CATEGORY: Final = vi_en("cal.category")


@dataclass(frozen=True, slots=True)
class MeetingSide:
    """One side of a meeting: the participant and its organisation."""

    participant: Participant
    organization: Organization


def language_name(code: str) -> tuple[str, str]:
    """(Vietnamese, English) name of a language code; unknown codes stand for themselves."""
    key = f"language.{code}"  # one of the catalogues' run-time families
    if has(key):
        return gettext("vi", key), gettext("en", key)
    return gettext("vi", "cal.language.unknown", code=code), code


def interpreter_label(code: str) -> str:
    vi, en = language_name(code)
    return vi_en_each("cal.interpreter", vi={"language": vi}, en={"language": en})


def bilingual(vi: str, en: str | None) -> str:
    """'vi / en', or just 'vi' when there is no distinct English text."""
    return f"{vi} / {en}" if en and en != vi else vi


def _org_names(org: Organization) -> tuple[str, str]:
    return org.name, org.name_en or org.name


def _delegate_lines(participant: Participant) -> list[str]:
    # Names and titles only: a participant's feed must not hand out the other side's
    # e-mail addresses (the participant directory hides them too).
    lines = []
    for delegate in participant.delegates:
        name = str(delegate.get("name") or "").strip()
        if not name:
            continue
        title = str(delegate.get("title") or "").strip()
        lines.append(f"- {name}, {title}" if title else f"- {name}")
    return lines


def _side_block(label: str, side: MeetingSide) -> list[str]:
    vi, en = _org_names(side.organization)
    lines = [f"{label}: {bilingual(vi, en)} ({side.organization.country})"]
    delegates = _delegate_lines(side.participant)
    if delegates:
        lines.append(vi_en("cal.delegates") + ":")
        lines.extend(delegates)
    return lines


def _why(meeting: Meeting) -> str:
    label = vi_en("cal.why")
    if meeting.source is MeetingSource.request:
        return f"{label}: " + vi_en("cal.why.request")
    if meeting.source is MeetingSource.suggestion:
        if meeting.score is not None:
            percent = round(meeting.score * 100)
            return f"{label}: " + vi_en("cal.why.suggested_score", percent=percent)
        return f"{label}: " + vi_en("cal.why.suggested")
    return f"{label}: " + vi_en("cal.why.organisers")


def meeting_location(*, event: Event, event_session: EventSession, table_no: int) -> str:
    """'Bàn 12 / Table 12, Sảnh B, Trung tâm Hội nghị tỉnh Bắc Ninh' (empty parts left out)."""
    parts = [table_name(event_session, table_no), event_session.location, event.venue]
    return ", ".join(p for p in parts if p)


def host_first(a: MeetingSide, b: MeetingSide) -> tuple[MeetingSide, MeetingSide]:
    """The two sides with the Vietnamese host first, as the organisers list them."""
    if a.participant.side is Side.guest and b.participant.side is Side.host:
        return b, a
    return a, b


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingContext:
    """Everything a meeting's entry shows besides the meeting row itself."""

    event: Event
    event_session: EventSession
    a: MeetingSide
    b: MeetingSide
    uid_host: str
    event_url: str


def meeting_entry(
    meeting: Meeting,
    context: MeetingContext,
    *,
    viewer_id: int | None,
    alarm: bool = False,
    organizer: tuple[str, str] | None = None,
    attendees: Sequence[tuple[str, str]] = (),
) -> CalendarEntry:
    """The entry for one meeting, as ``viewer_id``'s side sees it (None: the organisers').

    The UID is the meeting's random ``uid`` at the public host, fixed for the meeting's
    life; DTSTAMP/LAST-MODIFIED are the latest change of the rows the entry shows (the
    meeting, its session, the event, the side or sides named), so a renamed partner also
    reaches clients that compare LAST-MODIFIED.
    """
    cancelled = meeting.status is MeetingStatus.cancelled
    first, second = host_first(context.a, context.b)
    if viewer_id is not None:
        partner = context.b if context.a.participant.id == viewer_id else context.a
        vi, en = _org_names(partner.organization)
        summary = vi_en_each("cal.meeting_with", vi={"name": vi}, en={"name": en})
        body = _side_block(vi_en("cal.partner"), partner)
        shown: tuple[MeetingSide, ...] = (partner,)
    else:
        vi_1, en_1 = _org_names(first.organization)
        vi_2, en_2 = _org_names(second.organization)
        summary = vi_en_each(
            "cal.meeting_between",
            vi={"first": vi_1, "second": vi_2},
            en={"first": en_1, "second": en_2},
        )
        body = _side_block(vi_en("cal.side", number=1), first)
        body += _side_block(vi_en("cal.side", number=2), second)
        shown = (first, second)
    if cancelled:
        # Clients that ignore STATUS (several Outlook versions) still show the word.
        summary = vi_en("cal.cancelled") + ": " + summary
        body.insert(0, vi_en("cal.cancelled.banner"))
    if meeting.interpreter_language:
        body.append(interpreter_label(meeting.interpreter_language))
    body.append(_why(meeting))
    body.append(vi_en("cal.event_page") + ": " + context.event_url)
    # Only the sides the entry shows: the viewer's own row (say, a rotated token) changes
    # nothing in its own feed.
    changed = max(
        meeting.updated_at,
        context.event.updated_at,
        context.event_session.updated_at,
        *(side.participant.updated_at for side in shown),
        *(side.organization.updated_at for side in shown),
    )
    return CalendarEntry(
        uid=f"{meeting.uid}@{context.uid_host}",
        summary=summary,
        description="\n".join(body),
        location=meeting_location(
            event=context.event, event_session=context.event_session, table_no=meeting.table_no
        ),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        status="CANCELLED" if cancelled else "CONFIRMED",
        sequence=meeting.sequence,
        last_modified=changed,
        url=context.event_url,
        categories=(MEETING_CATEGORY,),
        organizer=organizer,
        attendees=tuple(attendees),
        alarm_minutes=MEETING_ALARM_MINUTES if alarm else None,
    )


def session_entry(
    event_session: EventSession, *, event: Event, uid_host: str, event_url: str
) -> CalendarEntry:
    """A programme item: 'title / title_en' at 'location, venue'."""
    kind = SESSION_KIND_LABELS[event_session.kind]
    lines = [
        kind,
        bilingual(event.name, event.name_en),
        vi_en("cal.event_page") + ": " + event_url,
    ]
    location = ", ".join(p for p in (event_session.location, event.venue) if p)
    return CalendarEntry(
        # Session ids are never reused for another session of the same database.
        uid=f"session-{event_session.id}@{uid_host}",
        summary=bilingual(event_session.title, event_session.title_en),
        description="\n".join(lines),
        location=location,
        starts_at=event_session.starts_at,
        ends_at=event_session.ends_at,
        last_modified=max(event_session.updated_at, event.updated_at),
        url=event_url,
        categories=(kind,),
    )


def delegate_addresses(*sides: MeetingSide) -> list[tuple[str, str]]:
    """(name, e-mail) of every delegate with an address, each address once."""
    seen: set[str] = set()
    people = []
    for side in sides:
        for delegate in side.participant.delegates:
            email = str(delegate.get("email") or "").strip()
            if not email or email.lower() in seen:
                continue
            seen.add(email.lower())
            people.append((str(delegate.get("name") or "").strip(), email))
    return people
