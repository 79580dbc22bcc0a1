"""Routes: the outbox (organisers), mailings (organisers), and the one-click unsubscribe
link every non-essential e-mail carries (RFC 8058)."""

from __future__ import annotations

import html
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from service.auth.dependencies import OrganizerDep
from service.core.database import SessionDep
from service.core.dependencies import shared_objects
from service.core.errors import not_found
from service.events.service import get_event
from service.jobs.dependencies import JobEngineDep
from service.jobs.http import PreferHeader, accepted, wants_async
from service.kit.pagination import Page, PageDep
from service.notifications import service
from service.notifications.compose import read_unsubscribe_token
from service.notifications.delivery import email_for, readable
from service.notifications.mailer import Mailer
from service.notifications.models import (
    CONSENT_CATEGORIES,
    MailingCreate,
    MailingResult,
    MessagePublic,
    MessageStatus,
)
from service.notifications.tasks import MAILING_TASK
from service.participants.models import NotificationSettings, Participant


def get_mailer(request: Request) -> Mailer:
    """The mailer made once in the app factory."""
    return shared_objects(request.app).get(Mailer)


MailerDep = Annotated[Mailer, Depends(get_mailer)]

router = APIRouter(tags=["notifications"])


class MessageDetail(MessagePublic):
    text: str
    html: str
    calendar: list[str]
    headers: dict[str, str]


@router.get(
    "/events/{event_id}/messages",
    summary="The event's outbox",
    description="Every message queued for the event, newest first: recipient, subject, "
    "language, status (queued, sending, sent, failed, suppressed), attempts and the last "
    "error. Without SMTP settings messages stay queued here.",
)
def list_messages(
    event_id: int,
    session: SessionDep,
    _: OrganizerDep,
    page: PageDep,
    participant_id: Annotated[int | None, Query()] = None,
    status_: Annotated[MessageStatus | None, Query(alias="status")] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[MessagePublic]:
    get_event(session=session, event_id=event_id)
    rows, total = service.list_messages(
        session=session,
        event_id=event_id,
        participant_id=participant_id,
        status=status_,
        kind=kind,
        limit=page.limit,
        offset=page.offset,
    )
    items = [service.message_public(m) for m in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get(
    "/events/{event_id}/messages/{message_id}",
    summary="One message as sent (or as it will be)",
)
def get_message(
    event_id: int,
    message_id: int,
    session: SessionDep,
    _: OrganizerDep,
    request: Request,
    mailer: MailerDep,
) -> MessageDetail:
    message = service.get_message(session=session, event_id=event_id, message_id=message_id)
    email = readable(
        email_for(
            message,
            service.full_context(session, message),
            mailer=mailer,
            settings=request.app.state.settings,
            reveal=False,
        )
    )
    text = html_body = ""
    for part in email.walk():
        if part.get_content_type() == "text/plain" and not text:
            text = part.get_content()
        elif part.get_content_type() == "text/html" and not html_body:
            html_body = part.get_content()
    return MessageDetail(
        **service.message_public(message).model_dump(),
        text=text,
        html=html_body,
        calendar=service.unbundle(message.calendar),
        headers={
            k: str(v)
            for k, v in email.items()
            if k.lower() not in ("content-type", "mime-version", "content-transfer-encoding")
        },
    )


@router.post(
    "/events/{event_id}/mailings",
    summary="Send a bilingual mailing to a group of participants",
    description="`audience` narrows the event's participants (side, country, province, "
    "sector, without meetings); each gets the subject and body in its language (both for "
    "the unsure). `dry_run` lists the recipients, those skipped (no address, mailings "
    "turned off) and a preview in each language; otherwise the messages are queued (202) "
    "and delivered in the background. A mailing that reaches nobody is 422 with the reason."
    "\n\nWith `Prefer: respond-async` (RFC 7240) a send (not a dry run) becomes a "
    "background job: 202 with `Location: /api/v1/jobs/{job_id}` and the job, whose "
    "`result` has the mailing's id and figures once its messages are queued (a mailing "
    "that reaches nobody then ends the job `failed` with the reason).",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        200: {"description": "dry run"},
        202: {"description": "Queued; with respond-async, the job (see /jobs/{job_id})"},
    },
)
def create_mailing(
    event_id: int,
    data: MailingCreate,
    session: SessionDep,
    _: OrganizerDep,
    request: Request,
    jobs: JobEngineDep,
    prefer: PreferHeader = None,
) -> Any:
    event = get_event(session=session, event_id=event_id)
    if wants_async(prefer) and not data.dry_run:
        job, _created = jobs.enqueue(
            session=session,
            kind=MAILING_TASK,
            params={"mailing": data.model_dump(mode="json")},
            event_id=event_id,
        )
        return accepted(request, job)
    result = service.create_mailing(
        session=session, event=event, data=data, settings=request.app.state.settings
    )
    if result.dry_run:
        return JSONResponse(result.model_dump(mode="json"), status_code=200)
    return result


# ---------------------------------------------------------------- unsubscribe

CATEGORY_NAMES = {
    "requests": ("yêu cầu gặp", "meeting requests"),
    "schedule": ("lịch gặp và thay đổi", "schedule and changes"),
    "reminders": ("nhắc lịch", "reminders"),
    "mailings": ("thư của ban tổ chức", "organisers' mailings"),
    "follow_up": ("hỏi ý kiến sau cuộc gặp", "follow-up questions"),
}


class Unsubscribed(BaseModel):
    participant_id: int
    category: str
    notifications: NotificationSettings


def _subscriber(request: Request, session: SessionDep, link: str) -> tuple[Participant, str]:
    key = service.unsubscribe_key(request.app.state.settings)
    found = read_unsubscribe_token(key=key, token=link)
    if found is None or found[1] not in {c.value for c in CONSENT_CATEGORIES}:
        raise not_found("unsubscribe link")
    participant = session.get(Participant, found[0])
    if participant is None:
        raise not_found("unsubscribe link")
    return participant, found[1]


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(
        "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width'>"
        f"<title>{html.escape(title)}</title><link rel='stylesheet' href='/static/meetx.css'>"
        f"</head><body><main class='narrow'>{body}</main></body></html>",
        status_code=status_code,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@router.get(
    "/unsubscribe/{link}",
    summary="The unsubscribe page (a button; a GET never unsubscribes)",
    response_class=HTMLResponse,
)
def unsubscribe_page(link: str, request: Request, session: SessionDep) -> Response:
    _, category = _subscriber(request, session, link)
    vi, en = CATEGORY_NAMES[category]
    action = html.escape(str(request.url.path))
    return _page(
        "Hủy nhận thư / Unsubscribe",
        f"<h1>Hủy nhận thư / Unsubscribe</h1><p>Ngừng nhận thư về <strong>{vi}</strong>?<br>"
        f"Stop e-mails about <strong>{en}</strong>?</p>"
        f"<form method='post' action='{action}'><input type='hidden' name='List-Unsubscribe' "
        "value='One-Click'><button type='submit'>Hủy nhận / Unsubscribe</button></form>",
    )


@router.post(
    "/unsubscribe/{link}",
    summary="One-click unsubscribe (RFC 8058)",
    description="Mail clients POST `List-Unsubscribe=One-Click` here; the link's category "
    "is turned off for its participant at once. A browser form gets a page, an API "
    "client (Accept: application/json) the participant's settings.",
)
def unsubscribe(link: str, request: Request, session: SessionDep) -> Response:
    participant, category = _subscriber(request, session, link)
    settings = service.set_consent(
        session=session,
        participant_id=participant.id,  # type: ignore[arg-type]
        changes=NotificationSettings(**{category: False}),
    )
    if "application/json" in request.headers.get("accept", ""):
        body = Unsubscribed(
            participant_id=participant.id,  # type: ignore[arg-type]
            category=category,
            notifications=settings,
        )
        return JSONResponse(body.model_dump(mode="json"))
    vi, en = CATEGORY_NAMES[category]
    return _page(
        "Đã hủy nhận / Unsubscribed",
        f"<h1>Đã hủy nhận / Unsubscribed</h1><p>Bạn sẽ không nhận thư về <strong>{vi}</strong> "
        f"nữa.<br>You will no longer receive e-mails about <strong>{en}</strong>.</p>"
        "<p>Bật lại trên trang cá nhân / Turn it back on from your personal page.</p>",
    )


__all__ = ["MailerDep", "MailingResult", "router"]
