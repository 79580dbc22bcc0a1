"""Results by province, partner country, sector and event.

The figures of meetings, requests, feedback and participants are not counted when a
report is asked for: database triggers keep them per event and code in
``report_tally`` (see ``models.py`` and migration 0010_report_tallies), in the writer's
transaction, so a report over ten editions of 25,000 meetings reads a few hundred rows
and is as live as the data. Commitments are summed on each call (the register is
small). The grouping key:

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

from service.commitments.models import Commitment, CommitmentReview, CommitmentSector
from service.core import i18n
from service.events.models import Event
from service.reference.models import FormerProvince, Province, Sector
from service.reports.models import ReportTally


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


# ---------------------------------------------------------------- scope


def _events_in_scope(
    session: Session, event_id: int | None, date_from: date | None, date_to: date | None
) -> list[int]:
    statement = sa.select(Event.id).order_by(Event.id)
    if event_id is not None:
        statement = statement.where(Event.id == event_id)
    if date_from is not None:
        statement = statement.where(Event.end_date >= date_from)
    if date_to is not None:
        statement = statement.where(Event.start_date <= date_to)
    return list(session.execute(statement).scalars())


def _in(column: Any, events: list[int] | None) -> Any:
    """A filter on the events, or none at all for every event (a whole-table scan beats
    an index walk when every row is wanted)."""
    if events is None:
        return sa.true()
    if len(events) == 1:
        return column == events[0]
    return column.in_(events)


def _current_unit(column: Any, alias: Any) -> Any:
    return sa.func.coalesce(alias.current_code, column)


# ---------------------------------------------------------------- the kept figures

FIGURES = (
    "participants", "requests", "accepted", "scheduled", "held", "no_show", "rating_sum",
    "rating_count",
)  # fmt: skip
TOTAL = "total"  # the dimension that counts everything once per event


def _tallies(
    session: Session, dimension: str, events: list[int] | None, by_event: bool = False
) -> dict[Any, list[float]]:
    """The kept figures of the events added up by code (or by event): [participants,
    requests, accepted, scheduled, held, no_show, rating sum, rating count]. The code ''
    (no province, no country) is the key None; codes left with nothing (an organisation
    that moved away) are left out."""
    t = ReportTally.__table__  # type: ignore[attr-defined]
    key = t.c.event_id if by_event else t.c.code
    rows = session.execute(
        sa.select(key, *[sa.func.sum(t.c[name]) for name in FIGURES])
        .where(t.c.dimension == dimension, _in(t.c.event_id, events))
        .group_by(key)
    ).all()
    out: dict[Any, list[float]] = {}
    for row in rows:
        values = [int(value or 0) for value in row[1:]]
        if any(values):
            code = str(row[0]) if by_event else (row[0] or None)
            out[code] = values
    return out


def _commitment_scope(
    c: Any, event_id: int | None, date_from: date | None, date_to: date | None
) -> list[Any]:
    """The commitments of one event, or those whose signing date (their event's start
    when unsigned) falls within the range."""
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


def _commitments(
    session: Session, group_by: GroupBy | None, event_id: int | None, date_from: date | None,
    date_to: date | None,
) -> dict[Any, tuple[int, float, float]]:  # fmt: skip
    """Commitments, their value and realised USD by key (one query, never cached: the
    register is small and reviewed at any time)."""
    c = Commitment.__table__  # type: ignore[attr-defined]
    conditions = _commitment_scope(c, event_id, date_from, date_to)
    source: Any = c
    if group_by is None:
        key: Any = sa.literal(None)
    elif group_by is GroupBy.event:
        key = sa.cast(c.c.event_id, sa.String)
    elif group_by is GroupBy.country:
        key = c.c.partner_country
    elif group_by is GroupBy.province:
        fp = FormerProvince.__table__.alias("cfp")  # type: ignore[attr-defined]
        source = c.outerjoin(fp, fp.c.code == c.c.province_unit)
        key = _current_unit(c.c.province_unit, fp.c)
    else:
        cs = CommitmentSector.__table__  # type: ignore[attr-defined]
        source = c.join(cs, cs.c.commitment_id == c.c.id)
        key = cs.c.sector_code
    rows = session.execute(
        sa.select(key, sa.func.count(sa.distinct(c.c.id)),
                  sa.func.coalesce(sa.func.sum(c.c.value_usd), 0),
                  sa.func.coalesce(sa.func.sum(c.c.realised_usd), 0))
        .select_from(source).where(*conditions).group_by(key)
    ).all()  # fmt: skip
    return {row[0]: (int(row[1]), float(row[2]), float(row[3])) for row in rows}


def _row(
    key: Any, labels: tuple[str, str], sums: list[float] | None,
    money: tuple[int, float, float] | None,
) -> ReportRow:  # fmt: skip
    s = sums or [0] * 8
    return ReportRow(
        key=key,
        label_vi=labels[0],
        label_en=labels[1],
        participants=int(s[0]),
        requests=int(s[1]),
        accepted=int(s[2]),
        scheduled=int(s[3]),
        held=int(s[4]),
        no_show=int(s[5]),
        rating_avg=round(s[6] / s[7], 2) if s[7] else None,
        commitments=money[0] if money else 0,
        value_usd=money[1] if money else 0.0,
        realised_usd=money[2] if money else 0.0,
    )


def _labels(session: Session, group_by: GroupBy, keys: set[Any]) -> dict[Any, tuple[str, str]]:
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
            # Editions share names ("Gặp gỡ Hàn Quốc" every year): the start tells them apart.
            day = event.start_date
            found[str(event.id)] = (
                f"{event.name} ({day:%d/%m/%Y})",
                f"{event.name_en or event.name} ({day.isoformat()})",
            )
    elif group_by is GroupBy.country:
        for code in wanted:
            found[code] = i18n.family("country.").get(code, (code, code))
    return {k: found.get(k, (k, k) if k is not None else UNSPECIFIED) for k in keys}


def summary(
    *,
    session: Session,
    group_by: GroupBy,
    event_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Report:
    """The report: one row per group (most participants first) and a total row."""
    every_event = event_id is None and date_from is None and date_to is None
    events = None if every_event else _events_in_scope(session, event_id, date_from, date_to)
    if group_by is GroupBy.event:
        by_key = _tallies(session, TOTAL, events, by_event=True)
    else:
        by_key = _tallies(session, group_by.value, events)
    total = _tallies(session, TOTAL, events)
    money = _commitments(session, group_by, event_id, date_from, date_to)
    all_money = _commitments(session, None, event_id, date_from, date_to)
    keys = set(by_key) | set(money)
    labels = _labels(session, group_by, keys)
    rows = [_row(key, labels[key], by_key.get(key), money.get(key)) for key in keys]
    rows.sort(key=lambda r: (r.key is None, -r.participants, -r.commitments, r.label_vi))
    total_row = _row("total", ("Tổng cộng", "Total"), total.get(None), all_money.get(None))
    return Report(
        group_by=group_by,
        event_id=event_id,
        date_from=date_from,
        date_to=date_to,
        rows=rows,
        total=total_row,
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


def pledged_vs_realised(
    *,
    session: Session,
    event_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Timeline:
    """Month by month: what was pledged (signed value) and realised (each review's
    increase over the one before, a window function), cumulated; over the commitments
    of one event or of a date range, as the report counts them."""
    c = Commitment.__table__  # type: ignore[attr-defined]
    r = CommitmentReview.__table__  # type: ignore[attr-defined]
    scope = _commitment_scope(c, event_id, date_from, date_to)
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
