"""Pages after the meeting: check-in (desk search, QR target, the participant's own
button), attendance marking, each side's feedback form, the outcomes board with its
charts, the report's downloads and its printable version for the leadership.

The QR code on a personal page and a printed agenda encodes the organisers' check-in
address of that participant (``/admin/events/{id}/check-in/{participant_id}``), never the
personal link: scanned by anyone but a signed-in organiser it leads to the sign-in page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, select

from service.attendance import service as attendance
from service.attendance.models import Attendance, CheckInSource, FeedbackIn, Outcome
from service.commitments import service as register
from service.core.database import SessionDep, utcnow
from service.core.errors import ProblemError, invalid
from service.events.models import Event, EventSession
from service.kit.downloads import SPREADSHEET_TYPES, spreadsheet_download
from service.kit.folding import fold
from service.meetings.models import Meeting, MeetingStatus
from service.organizations.models import Organization
from service.pages import i18n
from service.pages.admin import EventPage, OrganizerForm, OrganizerPage
from service.pages.outcomes_view import GROUPS, _names, dashboard_charts
from service.pages.public import _participant, not_found_page
from service.pages.templating import redirect, render
from service.participants.models import Participant
from service.reports import service as reports
from service.reports.spreadsheets import to_csv, to_xlsx

router = APIRouter(include_in_schema=False)

FLASHES = {
    "checked_in": "out.flash.checked_in",
    "marked": "out.flash.marked",
    "feedback": "out.flash.feedback",
}
COLUMNS = ("participants", "requests", "accepted", "scheduled", "held", "no_show",
           "rating_avg", "commitments", "value_usd", "realised_usd")  # fmt: skip


# ---------------------------------------------------------------- participant pages


@router.post("/p/{token}/check-in", response_class=HTMLResponse)
def self_check_in(token: str, request: Request, session: SessionDep) -> Response:
    found = _participant(session, token)
    if found is None:
        return not_found_page(request)
    participant, event = found
    attendance.check_in(
        session=session,
        event_id=event.id,  # type: ignore[arg-type]
        participant_id=participant.id,  # type: ignore[arg-type]
        source=CheckInSource.self,
    )
    return redirect(f"/p/{token}?done=checked_in#check-in-heading")


def _optional_number(value: str, field: str) -> float | None:
    value = value.strip().replace(",", "").replace(" ", "")
    if not value:
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise invalid(field, "must be a number") from exc


@router.post("/p/{token}/meetings/{meeting_id}/feedback", response_class=HTMLResponse)
def page_feedback(
    token: str,
    meeting_id: int,
    request: Request,
    session: SessionDep,
    rating: Annotated[str, Form(max_length=2)] = "",
    outcome: Annotated[str, Form(max_length=30)] = "",
    pledged_usd: Annotated[str, Form(max_length=30)] = "",
    next_step: Annotated[str, Form(max_length=300)] = "",
    comment: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    found = _participant(session, token)
    if found is None:
        return not_found_page(request)
    participant, event = found
    meeting = session.get(Meeting, meeting_id)
    if (
        meeting is None
        or meeting.event_id != event.id
        or participant.id not in (meeting.participant_a_id, meeting.participant_b_id)
    ):
        return not_found_page(request)
    from service.pages.public import _form_error

    try:
        try:
            data = FeedbackIn(
                rating=int(rating) if rating.strip().isdigit() else 0,
                outcome=outcome,  # type: ignore[arg-type]
                pledged_usd=_optional_number(pledged_usd, "pledged_usd"),
                next_step=next_step.strip() or None,
                comment=comment.strip() or None,
            )
        except ValidationError as exc:
            error = exc.errors()[0]
            raise invalid(str(error["loc"][0]), str(error["msg"])) from exc
        attendance.put_feedback(
            session=session,
            meeting=meeting,
            participant_id=participant.id,  # type: ignore[arg-type]
            data=data,
            field="form",
        )
    except ProblemError as exc:
        return _form_error(request, session, token, exc)
    return redirect(f"/p/{token}?done=feedback#feedback-heading")


# ---------------------------------------------------------------- organisers: check-in desk


def _flash(request: Request, done: str | None, **params: object) -> str | None:
    key = FLASHES.get(done or "")
    return i18n.language_of(request).t(key, **params) if key else None


@router.get("/admin/events/{event_id}/check-in", response_class=HTMLResponse)
def check_in_desk(
    request: Request,
    session: SessionDep,
    organizer: OrganizerPage,
    event: EventPage,
    q: str | None = None,
    done: str | None = None,
) -> Response:
    rows = attendance.attendance_rows(session=session, event_id=event.id)  # type: ignore[arg-type]
    if q and q.strip():
        needle = fold(q)[:200]
        delegates = {
            p.id: " ".join(d.get("name", "") for d in p.delegates)
            for p in session.exec(select(Participant).where(Participant.event_id == event.id))
        }
        rows = [
            r
            for r in rows
            if needle in fold(r.organization_name)
            or needle in fold(delegates.get(r.participant_id, ""))
        ]
    rows.sort(key=lambda r: (r.checked_in, r.organization_name))
    return render(
        request,
        "admin_checkin.html",
        {
            "event": event,
            "csrf": organizer.csrf_token,
            "rows": rows[:200],
            "query": q or "",
            "flash": _flash(request, done),
            "arrived": sum(
                1
                for r in attendance.attendance_rows(session=session, event_id=event.id)
                if r.checked_in
            ),  # type: ignore[arg-type]
        },
    )


@router.get("/admin/events/{event_id}/check-in/{participant_id}", response_class=HTMLResponse)
def check_in_card(
    request: Request,
    session: SessionDep,
    organizer: OrganizerPage,
    event: EventPage,
    participant_id: int,
) -> Response:
    """Where a scanned QR code lands: the participant, and one button."""
    participant = session.get(Participant, participant_id)
    if participant is None or participant.event_id != event.id:
        return not_found_page(request)
    org = session.get(Organization, participant.organization_id)
    return render(
        request,
        "admin_checkin_card.html",
        {
            "event": event,
            "csrf": organizer.csrf_token,
            "participant": participant,
            "org": org,
            "checked_in": attendance.is_checked_in(session=session, participant_id=participant_id),
        },
    )


@router.post("/admin/events/{event_id}/check-in", response_class=HTMLResponse)
def desk_check_in(
    request: Request,
    session: SessionDep,
    _: OrganizerForm,
    event: EventPage,
    participant_id: Annotated[int, Form()],
) -> Response:
    participant = session.get(Participant, participant_id)
    if participant is None or participant.event_id != event.id:
        return not_found_page(request)
    attendance.check_in(
        session=session,
        event_id=event.id,  # type: ignore[arg-type]
        participant_id=participant_id,
        source=CheckInSource.desk,
    )
    return redirect(f"/admin/events/{event.id}/check-in?done=checked_in#p-{participant_id}")


# ---------------------------------------------------------------- organisers: outcomes board


def _outcomes_context(
    request: Request, session: Session, event: Event, csrf: str
) -> dict[str, Any]:
    lang = i18n.language_of(request).code
    meetings = session.exec(
        select(Meeting)
        .where(Meeting.event_id == event.id, Meeting.status == MeetingStatus.scheduled)
        .order_by(Meeting.starts_at, Meeting.table_no)  # type: ignore[arg-type]
    ).all()
    marks = attendance.attendance_by_meeting(session=session, event_id=event.id)  # type: ignore[arg-type]
    names = _names(session, event.id)  # type: ignore[arg-type]
    sessions = {
        s.id: s for s in session.exec(select(EventSession).where(EventSession.event_id == event.id))
    }
    slots: dict[tuple[int, int], dict[str, Any]] = {}
    now = utcnow()
    for m in meetings:
        slot = slots.setdefault(
            (m.session_id, m.slot),
            {"session": sessions.get(m.session_id), "slot": m.slot, "starts_at": m.starts_at,
             "started": m.starts_at <= now, "meetings": []},
        )  # fmt: skip
        mark = marks.get(m.id)  # type: ignore[arg-type]
        slot["meetings"].append(
            {
                "meeting": m,
                "a": names.get(m.participant_a_id, ""),
                "b": names.get(m.participant_b_id, ""),
                "mark": mark,
                "absent": [names.get(pid, "") for pid in attendance.absent_ids(m, mark)],
            }
        )
    signed = [
        f for f in attendance.event_feedback(session=session, event_id=event.id)  # type: ignore[arg-type]
        if f.outcome in (Outcome.mou_signed, Outcome.investment_decided)
    ]  # fmt: skip
    made = {
        c.feedback_id: c.id
        for c in register.list_commitments(session=session, event_id=event.id, limit=500)[0]
        if c.feedback_id is not None
    }
    commitments, _ = register.list_commitments(session=session, event_id=event.id, limit=200)
    due = register.reviews_due(session=session, limit=50)
    return {
        "event": event,
        "csrf": csrf,
        "slots": list(slots.values()),
        "no_shows": [
            r for r in attendance.attendance_rows(session=session, event_id=event.id) if r.no_shows
        ],  # type: ignore[arg-type]
        "signed_feedback": [(f, names.get(f.participant_id, ""), made.get(f.id)) for f in signed],
        "commitments": [
            register.commitment_public(session=session, commitment=c) for c in commitments
        ],
        "reviews_due": [register.commitment_public(session=session, commitment=c) for c in due],
        "groups": GROUPS,
        "columns": COLUMNS,
        **dashboard_charts(session, event, lang),
    }


@router.get("/admin/events/{event_id}/outcomes", response_class=HTMLResponse)
def outcomes_board(
    request: Request,
    session: SessionDep,
    organizer: OrganizerPage,
    event: EventPage,
    done: str | None = None,
    count: int = 0,
) -> Response:
    context = _outcomes_context(request, session, event, organizer.csrf_token)
    if done == "slot":
        context["flash"] = i18n.language_of(request).t("out.flash.slot", count=count)
    else:
        context["flash"] = _flash(request, done)
    return render(request, "admin_outcomes.html", context)


def _back(event: Event, done: str, anchor: str = "", **query: object) -> Response:
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return redirect(f"/admin/events/{event.id}/outcomes?done={done}{extra}{anchor}")


def _board_error(
    request: Request, session: Session, event: Event, csrf: str, error: ProblemError
) -> Response:
    session.rollback()
    context = _outcomes_context(request, session, event, csrf)
    context["error"] = i18n.language_of(request).t(
        "error.conflict", detail=error.detail or error.title
    )
    return render(request, "admin_outcomes.html", context, status_code=error.status)


@router.post("/admin/events/{event_id}/attendance/{meeting_id}", response_class=HTMLResponse)
def mark_meeting(
    request: Request,
    session: SessionDep,
    organizer: OrganizerForm,
    event: EventPage,
    meeting_id: int,
    attendance_value: Annotated[str, Form(alias="attendance", max_length=16)] = "",
    absent: Annotated[list[int] | None, Form()] = None,
) -> Response:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event.id:
        return not_found_page(request)
    try:
        if attendance_value not in {a.value for a in Attendance}:
            raise invalid("attendance", "choose held, no-show or partial")
        attendance.set_attendance(
            session=session,
            meeting=meeting,
            attendance=Attendance(attendance_value),
            absent=absent or [],
            field="form",
        )
    except ProblemError as exc:
        return _board_error(request, session, event, organizer.csrf_token, exc)
    return _back(event, "marked", f"#meeting-{meeting_id}")


@router.post("/admin/events/{event_id}/attendance", response_class=HTMLResponse)
def mark_slot(
    request: Request,
    session: SessionDep,
    organizer: OrganizerForm,
    event: EventPage,
    session_id: Annotated[int, Form()],
    slot: Annotated[int, Form()],
) -> Response:
    try:
        count = attendance.mark_slot(
            session=session,
            event_id=event.id,  # type: ignore[arg-type]
            session_id=session_id,
            slot=slot,
            attendance=Attendance.held,
        )
    except ProblemError as exc:
        return _board_error(request, session, event, organizer.csrf_token, exc)
    return _back(event, "slot", f"#slot-{session_id}-{slot}", count=count)


@router.post(
    "/admin/events/{event_id}/feedback/{feedback_id}/commitment", response_class=HTMLResponse
)
def commitment_from_feedback(
    request: Request,
    session: SessionDep,
    organizer: OrganizerForm,
    event: EventPage,
    feedback_id: int,
) -> Response:
    """One click: a commitment prefilled from a 'MoU signed' feedback, bound to both
    sides' organisations; its page opens, where the organisers complete it."""
    feedback = attendance.get_feedback_or_none(session=session, feedback_id=feedback_id)
    if feedback is None or feedback.event_id != event.id:
        return not_found_page(request)
    try:
        commitment = register.create_from_feedback(session=session, feedback=feedback)
    except ProblemError as exc:
        return _board_error(request, session, event, organizer.csrf_token, exc)
    return redirect(f"/admin/commitments/{commitment.id}?done=from_feedback")


# ---------------------------------------------------------------- reports


@router.get("/admin/events/{event_id}/report/{group_by}.{fmt}")
def report_file(
    request: Request,
    session: SessionDep,
    _: OrganizerPage,
    event: EventPage,
    group_by: str,
    fmt: str,
) -> Response:
    if group_by not in GROUPS or fmt not in SPREADSHEET_TYPES:
        return not_found_page(request)
    report = reports.summary(
        session=session,
        group_by=reports.GroupBy(group_by),
        event_id=event.id,
    )
    table = reports.report_table(report)
    body = to_csv(table) if fmt == "csv" else to_xlsx(f"Báo cáo - {group_by}", table)
    filename = f"meetx-event-{event.id}-report-{group_by}.{fmt}"
    return spreadsheet_download(body, fmt=fmt, filename=filename)


@router.get("/admin/events/{event_id}/report", response_class=HTMLResponse)
def printable_report(
    request: Request, session: SessionDep, _: OrganizerPage, event: EventPage
) -> Response:
    """One page of figures and charts for the leadership, then the tables."""
    lang = i18n.language_of(request).code
    tables = {
        g: reports.summary(
            session=session,
            group_by=reports.GroupBy(g),
            event_id=event.id,
        )
        for g in GROUPS
        if g != "event"
    }
    return render(
        request,
        "admin_report.html",
        {
            "event": event,
            "tables": tables,
            "total": tables["province"].total,
            "columns": COLUMNS,
            "generated": utcnow(),
            **dashboard_charts(session, event, lang),
        },
    )
