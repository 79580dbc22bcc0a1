"""The organisers' report across editions: a date range (or one event), a grouping by
province, partner country, sector or event, the table with its total row, charts read at
a glance, and the same report as CSV and XLSX.

The event dashboard shows one edition; a province official reviewing several years asks
for this page. It reads the same ``reports.summary`` as ``GET /api/v1/reports/summary``
(so the page, the API and the spreadsheets agree to the dollar), from the figures the
database keeps.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from service.core.database import SessionDep
from service.core.i18n import N_
from service.events import service as events
from service.events.models import Event
from service.kit.downloads import SPREADSHEET_TYPES, spreadsheet_download
from service.pages import charts, i18n
from service.pages.admin import OrganizerPage
from service.pages.public import not_found_page
from service.pages.sessions import OrganizerSession
from service.pages.templating import render
from service.reports import service as reports
from service.reports.spreadsheets import to_csv, to_xlsx

router = APIRouter(prefix="/admin", include_in_schema=False)

GROUPS: Final = tuple(g.value for g in reports.GroupBy)
COLUMNS: Final = ("participants", "requests", "accepted", "scheduled", "held", "no_show",
                  "rating_avg", "commitments", "value_usd", "realised_usd")  # fmt: skip
CHART_ROWS: Final = 12


class Scope:
    """The report's scope as the form gave it: dates as typed, the errors beside them."""

    def __init__(self, session: Any, group_by: str, date_from: str, date_to: str,
                 event_id: str) -> None:  # fmt: skip
        self.group_by = (
            reports.GroupBy(group_by) if group_by in GROUPS else reports.GroupBy.province
        )
        self.raw = {"from": date_from[:10], "to": date_to[:10], "event_id": event_id[:12]}
        self.errors: dict[str, str] = {}
        self.date_from = self._day(date_from, "from")
        self.date_to = self._day(date_to, "to")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            self.errors["to"] = N_("rep.error.to")
        self.event: Event | None = None
        event_id = event_id.strip()[:12]
        if event_id:
            known = event_id.isdigit() and int(event_id) <= 2**31 - 1
            found = session.get(Event, int(event_id)) if known else None
            if found is None:
                self.errors["event_id"] = N_("rep.error.event")
            self.event = found

    def _day(self, value: str, name: str) -> date | None:
        if not value.strip():
            return None
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            self.errors[name] = N_("rep.error.date")
            return None

    def query(self, **extra: str) -> dict[str, str]:
        values = {"group_by": self.group_by.value, **self.raw, **extra}
        return {k: v for k, v in values.items() if v}

    def summary(self, session: Any) -> reports.Report:
        return reports.summary(
            session=session,
            group_by=self.group_by,
            event_id=self.event.id if self.event else None,
            date_from=self.date_from,
            date_to=self.date_to,
        )


def _label(lang: str, row: reports.ReportRow) -> str:
    return row.label_en if lang == "en" else row.label_vi


def _charts(session: Any, lang: str, scope: Scope, report: reports.Report) -> dict[str, Any]:
    def t(key: str) -> str:
        return i18n.text(lang, key)

    known = [r for r in report.rows if r.key is not None]
    money_rows = sorted(
        (r for r in known if r.commitments), key=lambda r: (-r.value_usd, r.label_vi)
    )[:CHART_ROWS]
    meeting_rows = sorted(
        (r for r in known if r.scheduled), key=lambda r: (-r.scheduled, r.label_vi)
    )[:CHART_ROWS]
    timeline = reports.pledged_vs_realised(
        session=session,
        event_id=scope.event.id if scope.event else None,
        date_from=scope.date_from,
        date_to=scope.date_to,
    )
    group = t(f"out.group.{scope.group_by.value}")
    wide = 28 if scope.group_by in (reports.GroupBy.event, reports.GroupBy.sector) else 20

    def label(row: reports.ReportRow) -> str:
        text = _label(lang, row)
        if scope.group_by is reports.GroupBy.event:  # "Name (dd/mm/yyyy)" -> "Name yyyy"
            name, _, day = text.rpartition(" (")
            year = day[:4] if lang == "en" else day[-5:-1]
            if not name:
                return text
            return name if year in name else f"{name} {year}"
        return text

    return {
        "chart_money": charts.hbars(
            f"{t('rep.chart.money')} · {group}",
            [label(r) for r in money_rows],
            [charts.Series(t("out.chart.value"), [r.value_usd for r in money_rows], charts.BRAND),
             charts.Series(t("out.chart.realised"), [r.realised_usd for r in money_rows],
                           charts.OK)],
            css="chart-money", label_chars=wide,
        ) if money_rows else None,
        "chart_meetings": charts.hbars(
            f"{t('rep.chart.meetings')} · {group}",
            [label(r) for r in meeting_rows],
            [charts.Series(t("out.chart.scheduled"), [r.scheduled for r in meeting_rows],
                           charts.GRID),
             charts.Series(t("out.held"), [r.held for r in meeting_rows], charts.BRAND)],
            css="chart-meetings", label_chars=wide,
        ) if meeting_rows else None,
        "chart_timeline": charts.lines(
            t("out.chart.over_time"),
            timeline.months,
            [charts.Series(t("out.chart.value"), timeline.pledged_usd, charts.BRAND),
             charts.Series(t("out.chart.realised"), timeline.realised_usd, charts.OK)],
            css="chart-timeline",
        ) if timeline.months else None,
    }  # fmt: skip


def _page(
    request: Request,
    session: Any,
    organizer: OrganizerSession,
    scope: Scope,
) -> Response:
    language = i18n.language_of(request)
    editions, _ = events.list_events(
        session=session, query=None, status=None, limit=500, offset=0, include_drafts=True
    )
    context: dict[str, Any] = {
        "csrf": organizer.csrf_token,
        "scope": scope,
        "groups": GROUPS,
        "columns": COLUMNS,
        "events": editions,
        "errors": {k: language.t(v) for k, v in scope.errors.items()},
        "report": None,
    }
    if scope.errors:
        return render(request, "admin_reports.html", context, status_code=422)
    report = scope.summary(session)
    in_scope = [
        e for e in editions
        if (scope.event is None or e.id == scope.event.id)
        and (scope.date_from is None or e.end_date >= scope.date_from)
        and (scope.date_to is None or e.start_date <= scope.date_to)
    ]  # fmt: skip
    context.update(
        report=report,
        editions_in_scope=in_scope,
        download_query={k: v for k, v in scope.query().items() if k != "group_by"},
        **_charts(session, language.code, scope, report),
    )
    return render(request, "admin_reports.html", context)


def _scope(request: Request, session: Any, group_by: str) -> Scope:
    """The form's ``from`` and ``to`` (keywords in Python, so read from the query)."""
    query = request.query_params
    return Scope(
        session, group_by, query.get("from", ""), query.get("to", ""), query.get("event_id", "")
    )


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    session: SessionDep,
    organizer: OrganizerPage,
    group_by: str = "province",
) -> Response:
    """Figures by province, partner country, sector or event over a date range."""
    return _page(request, session, organizer, _scope(request, session, group_by))


@router.get("/reports/{group_by}.{fmt}")
def report_download(
    request: Request,
    session: SessionDep,
    organizer: OrganizerPage,
    group_by: str,
    fmt: str,
) -> Response:
    """The page's report as a spreadsheet: Vietnamese / English headers, total last."""
    if group_by not in GROUPS or fmt not in SPREADSHEET_TYPES:
        return not_found_page(request)
    scope = _scope(request, session, group_by)
    if scope.errors:
        return _page(request, session, organizer, scope)
    table = reports.report_table(scope.summary(session))
    body = to_csv(table) if fmt == "csv" else to_xlsx(f"Báo cáo - {group_by}", table)
    span = "-".join(v for v in (scope.raw["from"], scope.raw["to"]) if v) or "all"
    where = f"event-{scope.event.id}" if scope.event else span
    return spreadsheet_download(body, fmt=fmt, filename=f"meetx-report-{where}-{group_by}.{fmt}")
