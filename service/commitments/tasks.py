"""The organisers' daily digest of commitments whose review is due.

The notifications domain runs its time-driven mail once a minute (`enqueue_due`, from
the server's delivery loop or `meetx deliver-mail`) and announces it with the
`time_driven_due` signal; this receiver adds, from 07:00 in each event's time zone, one
digest per event and day of the commitments of that event whose next review date has
passed, to the addresses in `MEETX_ORGANISER_EMAILS`. The outbox's unique key makes a
second run the same day queue nothing. Commitments signed outside any event (at a
plenary of no recorded event) are listed on the organisers' pages, not mailed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time
from email.utils import getaddresses
from zoneinfo import ZoneInfo

from sqlmodel import Session

from service.commitments import service as commitments
from service.commitments.models import Commitment
from service.core.settings import get_settings
from service.events.service import get_event
from service.notifications.service import (
    DueCommitment,
    enqueue_commitments_digest,
    time_driven_due,
)

DIGEST_AT = time(7, 0)


def organiser_addresses(value: str | None) -> list[tuple[str, str]]:
    return [(name, address) for name, address in getaddresses([value or ""]) if address]


@time_driven_due.connect
def enqueue_review_digests(*, session: Session, now: datetime, public_url: str) -> None:
    recipients = organiser_addresses(get_settings().organiser_emails)
    if not recipients:
        return
    by_event: dict[int, list[Commitment]] = defaultdict(list)
    for row in commitments.reviews_due(session=session, on=now.date()):
        if row.event_id is not None:
            by_event[row.event_id].append(row)
    for event_id, rows in sorted(by_event.items()):
        event = get_event(session=session, event_id=event_id)
        local = now.astimezone(ZoneInfo(event.timezone))
        if local.time() < DIGEST_AT:
            continue
        due = [
            DueCommitment(
                title=row.title,
                kind=row.kind.value,
                status=row.status.value,
                next_review_on=row.next_review_on,  # type: ignore[arg-type]
                organizations=[
                    org.name
                    for org in commitments.commitment_public(
                        session=session, commitment=row
                    ).organizations
                ],
                value_usd=row.value_usd,
            )
            for row in rows
        ]
        enqueue_commitments_digest(
            session=session,
            event=event,
            rows=due,
            recipients=recipients,
            day=local.date(),
            public_url=public_url,
        )
