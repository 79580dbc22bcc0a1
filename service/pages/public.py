"""Public pages: the list of open events and a participant's personal page.

The personal page is opened by the participant's link, ``/p/{token}``: the token in the
path is the credential, so its forms post back under the same path and a third-party
site cannot forge them without knowing the token. Every successful form answers with a
303 redirect to the page (POST-redirect-GET), so reloading never resends it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from service.auth.service import participant_by_token
from service.booking.service import book_accepted
from service.core.database import SessionDep
from service.core.dependencies import shared_objects
from service.core.errors import ProblemError, invalid
from service.core.i18n import N_
from service.events.models import BookingMode, Event, EventStatus
from service.events.service import list_events, list_sessions
from service.meeting_requests.models import MeetingRequest, MeetingRequestCreate
from service.meeting_requests.service import answer_request, create_request
from service.notifications.service import consent_of
from service.pages import i18n, outcomes_view
from service.pages import participant_view as views
from service.pages.agenda_view import participant_agenda
from service.pages.templating import redirect, render
from service.participants.models import Participant
from service.reference.models import Province
from service.suggestions.service import IndexCache

router = APIRouter(include_in_schema=False)

# Flash messages a redirect may ask for: the query names a key, never free text, so the
# page cannot be made to display an attacker's words.
PARTICIPANT_FLASHES = {
    "sent": N_("p.flash.sent"),
    "accepted": N_("p.flash.accepted"),
    "declined": N_("p.flash.declined"),
    "withdrawn": N_("p.flash.withdrawn"),
    "booked": N_("p.flash.booked"),
    "unplaced": N_("p.flash.unplaced"),
    "notifications": N_("notify.saved"),
    "checked_in": N_("out.flash.checked_in"),
    "feedback": N_("out.flash.feedback"),
}


def not_found_page(request: Request) -> HTMLResponse:
    return render(request, "not_found.html", {}, status_code=404)


@router.get("/", response_class=HTMLResponse)
def events_page(request: Request, session: SessionDep, q: str | None = None) -> Response:
    events, _ = list_events(
        session=session,
        query=(q or "")[:200] or None,
        status=EventStatus.open,
        limit=100,
        offset=0,
        include_drafts=False,
    )
    items = []
    for event in events:
        province = (
            session.get(Province, event.host_province_code) if event.host_province_code else None
        )
        items.append(
            {
                "event": event,
                "host_province": province.name if province else None,
                "sessions": list_sessions(session=session, event_id=event.id),  # type: ignore[arg-type]
            }
        )
    return render(request, "index.html", {"events": items, "query": q})


def _participant(session: Session, token: str) -> tuple[Participant, Event] | None:
    participant = participant_by_token(session=session, token=token)
    if participant is None:
        return None
    event = session.get(Event, participant.event_id)
    if event is None:
        return None
    return participant, event


def page_language(request: Request, session: Session, participant: Participant) -> i18n.Language:
    """?lang= or the remembered choice first, else the participant's own language."""
    return i18n.language_of(
        request, default=views.own_language(session=session, participant=participant)
    )


def _page_context(
    request: Request, session: Session, token: str, participant: Participant, event: Event
) -> dict[str, Any]:
    language = page_language(request, session, participant)
    about = views.profile(session=session, participant=participant, lang=language.code)
    https_url, webcal_url = views.calendar_links(
        public_url=request.app.state.settings.public_base, token=token
    )
    days = participant_agenda(session=session, event=event, participant=participant)
    requests = views.requests_of(session=session, event=event, participant=participant)
    met = {
        item.counterpart.participant_id
        for day in days
        for item in day.items
        if item.counterpart is not None and not item.cancelled
    }
    found_suggestions = views.suggestions(
        session=session,
        event=event,
        participant=participant,
        cache=shared_objects(request.app).get(IndexCache),
        met=met,
    )
    live = event.booking_mode is BookingMode.live

    def times(partner_id: int, proposed: tuple = ()) -> list[views.TimeOption]:
        return views.free_times(
            session=session,
            event=event,
            participant=participant,
            partner_id=partner_id,
            proposed=list(proposed),
        )

    return {
        "live": live,
        # Live booking: the common free times, offered when accepting and when sending.
        "accept_times": {
            r.id: times(r.counterpart.participant_id, r.proposed)
            for r in requests.incoming
            if live and r.status == "pending"
        },
        "request_times": {
            s.participant_id: times(s.participant_id)
            for s in found_suggestions
            if live and s.can_request
        },
        "token": token,
        "event": event,
        "participant": participant,
        "org": about.org,
        "province_name": about.province_name,
        "sectors": about.sectors,
        "calendar_url": https_url,
        "webcal_url": webcal_url,
        "agenda": days,
        "has_meetings": views.has_meetings(days),
        "incoming": requests.incoming,
        "outgoing": requests.outgoing,
        "suggestions": found_suggestions,
        "notifications": consent_of(session=session, participant_id=participant.id),  # type: ignore[arg-type]
        "directory": views.directory(
            session=session,
            event=event,
            participant=participant,
            exclude=views.open_requests_with(session=session, participant=participant) | met,
        ),
        # After the meeting: check-in button and QR code, feedback forms.
        **outcomes_view.participant_context(request, session, participant, event),
    }


@router.get("/p/{token}", response_class=HTMLResponse)
def participant_page(
    token: str, request: Request, session: SessionDep, done: str | None = None
) -> Response:
    found = _participant(session, token)
    if found is None:
        return not_found_page(request)
    participant, event = found
    context = _page_context(request, session, token, participant, event)
    language = page_language(request, session, participant)
    flash_key = PARTICIPANT_FLASHES.get(done or "")
    if flash_key:
        context["flash"] = language.t(flash_key)
    return render(request, "participant.html", context, language=language)


@router.get("/p/{token}/agenda", response_class=HTMLResponse)
def printable_agenda(token: str, request: Request, session: SessionDep) -> Response:
    found = _participant(session, token)
    if found is None:
        return not_found_page(request)
    participant, event = found
    context = _page_context(request, session, token, participant, event)
    language = page_language(request, session, participant)
    return render(request, "agenda_print.html", context, language=language)


def _form_error(request: Request, session: Session, token: str, error: ProblemError) -> Response:
    """The page again, with the service's refusal shown and its status kept."""
    session.rollback()
    found = _participant(session, token)
    if found is None:
        return not_found_page(request)
    participant, event = found
    context = _page_context(request, session, token, participant, event)
    language = page_language(request, session, participant)
    context["error"] = language.t("error.conflict", detail=error.detail or error.title)
    return render(request, "participant.html", context, status_code=error.status, language=language)


@router.post("/p/{token}/requests", response_class=HTMLResponse)
def send_request(
    token: str,
    request: Request,
    session: SessionDep,
    to_participant_id: Annotated[int, Form()],
    message: Annotated[str, Form(max_length=5000)] = "",
    proposed_time: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    found = _participant(session, token)
    if found is None:
        return not_found_page(request)
    participant, event = found
    try:
        data = MeetingRequestCreate(
            from_participant_id=participant.id,  # type: ignore[arg-type]
            to_participant_id=to_participant_id,
            message=message.strip() or None,
            proposed_times=[proposed_time] if proposed_time else [],
        )
        create_request(session=session, event=event, data=data)
    except ValidationError as exc:
        return _form_error(request, session, token, invalid("message", exc.errors()[0]["msg"]))
    except ProblemError as exc:
        return _form_error(request, session, token, exc)
    return redirect(f"/p/{token}?done=sent#requests-heading")


ANSWERS = {"accept": "accepted", "decline": "declined", "withdraw": "withdrawn"}


@router.post("/p/{token}/requests/{request_id}/{action}", response_class=HTMLResponse)
def answer(
    token: str,
    request_id: int,
    action: str,
    request: Request,
    session: SessionDep,
    starts_at: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    found = _participant(session, token)
    if found is None or action not in ANSWERS:
        return not_found_page(request)
    participant, event = found
    row = session.get(MeetingRequest, request_id)
    # Only the requested side answers, only the sender withdraws; anyone else's request
    # is "not found", as an unknown id is, so ids cannot be probed.
    answering = None
    if row is not None and row.event_id == event.id:
        answering = row.from_participant_id if action == "withdraw" else row.to_participant_id
    if row is None or answering != participant.id:
        return not_found_page(request)
    live = action == "accept" and event.booking_mode is BookingMode.live
    try:
        if not live:
            answer_request(session=session, event=event, request=row, action=action)
            return redirect(f"/p/{token}?done={ANSWERS[action]}#requests-heading")
        chosen = datetime.fromisoformat(starts_at) if starts_at else None
        answer_request(session=session, event=event, request=row, action=action, commit=False)
        booked = book_accepted(session=session, event=event, request=row, starts_at=chosen)
        session.commit()
    except ValueError:
        return _form_error(request, session, token, invalid("starts_at", "is not a time"))
    except ProblemError as exc:
        return _form_error(request, session, token, exc)
    done = "booked" if booked.meeting is not None else "unplaced"
    return redirect(f"/p/{token}?done={done}#requests-heading")
