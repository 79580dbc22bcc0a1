"""E-mail as background jobs: delivery, the time-driven messages, and a mailing's send.

- ``mail.deliver`` (periodic, every ``MEETX_MAIL_DELIVER_INTERVAL_S``, queue ``mail``):
  delivers what is due, batch after batch (delivery.py): the same claims as
  ``meetx deliver-mail``, so any number of workers, or that command beside them, deliver
  each message once, with its stable Message-ID. Progress: messages handled of those
  due when it started.
- ``mail.time_driven`` (periodic, every minute): queues the reminders, follow-ups and
  digests that are due (``service.enqueue_due``).
- ``notifications.mailing``: a mailing's send (``POST /events/{id}/mailings`` with
  ``Prefer: respond-async``): its audience is read and its messages queued in one
  transaction that also marks the job succeeded, so a retried or cancelled job never
  queues a mailing twice or half. Delivery then follows with ``mail.deliver``.

Every runner keeps a lane free of solves (engine.py), so mail never waits behind one.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from service.core.settings import Settings
from service.events.service import get_event
from service.jobs.registry import JobCancelled, JobContext, periodic, task
from service.notifications import service
from service.notifications.delivery import (
    DeliveryReport,
    count_due,
    deliver_all,
    enqueue_time_driven,
)
from service.notifications.mailer import Mailer
from service.notifications.models import MailingCreate, MailingResult

MAILING_TASK = "notifications.mailing"

DELIVERY_PHASES: dict[str, tuple[str, str]] = {
    "running": ("Đang bắt đầu", "Starting"),
    "sending": ("Đang gửi thư", "Sending e-mail"),
}
TIME_DRIVEN_PHASES: dict[str, tuple[str, str]] = {
    "running": ("Đang bắt đầu", "Starting"),
    "queueing": ("Đang xếp thư nhắc lịch và thư hỏi ý kiến", "Queueing reminders and follow-ups"),
}
MAILING_PHASES: dict[str, tuple[str, str]] = {
    "running": ("Đang bắt đầu", "Starting"),
    "audience": ("Đang chọn người nhận", "Selecting the recipients"),
    "queueing": ("Đang xếp thư vào hộp thư đi", "Queueing the messages"),
}


def _report(report: DeliveryReport) -> dict[str, Any]:
    return {
        "claimed": report.claimed,
        "sent": report.sent,
        "retried": report.retried,
        "failed": report.failed,
        "suppressed": report.suppressed,
    }


@periodic(
    "mail.deliver",
    every_s=5,
    setting="mail_deliver_interval_s",
    queue="mail",
    phases=DELIVERY_PHASES,
)
def deliver(context: JobContext) -> dict[str, Any]:
    mailer: Mailer = context.services["mailer"]
    settings: Settings = context.services["settings"]
    if not mailer.configured:
        return _report(DeliveryReport())  # without SMTP the messages wait in the outbox
    due = count_due(engine=context.engine)
    context.progress("sending", 0.0 if due else None)

    def progress(total: DeliveryReport) -> None:
        handled = total.sent + total.failed + total.suppressed + total.retried
        context.progress("sending", handled / due if due else None)

    report = deliver_all(
        engine=context.engine,
        mailer=mailer,
        settings=settings,
        progress=progress,
        should_stop=context.stopping,
    )
    return _report(report)


@periodic("mail.time_driven", every_s=60, queue="mail", phases=TIME_DRIVEN_PHASES)
def time_driven(context: JobContext) -> dict[str, Any]:
    context.progress("queueing")
    settings: Settings = context.services["settings"]
    return {"queued": enqueue_time_driven(engine=context.engine, settings=settings)}


def mailing_result(result: MailingResult) -> dict[str, Any]:
    """The job's result: the send's figures, without the list of recipients."""
    return {
        "mailing_id": result.mailing_id,
        "total": result.total,
        "queued": result.queued,
        "skipped": len(result.skipped),
    }


@task(MAILING_TASK, queue="default", max_attempts=2, phases=MAILING_PHASES)
def send_mailing(context: JobContext) -> dict[str, Any]:
    data = MailingCreate.model_validate(context.params["mailing"])
    settings: Settings = context.services["settings"]
    context.progress("audience", 0.0)

    def before_commit(session: Session, result: MailingResult) -> None:
        if context.stopping():
            raise JobCancelled
        context.progress("queueing", 0.5)
        context.finish_in(session, mailing_result(result))

    with Session(context.engine, expire_on_commit=False) as session:
        event = get_event(session=session, event_id=context.event_id)  # type: ignore[arg-type]
        result = service.create_mailing(
            session=session,
            event=event,
            data=data,
            settings=settings,
            before_commit=before_commit,
        )
    return mailing_result(result)
