"""iCalendar (RFC 5545) feeds and invitations for MeetX meetings.

Everything here is pure: callers turn their rows into :class:`CalendarEntry` values and get
bytes back. The output is designed around what calendar clients do with a subscribed feed:

* a feed is re-downloaded every few hours and merged by UID, so UIDs must never change and
  a moved or cancelled meeting keeps its UID, with SEQUENCE raised and, for a cancellation,
  ``STATUS:CANCELLED`` (dropping it would leave the old copy in clients that do not mirror
  deletions);
* every TZID needs a VTIMEZONE (Outlook rejects or shifts the event otherwise, ical.js
  treats the time as floating), so DTSTART/DTEND carry the feed's zone and the matching
  VTIMEZONE is embedded;
* DTSTAMP and LAST-MODIFIED come from the row's last change, never from "now", so an
  unchanged feed is byte-for-byte identical and its ETag stays valid;
* lines are CRLF-terminated and folded at 75 octets without splitting a UTF-8 sequence
  (Google drops a whole feed for one badly folded line).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Final, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress, vDuration

__all__ = [
    "PRODID",
    "CalendarEntry",
    "EntryStatus",
    "build_feed",
    "build_invitation",
    "feed_etag",
    "feed_last_modified",
    "webcal_url",
]

PRODID: Final = "-//MeetX//MeetX Calendar//VI"

EntryStatus = Literal["CONFIRMED", "TENTATIVE", "CANCELLED"]
_STATUSES: Final[frozenset[str]] = frozenset(get_args(EntryStatus))

# METHOD values this module knows how to shape a calendar for (RFC 5546).
_METHODS: Final[frozenset[str]] = frozenset({"PUBLISH", "REQUEST", "CANCEL"})

Person = tuple[str, str]
"""A (display name, e-mail address) pair."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarEntry:
    """One meeting, session or visit as it appears in a calendar.

    ``uid`` must be stable for the lifetime of the meeting (for example
    ``"meeting-123@meetx.example"``); ``sequence`` must go up on every change the attendees
    should notice (time, place, status). ``last_modified`` is the row's last change and is
    written as both DTSTAMP and LAST-MODIFIED. Attendee and organizer e-mail addresses are
    required because RFC 5545 calendar addresses are URIs: callers leave out people without
    an address.
    """

    uid: str
    summary: str
    description: str = ""
    location: str = ""
    starts_at: datetime
    ends_at: datetime
    status: EntryStatus = "CONFIRMED"
    sequence: int = 0
    last_modified: datetime
    url: str | None = None
    categories: tuple[str, ...] = ()
    attendees: tuple[Person, ...] = ()
    organizer: Person | None = None
    alarm_minutes: int | None = None

    def __post_init__(self) -> None:
        if not self.uid or self.uid != self.uid.strip() or _has_control(self.uid):
            raise ValueError(f"invalid UID {self.uid!r}")
        for name in ("starts_at", "ends_at", "last_modified"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise ValueError(f"{name} must be a timezone-aware datetime")
        if self.ends_at <= self.starts_at:
            # RFC 5545 3.8.2.2: DTEND must be later than DTSTART.
            raise ValueError(f"{self.uid}: ends_at must be after starts_at")
        if self.status not in _STATUSES:
            raise ValueError(f"{self.uid}: status must be one of {sorted(_STATUSES)}")
        if self.sequence < 0:
            raise ValueError(f"{self.uid}: sequence must not be negative")
        if self.alarm_minutes is not None and self.alarm_minutes < 0:
            raise ValueError(f"{self.uid}: alarm_minutes must not be negative")
        # Callers naturally pass lists; store tuples so entries stay hashable and immutable.
        object.__setattr__(self, "categories", tuple(self.categories))
        object.__setattr__(self, "attendees", tuple(tuple(p) for p in self.attendees))
        if any(not c.strip() for c in self.categories):
            raise ValueError(f"{self.uid}: empty category")
        people = list(self.attendees)
        if self.organizer is not None:
            object.__setattr__(self, "organizer", tuple(self.organizer))
            people.append(self.organizer)
        for person in people:
            if len(person) != 2 or not _looks_like_email(person[1]):
                raise ValueError(f"{self.uid}: invalid (name, email) pair {person!r}")


def build_feed(
    *,
    name: str,
    description: str,
    timezone: str,
    entries: Sequence[CalendarEntry],
    refresh_minutes: int = 60,
    method: str | None = None,
) -> bytes:
    """Serialise ``entries`` as a subscribable VCALENDAR.

    Times are written in ``timezone`` (an IANA name such as ``"Asia/Ho_Chi_Minh"``) with
    its VTIMEZONE, whatever zone each entry's datetimes carry, so the same instant shows
    correctly in a guest's Asia/Seoul calendar. ``refresh_minutes`` becomes both
    REFRESH-INTERVAL (RFC 7986) and X-PUBLISHED-TTL (Outlook). ``method`` is usually
    ``"PUBLISH"`` for a feed; under PUBLISH attendees are left out because RFC 5546 3.2.1
    forbids ATTENDEE there (clients would otherwise offer reply buttons that go nowhere).

    The same arguments always give the same bytes: entries are sorted by start instant,
    then UID, and nothing depends on the current time.
    """
    if refresh_minutes <= 0:
        raise ValueError("refresh_minutes must be positive")
    if method is not None and method not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)}")
    zone = _zone(timezone)
    cal = _calendar(name=name, timezone=timezone, method=method)
    if description:
        # Sets DESCRIPTION (RFC 7986) and X-WR-CALDESC together.
        cal.description = _text(description)
    ttl = vDuration(timedelta(minutes=refresh_minutes))
    cal.add("REFRESH-INTERVAL", ttl, parameters={"VALUE": "DURATION"})
    # icalendar would render a bare timedelta in an X- property with str(); pass the
    # already-encoded DURATION so Outlook reads e.g. "PT1H".
    cal.add("X-PUBLISHED-TTL", ttl.to_ical().decode("ascii"))

    ordered = sorted(entries, key=lambda e: (e.starts_at.astimezone(UTC), e.uid))
    uids = [e.uid for e in ordered]
    if len(set(uids)) != len(uids):
        # Two components with one UID in a feed are merged unpredictably by clients.
        raise ValueError("duplicate UID in feed entries")
    for entry in ordered:
        cal.add_component(_event(entry, zone, attendees=method != "PUBLISH", invitation=False))
    _add_timezones(cal, zone, ordered)
    return cal.to_ical(sorted=False)


def build_invitation(*, entry: CalendarEntry, timezone: str, name: str) -> bytes:
    """Serialise one meeting as an iTIP message (RFC 5546) for e-mail.

    ``METHOD:REQUEST`` invites the attendees (each asked to reply, RSVP=TRUE); when the entry
    is cancelled the message is ``METHOD:CANCEL`` so clients remove the meeting they had
    accepted. Both need an organizer and at least one attendee. For an update, raise the
    entry's sequence: clients ignore a REQUEST whose SEQUENCE is not higher than the copy
    they hold. Mail it as ``text/calendar; method=REQUEST`` (or ``CANCEL``): Outlook only
    shows the accept/decline controls when the MIME method matches METHOD.
    """
    if entry.organizer is None:
        raise ValueError(f"{entry.uid}: an invitation needs an organizer")
    if not entry.attendees:
        raise ValueError(f"{entry.uid}: an invitation needs at least one attendee")
    zone = _zone(timezone)
    method = "CANCEL" if entry.status == "CANCELLED" else "REQUEST"
    cal = _calendar(name=name, timezone=timezone, method=method)
    cal.add_component(_event(entry, zone, attendees=True, invitation=True))
    _add_timezones(cal, zone, [entry])
    return cal.to_ical(sorted=False)


def feed_etag(body: bytes) -> str:
    """A strong ETag (RFC 9110 8.8.3) for a serialised feed: the quoted SHA-256 of its bytes.

    Strong is correct because :func:`build_feed` is deterministic: equal ETags mean equal
    bytes.
    """
    return f'"{hashlib.sha256(body).hexdigest()}"'


def feed_last_modified(
    entries: Iterable[CalendarEntry], *, default: datetime | None = None
) -> datetime:
    """The Last-Modified value for a feed: the latest entry change, in UTC, whole seconds.

    HTTP dates have one-second resolution, so microseconds are dropped to keep
    ``If-Modified-Since`` comparisons exact. ``default`` (for example the event's own last
    change) is also taken into account and is what an empty feed reports; without entries
    and without a default there is nothing to report and ``ValueError`` is raised. Since
    removing a row changes no remaining ``last_modified``, callers should rely on the ETag
    first and fold the parent's change time into ``default``.
    """
    stamps = [e.last_modified for e in entries]
    if default is not None:
        if default.utcoffset() is None:
            raise ValueError("default must be a timezone-aware datetime")
        stamps.append(default)
    if not stamps:
        raise ValueError("no entries and no default: Last-Modified is undefined")
    return max(s.astimezone(UTC) for s in stamps).replace(microsecond=0)


def webcal_url(https_url: str) -> str:
    """The ``webcal://`` form of a feed URL.

    Clients open ``webcal://`` links as a subscription that keeps refreshing, whereas an
    ``https://`` link to an .ics file imports a one-off copy that goes stale.
    """
    parts = urlsplit(https_url)
    if parts.scheme == "webcal" and parts.netloc:
        return https_url
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError(f"not an absolute http(s) URL: {https_url!r}")
    return "webcal" + https_url[len(parts.scheme) :]


# --- internals ----------------------------------------------------------------------------


def _calendar(*, name: str, timezone: str, method: str | None) -> Calendar:
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    if method is not None:
        cal.add("METHOD", method)
    # Sets NAME (RFC 7986) and X-WR-CALNAME (Apple, Google, Outlook) together.
    cal.calendar_name = _text(name)
    # Google uses X-WR-TIMEZONE as the display zone of a subscribed calendar.
    cal.add("X-WR-TIMEZONE", timezone)
    return cal


def _event(entry: CalendarEntry, zone: ZoneInfo, *, attendees: bool, invitation: bool) -> Event:
    cancelled = entry.status == "CANCELLED"
    event = Event()
    event.add("UID", entry.uid)
    event.add("DTSTAMP", _utc(entry.last_modified))
    event.add("DTSTART", _local(entry.starts_at, zone))
    event.add("DTEND", _local(entry.ends_at, zone))
    event.add("SUMMARY", _text(entry.summary))
    if entry.description:
        event.add("DESCRIPTION", _text(entry.description))
    if entry.location:
        event.add("LOCATION", _text(entry.location))
    event.add("STATUS", entry.status)
    event.add("SEQUENCE", entry.sequence)
    event.add("LAST-MODIFIED", _utc(entry.last_modified))
    # A cancelled meeting stays in the feed (so clients update rather than keep a stale
    # copy) but must no longer block the attendee's free/busy time.
    event.add("TRANSP", "TRANSPARENT" if cancelled else "OPAQUE")
    if entry.url:
        event.add("URL", entry.url)
    if entry.categories:
        event.add("CATEGORIES", [_text(c) for c in entry.categories])
    if entry.organizer is not None:
        event.add("ORGANIZER", _address(entry.organizer))
    if attendees:
        for person in entry.attendees:
            params = {"CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT"}
            if invitation and not cancelled:
                params |= {"PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE"}
            event.add("ATTENDEE", _address(person, params))
    if entry.alarm_minutes is not None and not cancelled:
        # No reminder for a meeting that will not take place.
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", _text(entry.summary))
        alarm.add("TRIGGER", timedelta(minutes=-entry.alarm_minutes))
        event.add_component(alarm)
    return event


def _add_timezones(cal: Calendar, zone: ZoneInfo, entries: Sequence[CalendarEntry]) -> None:
    """Embed a VTIMEZONE for every TZID the calendar uses.

    The definition covers whole calendar years around the entries: small (Asia/Ho_Chi_Minh
    becomes a single STANDARD observance at +0700, which Outlook and ical.js both accept)
    and still identical from one request to the next.
    """
    if not entries:
        return
    local_dates = [d.astimezone(zone).date() for e in entries for d in (e.starts_at, e.ends_at)]
    first = date(min(local_dates).year, 1, 1)
    last = date(max(local_dates).year + 1, 1, 1)
    # Same placement as Calendar.add_missing_timezones (after any existing VTIMEZONE), but
    # from a memo: deriving a VTIMEZONE from the tz database takes tens of milliseconds,
    # far more than the rest of a participant's feed. Sorted, so several zones always come
    # out in the same order.
    position = len(cal.timezones)
    unknown = []
    for tzid in sorted(cal.get_missing_tzids()):
        ical = _vtimezone_ical(tzid, first, last)
        if ical is None:
            unknown.append(tzid)
            continue
        cal.subcomponents.insert(position, Timezone.from_ical(ical))
        position += 1
    if unknown:
        raise ValueError(f"no time zone definition for {unknown}")


@lru_cache(maxsize=128)
def _vtimezone_ical(tzid: str, first: date, last: date) -> bytes | None:
    """The serialised VTIMEZONE of ``tzid`` over [first, last), or None if it is unknown.

    Bytes rather than the component, so every calendar gets its own copy to own.
    """
    try:
        return Timezone.from_tzid(tzid, first_date=first, last_date=last).to_ical(sorted=False)
    except ValueError:
        return None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    # iCalendar has whole-second resolution; dropping microseconds keeps output stable.
    return value.astimezone(zone).replace(microsecond=0)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


def _text(value: str) -> str:
    # Vietnamese may arrive decomposed (e.g. pasted from macOS); NFC keeps each letter one
    # code point, so folding never separates a base letter from its tone mark and equal
    # text gives equal bytes. Bare CR would survive escaping as a raw control character.
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


def _address(person: Person, params: dict[str, str] | None = None) -> vCalAddress:
    name, email = person
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = _text(name).replace("\n", " ")
    for key, value in (params or {}).items():
        address.params[key] = value
    return address


def _looks_like_email(value: object) -> bool:
    if not isinstance(value, str):
        return False
    local, at, domain = value.partition("@")
    return bool(at and local and domain) and not any(c.isspace() or c in ':;,<>"' for c in value)


def _has_control(value: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in value)
