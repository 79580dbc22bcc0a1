"""Results by province, partner country, sector and event, aggregated in SQL.

Each figure is one grouped query over joins (no rows are pulled into Python to be
counted); Python only merges the five small per-group answers by key. The grouping key:

- ``province``: the participant's organisation's province and the commitment's province,
  each mapped to its current unit through ``former_province`` (a firm or an MoU entered
  under "Bình Dương" counts for TP. Hồ Chí Minh);
- ``country``: the organisation's country; the commitment's partner country;
- ``sector``: every VSIC code the organisation (or the commitment) lists, so one firm
  can count under several sectors;
- ``event``: the edition.

A meeting or request counts once in each group one of its two sides belongs to (a
meeting between a Bắc Ninh firm and a Korean firm is one Bắc Ninh meeting and one KR
meeting); a no-show counts for the group of the absent side; ``rating_avg`` averages the
ratings the group's participants gave. The total row counts every meeting, request,
participant and commitment once, so it is not the sum of the rows.

Scope: one event (``event_id``) or the editions whose dates meet ``[from, to]``; a
commitment is in a date range by its signing date, or its event's start when unsigned.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from service.attendance.models import Attendance, MeetingAttendance, MeetingFeedback
from service.commitments.models import Commitment, CommitmentReview, CommitmentSector
from service.events.models import Event
from service.meeting_requests.models import MeetingRequest, RequestStatus
from service.meetings.models import Meeting, MeetingStatus
from service.organizations.models import Organization
from service.pages.i18n import COUNTRY_NAMES
from service.participants.models import Participant
from service.reference.models import FormerProvince, Province, Sector


class GroupBy(enum.StrEnum):
    province = "province"
    country = "country"
    sector = "sector"
    event = "event"


class ReportRow(SQLModel):
    key: str | None
    label_vi: str
    label_en: str
    participants: int = 0
    requests: int = 0
    accepted: int = 0
    scheduled: int = 0
    held: int = 0
    no_show: int = 0
    rating_avg: float | None = None
    commitments: int = 0
    value_usd: float = 0
    realised_usd: float = 0


class Report(SQLModel):
    group_by: GroupBy
    event_id: int | None
    date_from: date | None
    date_to: date | None
    rows: list[ReportRow]
    total: ReportRow


METRICS = (
    "participants", "requests", "accepted", "scheduled", "held", "no_show", "rating_avg",
    "commitments", "value_usd", "realised_usd",
)  # fmt: skip

UNSPECIFIED = ("Không xác định", "Unspecified")
HELD = (Attendance.held.value, Attendance.partial.value)


# ---------------------------------------------------------------- scope and keys


def _events_in_scope(
    event_id: int | None, date_from: date | None, date_to: date | None
) -> sa.Select[Any]:
    statement = sa.select(Event.id)
    if event_id is not None:
        statement = statement.where(Event.id == event_id)
    if date_from is not None:
        statement = statement.where(Event.end_date >= date_from)
    if date_to is not None:
        statement = statement.where(Event.start_date <= date_to)
    return statement


def _current_unit(column: Any, alias: Any) -> Any:
    return sa.func.coalesce(alias.current_code, column)


def _participant_keys(session: Session, group_by: GroupBy, scope: sa.Select[Any]) -> Any:
    """(participant_id, key) for every participant in scope; several rows per
    participant when grouping by sector."""
    p = Participant.__table__  # type: ignore[attr-defined]
    o = Organization.__table__  # type: ignore[attr-defined]
    base = sa.select(p.c.id.label("participant_id"))
    where = p.c.event_id.in_(scope)
    if group_by is GroupBy.event:
        return base.add_columns(sa.cast(p.c.event_id, sa.String).label("key")).where(where)
    joined = p.join(o, o.c.id == p.c.organization_id)
    if group_by is GroupBy.country:
        return base.add_columns(o.c.country.label("key")).select_from(joined).where(where)
    if group_by is GroupBy.province:
        fp = FormerProvince.__table__.alias("fp")  # type: ignore[attr-defined]
        joined = joined.outerjoin(fp, fp.c.code == o.c.province_code)
        key = _current_unit(o.c.province_code, fp.c)
        return base.add_columns(key.label("key")).select_from(joined).where(where)
    # sector: one row per code in the organisation's JSON list; functions in FROM may
    # refer to earlier tables on both SQLite (json_each) and PostgreSQL (implicitly lateral).
    if session.get_bind().dialect.name == "postgresql":
        codes = sa.func.json_array_elements_text(o.c.sectors).table_valued("value")
    else:
        codes = sa.func.json_each(o.c.sectors).table_valued("value")
    joined = joined.join(codes, sa.true())
    return base.add_columns(codes.c.value.label("key")).select_from(joined).where(where)


def _commitment_keys(group_by: GroupBy) -> tuple[Any, Any]:
    """(from clause, key expression) for commitments."""
    c = Commitment.__table__  # type: ignore[attr-defined]
    if group_by is GroupBy.event:
        return c, sa.cast(c.c.event_id, sa.String)
    if group_by is GroupBy.country:
        return c, c.c.partner_country
    if group_by is GroupBy.province:
        fp = FormerProvince.__table__.alias("cfp")  # type: ignore[attr-defined]
        return c.outerjoin(fp, fp.c.code == c.c.province_unit), _current_unit(
            c.c.province_unit, fp.c
        )
    cs = CommitmentSector.__table__  # type: ignore[attr-defined]
    return c.join(cs, cs.c.commitment_id == c.c.id), cs.c.sector_code


def _commitment_scope(
    event_id: int | None, date_from: date | None, date_to: date | None
) -> list[Any]:
    c = Commitment.__table__  # type: ignore[attr-defined]
    conditions: list[Any] = []
    if event_id is not None:
        conditions.append(c.c.event_id == event_id)
    if date_from is not None or date_to is not None:
        event_start = sa.select(Event.start_date).where(Event.id == c.c.event_id).scalar_subquery()
        day = sa.func.coalesce(c.c.signed_on, event_start)
        if date_from is not None:
            conditions.append(day >= date_from)
        if date_to is not None:
            conditions.append(day <= date_to)
    return conditions


# ---------------------------------------------------------------- the five figures


def _grouped(session: Session, statement: Any) -> dict[str | None, tuple[Any, ...]]:
    return {row[0]: tuple(row[1:]) for row in session.execute(statement).all()}


def _figures(
    session: Session,
    keys: Any | None,
    scope: sa.Select[Any],
    commitment_from: Any,
    commitment_key: Any,
    commitment_conditions: list[Any],
) -> dict[str, dict[str | None, tuple[Any, ...]]]:
    """The figures per key, or (``keys`` None) once over everything in scope."""
    m = Meeting.__table__  # type: ignore[attr-defined]
    ma = MeetingAttendance.__table__  # type: ignore[attr-defined]
    mr = MeetingRequest.__table__  # type: ignore[attr-defined]
    f = MeetingFeedback.__table__  # type: ignore[attr-defined]
    p = Participant.__table__  # type: ignore[attr-defined]
    c = Commitment.__table__  # type: ignore[attr-defined]
    out: dict[str, dict[str | None, tuple[Any, ...]]] = {}

    if keys is None:
        const = sa.literal(None).label("key")
        out["participants"] = _grouped(
            session, sa.select(const, sa.func.count()).where(p.c.event_id.in_(scope))
        )
        out["requests"] = _grouped(
            session,
            sa.select(
                const,
                sa.func.count(),
                sa.func.count(sa.case((mr.c.status == RequestStatus.accepted.value, 1))),
            ).where(mr.c.event_id.in_(scope)),
        )
        out["meetings"] = _grouped(
            session,
            sa.select(
                const,
                sa.func.count(),
                sa.func.count(sa.case((ma.c.attendance.in_(HELD), 1))),
                sa.func.count(sa.case((ma.c.attendance == Attendance.no_show.value, 1))),
            )
            .select_from(m.outerjoin(ma, ma.c.meeting_id == m.c.id))
            .where(m.c.event_id.in_(scope), m.c.status == MeetingStatus.scheduled.value),
        )
        out["rating"] = _grouped(
            session, sa.select(const, sa.func.avg(f.c.rating)).where(f.c.event_id.in_(scope))
        )
        out["commitments"] = _grouped(
            session,
            sa.select(
                const,
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(c.c.value_usd), 0),
                sa.func.coalesce(sa.func.sum(c.c.realised_usd), 0),
            ).where(*commitment_conditions),
        )
        return out

    pk = keys.subquery("pk")
    # participants
    out["participants"] = _grouped(
        session,
        sa.select(pk.c.key, sa.func.count(sa.distinct(pk.c.participant_id))).group_by(pk.c.key),
    )
    # requests: each side's group counts the request once
    sides = sa.union_all(
        sa.select(mr.c.id, mr.c.status, mr.c.from_participant_id.label("pid")).where(
            mr.c.event_id.in_(scope)
        ),
        sa.select(mr.c.id, mr.c.status, mr.c.to_participant_id.label("pid")).where(
            mr.c.event_id.in_(scope)
        ),
    ).subquery("rs")
    accepted = sa.case((sides.c.status == RequestStatus.accepted.value, sides.c.id))
    out["requests"] = _grouped(
        session,
        sa.select(
            pk.c.key,
            sa.func.count(sa.distinct(sides.c.id)),
            sa.func.count(sa.distinct(accepted)),
        )
        .select_from(sides.join(pk, pk.c.participant_id == sides.c.pid))
        .group_by(pk.c.key),
    )
    # meetings: scheduled, held, and no-shows counted for the absent side's group
    live = sa.and_(m.c.event_id.in_(scope), m.c.status == MeetingStatus.scheduled.value)
    joined = m.outerjoin(ma, ma.c.meeting_id == m.c.id)
    msides = sa.union_all(
        sa.select(m.c.id, ma.c.attendance, ma.c.a_absent.label("absent"),
                  m.c.participant_a_id.label("pid")).select_from(joined).where(live),
        sa.select(m.c.id, ma.c.attendance, ma.c.b_absent.label("absent"),
                  m.c.participant_b_id.label("pid")).select_from(joined).where(live),
    ).subquery("ms")  # fmt: skip
    held = sa.case((msides.c.attendance.in_(HELD), msides.c.id))
    no_show = sa.case(
        (
            sa.and_(
                msides.c.attendance == Attendance.no_show.value,
                msides.c.absent == sa.true(),
            ),
            msides.c.id,
        )
    )
    out["meetings"] = _grouped(
        session,
        sa.select(
            pk.c.key,
            sa.func.count(sa.distinct(msides.c.id)),
            sa.func.count(sa.distinct(held)),
            sa.func.count(sa.distinct(no_show)),
        )
        .select_from(msides.join(pk, pk.c.participant_id == msides.c.pid))
        .group_by(pk.c.key),
    )
    # ratings the group's participants gave
    out["rating"] = _grouped(
        session,
        sa.select(pk.c.key, sa.func.avg(f.c.rating))
        .select_from(f.join(pk, pk.c.participant_id == f.c.participant_id))
        .where(f.c.event_id.in_(scope))
        .group_by(pk.c.key),
    )
    out["commitments"] = _grouped(
        session,
        sa.select(
            commitment_key,
            sa.func.count(sa.distinct(c.c.id)),
            sa.func.coalesce(sa.func.sum(c.c.value_usd), 0),
            sa.func.coalesce(sa.func.sum(c.c.realised_usd), 0),
        )
        .select_from(commitment_from)
        .where(*commitment_conditions)
        .group_by(commitment_key),
    )
    return out


def _row(key: str | None, labels: tuple[str, str], figures: dict[str, dict]) -> ReportRow:
    def get(name: str) -> tuple[Any, ...] | None:
        return figures[name].get(key)

    participants, requests, meetings = get("participants"), get("requests"), get("meetings")
    rating, commitments = get("rating"), get("commitments")
    return ReportRow(
        key=key,
        label_vi=labels[0],
        label_en=labels[1],
        participants=int(participants[0]) if participants else 0,
        requests=int(requests[0]) if requests else 0,
        accepted=int(requests[1]) if requests else 0,
        scheduled=int(meetings[0]) if meetings else 0,
        held=int(meetings[1]) if meetings else 0,
        no_show=int(meetings[2]) if meetings else 0,
        rating_avg=round(float(rating[0]), 2) if rating and rating[0] is not None else None,
        commitments=int(commitments[0]) if commitments else 0,
        value_usd=float(commitments[1]) if commitments else 0.0,
        realised_usd=float(commitments[2]) if commitments else 0.0,
    )


def _labels(
    session: Session, group_by: GroupBy, keys: set[str | None]
) -> dict[Any, tuple[str, str]]:
    found: dict[Any, tuple[str, str]] = {}
    wanted = [k for k in keys if k is not None]
    if group_by is GroupBy.province and wanted:
        for province in session.exec(select(Province).where(col(Province.code).in_(wanted))):
            found[province.code] = (province.name, province.name_en)
    elif group_by is GroupBy.sector and wanted:
        for sector in session.exec(select(Sector).where(col(Sector.code).in_(wanted))):
            found[sector.code] = (
                f"{sector.code} – {sector.name_vi}",
                f"{sector.code} – {sector.name_en}",
            )
    elif group_by is GroupBy.event and wanted:
        ids = [int(k) for k in wanted]
        for event in session.exec(select(Event).where(col(Event.id).in_(ids))):
            found[str(event.id)] = (event.name, event.name_en or event.name)
    elif group_by is GroupBy.country:
        for code in wanted:
            found[code] = COUNTRY_NAMES.get(code, (code, code))
    return {k: found.get(k, (k, k) if k is not None else UNSPECIFIED) for k in keys}


def summary(
    *,
    session: Session,
    group_by: GroupBy,
    event_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Report:
    """The report: one row per group (largest first) and a total row."""
    scope = _events_in_scope(event_id, date_from, date_to)
    commitment_from, commitment_key = _commitment_keys(group_by)
    conditions = _commitment_scope(event_id, date_from, date_to)
    figures = _figures(
        session,
        _participant_keys(session, group_by, scope),
        scope,
        commitment_from,
        commitment_key,
        conditions,
    )
    totals = _figures(session, None, scope, commitment_from, commitment_key, conditions)
    keys: set[str | None] = set()
    for per_key in figures.values():
        keys.update(per_key)
    labels = _labels(session, group_by, keys)
    rows = [_row(key, labels[key], figures) for key in keys]
    rows.sort(key=lambda r: (r.key is None, -r.participants, -r.commitments, r.label_vi))
    total = _row(None, ("Tổng cộng", "Total"), totals)
    total.key = "total"
    return Report(
        group_by=group_by,
        event_id=event_id,
        date_from=date_from,
        date_to=date_to,
        rows=rows,
        total=total,
    )


# ---------------------------------------------------------------- spreadsheets

COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("key", "Mã", "Key"),
    ("label_vi", "Nhóm", "Group (vi)"),
    ("label_en", "Group", "Group (en)"),
    ("participants", "Đại biểu", "Participants"),
    ("requests", "Yêu cầu gặp", "Requests"),
    ("accepted", "Đã chấp nhận", "Accepted"),
    ("scheduled", "Đã xếp lịch", "Scheduled"),
    ("held", "Đã gặp", "Held"),
    ("no_show", "Vắng mặt", "No-shows"),
    ("rating_avg", "Điểm đánh giá TB", "Average rating"),
    ("commitments", "Cam kết", "Commitments"),
    ("value_usd", "Giá trị (USD)", "Value (USD)"),
    ("realised_usd", "Đã giải ngân (USD)", "Realised (USD)"),
)


def report_table(report: Report) -> list[list[Any]]:
    """Header (Vietnamese / English) and the rows, total last, for CSV and XLSX."""
    header = [f"{vi} / {en}" for _, vi, en in COLUMNS]
    body = [[getattr(row, name) for name, _, _ in COLUMNS] for row in report.rows]
    body.append([getattr(report.total, name) for name, _, _ in COLUMNS])
    return [header, *body]


# ---------------------------------------------------------------- over time


class Timeline(SQLModel):
    months: list[str]
    pledged_usd: list[float]  # cumulative value of the commitments signed by each month
    realised_usd: list[float]  # cumulative realised, from the reviews dated by each month


def _month(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def pledged_vs_realised(*, session: Session, event_id: int | None = None) -> Timeline:
    """Month by month: what was pledged (signed value) and realised (each review's
    increase over the one before, a window function), cumulated."""
    c = Commitment.__table__  # type: ignore[attr-defined]
    r = CommitmentReview.__table__  # type: ignore[attr-defined]
    scope = [c.c.event_id == event_id] if event_id is not None else []
    month = _month(session, c.c.signed_on)
    pledged = dict(
        session.execute(
            sa.select(month, sa.func.sum(c.c.value_usd))
            .where(c.c.signed_on.is_not(None), c.c.status != "cancelled", *scope)
            .group_by(month)
        ).all()
    )
    increase = (
        r.c.realised_usd
        - sa.func.lag(r.c.realised_usd, 1, 0).over(
            partition_by=r.c.commitment_id, order_by=(r.c.reviewed_on, r.c.id)
        )
    ).label("increase")
    steps = (
        sa.select(r.c.reviewed_on, increase)
        .select_from(r.join(c, c.c.id == r.c.commitment_id))
        .where(*scope)
        .subquery()
    )
    review_month = _month(session, steps.c.reviewed_on)
    realised = dict(
        session.execute(
            sa.select(review_month, sa.func.sum(steps.c.increase)).group_by(review_month)
        ).all()
    )
    months = sorted(set(pledged) | set(realised))
    out = Timeline(months=months, pledged_usd=[], realised_usd=[])
    total_p = total_r = 0.0
    for m in months:
        total_p += float(pledged.get(m) or 0)
        total_r += float(realised.get(m) or 0)
        out.pledged_usd.append(total_p)
        out.realised_usd.append(total_r)
    return out
