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
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from service.attendance.models import Attendance, MeetingAttendance, MeetingFeedback
from service.commitments.models import Commitment, CommitmentReview, CommitmentSector
from service.core import i18n
from service.events.models import Event
from service.meeting_requests.models import MeetingRequest, RequestStatus
from service.meetings.models import Meeting, MeetingStatus
from service.organizations.models import Organization
from service.participants.models import Participant
from service.reference.models import FormerProvince, Province, Sector
from service.reports.models import ReportEventRevision


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


# ---------------------------------------------------------------- per-edition figures

Figures = dict[str, dict[tuple[int, Any], tuple[Any, ...]]]
TOTAL = "total"  # the mode that counts everything once per event


def _grouped(session: Session, statement: Any) -> dict[tuple[int, Any], tuple[Any, ...]]:
    """(event_id, key) -> the figures, from rows (event_id, key, *figures)."""
    return {(row[0], row[1]): tuple(row[2:]) for row in session.execute(statement).all()}


def _side(group_by: GroupBy, participant_id: Any, name: str) -> tuple[list[Any], Any]:
    """(joins, key expression) for one side of a row whose key is single-valued."""
    p = Participant.__table__.alias(f"p{name}")  # type: ignore[attr-defined]
    o = Organization.__table__.alias(f"o{name}")  # type: ignore[attr-defined]
    joins: list[tuple[Any, Any, bool]] = [(p, p.c.id == participant_id, False)]
    if group_by is GroupBy.event:
        return joins, sa.cast(p.c.event_id, sa.String)
    joins.append((o, o.c.id == p.c.organization_id, False))
    if group_by is GroupBy.country:
        return joins, o.c.country
    fp = FormerProvince.__table__.alias(f"fp{name}")  # type: ignore[attr-defined]
    joins.append((fp, fp.c.code == o.c.province_code, True))
    return joins, _current_unit(o.c.province_code, fp.c)


def _joined(base: Any, joins: list[Any]) -> Any:
    for table, on, outer in joins:
        base = base.outerjoin(table, on) if outer else base.join(table, on)
    return base


def _flag(condition: Any) -> Any:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _by_pairs(
    session: Session, pairs: Any, sums: list[str], own: dict[str, tuple[str, str]]
) -> Any:
    """Per (event, key), from rows grouped by event and the two sides' keys (ka, kb):
    each pair counts for ka, and for kb when kb differs, so no meeting or request is
    counted twice in one group. ``own`` names, per figure, the a-side column (its
    ``_any`` twin when both sides share the key) and the b-side column: a no-show counts
    for the absent side's group only."""
    pairs = pairs.cte("pairs")
    same = pairs.c.kb.is_not_distinct_from(pairs.c.ka)
    a_cols = [
        (sa.case((same, pairs.c[own[n][0] + "_any"]), else_=pairs.c[own[n][0]]) if n in own
         else pairs.c[n]).label(n)
        for n in sums
    ]  # fmt: skip
    b_cols = [(pairs.c[own[n][1]] if n in own else pairs.c[n]).label(n) for n in sums]
    sides = sa.union_all(
        sa.select(pairs.c.ev, pairs.c.ka.label("key"), *a_cols),
        sa.select(pairs.c.ev, pairs.c.kb.label("key"), *b_cols).where(sa.not_(same)),
    ).subquery("sides")
    return _grouped(
        session,
        sa.select(sides.c.ev, sides.c.key, *[sa.func.sum(sides.c[n]) for n in sums]).group_by(
            sides.c.ev, sides.c.key
        ),
    )


def _single_valued(session: Session, group_by: GroupBy, events: list[int] | None) -> Figures:
    m = Meeting.__table__  # type: ignore[attr-defined]
    ma = MeetingAttendance.__table__  # type: ignore[attr-defined]
    mr = MeetingRequest.__table__  # type: ignore[attr-defined]
    f = MeetingFeedback.__table__  # type: ignore[attr-defined]
    p = Participant.__table__  # type: ignore[attr-defined]
    out: Figures = {}
    joins, key = _side(group_by, p.c.id, "x")
    out["participants"] = _grouped(
        session,
        sa.select(p.c.event_id, key, sa.func.count())
        .select_from(_joined(p, joins))
        .where(_in(p.c.event_id, events))
        .group_by(p.c.event_id, key),
    )
    ja, ka = _side(group_by, mr.c.from_participant_id, "a")
    jb, kb = _side(group_by, mr.c.to_participant_id, "b")
    request_pairs = (
        sa.select(mr.c.event_id.label("ev"), ka.label("ka"), kb.label("kb"),
                  sa.func.count().label("n"),
                  _flag(mr.c.status == RequestStatus.accepted.value).label("acc"))
        .select_from(_joined(mr, ja + jb))
        .where(_in(mr.c.event_id, events))
        .group_by(mr.c.event_id, ka, kb)
    )  # fmt: skip
    out["requests"] = _by_pairs(session, request_pairs, ["n", "acc"], {})
    ja, ka = _side(group_by, m.c.participant_a_id, "a")
    jb, kb = _side(group_by, m.c.participant_b_id, "b")
    no_show = ma.c.attendance == Attendance.no_show.value
    a_gone, b_gone = ma.c.a_absent == sa.true(), ma.c.b_absent == sa.true()
    meeting_pairs = (
        sa.select(
            m.c.event_id.label("ev"), ka.label("ka"), kb.label("kb"),
            sa.func.count().label("n"), _flag(ma.c.attendance.in_(HELD)).label("held"),
            _flag(sa.and_(no_show, a_gone)).label("na"),
            _flag(sa.and_(no_show, b_gone)).label("nb"),
            _flag(sa.and_(no_show, sa.or_(a_gone, b_gone))).label("na_any"),
        )
        .select_from(_joined(m.outerjoin(ma, ma.c.meeting_id == m.c.id), ja + jb))
        .where(_in(m.c.event_id, events), m.c.status == MeetingStatus.scheduled.value)
        .group_by(m.c.event_id, ka, kb)
    )  # fmt: skip
    out["meetings"] = _by_pairs(
        session, meeting_pairs, ["n", "held", "no_show"], {"no_show": ("na", "nb")}
    )
    jf, kf = _side(group_by, f.c.participant_id, "f")
    out["rating"] = _grouped(
        session,
        sa.select(f.c.event_id, kf, sa.func.sum(f.c.rating), sa.func.count(f.c.rating))
        .select_from(_joined(f, jf))
        .where(_in(f.c.event_id, events))
        .group_by(f.c.event_id, kf),
    )
    return out


def _sector_keys(session: Session, events: list[int] | None) -> Any:
    """(participant_id, event_id, key): one row per VSIC code the organisation lists;
    functions in FROM may refer to earlier tables on both SQLite (json_each) and
    PostgreSQL (implicitly lateral)."""
    p = Participant.__table__  # type: ignore[attr-defined]
    o = Organization.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        codes = sa.func.json_array_elements_text(o.c.sectors).table_valued("value")
    else:
        codes = sa.func.json_each(o.c.sectors).table_valued("value")
    return (
        sa.select(p.c.id.label("participant_id"), p.c.event_id, codes.c.value.label("key"))
        .select_from(p.join(o, o.c.id == p.c.organization_id).join(codes, sa.true()))
        .where(_in(p.c.event_id, events))
    )


def _several_valued(session: Session, events: list[int] | None) -> Figures:
    """By sector: an organisation has several codes, so figures are counted distinct
    over one row per side and code."""
    m = Meeting.__table__  # type: ignore[attr-defined]
    ma = MeetingAttendance.__table__  # type: ignore[attr-defined]
    mr = MeetingRequest.__table__  # type: ignore[attr-defined]
    f = MeetingFeedback.__table__  # type: ignore[attr-defined]
    pk = _sector_keys(session, events).subquery("pk")
    out: Figures = {}
    out["participants"] = _grouped(
        session,
        sa.select(pk.c.event_id, pk.c.key, sa.func.count(sa.distinct(pk.c.participant_id)))
        .group_by(pk.c.event_id, pk.c.key),
    )  # fmt: skip
    sides = sa.union_all(
        sa.select(mr.c.id, mr.c.status, mr.c.from_participant_id.label("pid")).where(
            _in(mr.c.event_id, events)
        ),
        sa.select(mr.c.id, mr.c.status, mr.c.to_participant_id.label("pid")).where(
            _in(mr.c.event_id, events)
        ),
    ).subquery("rs")
    accepted = sa.case((sides.c.status == RequestStatus.accepted.value, sides.c.id))
    out["requests"] = _grouped(
        session,
        sa.select(pk.c.event_id, pk.c.key, sa.func.count(sa.distinct(sides.c.id)),
                  sa.func.count(sa.distinct(accepted)))
        .select_from(sides.join(pk, pk.c.participant_id == sides.c.pid))
        .group_by(pk.c.event_id, pk.c.key),
    )  # fmt: skip
    live = sa.and_(_in(m.c.event_id, events), m.c.status == MeetingStatus.scheduled.value)
    joined = m.outerjoin(ma, ma.c.meeting_id == m.c.id)
    msides = sa.union_all(
        sa.select(m.c.id, ma.c.attendance, ma.c.a_absent.label("absent"),
                  m.c.participant_a_id.label("pid")).select_from(joined).where(live),
        sa.select(m.c.id, ma.c.attendance, ma.c.b_absent.label("absent"),
                  m.c.participant_b_id.label("pid")).select_from(joined).where(live),
    ).subquery("ms")  # fmt: skip
    held = sa.case((msides.c.attendance.in_(HELD), msides.c.id))
    gone = sa.and_(msides.c.attendance == Attendance.no_show.value, msides.c.absent == sa.true())
    out["meetings"] = _grouped(
        session,
        sa.select(pk.c.event_id, pk.c.key, sa.func.count(sa.distinct(msides.c.id)),
                  sa.func.count(sa.distinct(held)),
                  sa.func.count(sa.distinct(sa.case((gone, msides.c.id)))))
        .select_from(msides.join(pk, pk.c.participant_id == msides.c.pid))
        .group_by(pk.c.event_id, pk.c.key),
    )  # fmt: skip
    out["rating"] = _grouped(
        session,
        sa.select(pk.c.event_id, pk.c.key, sa.func.sum(f.c.rating), sa.func.count(f.c.rating))
        .select_from(f.join(pk, pk.c.participant_id == f.c.participant_id))
        .where(_in(f.c.event_id, events))
        .group_by(pk.c.event_id, pk.c.key),
    )  # fmt: skip
    return out


def _totals(session: Session, events: list[int] | None) -> Figures:
    """Every participant, request, meeting and rating once, per event."""
    m = Meeting.__table__  # type: ignore[attr-defined]
    ma = MeetingAttendance.__table__  # type: ignore[attr-defined]
    mr = MeetingRequest.__table__  # type: ignore[attr-defined]
    f = MeetingFeedback.__table__  # type: ignore[attr-defined]
    p = Participant.__table__  # type: ignore[attr-defined]
    none = sa.literal(None)
    no_show = ma.c.attendance == Attendance.no_show.value
    return {
        "participants": _grouped(session, sa.select(p.c.event_id, none, sa.func.count())
                                 .where(_in(p.c.event_id, events)).group_by(p.c.event_id)),
        "requests": _grouped(session, sa.select(
            mr.c.event_id, none, sa.func.count(),
            _flag(mr.c.status == RequestStatus.accepted.value))
            .where(_in(mr.c.event_id, events)).group_by(mr.c.event_id)),
        "meetings": _grouped(session, sa.select(
            m.c.event_id, none, sa.func.count(), _flag(ma.c.attendance.in_(HELD)),
            _flag(no_show))
            .select_from(m.outerjoin(ma, ma.c.meeting_id == m.c.id))
            .where(_in(m.c.event_id, events), m.c.status == MeetingStatus.scheduled.value)
            .group_by(m.c.event_id)),
        "rating": _grouped(session, sa.select(
            f.c.event_id, none, sa.func.sum(f.c.rating), sa.func.count(f.c.rating))
            .where(_in(f.c.event_id, events)).group_by(f.c.event_id)),
    }  # fmt: skip


def _event_figures(session: Session, mode: str, events: list[int] | None) -> Figures:
    if mode == TOTAL:
        return _totals(session, events)
    if mode == GroupBy.sector.value:
        return _several_valued(session, events)
    return _single_valued(session, GroupBy(mode), events)


# ---------------------------------------------------------------- partials kept per edition


class PartialCache:
    """Per-edition figures kept in the process while the edition's rows are unchanged.

    Triggers (migration 0008_outcomes) raise ``report_event_revision.revision`` of an
    event in the writer's transaction whenever one of its participants, requests,
    meetings, attendance marks or feedback rows is written; organisations (whose
    province, country or sectors decide the keys) are stamped by their count and latest
    change. A past edition's figures are thus computed once and reused until one of its
    rows changes; during the event only the live edition is recomputed. Revisions are
    read before the rows, so a write that commits in between makes the stored stamp
    older than the data (one extra recomputation later), never stale figures.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self._entries: OrderedDict[tuple[int, str], tuple[Any, dict[str, dict]]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, key: tuple[int, str], stamp: Any) -> dict[str, dict] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or found[0] != stamp:
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: tuple[int, str], stamp: Any, value: dict[str, dict]) -> None:
        with self._lock:
            self._entries[key] = (stamp, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _stamps(session: Session, events: list[int]) -> tuple[dict[int, int], tuple[Any, ...]]:
    r = ReportEventRevision.__table__  # type: ignore[attr-defined]
    o = Organization.__table__  # type: ignore[attr-defined]
    revisions: dict[int, int] = {
        event: revision
        for event, revision in session.execute(
            sa.select(r.c.event_id, r.c.revision).where(_in(r.c.event_id, events))
        ).all()
    }
    organizations = tuple(
        session.execute(sa.select(sa.func.count(o.c.id), sa.func.max(o.c.updated_at))).one()
    )
    return revisions, organizations


def _partials(
    session: Session,
    mode: str,
    events: list[int],
    every_event: bool,
    cache: PartialCache | None,
    stamps: tuple[dict[int, int], tuple[Any, ...]],
) -> list[dict[str, dict]]:
    """Each edition's figures, from the cache or computed in one set of grouped queries
    for all the editions missing from it."""
    revisions, organizations = stamps
    found: list[dict[str, dict]] = []
    missing: list[int] = []
    for event in events:
        hit = cache.get((event, mode), (revisions.get(event, 0), organizations)) if cache else None
        if hit is None:
            missing.append(event)
        else:
            found.append(hit)
    if missing:
        computed = _event_figures(
            session, mode, None if every_event and len(missing) == len(events) else missing
        )
        for event in missing:
            part = {
                name: {k: v for k, v in per.items() if k[0] == event}
                for name, per in computed.items()
            }
            if cache is not None:
                cache.put((event, mode), (revisions.get(event, 0), organizations), part)
            found.append(part)
    return found


def _add(parts: list[dict[str, dict]]) -> dict[Any, list[float]]:
    """Adds up the editions' partial figures by key: [participants, requests, accepted,
    scheduled, held, no_show, rating sum, rating count]."""
    sums: dict[Any, list[float]] = {}
    slots = {"participants": (0,), "requests": (1, 2), "meetings": (3, 4, 5), "rating": (6, 7)}
    for part in parts:
        for name, per in part.items():
            for (_, key), values in per.items():
                row = sums.setdefault(key, [0] * 8)
                for slot, value in zip(slots[name], values, strict=True):
                    row[slot] += value or 0
    return sums


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
    cache: PartialCache | None = None,
) -> Report:
    """The report: one row per group (most participants first) and a total row."""
    events = _events_in_scope(session, event_id, date_from, date_to)
    every_event = event_id is None and date_from is None and date_to is None
    stamps = _stamps(session, events)  # before the rows they stand for
    by_key = _add(_partials(session, group_by.value, events, every_event, cache, stamps))
    total = _add(_partials(session, TOTAL, events, every_event, cache, stamps))
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
