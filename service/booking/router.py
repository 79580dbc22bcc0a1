"""GET /events/{event_id}/participants/{participant_id}/free-times?with=: where a pair
can still meet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.auth.dependencies import ActorDep
from service.booking import service
from service.booking.models import FreeTime
from service.core.database import SessionDep, end_read
from service.core.errors import ProblemError, invalid
from service.events.service import get_event
from service.kit.pagination import Page
from service.participants.models import Participant
from service.participants.service import get_participant

router = APIRouter(tags=["live booking"])


class FreeTimes(Page[FreeTime]):
    reason: dict[str, str] | None = None


@router.get(
    "/events/{event_id}/participants/{participant_id}/free-times",
    summary="Slot starts where two participants can still meet",
    description=(
        "The b2b slots where both are free (availability, plenaries they attend, "
        "`max_meetings`, meetings already booked) and a table and, where the pair needs "
        "one, an interpreter of a declared pool are left, in time order, with how many "
        "breaks a meeting there would add to the two agendas. Callable by either of the "
        "two participants or an organiser (anyone else: 403). An empty list comes with "
        "`reason` {vi, en}."
    ),
)
def free_times(
    event_id: int,
    participant_id: int,
    session: SessionDep,
    actor: ActorDep,
    with_: Annotated[int, Query(alias="with", description="The other participant's id")],
) -> FreeTimes:
    if not actor.is_organizer and not (
        actor.event_id == event_id and actor.participant_id in (participant_id, with_)
    ):
        raise ProblemError(
            403, "Không có quyền / Forbidden", "Only the two participants or an organiser"
        )
    event = get_event(session=session, event_id=event_id)
    a = get_participant(session=session, event_id=event_id, participant_id=participant_id)
    b = session.get(Participant, with_)
    if b is None or b.event_id != event_id or b.id == a.id:
        raise invalid("query.with", f"participant {with_} is not another participant of the event")
    found = service.availability(session=session, event=event, a=a, b=b)
    items = [
        FreeTime(
            session_id=f.slot.session.id,  # type: ignore[arg-type]
            slot=f.slot.slot,
            starts_at=f.slot.starts_at,
            ends_at=f.slot.ends_at,
            tables_free=f.tables_free,
            interpreter_language=f.language,
            added_breaks=f.added_breaks,
        )
        for f in found.free
    ]
    end_read(session)
    return FreeTimes(items=items, total=len(items), limit=len(items), offset=0, reason=found.reason)
