"""The organisers' outbox page (every message of the event, its status, and each one as
sent or as it will be) and the personal page's e-mail choices; bilingual like the other
pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from service.core.database import SessionDep
from service.core.dependencies import shared_objects
from service.core.errors import ProblemError
from service.core.i18n import N_
from service.notifications import service
from service.notifications.delivery import email_for, readable
from service.notifications.mailer import Mailer
from service.notifications.models import CONSENT_CATEGORIES, MessageStatus
from service.pages import public
from service.pages.admin import EventPage, OrganizerPage
from service.pages.templating import redirect, render
from service.participants.models import NotificationSettings

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 200


@router.get("/admin/events/{event_id}/messages", response_class=HTMLResponse)
def outbox_page(
    request: Request,
    session: SessionDep,
    organizer: OrganizerPage,
    event: EventPage,
    status: Annotated[MessageStatus | None, Query()] = None,
    message: Annotated[int | None, Query()] = None,
) -> Response:
    rows, total = service.list_messages(
        session=session,
        event_id=event.id,  # type: ignore[arg-type]
        participant_id=None,
        status=status,
        kind=None,
        limit=PAGE_SIZE,
        offset=0,
    )
    mailer = shared_objects(request.app).get(Mailer)
    context = {
        "event": event,
        "csrf": organizer.csrf_token,
        "messages": [service.message_public(m) for m in rows],
        "total": total,
        "counts": service.status_counts(session=session, event_id=event.id),  # type: ignore[arg-type]
        "status": status.value if status else None,
        "smtp_host": mailer.config.host if mailer.configured else None,
        "selected": None,
    }
    if message is not None:
        try:
            row = service.get_message(session=session, event_id=event.id, message_id=message)  # type: ignore[arg-type]
        except ProblemError:
            row = None
        if row is not None:
            email = readable(
                email_for(
                    row,
                    service.full_context(session, row),
                    mailer=mailer,
                    settings=request.app.state.settings,
                    reveal=False,
                )
            )
            context["selected"] = service.message_public(row)
            context["selected_text"] = email.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
            context["selected_html"] = email.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
            context["selected_calendar"] = service.unbundle(row.calendar)
    return render(request, "admin_messages.html", context)


@router.post("/p/{token}/notifications", response_class=HTMLResponse)
async def save_choices(token: str, request: Request, session: SessionDep) -> Response:
    """The personal page's e-mail choices: a checked box keeps a category on."""
    found = public._participant(session, token)
    if found is None:
        return public.not_found_page(request)
    participant, _ = found
    form = await request.form()
    choices = NotificationSettings(
        **{c.value: form.get(c.value) == "true" for c in CONSENT_CATEGORIES}
    )
    service.set_consent(session=session, participant_id=participant.id, changes=choices)  # type: ignore[arg-type]
    return redirect(f"/p/{token}?done=notifications#notify-heading")


# Ids the pages look up by a computed key (message kinds, statuses, e-mail categories):
# named here so that extraction keeps them in the catalogues.
COMPUTED_MESSAGE_IDS = (
    N_("kind.agenda"),
    N_("kind.commitments_digest"),
    N_("kind.feedback"),
    N_("kind.mailing"),
    N_("kind.meeting"),
    N_("kind.reminder"),
    N_("kind.request_answered"),
    N_("kind.request_expiring"),
    N_("kind.request_received"),
    N_("kind.schedule_digest"),
    N_("kind.welcome"),
    N_("notify.follow_up"),
    N_("notify.mailings"),
    N_("notify.reminders"),
    N_("notify.requests"),
    N_("notify.schedule"),
    N_("status.failed"),
    N_("status.queued"),
    N_("status.sending"),
    N_("status.sent"),
    N_("status.suppressed"),
)
