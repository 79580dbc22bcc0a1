"""What the pages after the meeting show, assembled for the templates: the personal
page's check-in button, QR code and feedback forms, and the organisers' charts and live
check-in figures. Kept apart from the routes so the personal page and the dashboard can
use it without importing the routes that import them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import segno
from sqlmodel import Session, select
from starlette.requests import Request

from service.attendance import service as attendance
from service.attendance.models import Outcome
from service.core.database import utcnow
from service.core.i18n import N_
from service.events.models import Event
from service.meetings.models import Meeting, MeetingStatus
from service.organizations.models import Organization
from service.pages import charts, i18n
from service.pages.templating import local_time
from service.participants.models import Participant
from service.reports import service as reports

GROUPS = tuple(g.value for g in reports.GroupBy)


def check_in_url(request: Request, event_id: int, participant_id: int) -> str:
    base = request.app.state.settings.public_base
    return f"{base}/admin/events/{event_id}/check-in/{participant_id}"


def qr_data_uri(url: str) -> str:
    """The QR code as an SVG data URI (img-src 'self' data: allows it)."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def _names(session: Session, event_id: int) -> dict[int, str]:
    rows = session.exec(
        select(Participant.id, Organization.name)
        .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
        .where(Participant.event_id == event_id)
    ).all()
    return dict(rows)  # type: ignore[arg-type]


def participant_context(
    request: Request, session: Session, participant: Participant, event: Event
) -> dict[str, Any]:
    """What the personal page shows after the meeting: the check-in button and QR code,
    and a feedback form for each meeting that has started."""
    url = check_in_url(request, event.id, participant.id)  # type: ignore[arg-type]
    names = _names(session, event.id)  # type: ignore[arg-type]
    given = attendance.participant_feedback(session=session, participant_id=participant.id)  # type: ignore[arg-type]
    now = utcnow()
    items = []
    meetings = session.exec(
        select(Meeting)
        .where(
            Meeting.event_id == event.id,
            Meeting.status == MeetingStatus.scheduled,
            (Meeting.participant_a_id == participant.id)
            | (Meeting.participant_b_id == participant.id),
        )
        .order_by(Meeting.starts_at)  # type: ignore[arg-type]
    ).all()
    for meeting in meetings:
        if not attendance.feedback_open(meeting=meeting, event=event, now=now):
            continue
        other = (
            meeting.participant_b_id
            if meeting.participant_a_id == participant.id
            else meeting.participant_a_id
        )
        items.append(
            {"meeting": meeting, "with": names.get(other, ""), "given": given.get(meeting.id)}
        )
    return {
        "checked_in": attendance.is_checked_in(session=session, participant_id=participant.id),  # type: ignore[arg-type]
        "check_in_qr": qr_data_uri(url),
        "check_in_url": url,
        "feedback_items": items,
        "outcomes": [o.value for o in Outcome],
    }


def _group_label(lang: str, row: reports.ReportRow) -> str:
    return row.label_en if lang == "en" else row.label_vi


def dashboard_charts(session: Session, event: Event, lang: str) -> dict[str, Any]:
    """The three charts people read at a glance, and the live check-in figures."""

    def t(key: str) -> str:
        return i18n.text(lang, key)

    slots = attendance.slot_figures(session=session, event_id=event.id)  # type: ignore[arg-type]
    held_chart = (
        charts.bars(
            t("out.chart.held"),
            [local_time(s.starts_at, event.timezone) for s in slots],
            [
                charts.Series(t("out.chart.scheduled"), [s.scheduled for s in slots], charts.GRID),
                charts.Series(t("out.held"), [s.held for s in slots], charts.BRAND),
                charts.Series(t("out.no_show"), [s.no_show for s in slots], charts.ACCENT),
            ],
            css="chart-held",
        )
        if slots
        else None
    )
    by_province = reports.summary(
        session=session, group_by=reports.GroupBy.province, event_id=event.id
    )
    with_commitments = [r for r in by_province.rows if r.commitments][:12]
    province_chart = (
        charts.hbars(
            t("out.chart.by_province"),
            [_group_label(lang, r) for r in with_commitments],
            [
                charts.Series(
                    t("out.chart.value"), [r.value_usd for r in with_commitments], charts.BRAND
                ),
                charts.Series(
                    t("out.chart.realised"), [r.realised_usd for r in with_commitments], charts.OK
                ),
            ],
            css="chart-provinces",
        )
        if with_commitments
        else None
    )
    timeline = reports.pledged_vs_realised(session=session, event_id=event.id)
    time_chart = (
        charts.lines(
            t("out.chart.over_time"),
            timeline.months,
            [
                charts.Series(t("out.chart.value"), timeline.pledged_usd, charts.BRAND),
                charts.Series(t("out.chart.realised"), timeline.realised_usd, charts.OK),
            ],
            css="chart-timeline",
        )
        if timeline.months
        else None
    )
    check_ins = attendance.list_check_ins(session=session, event_id=event.id)  # type: ignore[arg-type]
    return {
        "chart_held": held_chart,
        "chart_provinces": province_chart,
        "chart_timeline": time_chart,
        "arrived": check_ins,
        "missing": attendance.missing_soon(
            session=session,
            event_id=event.id,
            within=timedelta(hours=1),  # type: ignore[arg-type]
        ),
        "province_report": by_province,
        "no_show_rows": [
            r
            for r in attendance.attendance_rows(session=session, event_id=event.id)  # type: ignore[arg-type]
            if r.no_shows
        ][:10],
    }


# Ids the pages look up by a computed key (columns, groupings, statuses, outcomes, flashes):
# named here so that extraction keeps them in the catalogues.
COMPUTED_MESSAGE_IDS = (
    N_("out.checkin.at"),
    N_("out.checkin.qr"),
    N_("out.col.accepted"),
    N_("out.col.commitments"),
    N_("out.col.held"),
    N_("out.col.no_show"),
    N_("out.col.participants"),
    N_("out.col.rating_avg"),
    N_("out.col.requests"),
    N_("out.col.scheduled"),
    N_("out.commitment.status.cancelled"),
    N_("out.commitment.status.in_progress"),
    N_("out.commitment.status.proposed"),
    N_("out.commitment.status.realised"),
    N_("out.commitment.status.signed"),
    N_("out.commitment.status.stalled"),
    N_("out.flash.marked"),
    N_("out.group.country"),
    N_("out.group.event"),
    N_("out.group.sector"),
    N_("out.outcome.follow_up"),
    N_("out.outcome.investment_decided"),
    N_("out.outcome.mou_planned"),
    N_("out.outcome.mou_signed"),
    N_("out.outcome.none"),
)
