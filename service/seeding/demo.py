"""Loads the demo event "Gặp gỡ Hàn Quốc 2026" through the same service functions the
API uses, so the demo obeys every rule real data does."""

from __future__ import annotations

import csv
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Final

from sqlmodel import Session, select

from seeds.demo import demo_event
from service.core.database import utcnow
from service.events import service as events
from service.events.models import Event, EventCreate, SessionCreate
from service.meeting_requests.models import (
    MeetingRequest,
    PairPreference,
    PreferenceKind,
    RequestStatus,
    pair_key,
)
from service.organizations import service as organizations
from service.organizations.models import Organization, OrganizationCreate
from service.participants import service as participants
from service.participants.models import ParticipantCreate, participant_links
from service.scheduling.models import ScheduleOptions, ScheduleReport
from service.scheduling.service import run_schedule
from service.seeding.demo_outcomes import load_demo_outcomes


def find_demo_event(*, session: Session) -> Event | None:
    data = demo_event()["event"]
    start = date.fromisoformat(data["start_date"])
    return session.exec(
        select(Event).where(Event.name == data["name_vi"], Event.start_date == start)
    ).first()


def _organization(session: Session, record: dict) -> Organization:
    existing = session.exec(
        select(Organization).where(
            Organization.name == record["name"], Organization.country == record["country"]
        )
    ).first()
    if existing is not None:
        return existing
    fields = {k: v for k, v in record.items() if k != "key" and v is not None}
    return organizations.create_organization(
        session=session, data=OrganizationCreate.model_validate(fields)
    )


def load_demo_event(
    *,
    session: Session,
    public_url: str,
    links_file: Path | None = None,
    schedule: bool = False,
) -> tuple[Event, bool]:
    """The demo event, created if absent. Participants' tokens exist only at creation, so
    their personal links are written to `links_file` (CSV) when given. With `schedule`,
    the organiser's scheduler runs once on the new event (accepted requests plus the best
    suggestions), so every personal page opens on an agenda and the dashboard on a
    filled grid: the first thing a newcomer sees of the scheduler is its result."""
    existing = find_demo_event(session=session)
    if existing is not None:
        load_demo_outcomes(session=session, event=existing)  # meetings may exist by now
        return existing, False
    data = demo_event()
    info = data["event"]
    event = events.create_event(
        session=session,
        data=EventCreate(
            name=info["name_vi"],
            name_en=info["name_en"],
            partner_country=info["partner_country"],
            host_province=info["host_province"],
            venue=info["venue"],
            timezone=info["timezone"],
            start_date=info["start_date"],
            end_date=info["end_date"],
            description=info.get("description"),
        ),
    )
    for record in data["sessions"]:
        fields = {k: v for k, v in record.items() if k != "key" and v is not None}
        events.create_session(
            session=session, event=event, data=SessionCreate.model_validate(fields)
        )

    by_key: dict[str, int] = {}
    links: list[tuple[str, str, str]] = []
    orgs = {r["key"]: _organization(session, r) for r in data["organizations"]}
    for record in data["participants"]:
        org = orgs[record["organization"]]
        participant, token = participants.create_participant(
            session=session,
            event=event,
            data=ParticipantCreate(
                organization_id=org.id,  # type: ignore[arg-type]
                delegates=record.get("delegates", []),
                max_meetings=record.get("max_meetings"),
                unavailable=record.get("unavailable", []),
            ),
        )
        by_key[record["organization"]] = participant.id  # type: ignore[assignment]
        page, calendar = participant_links(token=token, public_url=public_url)
        links.append((org.name, page, calendar))

    now = utcnow()
    for request in data["meeting_requests"]:
        a, b = by_key[request["from"]], by_key[request["to"]]
        pending = request["status"] == "pending"
        session.add(
            MeetingRequest(
                event_id=event.id,  # type: ignore[arg-type]
                from_participant_id=a,
                to_participant_id=b,
                message=request.get("message"),
                status=RequestStatus(request["status"]),
                pending_pair=pair_key(a, b) if pending else None,
                expires_at=now + timedelta(hours=event.request_expiry_hours) if pending else None,
                responded_at=None if pending else now,
            )
        )
    for wish in data["wishes"]:
        session.add(
            PairPreference(
                event_id=event.id,  # type: ignore[arg-type]
                from_participant_id=by_key[wish["from"]],
                to_participant_id=by_key[wish["to"]],
                kind=PreferenceKind.wish,
            )
        )
    session.commit()
    if schedule:
        schedule_demo_day(session=session, event=event)
    # After the meeting: commitments now, attendance and feedback once meetings exist.
    load_demo_outcomes(session=session, event=event)
    if links_file is not None:
        _write_links(links_file, links)
    return event, True


# Long enough for the demo's 91 participants to get a good day, short enough for a
# start-up: the scheduler keeps the best schedule found when the time is up.
DEMO_SCHEDULE_SECONDS: Final = 5.0


def schedule_demo_day(*, session: Session, event: Event) -> ScheduleReport:
    """The scheduler run an organiser would start from the dashboard, applied."""
    report = run_schedule(
        session=session,
        event=event,
        options=ScheduleOptions(fill=True, time_limit_s=DEMO_SCHEDULE_SECONDS),
    )
    print(
        f"meetx: demo day scheduled: {report.placed} meetings "
        f"({report.required_placed} requested, {report.optional_placed} suggested)",
        file=sys.stderr,
    )
    return report


def _write_links(path: Path, links: list[tuple[str, str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["organisation", "page", "calendar"])
        writer.writerows(links)
    print(f"meetx: demo participants' personal links written to {path}", file=sys.stderr)
