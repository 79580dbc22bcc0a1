"""The organisers' pages of the commitments register: the list (per event or across
editions, filtered by province, status, reviews due and words), the form that creates
and edits a commitment, and a commitment's page with its review history and the form
that appends a review.

Plain HTML forms (POST, then a redirect) carrying the session's CSRF token, like the
other organiser pages. The forms go through the same models and service functions as the
API, so a page refuses exactly what the API refuses; the refusal is shown next to the
field it names (the API's ``body.province_code`` is the form's ``province_code``), with
the form as it was filled in and the API's status code. Choosing organisations is a
word search that runs on the server (the "Find" button re-shows the form with the
matches, nothing saved), so it works without a script on any number of organisations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from service.auth.models import OrganizerToken
from service.commitments import service as register
from service.commitments.models import (
    Commitment,
    CommitmentCreate,
    CommitmentKind,
    CommitmentPublic,
    CommitmentStatus,
    CommitmentUpdate,
    ReviewCreate,
)
from service.core.database import SessionDep
from service.core.errors import ProblemError
from service.core.i18n import N_
from service.events import service as events
from service.events.models import Event
from service.organizations import service as organizations
from service.organizations.models import Organization
from service.pages import i18n
from service.pages.admin import OrganizerForm, OrganizerPage
from service.pages.public import not_found_page
from service.pages.sessions import OrganizerSession
from service.pages.templating import PageInterrupt, local_date, local_time, redirect, render
from service.reference import service as reference

router = APIRouter(prefix="/admin", include_in_schema=False)

PAGE_SIZE: Final = 50
ID_MAX: Final = 2**31 - 1  # beyond it no row exists (and PostgreSQL cannot compare)
FOUND_ORGANIZATIONS: Final = 20
FLASHES: Final = {
    "created": N_("reg.flash.created"),
    "from_feedback": N_("reg.flash.from_feedback"),
    "saved": N_("reg.flash.saved"),
    "reviewed": N_("reg.flash.reviewed"),
}
# Each form field's rule, shown beside it when the service refuses what was entered.
FIELD_ERRORS: Final = {
    "kind": N_("reg.error.kind"),
    "title": N_("reg.error.title"),
    "organization_ids": N_("reg.error.organization_ids"),
    "event_id": N_("reg.error.event_id"),
    "meeting_id": N_("reg.error.meeting_id"),
    "province_code": N_("reg.error.province_code"),
    "partner_country": N_("reg.error.partner_country"),
    "sectors": N_("reg.error.sectors"),
    "signed_on": N_("reg.error.signed_on"),
    "value_usd": N_("reg.error.value_usd"),
    "jobs": N_("reg.error.jobs"),
    "status": N_("reg.error.status"),
    "next_review_on": N_("reg.error.next_review_on"),
    "notes": N_("reg.error.notes"),
    "reviewed_on": N_("reg.error.reviewed_on"),
    "realised_usd": N_("reg.error.realised_usd"),
    "note": N_("reg.error.note"),
    "reviewer": N_("reg.error.reviewer"),
    "province": N_("reg.error.province_code"),
}
# The form's labels, also used by the error summary at the top of a refused form.
FIELD_LABELS: Final = {
    "kind": N_("reg.field.kind"),
    "title": N_("reg.field.title"),
    "organization_ids": N_("reg.field.organizations"),
    "event_id": N_("reg.field.event"),
    "meeting_id": N_("reg.field.meeting"),
    "province_code": N_("reg.field.province"),
    "partner_country": N_("reg.field.country"),
    "sectors": N_("reg.field.sectors"),
    "signed_on": N_("reg.field.signed_on"),
    "value_usd": N_("reg.field.value_usd"),
    "jobs": N_("reg.field.jobs"),
    "status": N_("reg.field.status"),
    "next_review_on": N_("reg.field.next_review_on"),
    "notes": N_("reg.field.notes"),
    "reviewed_on": N_("reg.field.reviewed_on"),
    "realised_usd": N_("reg.field.realised_usd"),
    "note": N_("reg.field.note"),
    "reviewer": N_("reg.field.reviewer"),
    "province": N_("reg.field.province"),
}
KIND_LABELS: Final = (
    N_("reg.kind.mou"),
    N_("reg.kind.agreement"),
    N_("reg.kind.investment"),
    N_("reg.kind.twinning"),
    N_("reg.kind.other"),
)


# ---------------------------------------------------------------- shared pieces


class FormErrors(dict[str, str]):
    """Form field -> the message shown beside it (first refusal per field)."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, message)


def _form_field(api_field: str) -> str:
    """``body.organization_ids.1`` -> ``organization_ids``: the form field to mark."""
    parts = api_field.split(".")
    if parts and parts[0] in {"body", "query", "form"}:
        parts = parts[1:]
    return parts[0] if parts else ""


def _problem_errors(error: ProblemError) -> tuple[FormErrors, str | None]:
    """The fields a service refusal names, and its detail when it names none."""
    errors = FormErrors()
    for item in error.errors or []:
        name = _form_field(item.field)
        if name in FIELD_ERRORS:
            errors.add(name, item.message)
    return errors, None if errors else (error.detail or error.title)


def _validation_errors(exc: ValidationError, errors: FormErrors, fallback: str) -> None:
    """Pydantic's refusals by field (a field the form lacks is marked on ``fallback``)."""
    for item in exc.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        errors.add(name if name in FIELD_ERRORS else fallback, str(item["msg"]))


def _number(value: str, name: str, errors: FormErrors, *, whole: bool = False) -> Any:
    """A number as people type it ("12,000,000", "12 000 000"), or None when empty."""
    text = value.strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    try:
        number = int(text) if whole else float(text)
    except ValueError:
        errors.add(name, "not a number")
        return None
    return number


def _identifier(value: str, name: str, errors: FormErrors) -> int | None:
    text = value.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > ID_MAX:
        errors.add(name, "not an id")
        return None
    return int(text)


def _an_id(value: str) -> bool:
    return value.strip().isdigit() and int(value) <= ID_MAX


def _reviewer_name(session: Session, organizer: OrganizerSession) -> str:
    """The signed-in organiser's name (an issued token's holder), for the reviews."""
    if organizer.subject.startswith("org:") and organizer.subject[4:].isdigit():
        token = session.get(OrganizerToken, int(organizer.subject[4:]))
        if token is not None:
            return token.name
    return register.ORGANISERS


def _flash(request: Request, done: str | None) -> str | None:
    key = FLASHES.get(done or "")
    return i18n.language_of(request).t(key) if key else None


def _commitment_of_path(commitment_id: int, request: Request, session: SessionDep) -> Commitment:
    try:
        return register.get_commitment(session=session, commitment_id=commitment_id)
    except ProblemError:
        raise PageInterrupt(not_found_page(request)) from None


CommitmentPage = Annotated[Commitment, Depends(_commitment_of_path)]


def _events(session: Session) -> list[Event]:
    rows, _ = events.list_events(
        session=session, query=None, status=None, limit=500, offset=0, include_drafts=True
    )
    return rows


def _choices(session: Session, lang: str) -> dict[str, Any]:
    """What the form's lists offer: events, provinces, partner countries, sectors."""
    sectors = reference.search_sectors(session=session, query=None)
    sections = [s for s in sectors if s.parent is None]
    divisions: dict[str, list[Any]] = {s.code: [] for s in sections}
    for s in sectors:
        if s.parent is not None:
            divisions.setdefault(s.parent, []).append(s)
    countries = sorted(
        i18n.COUNTRY_NAMES.items(), key=lambda item: i18n.pick(lang, item[1][0], item[1][1])
    )
    return {
        "events": _events(session),
        "provinces": reference.search_provinces(session=session, query=None),
        "countries": [(code, names[1] if lang == "en" else names[0]) for code, names in countries],
        "sections": [(s, divisions.get(s.code, [])) for s in sections],
        "kinds": [k.value for k in CommitmentKind],
        "statuses": [s.value for s in CommitmentStatus],
    }


def _edition(lang: str, event: Event) -> str:
    """An event's name with its year unless the name says it (editions share names)."""
    name = i18n.pick(lang, event.name, event.name_en)
    year = str(event.start_date.year)
    return name if year in name else f"{name} {year}"


def _sector_label(lang: str, sector: Any) -> str:
    return f"{sector.code} – {sector.name_en if lang == 'en' else sector.name_vi}"


def _chosen_sectors(session: Session, lang: str, codes: list[str]) -> list[tuple[str, str]]:
    """The codes ticked, each with its name (an unknown code as typed, to be refused)."""
    names = reference.sector_names(session=session)
    chosen = dict.fromkeys(c.strip().upper() for c in codes if c.strip())
    return [
        (code, f"{code} – {names[code][1] if lang == 'en' else names[code][0]}")
        if code in names else (code, code)
        for code in chosen
    ]  # fmt: skip


# ---------------------------------------------------------------- the register


@router.get("/commitments", response_class=HTMLResponse)
def register_page(
    request: Request,
    session: SessionDep,
    organizer: OrganizerPage,
    q: str = "",
    event_id: str = "",
    province: str = "",
    status: str = "",
    review_due: str = "",
    country: str = "",
    sector: str = "",
    page: int = 1,
    done: str | None = None,
) -> Response:
    """Every commitment across editions, or one event's; newest review date first."""
    errors = FormErrors()
    event = None
    event_number = _identifier(event_id[:12], "event_id", errors)
    if event_number is not None:
        event = session.get(Event, event_number)
        if event is None:
            errors.add("event_id", "unknown event")
    chosen_status = status if status in {s.value for s in CommitmentStatus} else ""
    filters: dict[str, Any] = {
        "query": q[:200] or None,
        "event_id": event.id if event else None,
        "province": province.strip()[:100] or None,
        "status": CommitmentStatus(chosen_status) if chosen_status else None,
        "review_due": True if review_due else None,
        "country": country.strip()[:2] or None,
        "sector": sector.strip()[:3] or None,
    }
    page = max(1, min(page, 10_000))
    rows: list[Commitment] = []
    total = 0
    totals = None
    try:
        if not errors:
            rows, total = register.list_commitments(
                session=session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters
            )
            totals = register.commitment_totals(session=session, **filters)
    except ProblemError as exc:
        found, _ = _problem_errors(exc)
        for name, message in found.items():
            errors.add(name, message)
    lang = i18n.language_of(request).code
    query = {
        k: v
        for k, v in (("q", q), ("event_id", event_id), ("province", province),
                     ("status", chosen_status), ("review_due", review_due),
                     ("country", country), ("sector", sector))
        if v
    }  # fmt: skip
    context = {
        "csrf": organizer.csrf_token,
        "event": event,
        "items": [register.commitment_public(session=session, commitment=c) for c in rows],
        "total": total,
        "totals": totals,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "query": query,
        "filters": {
            "q": q,
            "event_id": event_id,
            "province": province,
            "status": chosen_status,
            "review_due": bool(review_due),
            "country": country,
            "sector": sector,
        },
        "errors": errors,
        "error_messages": {k: i18n.text(lang, FIELD_ERRORS[k]) for k in errors},
        "flash": _flash(request, done),
        "event_names": {e.id: _edition(lang, e) for e in _events(session)},
        **_choices(session, lang),
    }
    return render(request, "admin_commitments.html", context, status_code=422 if errors else 200)


# ---------------------------------------------------------------- the form


@dataclass
class CommitmentForm:
    """The form as submitted (strings, as typed), re-shown as it was when refused."""

    kind: str = ""
    title: str = ""
    organization_ids: list[str] = field(default_factory=list)
    org_q: str = ""
    event_id: str = ""
    meeting_id: str = ""
    province_code: str = ""
    partner_country: str = ""
    sectors: list[str] = field(default_factory=list)
    signed_on: str = ""
    value_usd: str = ""
    jobs: str = ""
    status: str = ""
    next_review_on: str = ""
    notes: str = ""
    find: str = ""

    @classmethod
    def of(cls, c: CommitmentPublic) -> CommitmentForm:
        return cls(
            kind=c.kind.value,
            title=c.title,
            organization_ids=[str(i) for i in c.organization_ids],
            event_id=str(c.event_id or ""),
            meeting_id=str(c.meeting_id or ""),
            province_code=c.province_given or "",
            partner_country=c.partner_country or "",
            sectors=list(c.sectors),
            signed_on=c.signed_on.isoformat() if c.signed_on else "",
            value_usd=f"{c.value_usd:,.0f}" if c.value_usd is not None else "",
            jobs=str(c.jobs) if c.jobs is not None else "",
            status=c.status.value,
            next_review_on=c.next_review_on.isoformat() if c.next_review_on else "",
            notes=c.notes or "",
        )

    def organization_numbers(self) -> list[int]:
        return [int(v) for v in self.organization_ids if _an_id(v)][:50]


def commitment_form(
    kind: Annotated[str, Form(max_length=30)] = "",
    title: Annotated[str, Form(max_length=2000)] = "",
    organization_ids: Annotated[list[str] | None, Form()] = None,
    org_q: Annotated[str, Form(max_length=200)] = "",
    event_id: Annotated[str, Form(max_length=20)] = "",
    meeting_id: Annotated[str, Form(max_length=20)] = "",
    province_code: Annotated[str, Form(max_length=200)] = "",
    partner_country: Annotated[str, Form(max_length=10)] = "",
    sectors: Annotated[list[str] | None, Form()] = None,
    signed_on: Annotated[str, Form(max_length=30)] = "",
    value_usd: Annotated[str, Form(max_length=40)] = "",
    jobs: Annotated[str, Form(max_length=30)] = "",
    status: Annotated[str, Form(max_length=30)] = "",
    next_review_on: Annotated[str, Form(max_length=30)] = "",
    notes: Annotated[str, Form(max_length=20_000)] = "",
    find: Annotated[str, Form(max_length=30)] = "",
) -> CommitmentForm:
    return CommitmentForm(
        kind=kind,
        title=title,
        organization_ids=[v[:20] for v in (organization_ids or [])[:60]],
        org_q=org_q,
        event_id=event_id,
        meeting_id=meeting_id,
        province_code=province_code,
        partner_country=partner_country,
        sectors=[v[:10] for v in (sectors or [])[:60]],
        signed_on=signed_on,
        value_usd=value_usd,
        jobs=jobs,
        status=status,
        next_review_on=next_review_on,
        notes=notes,
        find=find,
    )


CommitmentFormDep = Annotated[CommitmentForm, Depends(commitment_form)]


def _as_create(form: CommitmentForm, errors: FormErrors) -> CommitmentCreate | None:
    """The API's create body from the form; None (and ``errors``) when pydantic, the
    API's own validation, refuses it."""
    if any(not _an_id(v) for v in form.organization_ids):
        errors.add("organization_ids", "not an id")
    body: dict[str, Any] = {
        "kind": form.kind or None,
        "title": form.title.strip(),
        "organization_ids": form.organization_numbers(),
        "event_id": _identifier(form.event_id, "event_id", errors),
        "meeting_id": _identifier(form.meeting_id, "meeting_id", errors),
        "province_code": form.province_code.strip() or None,
        "partner_country": form.partner_country.strip().upper() or None,
        "sectors": list(dict.fromkeys(s.strip().upper() for s in form.sectors if s.strip())),
        "signed_on": form.signed_on.strip() or None,
        "value_usd": _number(form.value_usd, "value_usd", errors),
        "jobs": _number(form.jobs, "jobs", errors, whole=True),
        "status": form.status or CommitmentStatus.proposed.value,
        "next_review_on": form.next_review_on.strip() or None,
        "notes": form.notes.strip() or None,
    }
    try:
        data = CommitmentCreate.model_validate(body)
    except ValidationError as exc:
        _validation_errors(exc, errors, "title")
        return None
    return None if errors else data


def _form_context(
    request: Request,
    session: Session,
    organizer: OrganizerSession,
    form: CommitmentForm,
    *,
    commitment: CommitmentPublic | None,
    errors: FormErrors | None = None,
    general: str | None = None,
) -> dict[str, Any]:
    lang = i18n.language_of(request).code
    errors = errors or FormErrors()
    chosen_ids = form.organization_numbers()
    chosen = [o for i in chosen_ids if (o := session.get(Organization, i)) is not None]
    found = None
    if form.find == "organizations" and form.org_q.strip():
        rows, _ = organizations.list_organizations(
            session=session, query=form.org_q, kind=None, country=None, province_code=None,
            sector=None, limit=FOUND_ORGANIZATIONS + len(chosen_ids), offset=0,
        )  # fmt: skip
        found = [o for o in rows if o.id not in chosen_ids][:FOUND_ORGANIZATIONS]
    event = session.get(Event, int(form.event_id)) if _an_id(form.event_id) else None
    meetings = []
    if event is not None and (chosen_ids or _an_id(form.meeting_id)):
        keep = int(form.meeting_id) if _an_id(form.meeting_id) else None
        for m, a, b in register.meeting_choices(
            session=session,
            event_id=event.id,
            organization_ids=chosen_ids,
            keep=keep,  # type: ignore[arg-type]
        ):
            day = local_date(lang, m.starts_at, event.timezone)
            meetings.append((m.id, f"{day} {local_time(m.starts_at, event.timezone)} · {a} – {b}"))
    language = i18n.language_of(request)
    return {
        "csrf": organizer.csrf_token,
        "form": form,
        "commitment": commitment,
        "chosen_organizations": chosen,
        "found_organizations": found,
        "meetings": meetings,
        "errors": errors,
        "error_messages": {k: language.t(FIELD_ERRORS[k]) for k in errors},
        "labels": FIELD_LABELS,
        "general_error": general,
        "sector_label": lambda s: _sector_label(lang, s),
        "chosen_sectors": _chosen_sectors(session, lang, form.sectors),
        **_choices(session, lang),
    }


def _show_form(
    request: Request,
    session: Session,
    organizer: OrganizerSession,
    form: CommitmentForm,
    *,
    commitment: CommitmentPublic | None = None,
    errors: FormErrors | None = None,
    general: str | None = None,
    status_code: int = 200,
) -> Response:
    session.rollback()
    context = _form_context(
        request, session, organizer, form, commitment=commitment, errors=errors, general=general
    )
    return render(request, "admin_commitment_form.html", context, status_code=status_code)


@router.get("/commitments/new", response_class=HTMLResponse)
def new_commitment(
    request: Request, session: SessionDep, organizer: OrganizerPage, event_id: str = ""
) -> Response:
    form = CommitmentForm(
        kind=CommitmentKind.mou.value,
        status=CommitmentStatus.signed.value,
        event_id=event_id[:12] if event_id.isdigit() else "",
    )
    return _show_form(request, session, organizer, form)


@router.post("/commitments", response_class=HTMLResponse)
def create_commitment(
    request: Request, session: SessionDep, organizer: OrganizerForm, form: CommitmentFormDep
) -> Response:
    if form.find:
        return _show_form(request, session, organizer, form)
    errors = FormErrors()
    data = _as_create(form, errors)
    if data is None:
        return _show_form(request, session, organizer, form, errors=errors, status_code=422)
    try:
        commitment = register.create_commitment(session=session, data=data)
    except ProblemError as exc:
        errors, general = _problem_errors(exc)
        return _show_form(
            request, session, organizer, form, errors=errors, general=general,
            status_code=exc.status,
        )  # fmt: skip
    return redirect(f"/admin/commitments/{commitment.id}?done=created")


@router.get("/commitments/{commitment_id}/edit", response_class=HTMLResponse)
def edit_commitment(
    request: Request, session: SessionDep, organizer: OrganizerPage, commitment: CommitmentPage
) -> Response:
    public = register.commitment_public(session=session, commitment=commitment)
    return _show_form(request, session, organizer, CommitmentForm.of(public), commitment=public)


@router.post("/commitments/{commitment_id}", response_class=HTMLResponse)
def update_commitment(
    request: Request,
    session: SessionDep,
    organizer: OrganizerForm,
    commitment: CommitmentPage,
    form: CommitmentFormDep,
) -> Response:
    public = register.commitment_public(session=session, commitment=commitment)
    form.status = commitment.status.value  # the status moves through reviews only
    if form.find:
        return _show_form(request, session, organizer, form, commitment=public)
    errors = FormErrors()
    data = _as_create(form, errors)
    if data is None:
        return _show_form(
            request, session, organizer, form, commitment=public, errors=errors, status_code=422
        )
    changes = data.model_dump(
        include={"kind", "title", "organization_ids", "event_id", "meeting_id", "province_code",
                 "partner_country", "sectors", "signed_on", "value_usd", "jobs",
                 "next_review_on", "notes"}
    )  # fmt: skip
    try:
        register.update_commitment(
            session=session, commitment=commitment, data=CommitmentUpdate.model_validate(changes)
        )
    except ProblemError as exc:
        errors, general = _problem_errors(exc)
        return _show_form(
            request, session, organizer, form, commitment=public, errors=errors,
            general=general, status_code=exc.status,
        )  # fmt: skip
    return redirect(f"/admin/commitments/{commitment.id}?done=saved")


# ---------------------------------------------------------------- one commitment


@dataclass
class ReviewForm:
    reviewed_on: str = ""
    status: str = ""
    realised_usd: str = ""
    note: str = ""
    reviewer: str = ""
    next_review_on: str = ""


REVIEW_EVERY: Final = timedelta(days=182)  # the next review proposed: in about six months


def _next_review(commitment: Commitment) -> str:
    """The next review date the form proposes: the one set, while it is ahead; else
    about six months on (the organisers' periodic review)."""
    today = register.today()
    if commitment.next_review_on and commitment.next_review_on > today:
        return commitment.next_review_on.isoformat()
    return (today + REVIEW_EVERY).isoformat()


def _commitment_context(
    request: Request,
    session: Session,
    organizer: OrganizerSession,
    commitment: Commitment,
    review: ReviewForm | None = None,
    errors: FormErrors | None = None,
) -> dict[str, Any]:
    language = i18n.language_of(request)
    lang = language.code
    public = register.commitment_public(session=session, commitment=commitment, with_reviews=True)
    event = session.get(Event, commitment.event_id) if commitment.event_id else None
    meeting = None
    if event is not None and commitment.meeting_id is not None:
        found = register.meeting_choices(
            session=session, event_id=event.id, organization_ids=[],  # type: ignore[arg-type]
            keep=commitment.meeting_id,
        )  # fmt: skip
        if found:
            m, a, b = found[0]
            meeting = {"meeting": m, "a": a, "b": b}
    sectors = reference.sector_names(session=session)
    errors = errors or FormErrors()
    return {
        "csrf": organizer.csrf_token,
        "c": public,
        "event": event,
        "meeting": meeting,
        "sector_names": [
            f"{code} – {sectors[code][1] if lang == 'en' else sectors[code][0]}"
            if code in sectors
            else code
            for code in public.sectors
        ],
        "share": (
            round(100 * public.realised_usd / public.value_usd) if public.value_usd else None
        ),
        "review": review
        or ReviewForm(
            reviewed_on=register.today().isoformat(),
            status=public.status.value,
            reviewer=_reviewer_name(session, organizer),
            next_review_on=_next_review(commitment),
        ),
        "errors": errors,
        "error_messages": {k: language.t(FIELD_ERRORS[k]) for k in errors},
        "labels": FIELD_LABELS,
        "statuses": [s.value for s in CommitmentStatus],
    }


@router.get("/commitments/{commitment_id}", response_class=HTMLResponse)
def commitment_page(
    request: Request,
    session: SessionDep,
    organizer: OrganizerPage,
    commitment: CommitmentPage,
    done: str | None = None,
) -> Response:
    context = _commitment_context(request, session, organizer, commitment)
    context["flash"] = _flash(request, done)
    return render(request, "admin_commitment.html", context)


@router.post("/commitments/{commitment_id}/reviews", response_class=HTMLResponse)
def append_review(
    request: Request,
    session: SessionDep,
    organizer: OrganizerForm,
    commitment: CommitmentPage,
    reviewed_on: Annotated[str, Form(max_length=30)] = "",
    status: Annotated[str, Form(max_length=30)] = "",
    realised_usd: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=20_000)] = "",
    reviewer: Annotated[str, Form(max_length=400)] = "",
    next_review_on: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    """Appends a review (the history is never changed) and moves the commitment."""
    form = ReviewForm(reviewed_on, status, realised_usd, note, reviewer, next_review_on)
    errors = FormErrors()
    body = {
        "reviewed_on": reviewed_on.strip() or None,
        "status": status or None,
        "realised_usd": _number(realised_usd, "realised_usd", errors),
        "note": note,
        "reviewer": reviewer.strip() or None,
        "next_review_on": next_review_on.strip() or None,
    }
    status_code = 422
    try:
        data = ReviewCreate.model_validate(body)
        if not errors:
            register.add_review(
                session=session,
                commitment_id=commitment.id,  # type: ignore[arg-type]
                data=data,
                reviewer=_reviewer_name(session, organizer),
            )
            return redirect(f"/admin/commitments/{commitment.id}?done=reviewed#reviews-heading")
    except ValidationError as exc:
        _validation_errors(exc, errors, "note")
    except ProblemError as exc:
        session.rollback()
        found, general = _problem_errors(exc)
        errors.update(found)
        if general:
            errors.add("note", general)
        status_code = exc.status
    session.refresh(commitment)
    context = _commitment_context(request, session, organizer, commitment, form, errors)
    return render(request, "admin_commitment.html", context, status_code=status_code)
