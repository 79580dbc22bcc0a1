"""Route for the results report: JSON, or CSV / XLSX with ``format``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from service.auth.dependencies import OrganizerDep
from service.core.database import SessionDep
from service.core.errors import invalid
from service.events.service import get_event
from service.kit.downloads import spreadsheet_download
from service.reports import service as reports
from service.reports.spreadsheets import to_csv, to_xlsx

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get(
    "/summary",
    summary="Results by province, partner country, sector or event, with a total row",
    description="Participants, requests, accepted, scheduled, held, no-shows, average rating, "
    "commitments, value and realised USD per group, over one event or the editions within "
    "`from`..`to`. Provinces are reported under their current unit. Kept up to date by the "
    "database with every write, so it is live while the event runs. `format=csv|xlsx` for a "
    "spreadsheet.",
    response_model=reports.Report,
)
def summary(
    session: SessionDep,
    _: OrganizerDep,
    group_by: reports.GroupBy = reports.GroupBy.province,
    event_id: int | None = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> Response | reports.Report:
    if event_id is not None:
        get_event(session=session, event_id=event_id)
    if date_from and date_to and date_to < date_from:
        raise invalid("query.to", "must not be before from")
    report = reports.summary(
        session=session,
        group_by=group_by,
        event_id=event_id,
        date_from=date_from,
        date_to=date_to,
    )
    if format == "json":
        return report
    table = reports.report_table(report)
    body = to_csv(table) if format == "csv" else to_xlsx(f"Báo cáo - {group_by.value}", table)
    scope = f"event-{event_id}" if event_id else "all"
    filename = f"meetx-report-{scope}-{group_by.value}.{format}"
    return spreadsheet_download(body, fmt=format, filename=filename)
