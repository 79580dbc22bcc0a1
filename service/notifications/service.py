"""Enqueueing: the functions other domains call inside their own transaction, the
time-driven messages a periodic job enqueues, mailings and their audiences, consent.

Every ``notify_*`` function only adds rows to the caller's session; the caller's commit
makes the message exist together with the change, its rollback drops both. Nothing here
talks to SMTP (delivery.py does).
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from sqlmodel import Session, func, select

from service.attendance.service import checked_in_ids
from service.calendars.entries import interpreter_label, meeting_location
from service.calendars.service import meeting_invitation, uid_host
from service.core.database import utcnow
from service.core.errors import invalid, not_found
from service.core.settings import Settings, get_settings
from service.core.signals import Signal
from service.events.models import Event, EventSession, EventStatus
from service.meeting_requests import service as requests_service
from service.meeting_requests.models import MeetingRequest, RequestStatus
from service.meetings.models import Meeting, MeetingStatus
from service.notifications.compose import (
    clean_header,
    language_for,
    render,
    subject_for,
    unsubscribe_token,
    zone_for,
)
from service.notifications.models import (
    CONSENT_CATEGORIES,
    Audience,
    Category,
    Mailing,
    MailingCreate,
    MailingPreview,
    MailingResult,
    MessagePublic,
    MessageStatus,
    NotificationConsent,
    OutboxMessage,
    Recipient,
)
from service.organizations.models import Organization
from service.participants import service as participants_service
from service.participants.models import NotificationSettings, Participant, Side
from service.reference.service import resolve_province

# A participant with more meeting changes than this in one transaction gets one digest
# (with every invitation attached) instead of one e-mail per meeting.
DIGEST_AFTER: Final = 3
# Local times of the time-driven messages (the event's zone).
REMINDER_AT: Final = time(18, 0)  # the evening before a meeting day
AGENDA_AT: Final = time(7, 0)  # the morning of a meeting day
FEEDBACK_AT: Final = time(18, 0)  # the evening of a meeting day
# A pending request is about to expire in its last quarter, at most 24 hours before.
EXPIRING_WINDOW: Final = timedelta(hours=24)
NO_ADDRESS: Final = "không có địa chỉ e-mail / no e-mail address"
UNSUBSCRIBED: Final = "người nhận đã tắt loại thư này / the recipient turned this category off"


# ---------------------------------------------------------------- recipients


@dataclass(frozen=True, slots=True)
class Addressee:
    participant: Participant
    organization: Organization
    addresses: list[list[str]]
    language: str
    zone: str | None


def addressee(participant: Participant, organization: Organization, event: Event) -> Addressee:
    """Who receives a participant's mail: every delegate with an address (each once)."""
    seen: set[str] = set()
    addresses = []
    for delegate in participant.delegates:
        email = str(delegate.get("email") or "").strip()
        if not email or email.lower() in seen:
            continue
        seen.add(email.lower())
        addresses.append([clean_header(str(delegate.get("name") or "")), email])
    return Addressee(
        participant=participant,
        organization=organization,
        addresses=addresses,
        language=language_for(country=organization.country, languages=organization.languages),
        zone=zone_for(organization.country, event.timezone),
    )


def _load_addressees(session: Session, event: Event, ids: Iterable[int]) -> dict[int, Addressee]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(Participant, Organization)
        .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
        .where(Participant.id.in_(wanted))  # type: ignore[union-attr]
    ).all()
    return {p.id: addressee(p, o, event) for p, o in rows}  # type: ignore[misc]


def _org_name(org: Organization, language: str) -> str:
    if language == "en" and org.name_en:
        return org.name_en
    return org.name


def _base_context(event: Event, who: Addressee | None) -> dict[str, Any]:
    context: dict[str, Any] = {
        "event_id": event.id,
        "event_name": event.name,
        "event_name_en": event.name_en or event.name,
        "event_tz": event.timezone,
        "venue": event.venue or "",
        "recipient_tz": who.zone if who else None,
    }
    if who is not None:
        context["organization"] = who.organization.name
        context["participant_id"] = who.participant.id
    return context


# ---------------------------------------------------------------- consent


def consent_of(*, session: Session, participant_id: int) -> NotificationSettings:
    row = session.get(NotificationConsent, participant_id)
    if row is None:
        return NotificationSettings(**dict.fromkeys(CONSENT_CATEGORIES, True))
    return NotificationSettings(**{c.value: getattr(row, c.value) for c in CONSENT_CATEGORIES})


def set_consent(
    *, session: Session, participant_id: int, changes: NotificationSettings, commit: bool = True
) -> NotificationSettings:
    """Applies the categories given (the others keep their value); the caller commits
    when ``commit`` is False (a participant PATCH changing other fields too)."""
    row = session.get(NotificationConsent, participant_id)
    if row is None:
        row = NotificationConsent(participant_id=participant_id)
    for key, value in changes.model_dump(exclude_none=True).items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    session.add(row)
    if commit:
        session.commit()
    else:
        session.flush()
    return consent_of(session=session, participant_id=participant_id)


def _opted_out(session: Session, participant_ids: Iterable[int], category: Category) -> set[int]:
    if category is Category.essential:
        return set()
    ids = sorted(set(participant_ids))
    if not ids:
        return set()
    column = getattr(NotificationConsent, category.value)
    return set(
        session.exec(
            select(NotificationConsent.participant_id).where(
                NotificationConsent.participant_id.in_(ids),  # type: ignore[attr-defined]
                column == sa.false(),
            )
        ).all()
    )


def _secret(settings: Settings) -> str:
    """MEETX_SECRET_KEY, else a secret derived from the admin token and the database URL."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    if not secret:
        admin = settings.admin_token.get_secret_value() if settings.admin_token else ""
        secret = f"{admin}\0{settings.database_url}"
    return secret


def unsubscribe_key(settings: Settings) -> bytes:
    """The key unsubscribe links are signed with."""
    return hashlib.sha256(f"meetx/unsubscribe/1\0{_secret(settings)}".encode()).digest()


def _sealer(settings: Settings) -> Fernet:
    key = hashlib.sha256(f"meetx/seal/1\0{_secret(settings)}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(settings: Settings, token: str) -> str:
    """The participant token as the welcome row keeps it until sent: encrypted and
    authenticated (Fernet), so the database never holds a token in clear."""
    return _sealer(settings).encrypt(token.encode()).decode("ascii")


def unseal(settings: Settings, sealed: str) -> str:
    """The token back; ValueError when the key changed since it was sealed."""
    try:
        return _sealer(settings).decrypt(sealed.encode("ascii")).decode()
    except InvalidToken as exc:
        raise ValueError(
            "the personal link cannot be read back (MEETX_SECRET_KEY or the admin token "
            "changed since it was queued): rotate the participant's token to send a new one"
        ) from exc


def personal_links(public_url: str, token: str) -> dict[str, str]:
    calendar_url = f"{public_url}/api/v1/calendars/{token}.ics"
    return {
        "page_url": f"{public_url}/p/{token}",
        "calendar_url": calendar_url,
        "webcal_url": "webcal://" + calendar_url.split("://", 1)[1],
    }


def unsubscribe_url(settings: Settings, participant_id: int, category: str) -> str:
    token = unsubscribe_token(
        key=unsubscribe_key(settings), participant_id=participant_id, category=category
    )
    return f"{settings.public_base}/api/v1/unsubscribe/{token}"


# ---------------------------------------------------------------- the outbox row


def _message_id(public_url: str, kind: str) -> str:
    return f"<{uuid.uuid4().hex}.{kind}@{uid_host(public_url)}>"


def enqueue(
    *,
    session: Session,
    event: Event,
    who: Addressee | None,
    kind: str,
    category: Category,
    context: dict[str, Any],
    public_url: str,
    to: list[list[str]] | None = None,
    language: str | None = None,
    calendar: str | None = None,
    dedupe_key: str | None = None,
    opted_out: bool = False,
) -> OutboxMessage | None:
    """Adds one message to the caller's session (None when ``dedupe_key`` was used
    before). A recipient without an address, or who turned the category off, still gets
    a row, ``suppressed`` with the reason, so organisers see who was not reached."""
    addresses = to if to is not None else (who.addresses if who else [])
    language = language or (who.language if who else "both")
    status, error = MessageStatus.queued, None
    if not addresses:
        status, error = MessageStatus.suppressed, NO_ADDRESS
    elif opted_out or (
        who is not None
        and who.participant.id in _opted_out(session, [who.participant.id], category)  # type: ignore[list-item]
    ):
        status, error = MessageStatus.suppressed, UNSUBSCRIBED
    message = OutboxMessage(
        event_id=event.id,  # type: ignore[arg-type]
        participant_id=who.participant.id if who else None,
        kind=kind,
        category=category.value,
        language=language,
        to_addresses=addresses,
        subject=subject_for(kind, language, context),
        context=context,
        calendar=calendar,
        message_id=_message_id(public_url, kind),
        dedupe_key=dedupe_key,
        status=status,
        last_error=error,
    )
    if dedupe_key is None:
        session.add(message)
        return message
    # Two periodic runs racing for the same key: the UNIQUE constraint lets one win; the
    # savepoint keeps the caller's transaction usable for the loser.
    exists = session.exec(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    ).first()
    if exists is not None:
        return None
    try:
        with session.begin_nested():
            session.add(message)
    except sa.exc.IntegrityError:
        return None
    return message


def _public_url(public_url: str | None) -> str:
    return (public_url or get_settings().public_base).rstrip("/")


# ---------------------------------------------------------------- triggers


def notify_registered(
    *,
    session: Session,
    event: Event,
    participant: Participant,
    organization: Organization,
    token: str,
    settings: Settings | None = None,
) -> OutboxMessage | None:
    """The welcome with the personal link and the calendar subscription. The row keeps the
    token sealed (see :func:`seal`) and only until the message is sent."""
    settings = settings or get_settings()
    base = settings.public_base
    who = addressee(participant, organization, event)
    context = _base_context(event, who) | {"sealed_token": seal(settings, token)}
    return enqueue(
        session=session,
        event=event,
        who=who,
        kind="welcome",
        category=Category.essential,
        context=context,
        public_url=base,
    )


def _profile(org: Organization) -> dict[str, Any]:
    return {
        "other": org.name,
        "other_country": org.country,
        "other_sectors": list(org.sectors or [])[:8],
        "other_offers": (org.offers or "")[:600],
        "other_needs": (org.needs or "")[:600],
    }


def _reasons(mine: Organization, theirs: Organization) -> list[dict[str, str]]:
    reasons = []
    shared = sorted(set(mine.sectors or []) & set(theirs.sectors or []))
    if shared:
        codes = ", ".join(shared[:5])
        reasons.append({"vi": f"Cùng ngành {codes}", "en": f"Same sectors {codes}"})
    languages = sorted(set(mine.languages or []) & set(theirs.languages or []))
    if languages:
        codes = ", ".join(languages)
        reasons.append(
            {"vi": f"Cùng ngôn ngữ làm việc: {codes}", "en": f"A shared working language: {codes}"}
        )
    return reasons


def notify_request_created(
    *, session: Session, event: Event, request: MeetingRequest, public_url: str | None = None
) -> None:
    """To the requested participant: who asks, their profile and why meet."""
    people = _load_addressees(
        session, event, [request.from_participant_id, request.to_participant_id]
    )
    sender, recipient = people[request.from_participant_id], people[request.to_participant_id]
    expires_at = request.created_at + timedelta(hours=event.request_expiry_hours)
    context = (
        _base_context(event, recipient)
        | _profile(sender.organization)
        | {
            "request_id": request.id,
            "message": request.message or "",
            "reasons": _reasons(recipient.organization, sender.organization),
            "expires_at": expires_at.isoformat(),
        }
    )
    enqueue(
        session=session,
        event=event,
        who=recipient,
        kind="request_received",
        category=Category.requests,
        context=context,
        public_url=_public_url(public_url),
    )


def notify_request_answered(
    *, session: Session, event: Event, request: MeetingRequest, public_url: str | None = None
) -> None:
    """To the sender: accepted or declined (a withdrawal tells nobody)."""
    if request.status not in (RequestStatus.accepted, RequestStatus.declined):
        return
    people = _load_addressees(
        session, event, [request.from_participant_id, request.to_participant_id]
    )
    sender, recipient = people[request.from_participant_id], people[request.to_participant_id]
    context = _base_context(event, sender) | {
        "request_id": request.id,
        "other": recipient.organization.name,
        "answer": request.status.value,
    }
    enqueue(
        session=session,
        event=event,
        who=sender,
        kind="request_answered",
        category=Category.requests,
        context=context,
        public_url=_public_url(public_url),
    )


@dataclass(frozen=True, slots=True)
class MeetingChange:
    """A meeting as it now is, what happened to it, and where it was before a move."""

    meeting: Meeting
    action: str  # "new", "moved" or "cancelled"
    previous: dict[str, str] | None = None


def meeting_place(session: Session, event: Event, meeting: Meeting) -> dict[str, str]:
    """Where and when a meeting is, as the e-mails show it; taken before a move to show
    where it was."""
    event_session = session.get(EventSession, meeting.session_id)
    assert event_session is not None
    return {
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "location": meeting_location(
            event=event, event_session=event_session, table_no=meeting.table_no
        ),
    }


def notify_meeting_changes(
    *,
    session: Session,
    event: Event,
    changes: Sequence[MeetingChange],
    public_url: str | None = None,
) -> int:
    """Invitations for new, moved and cancelled meetings, in the caller's transaction.

    The invitation is the feed's own entry (service.calendars: same UID, same SEQUENCE)
    as an iTIP REQUEST, or CANCEL for a cancelled meeting, so mail clients update the
    event they hold instead of adding a second one. A participant with more than
    :data:`DIGEST_AFTER` changes at once gets one digest with every invitation attached.
    Returns the number of messages queued."""
    if not changes:
        return 0
    base = _public_url(public_url)
    session.flush()
    people = _load_addressees(
        session,
        event,
        {p for c in changes for p in (c.meeting.participant_a_id, c.meeting.participant_b_id)},
    )
    invitations: dict[int, str | None] = {}
    per_person: dict[int, list[tuple[MeetingChange, dict[str, Any]]]] = defaultdict(list)
    for change in changes:
        meeting = change.meeting
        try:
            ics = meeting_invitation(
                session=session, event=event, meeting=meeting, public_url=base
            ).feed.body.decode("utf-8")
        except Exception:  # no delegate of either side has an address: nothing to attach
            ics = None
        invitations[meeting.id] = ics  # type: ignore[index]
        place = meeting_place(session, event, meeting)
        for me, other in (
            (meeting.participant_a_id, meeting.participant_b_id),
            (meeting.participant_b_id, meeting.participant_a_id),
        ):
            item = place | {
                "meeting_id": meeting.id,
                "uid": meeting.uid,
                "sequence": meeting.sequence,
                "action": change.action,
                "partner": people[other].organization.name,
                "interpreter": interpreter_label(meeting.interpreter_language)
                if meeting.interpreter_language
                else "",
                "previous": change.previous,
            }
            per_person[me].append((change, item))
    queued = 0
    for participant_id, items in per_person.items():
        who = people[participant_id]
        if len(items) > DIGEST_AFTER:
            items.sort(key=lambda pair: pair[1]["starts_at"])
            context = _base_context(event, who) | {
                "items": [item for _, item in items],
                "attachments": [
                    item["meeting_id"] for _, item in items if invitations[item["meeting_id"]]
                ],
            }
            enqueue(
                session=session,
                event=event,
                who=who,
                kind="schedule_digest",
                category=Category.schedule,
                context=context,
                public_url=base,
                calendar=_bundle(invitations, context["attachments"]),
            )
            queued += 1
            continue
        for change, item in items:
            context = _base_context(event, who) | item
            enqueue(
                session=session,
                event=event,
                who=who,
                kind="meeting",
                category=Category.schedule,
                context=context,
                public_url=base,
                calendar=invitations[change.meeting.id],  # type: ignore[index]
            )
            queued += 1
    return queued


# A digest keeps its invitations in one column, separated by this line (never in an
# iCalendar body: every content line there has a colon or starts with a space).
BUNDLE_SEPARATOR: Final = "\r\n--meetx-invitation--\r\n"


def _bundle(invitations: dict[int, str | None], ids: list[int]) -> str | None:
    bodies = [invitations[i] for i in ids if invitations[i]]
    return BUNDLE_SEPARATOR.join(bodies) if bodies else None  # type: ignore[arg-type]


def unbundle(calendar: str | None) -> list[str]:
    return [part for part in (calendar or "").split(BUNDLE_SEPARATOR) if part]


# ---------------------------------------------------------------- time-driven


def _local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), zone).astimezone(UTC)
    return start, start + timedelta(days=1)


def _meetings_by_participant(session: Session, event: Event, day: date) -> dict[int, list[Meeting]]:
    start, end = _local_day_bounds(day, ZoneInfo(event.timezone))
    meetings = session.exec(
        select(Meeting)
        .where(
            Meeting.event_id == event.id,
            Meeting.status == MeetingStatus.scheduled,
            Meeting.starts_at >= start,
            Meeting.starts_at < end,
        )
        .order_by(Meeting.starts_at)  # type: ignore[arg-type]
    ).all()
    by_person: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        by_person[meeting.participant_a_id].append(meeting)
        by_person[meeting.participant_b_id].append(meeting)
    return by_person


def _day_messages(
    *,
    session: Session,
    event: Event,
    day: date,
    kind: str,
    category: Category,
    public_url: str,
) -> int:
    by_person = _meetings_by_participant(session, event, day)
    if not by_person:
        return 0
    people = _load_addressees(
        session,
        event,
        {
            p
            for ms in by_person.values()
            for m in ms
            for p in (m.participant_a_id, m.participant_b_id)
        },
    )
    queued = 0
    for participant_id, meetings in by_person.items():
        who = people[participant_id]
        items = []
        for meeting in meetings:
            other = (
                meeting.participant_b_id
                if meeting.participant_a_id == participant_id
                else meeting.participant_a_id
            )
            items.append(
                meeting_place(session, event, meeting)
                | {
                    "partner": people[other].organization.name,
                    "interpreter": interpreter_label(meeting.interpreter_language)
                    if meeting.interpreter_language
                    else "",
                }
            )
        message = enqueue(
            session=session,
            event=event,
            who=who,
            kind=kind,
            category=category,
            context=_base_context(event, who) | {"date": day.isoformat(), "items": items},
            public_url=public_url,
            dedupe_key=f"{kind}:{participant_id}:{day.isoformat()}",
        )
        queued += message is not None
    return queued


def _expiring_requests(*, session: Session, event: Event, now: datetime, public_url: str) -> int:
    window = min(EXPIRING_WINDOW, timedelta(hours=event.request_expiry_hours) / 4)
    created_after = now - timedelta(hours=event.request_expiry_hours)
    created_before = now - timedelta(hours=event.request_expiry_hours) + window
    rows = session.exec(
        select(MeetingRequest).where(
            MeetingRequest.event_id == event.id,
            MeetingRequest.status == RequestStatus.pending,
            MeetingRequest.created_at > created_after,
            MeetingRequest.created_at <= created_before,
        )
    ).all()
    queued = 0
    for request in rows:
        people = _load_addressees(
            session, event, [request.from_participant_id, request.to_participant_id]
        )
        recipient = people[request.to_participant_id]
        context = _base_context(event, recipient) | {
            "request_id": request.id,
            "other": people[request.from_participant_id].organization.name,
            "expires_at": (
                request.created_at + timedelta(hours=event.request_expiry_hours)
            ).isoformat(),
        }
        message = enqueue(
            session=session,
            event=event,
            who=recipient,
            kind="request_expiring",
            category=Category.requests,
            context=context,
            public_url=public_url,
            dedupe_key=f"request_expiring:{request.id}",
        )
        queued += message is not None
    return queued


# Sent by enqueue_due before its commit, with (session, now, public_url).
time_driven_due = Signal("time_driven_due")


def enqueue_due(
    *, session: Session, now: datetime | None = None, public_url: str | None = None
) -> int:
    """Enqueues every time-driven message that is due and not yet queued, and commits:
    the reminder the evening before a meeting day, the morning agenda, the feedback
    request the evening after, and requests about to expire. Idempotent (one message per
    recipient, kind and day, by a unique key), so any number of periodic runs is safe.
    Returns the number of messages queued."""
    now = now or utcnow()
    base = _public_url(public_url)
    queued = 0
    events = session.exec(select(Event).where(Event.status != EventStatus.draft)).all()
    for event in events:
        zone = ZoneInfo(event.timezone)
        local = now.astimezone(zone)
        today = local.date()
        if event.start_date - timedelta(days=1) <= today <= event.end_date + timedelta(days=1):
            if local.time() >= REMINDER_AT:
                queued += _day_messages(
                    session=session, event=event, day=today + timedelta(days=1),
                    kind="reminder", category=Category.reminders, public_url=base,
                )  # fmt: skip
            if AGENDA_AT <= local.time() < time(12, 0):
                queued += _day_messages(
                    session=session, event=event, day=today,
                    kind="agenda", category=Category.reminders, public_url=base,
                )  # fmt: skip
            if local.time() >= FEEDBACK_AT:
                queued += _day_messages(
                    session=session, event=event, day=today,
                    kind="feedback", category=Category.follow_up, public_url=base,
                )  # fmt: skip
        queued += _expiring_requests(session=session, event=event, now=now, public_url=base)
    # Domains above this one queue their own time-driven mail here, in this transaction
    # (the commitments' review digest for organisers: service/commitments/tasks.py).
    time_driven_due.send(session=session, now=now, public_url=base)
    session.commit()
    return queued


@dataclass(frozen=True, slots=True)
class DueCommitment:
    """One commitment whose review is due, as the organisers' digest lists it."""

    title: str
    kind: str
    status: str
    next_review_on: date
    organizations: list[str]
    value_usd: float | None = None


def enqueue_commitments_digest(
    *,
    session: Session,
    event: Event,
    rows: Sequence[DueCommitment],
    recipients: Sequence[tuple[str, str]],
    day: date,
    public_url: str | None = None,
) -> OutboxMessage | None:
    """The organisers' daily digest of commitments whose review is due (one per event and
    day). The outcomes domain supplies the rows and the organisers' addresses."""
    if not rows:
        return None
    context = _base_context(event, None) | {
        "date": day.isoformat(),
        "rows": [
            {
                "title": r.title,
                "kind": r.kind,
                "status": r.status,
                "next_review_on": r.next_review_on.isoformat(),
                "organizations": list(r.organizations),
                "value_usd": r.value_usd,
            }
            for r in rows
        ],
    }
    return enqueue(
        session=session,
        event=event,
        who=None,
        kind="commitments_digest",
        category=Category.essential,
        context=context,
        public_url=_public_url(public_url),
        to=[[clean_header(n), a] for n, a in recipients],
        language="both",
        dedupe_key=f"commitments_digest:{event.id}:{day.isoformat()}",
    )


# ---------------------------------------------------------------- mailings


class _Member(NamedTuple):
    id: int
    delegates: list[dict]


class _Firm(NamedTuple):
    name: str
    country: str
    languages: list[str]


def audience_rows(
    *, session: Session, event: Event, audience: Audience
) -> list[tuple[_Member, _Firm]]:
    """The event's participants matching every criterion given: only the columns a
    mailing needs (a 5,000-recipient mailing loads no ORM objects)."""
    statement = (
        select(
            Participant.id,
            Participant.delegates,
            Organization.name,
            Organization.country,
            Organization.languages,
        )
        .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
        .where(Participant.event_id == event.id)
    )
    if audience.side is not None:
        if audience.side not in (Side.host.value, Side.guest.value):
            raise invalid("body.audience.side", "must be 'host' or 'guest'")
        statement = statement.where(Participant.side == Side(audience.side))
    if audience.country:
        statement = statement.where(Organization.country == audience.country.strip().upper())
    if audience.province:
        province = resolve_province(
            session=session, value=audience.province, field="body.audience.province"
        )
        statement = statement.where(Organization.province_code == province.code)
    if audience.sector:
        code = audience.sector.strip().upper()
        statement = statement.where(Organization.sector_key.contains(f" {code} "))  # type: ignore[attr-defined]
    if audience.without_meetings:
        live = (
            select(Meeting.id)
            .where(
                Meeting.status == MeetingStatus.scheduled,
                sa.or_(
                    Meeting.participant_a_id == Participant.id,
                    Meeting.participant_b_id == Participant.id,
                ),
            )
            .exists()
        )
        statement = statement.where(~live)
    if audience.not_checked_in:
        arrived = checked_in_ids(session=session, event_id=event.id)  # type: ignore[arg-type]
        if arrived:
            statement = statement.where(Participant.id.not_in(arrived))  # type: ignore[union-attr]
    if audience.participant_ids:
        statement = statement.where(Participant.id.in_(audience.participant_ids))  # type: ignore[union-attr]
    rows = session.exec(statement.order_by(Participant.id)).all()  # type: ignore[arg-type]
    return [(_Member(i, d), _Firm(n, c, langs)) for i, d, n, c, langs in rows]


def _recipient(who: Addressee) -> Recipient:
    return Recipient(
        participant_id=who.participant.id,  # type: ignore[arg-type]
        organization=who.organization.name,
        language=who.language,
        to=[address for _, address in who.addresses],
    )


def mailing_context(event: Event, data: MailingCreate | Mailing) -> dict[str, Any]:
    return {
        "subject_vi": clean_header(data.subject_vi),
        "subject_en": clean_header(data.subject_en),
        "body_vi": data.body_vi,
        "body_en": data.body_en,
    }


_INSERT_MAILING_MESSAGE: Final = sa.text(
    "INSERT INTO outbox_message (event_id, participant_id, mailing_id, kind, category, "
    "language, to_addresses, subject, context, message_id, status, attempts, "
    "next_attempt_at, created_at, updated_at) VALUES (:event_id, :participant_id, "
    ":mailing_id, 'mailing', 'mailings', :language, :to_addresses, :subject, :context, "
    ":message_id, 'queued', 0, :now, :now, :now)"
)


_INSERT_MAILING_MESSAGES_PG: Final = sa.text(
    "INSERT INTO outbox_message (event_id, participant_id, mailing_id, kind, category, "
    "language, to_addresses, subject, context, message_id, status, attempts, "
    "next_attempt_at, created_at, updated_at) "
    "SELECT :event_id, u.p, :mailing_id, 'mailing', 'mailings', u.l, CAST(u.t AS json), "
    "u.s, CAST(u.c AS json), u.m, 'queued', 0, :now, :now, :now FROM unnest("
    "CAST(:participant_id AS integer[]), CAST(:language AS text[]), "
    "CAST(:to_addresses AS text[]), CAST(:subject AS text[]), CAST(:context AS text[]), "
    "CAST(:message_id AS text[])) AS u(p, l, t, s, c, m)"
)


def create_mailing(
    *,
    session: Session,
    event: Event,
    data: MailingCreate,
    settings: Settings,
    before_commit: Callable[[Session, MailingResult], None] | None = None,
) -> MailingResult:
    """A dry run lists the recipients and previews the message in each language; else the
    mailing and one queued message per recipient are written in one transaction (one
    multi-row INSERT), for delivery later. Zero recipients is a 422 with the reason.
    `before_commit` hears the result in that transaction, just before its commit (a
    background job marks itself succeeded there; raising stores nothing)."""
    rows = audience_rows(session=session, event=event, audience=data.audience)
    if not rows:
        raise invalid(
            "body.audience", "không có người nhận nào khớp / no participant matches this audience"
        )
    people = [addressee(p, o, event) for p, o in rows]  # type: ignore[arg-type]
    opted_out = _opted_out(session, [w.participant.id for w in people], Category.mailings)  # type: ignore[misc]
    reachable = [w for w in people if w.addresses and w.participant.id not in opted_out]
    skipped = [_recipient(w) for w in people if not w.addresses or w.participant.id in opted_out]
    if not reachable:
        raise invalid(
            "body.audience",
            f"{len(people)} người khớp nhưng không ai có e-mail hoặc đồng ý nhận thư / "
            f"{len(people)} participants match but none has an e-mail address or accepts mailings",
        )
    base_context = _base_context(event, None) | mailing_context(event, data)
    if data.dry_run:
        preview = {}
        for language in ("vi", "en"):
            rendered = render(
                kind="mailing",
                language=language,
                context=base_context | {"organization": ""},
                unsubscribe_url=f"{settings.public_base}/api/v1/unsubscribe/…",
            )
            preview[language] = MailingPreview(
                subject=rendered.subject, text=rendered.text, html=rendered.html
            )
        return MailingResult(
            dry_run=True,
            total=len(reachable),
            items=[_recipient(w) for w in reachable],
            skipped=skipped,
            preview=preview,
        )
    mailing = Mailing(
        event_id=event.id,  # type: ignore[arg-type]
        subject_vi=base_context["subject_vi"],
        subject_en=base_context["subject_en"],
        body_vi=data.body_vi,
        body_en=data.body_en,
        audience=data.audience.model_dump(exclude_none=True),
        recipients=len(reachable),
    )
    session.add(mailing)
    session.flush()
    subjects = {lang: subject_for("mailing", lang, base_context) for lang in ("vi", "en", "both")}
    host = uid_host(settings.public_base)
    # One multi-row INSERT without per-value type processing: JSON is serialised here and
    # the instant written as the UTCDateTime column stores it (naive UTC).
    now = utcnow().replace(tzinfo=None)
    stamp: Any = now
    if session.get_bind().dialect.name == "sqlite":
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = [
        {
            "participant_id": w.participant.id,
            "language": w.language,
            "to_addresses": json.dumps(w.addresses, ensure_ascii=False),
            "subject": subjects[w.language],
            # The body is the mailing's; each row keeps only what differs.
            "context": json.dumps({"recipient_tz": w.zone} if w.zone else {}),
            "message_id": f"<{uuid.uuid4().hex}.mailing@{host}>",
        }
        for w in reachable
    ]
    shared = {"event_id": event.id, "mailing_id": mailing.id, "now": stamp}
    if session.get_bind().dialect.name == "postgresql":
        # One statement for all rows (arrays unnested server-side): one round trip.
        columns = {key: [row[key] for row in rows] for key in rows[0]}
        session.execute(_INSERT_MAILING_MESSAGES_PG, shared | columns)
    else:
        session.execute(_INSERT_MAILING_MESSAGE, [shared | row for row in rows])
    result = MailingResult(
        dry_run=False,
        mailing_id=mailing.id,
        total=len(reachable),
        queued=len(reachable),
        skipped=skipped,
    )
    if before_commit is not None:
        before_commit(session, result)
    session.commit()
    return result


# ---------------------------------------------------------------- reading the outbox


def list_messages(
    *,
    session: Session,
    event_id: int,
    participant_id: int | None,
    status: MessageStatus | None,
    kind: str | None,
    limit: int,
    offset: int,
) -> tuple[list[OutboxMessage], int]:
    statement = select(OutboxMessage).where(OutboxMessage.event_id == event_id)
    if participant_id is not None:
        statement = statement.where(OutboxMessage.participant_id == participant_id)
    if status is not None:
        statement = statement.where(OutboxMessage.status == status)
    if kind is not None:
        statement = statement.where(OutboxMessage.kind == kind)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(
        statement.order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)  # type: ignore[union-attr]
    ).all()
    return list(rows), total


def status_counts(*, session: Session, event_id: int) -> dict[str, int]:
    rows = session.exec(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.event_id == event_id)
        .group_by(OutboxMessage.status)
    ).all()
    return {str(getattr(s, "value", s)): n for s, n in rows}


def message_public(message: OutboxMessage) -> MessagePublic:
    return MessagePublic(
        id=message.id,  # type: ignore[arg-type]
        kind=message.kind,
        category=message.category,
        participant_id=message.participant_id,
        mailing_id=message.mailing_id,
        to=[f"{n} <{a}>" if n else a for n, a in message.to_addresses],
        subject=message.subject,
        language=message.language,
        status=message.status,
        attempts=message.attempts,
        last_error=message.last_error,
        message_id=message.message_id,
        created_at=message.created_at,
        sent_at=message.sent_at,
        next_attempt_at=message.next_attempt_at,
    )


def full_context(session: Session, message: OutboxMessage) -> dict[str, Any]:
    """The row's context with what it shares with others (a mailing's text, the event's
    names) filled in."""
    context = dict(message.context)
    if message.mailing_id is not None:
        mailing = session.get(Mailing, message.mailing_id)
        event = session.get(Event, message.event_id)
        if mailing is not None and event is not None:
            context = _base_context(event, None) | mailing_context(event, mailing) | context
    return context


def get_message(*, session: Session, event_id: int, message_id: int) -> OutboxMessage:
    message = session.get(OutboxMessage, message_id)
    if message is None or message.event_id != event_id:
        raise not_found(f"message {message_id}")
    return message


# ---------------------------------------------------------------- receivers
# The domains below this one announce their changes (core/signals.py); the e-mails they
# cause are written here, in the same transaction.


@participants_service.participant_registered.connect
def _on_participant_registered(**payload: Any) -> None:
    notify_registered(**payload)


@participants_service.notifications_chosen.connect
def _on_notifications_chosen(
    *, session: Session, participant_id: int, changes: NotificationSettings
) -> None:
    set_consent(session=session, participant_id=participant_id, changes=changes, commit=False)


@requests_service.request_created.connect
def _on_request_created(**payload: Any) -> None:
    notify_request_created(**payload)


@requests_service.request_answered.connect
def _on_request_answered(**payload: Any) -> None:
    notify_request_answered(**payload)
