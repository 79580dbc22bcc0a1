"""The organisers' area: sign-in, an event's dashboard and schedule grid, meeting moves,
scheduler preview and apply, participant import and exports.

Signed-in organisers carry an HttpOnly, SameSite=Strict session cookie (see sessions.py);
every form also carries the session's CSRF token, checked before anything changes.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlmodel import Session, select

from service.core.database import SessionDep
from service.core.errors import ProblemError, invalid
from service.core.i18n import N_, vi_en
from service.core.settings import Settings
from service.events.models import Event, EventSession, SessionKind
from service.events.service import get_session_row, list_sessions
from service.jobs.dependencies import JobEngineDep
from service.jobs.http import PreferHeader, accepted, wants_async
from service.jobs.models import JobStatus
from service.jobs.service import get_job, job_read, request_cancel, take_from_result
from service.kit.downloads import SPREADSHEET_TYPES, spreadsheet_download
from service.meetings import service as booking
from service.meetings.models import Meeting, MeetingStatus
from service.notifications.service import (
    MeetingChange,
    meeting_place,
    notify_meeting_changes,
    unseal,
)
from service.pages import exports, i18n, outcomes_view, schedule_view
from service.pages.dashboard import Dashboard, dashboard
from service.pages.public import not_found_page
from service.pages.sessions import (
    CSRF_FIELD,
    SESSION_COOKIE,
    SESSION_SECONDS,
    OrganizerSession,
    csrf_ok,
    read_session,
    sign_in,
)
from service.pages.templating import PageInterrupt, redirect, render
from service.participants.importer import (
    COLUMNS,
    IMPORT_TASK,
    LINKS_KEY,
    ImportedParticipant,
    ImportOutcome,
    RowError,
    import_params,
    import_participants,
)
from service.scheduling.models import ScheduleOptions
from service.scheduling.runs import last_run
from service.scheduling.service import run_schedule, start_schedule_job
from service.suggestions.service import IndexCacheDep

router = APIRouter(prefix="/admin", include_in_schema=False)

DASHBOARD_FLASHES = {
    "moved": N_("dash.flash.moved"),
    "locked": N_("dash.flash.locked"),
    "unlocked": N_("dash.flash.unlocked"),
    "cancelled": N_("dash.flash.cancelled"),
    "applied": N_("dash.flash.applied"),
    "applied_changed": N_("dash.flash.applied_changed"),
}


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def current_organizer(request: Request, session: Session) -> OrganizerSession | None:
    return read_session(
        session=session, settings=_settings(request), cookie=request.cookies.get(SESSION_COOKIE)
    )


def organizer_page(request: Request, session: SessionDep) -> OrganizerSession:
    organizer = current_organizer(request, session)
    if organizer is None:
        raise PageInterrupt(redirect("/admin"))
    return organizer


def organizer_form(
    request: Request,
    session: SessionDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
) -> OrganizerSession:
    """A signed-in organiser whose form carries the session's CSRF token."""
    organizer = organizer_page(request, session)
    if not csrf_ok(organizer, csrf_token):
        raise PageInterrupt(render(request, "forbidden.html", {}, status_code=403))
    return organizer


def event_of_path(event_id: int, request: Request, session: SessionDep) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise PageInterrupt(not_found_page(request))
    return event


OrganizerPage = Annotated[OrganizerSession, Depends(organizer_page)]
OrganizerForm = Annotated[OrganizerSession, Depends(organizer_form)]
EventPage = Annotated[Event, Depends(event_of_path)]


# ---------------------------------------------------------------- sign-in


@router.get("", response_class=HTMLResponse)
def admin_home(request: Request, session: SessionDep) -> Response:
    organizer = current_organizer(request, session)
    if organizer is None:
        return render(request, "admin_signin.html", {})
    events = session.exec(
        select(Event).order_by(Event.start_date.desc(), Event.id.desc())  # type: ignore[attr-defined]
    ).all()
    return render(request, "admin_events.html", {"events": events, "csrf": organizer.csrf_token})


@router.post("/login", response_class=HTMLResponse)
def admin_login(
    request: Request, session: SessionDep, token: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    cookie = sign_in(session=session, settings=_settings(request), token=token)
    if cookie is None:
        language = i18n.language_of(request)
        return render(
            request,
            "admin_signin.html",
            {"error": language.t("admin.signin.invalid")},
            status_code=401,
        )
    response = redirect("/admin")
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=SESSION_SECONDS,
        path="/admin",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def admin_logout(request: Request, _: OrganizerForm) -> Response:
    response = redirect("/admin")
    response.delete_cookie(
        SESSION_COOKIE,
        path="/admin",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


# ---------------------------------------------------------------- dashboard


def _b2b_sessions(session: Session, event: Event) -> list[EventSession]:
    return [
        s
        for s in list_sessions(session=session, event_id=event.id)  # type: ignore[arg-type]
        if s.kind is SessionKind.b2b
    ]


def _dashboard_context(
    request: Request, session: Session, event: Event, organizer: OrganizerSession
) -> dict[str, Any]:
    board: Dashboard = dashboard(session=session, event=event)
    last = last_run(session=session, event_id=event.id)  # type: ignore[arg-type]
    return {
        "event": event,
        "board": board,
        "csrf": organizer.csrf_token,
        "b2b_sessions": _b2b_sessions(session, event),
        "last_run": last,
        "unplaced_reasons": schedule_view.unplaced_reasons(last),
        # After the meeting: live check-ins and the outcome charts (_outcomes_dashboard.html).
        **outcomes_view.dashboard_charts(
            session,
            event,
            i18n.language_of(request).code,
        ),
    }


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_dashboard(
    request: Request,
    session: SessionDep,
    organizer: OrganizerPage,
    event: EventPage,
    done: str | None = None,
) -> Response:
    context = _dashboard_context(request, session, event, organizer)
    flash_key = DASHBOARD_FLASHES.get(done or "")
    if flash_key:
        context["flash"] = i18n.language_of(request).t(flash_key)
    return render(request, "admin_event.html", context)


def _dashboard_error(
    request: Request,
    session: Session,
    event: Event,
    organizer: OrganizerSession,
    error: ProblemError,
) -> Response:
    session.rollback()
    context = _dashboard_context(request, session, event, organizer)
    context["error"] = i18n.language_of(request).t(
        "error.conflict", detail=error.detail or error.title
    )
    return render(request, "admin_event.html", context, status_code=error.status)


def _meeting_of_path(request: Request, session: Session, event: Event, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event.id:
        raise PageInterrupt(not_found_page(request))
    return meeting


def _back(event: Event, done: str, meeting_id: int | None = None) -> Response:
    anchor = f"#meeting-{meeting_id}" if meeting_id else ""
    return redirect(f"/admin/events/{event.id}?done={done}{anchor}")


@router.post("/events/{event_id}/meetings/{meeting_id}/move", response_class=HTMLResponse)
def move_meeting(
    request: Request,
    session: SessionDep,
    organizer: OrganizerForm,
    event: EventPage,
    meeting_id: int,
    session_id: Annotated[int, Form()],
    slot: Annotated[int, Form()],
    table: Annotated[int, Form()],
) -> Response:
    meeting = _meeting_of_path(request, session, event, meeting_id)
    try:
        try:
            target = get_session_row(session=session, event_id=event.id, session_id=session_id)  # type: ignore[arg-type]
        except ProblemError as exc:
            raise invalid("session_id", f"unknown session {session_id}") from exc
        booking.check_placement(event_session=target, slot=slot, table_no=table, field="form")
        before, sequence = meeting_place(session, event, meeting), meeting.sequence
        booking.move_meeting(
            session=session,
            meeting=meeting,
            placement=booking.Placement(target, slot, table),
            commit=False,
        )
        if meeting.sequence != sequence:
            notify_meeting_changes(
                session=session,
                event=event,
                changes=[MeetingChange(meeting, "moved", before)],
                public_url=_settings(request).public_base,
            )
        booking.commit_or_conflict(session)
    except ProblemError as exc:
        return _dashboard_error(request, session, event, organizer, exc)
    return _back(event, "moved", meeting_id)


@router.post("/events/{event_id}/meetings/{meeting_id}/{action}", response_class=HTMLResponse)
def change_meeting(
    request: Request,
    session: SessionDep,
    organizer: OrganizerForm,
    event: EventPage,
    meeting_id: int,
    action: str,
) -> Response:
    if action not in {"lock", "unlock", "cancel"}:
        return not_found_page(request)
    meeting = _meeting_of_path(request, session, event, meeting_id)
    try:
        if action == "cancel":
            live = meeting.status is MeetingStatus.scheduled
            booking.cancel_meeting(session=session, meeting=meeting, commit=False)
            if live:
                notify_meeting_changes(
                    session=session,
                    event=event,
                    changes=[MeetingChange(meeting, "cancelled")],
                    public_url=_settings(request).public_base,
                )
            session.commit()
        else:
            booking.set_locked(session=session, meeting=meeting, locked=action == "lock")
    except ProblemError as exc:
        return _dashboard_error(request, session, event, organizer, exc)
    done = {"lock": "locked", "unlock": "unlocked", "cancel": "cancelled"}[action]
    return _back(event, done, meeting_id)


# ---------------------------------------------------------------- scheduling


def _schedule_options(fill: str | None, time_limit_s: float, *, dry_run: bool) -> ScheduleOptions:
    return ScheduleOptions(
        dry_run=dry_run, fill=fill == "true", time_limit_s=min(max(time_limit_s, 1), 300)
    )


@router.post("/events/{event_id}/schedule/preview", response_class=HTMLResponse)
def schedule_preview(
    request: Request,
    session: SessionDep,
    organizer: OrganizerForm,
    event: EventPage,
    cache: IndexCacheDep,
    fill: Annotated[str | None, Form()] = None,
    time_limit_s: Annotated[float, Form()] = 20,
) -> Response:
    options = _schedule_options(fill, time_limit_s, dry_run=True)
    try:
        report = run_schedule(
            session=session,
            event=event,
            options=options,
            cache=cache,
            public_url=_settings(request).public_base,
            solver_threads=_settings(request).solver_threads,
        )
    except ProblemError as exc:
        return _dashboard_error(request, session, event, organizer, exc)
    return render(
        request,
        "admin_schedule.html",
        {
            "event": event,
            "csrf": organizer.csrf_token,
            "report": report,
            "changes": schedule_view.describe_changes(session=session, event=event, report=report),
            "unplaced": schedule_view.describe_unplaced(session=session, report=report),
            "options": options,
            "fingerprint": schedule_view.fingerprint(report),
            "switch_url": f"/admin/events/{event.id}?lang={i18n.language_of(request).other}",
        },
    )


@router.post("/events/{event_id}/schedule/apply", response_class=HTMLResponse)
def schedule_apply(
    request: Request,
    session: SessionDep,
    organizer: OrganizerForm,
    event: EventPage,
    cache: IndexCacheDep,
    fill: Annotated[str | None, Form()] = None,
    time_limit_s: Annotated[float, Form()] = 20,
    previewed: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    options = _schedule_options(fill, time_limit_s, dry_run=False)
    try:
        report = run_schedule(
            session=session,
            event=event,
            options=options,
            cache=cache,
            public_url=_settings(request).public_base,
            solver_threads=_settings(request).solver_threads,
        )
    except ProblemError as exc:
        return _dashboard_error(request, session, event, organizer, exc)
    # The run is computed again on the data of this moment: say so when its outcome is
    # not the one previewed (requests answered meanwhile, or another equally good plan).
    same = schedule_view.fingerprint(report) == previewed
    return _back(event, "applied" if same else "applied_changed")


# ---------------------------------------------------------------- scheduling as a job
# The dashboard's script (static/meetx.js) sends the preview and apply forms here and
# follows the job's progress without reloading the page; without the script the forms
# above run the scheduler in the request as before.


@router.post("/events/{event_id}/schedule/jobs")
def schedule_job(
    session: SessionDep,
    organizer: OrganizerForm,
    event: EventPage,
    jobs: JobEngineDep,
    fill: Annotated[str | None, Form()] = None,
    time_limit_s: Annotated[float, Form()] = 20,
    dry_run: Annotated[str, Form(max_length=5)] = "true",
) -> JSONResponse:
    options = _schedule_options(fill, time_limit_s, dry_run=dry_run == "true")
    job, _ = start_schedule_job(
        session=session,
        jobs=jobs,
        event_id=event.id,  # type: ignore[arg-type]
        options=options,
    )
    return JSONResponse(jsonable_encoder(job_read(job)), status_code=202)


@router.get("/jobs/{job_id}")
def job_status(session: SessionDep, organizer: OrganizerPage, job_id: int) -> JSONResponse:
    return JSONResponse(jsonable_encoder(job_read(get_job(session=session, job_id=job_id))))


@router.post("/jobs/{job_id}/cancel")
def job_cancel(session: SessionDep, organizer: OrganizerForm, job_id: int) -> JSONResponse:
    get_job(session=session, job_id=job_id)
    try:
        job = request_cancel(session=session, job_id=job_id)
    except ProblemError:  # already ended: show it as it is
        job = get_job(session=session, job_id=job_id)
    return JSONResponse(jsonable_encoder(job_read(job)))


# ---------------------------------------------------------------- import


def _import_context(event: Event, organizer: OrganizerSession) -> dict[str, Any]:
    return {"event": event, "csrf": organizer.csrf_token, "columns": COLUMNS}


def _links_csv(links: list[list[str]]) -> str:
    """The imported participants' links as a CSV the browser saves without a request."""
    table = exports.to_csv(
        [
            [
                vi_en("import.col.organisation"),
                vi_en("import.col.page"),
                vi_en("import.col.calendar"),
            ],
            *([name, page, calendar] for name, page, calendar in links),
        ]
    )
    return base64.b64encode(table).decode("ascii")


@router.get("/events/{event_id}/import", response_class=HTMLResponse)
def import_form(
    request: Request,
    session: SessionDep,
    organizer: OrganizerPage,
    event: EventPage,
    job: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The import form; with `job`, the outcome of an import that ran as a job."""
    context = _import_context(event, organizer)
    if job is not None:
        return _import_job_outcome(request, session, event, job, context)
    return render(request, "admin_import.html", context)


def _import_job_outcome(
    request: Request, session: Session, event: Event, job_id: int, context: dict[str, Any]
) -> Response:
    try:
        job = get_job(session=session, job_id=job_id)
    except ProblemError:
        return not_found_page(request)
    if job.kind != IMPORT_TASK or job.event_id != event.id:
        return not_found_page(request)
    read = job_read(job)
    language = i18n.language_of(request)
    if read.status in (JobStatus.queued, JobStatus.running):
        return redirect(f"/admin/events/{event.id}/import")
    if read.status != JobStatus.succeeded or read.result is None:
        message = read.error or language.pick(read.progress.message_vi, read.progress.message_en)
        context["outcome"] = ImportOutcome(errors=[RowError(1, "", message)])
        return render(request, "admin_import.html", context, status_code=422)
    result = read.result
    errors = [RowError(e["row"], e["column"], e["message"]) for e in result["errors"]]
    if errors:
        context["outcome"] = ImportOutcome(errors=errors)
        return render(request, "admin_import.html", context, status_code=422)
    # The personal links are handed out once, like the answer of an import in the request.
    sealed = take_from_result(session=session, job_id=job_id, key=LINKS_KEY)
    links: dict[int, list[str]] = {}
    problems: list[RowError] = []
    if sealed is not None:
        try:
            rows = json.loads(unseal(_settings(request), sealed))
        except ValueError as exc:  # sealed by a process with another secret
            problems.append(RowError(1, "", str(exc)))
        else:
            context["links_csv_base64"] = _links_csv(rows)
            links = dict(enumerate(rows))
    context["outcome"] = ImportOutcome(
        errors=problems,
        imported=[
            ImportedParticipant(
                organization_name=p["organization_name"],
                participant_id=p["participant_id"],
                new_organization=p["new_organization"],
                page_url=links[i][1] if i in links else "",
                calendar_url=links[i][2] if i in links else "",
            )
            for i, p in enumerate(result["participants"])
        ],
    )
    context["links_shown"] = not links
    context["flash"] = language.t("dash.flash.imported", count=result["imported"])
    return render(request, "admin_import.html", context)


@router.post("/events/{event_id}/import", response_class=HTMLResponse)
async def import_upload(
    request: Request,
    session: SessionDep,
    organizer: OrganizerForm,
    event: EventPage,
    jobs: JobEngineDep,
    file: Annotated[UploadFile, File()],
    prefer: PreferHeader = None,
) -> Response:
    # The app's body size limit (MEETX_MAX_BODY_BYTES) has already bounded the upload.
    content = await file.read()
    if wants_async(prefer):
        # A large sheet leaves the request: the page follows the job, then shows its
        # outcome at ?job={id}.
        job, _ = await run_in_threadpool(
            jobs.enqueue,
            session=session,
            kind=IMPORT_TASK,
            params=import_params(file.filename or "", content),
            event_id=event.id,
        )
        return accepted(request, job)
    context = _import_context(event, organizer)
    outcome = import_participants(
        session=session,
        event=event,
        filename=file.filename or "",
        content=content,
        public_url=_settings(request).public_base,
    )
    context["outcome"] = outcome
    if outcome.errors:
        return render(request, "admin_import.html", context, status_code=422)
    # The links exist only in this answer (tokens are stored hashed): offer them as a
    # file the browser saves without another request.
    context["links_csv_base64"] = _links_csv(
        [[p.organization_name, p.page_url, p.calendar_url] for p in outcome.imported]
    )
    context["flash"] = i18n.language_of(request).t(
        "dash.flash.imported", count=len(outcome.imported)
    )
    return render(request, "admin_import.html", context)


# ---------------------------------------------------------------- exports


@router.get("/events/{event_id}/export/{name}.{fmt}")
def export_file(
    request: Request,
    session: SessionDep,
    _: OrganizerPage,
    event: EventPage,
    name: str,
    fmt: str,
) -> Response:
    if name not in {"meetings", "tables"} or fmt not in SPREADSHEET_TYPES:
        return not_found_page(request)
    board = dashboard(session=session, event=event)
    if name == "meetings":
        table = exports.meeting_table(event, board.meetings)
        body = (
            exports.to_csv(table)
            if fmt == "csv"
            else exports.to_xlsx([(vi_en("export.meetings_sheet", joiner=" - "), table)])
        )
    else:
        sheets = exports.table_sheets(event, board.grids)
        body = (
            exports.to_csv(exports.tables_flat(sheets))
            if fmt == "csv"
            else exports.to_xlsx([(s.title, s.rows) for s in sheets])
        )
    return spreadsheet_download(body, fmt=fmt, filename=f"meetx-event-{event.id}-{name}.{fmt}")


@router.get("/events/{event_id}/print", response_class=HTMLResponse)
def printable_sheets(
    request: Request, session: SessionDep, _: OrganizerPage, event: EventPage
) -> Response:
    board = dashboard(session=session, event=event)
    return render(
        request,
        "admin_print.html",
        {"event": event, "sheets": exports.table_sheets(event, board.grids)},
    )
