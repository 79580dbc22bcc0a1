"""Report speed across editions: every grouping of GET /reports/summary, in SQL, against
the naive aggregation in Python it replaced.

    python benchmarks/reports.py [--backend sqlite|postgresql|both] [--editions 10]
        [--participants 5000] [--meetings 25000] [--commitments 2000] [--reviews 5]
        [--runs 5] [--seed 7]

Builds a database through the migrations with the reference data, then inserts directly
(SQLAlchemy Core, executemany, every trigger on, so the report tallies are kept as the
rows go in; the load time of each table is printed): ``editions`` events, each with ``participants``
participants drawn from a pool of organisations shared across editions (60 % Vietnamese
firms and provinces with a province, 40 % foreign firms; one to three VSIC divisions
each), one request per 1.2 meetings, ``meetings`` meetings over two B2B sessions (80 %
marked: held, partial or a no-show), feedback from each side of 60 % of the held ones,
and ``commitments`` commitments across the editions, a third of them entered under a
former province (a name or a code), each with ``reviews`` reviews. Meeting seats are not
written: no report reads them.

For each grouping (province, country, sector, event) it times, ``runs`` times each, the
report over all editions and over one edition, through ``service.reports.summary`` (the
tallies kept by triggers, read and added up in SQL) and through ``naive_summary`` below
(every row loaded and counted in Python), checks that both give the same figures, and
prints min / median / max: cold (a new engine), warm, and after a write in the last
edition (with the write's own time).
PostgreSQL: a fresh database on MEETX_TEST_POSTGRES_URL's server (default
postgresql+psycopg://postgres@127.0.0.1:5432/test), dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from service.attendance.models import (  # noqa: E402
    Attendance,
    MeetingAttendance,
    MeetingFeedback,
    Outcome,
)
from service.commitments.models import (  # noqa: E402
    Commitment,
    CommitmentOrganization,
    CommitmentReview,
    CommitmentSector,
)
from service.core.database import make_engine  # noqa: E402
from service.core.migrations import upgrade  # noqa: E402
from service.events.models import Event, EventSession  # noqa: E402
from service.meeting_requests.models import MeetingRequest  # noqa: E402
from service.meetings.models import Meeting  # noqa: E402
from service.organizations.models import Organization  # noqa: E402
from service.participants.models import Participant  # noqa: E402
from service.reference.models import FormerProvince, Province, Sector  # noqa: E402
from service.reports.service import GroupBy, Report, summary  # noqa: E402
from service.seeding.reference_data import ensure_reference_data  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get(
    "MEETX_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
COUNTRIES = ("KR", "JP", "CN", "TW", "SG", "DE", "FR", "US", "TH", "AU")
FORMER_GIVEN = (
    "Bình Dương",
    "74",
    "Bắc Giang",
    "Quảng Nam",
    "Bà Rịa - Vũng Tàu",
    "Vĩnh Phúc",
    "52",
)
CHUNK = 5000


# ---------------------------------------------------------------- the baseline


def naive_summary(session: Session, group_by: GroupBy, event_id: int | None = None) -> Report:
    """The same report counted in Python: every row in scope loaded, then dictionaries.
    This is how the figures were first computed; kept here as the baseline."""
    events = {
        e.id: e for e in session.exec(select(Event)).all() if event_id is None or e.id == event_id
    }
    former = {f.code: f.current_code for f in session.exec(select(FormerProvince)).all()}
    orgs = {o.id: o for o in session.exec(select(Organization)).all()}
    participants = [p for p in session.exec(select(Participant)).all() if p.event_id in events]

    def keys_of_org(org: Organization, event: int) -> list[str | None]:
        if group_by is GroupBy.event:
            return [str(event)]
        if group_by is GroupBy.country:
            return [org.country]
        if group_by is GroupBy.province:
            code = org.province_code
            return [former.get(code, code) if code else None]
        return list(org.sectors)

    keys = {p.id: keys_of_org(orgs[p.organization_id], p.event_id) for p in participants}
    figures: dict[Any, dict[str, Any]] = defaultdict(lambda: defaultdict(set))
    for p in participants:
        for k in keys[p.id]:
            figures[k]["participants"].add(p.id)
    for r in session.exec(select(MeetingRequest)).all():
        if r.event_id not in events:
            continue
        for pid in (r.from_participant_id, r.to_participant_id):
            for k in keys.get(pid, []):
                figures[k]["requests"].add(r.id)
                if r.status == "accepted":
                    figures[k]["accepted"].add(r.id)
    marks = {a.meeting_id: a for a in session.exec(select(MeetingAttendance)).all()}
    for m in session.exec(select(Meeting)).all():
        if m.event_id not in events or m.status != "scheduled":
            continue
        mark = marks.get(m.id)
        for pid, absent in ((m.participant_a_id, mark and mark.a_absent),
                            (m.participant_b_id, mark and mark.b_absent)):  # fmt: skip
            for k in keys.get(pid, []):
                figures[k]["scheduled"].add(m.id)
                if mark and mark.attendance in (Attendance.held, Attendance.partial):
                    figures[k]["held"].add(m.id)
                if mark and mark.attendance == Attendance.no_show and absent:
                    figures[k]["no_show"].add(m.id)
    ratings: dict[Any, list[int]] = defaultdict(list)
    for f in session.exec(select(MeetingFeedback)).all():
        if f.event_id in events:
            for k in keys.get(f.participant_id, []):
                ratings[k].append(f.rating)
    sectors: dict[int, list[str]] = defaultdict(list)
    for cs in session.exec(select(CommitmentSector)).all():
        sectors[cs.commitment_id].append(cs.sector_code)
    money: dict[Any, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for c in session.exec(select(Commitment)).all():
        if event_id is not None and c.event_id != event_id:
            continue
        if group_by is GroupBy.event:
            ks: list[Any] = [str(c.event_id) if c.event_id else None]
        elif group_by is GroupBy.country:
            ks = [c.partner_country]
        elif group_by is GroupBy.province:
            ks = [former.get(c.province_unit, c.province_unit) if c.province_unit else None]
        else:
            ks = sectors[c.id]  # type: ignore[index]
        for k in ks:
            money[k][0] += 1
            money[k][1] += c.value_usd or 0
            money[k][2] += c.realised_usd or 0
    from service.reports.service import ReportRow

    rows = []
    for k in set(figures) | set(ratings) | set(money):
        f = figures.get(k, {})
        rows.append(
            ReportRow(
                key=k,
                label_vi=str(k),
                label_en=str(k),
                participants=len(f.get("participants", ())),
                requests=len(f.get("requests", ())),
                accepted=len(f.get("accepted", ())),
                scheduled=len(f.get("scheduled", ())),
                held=len(f.get("held", ())),
                no_show=len(f.get("no_show", ())),
                rating_avg=round(sum(ratings[k]) / len(ratings[k]), 2) if ratings.get(k) else None,
                commitments=money[k][0] if k in money else 0,
                value_usd=money[k][1] if k in money else 0.0,
                realised_usd=money[k][2] if k in money else 0.0,
            )
        )
    total = ReportRow(key="total", label_vi="Tổng cộng", label_en="Total")
    return Report(group_by=group_by, event_id=event_id, date_from=None, date_to=None,
                  rows=rows, total=total)  # fmt: skip


def same_figures(fast: Report, slow: Report) -> None:
    def table(report: Report) -> dict[Any, tuple[Any, ...]]:
        return {
            r.key: (r.participants, r.requests, r.accepted, r.scheduled, r.held, r.no_show,
                    r.rating_avg, r.commitments, round(r.value_usd), round(r.realised_usd))
            for r in report.rows
        }  # fmt: skip

    a, b = table(fast), table(slow)
    if a != b:
        diff = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
        raise AssertionError(f"SQL and Python reports differ: {list(diff.items())[:5]}")


# ---------------------------------------------------------------- the data


def _insert(connection: sa.Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Many rows per INSERT statement, as the ORM writes a scheduler run (RETURNING makes
    SQLAlchemy batch them: "insertmanyvalues"), so PostgreSQL's statement triggers see
    whole batches; SQLite's triggers run per row either way."""
    t = table.__table__
    for start in range(0, len(rows), CHUNK):
        connection.execute(sa.insert(t).returning(*t.primary_key.columns),
                           rows[start : start + CHUNK]).all()  # fmt: skip


def build(engine: sa.Engine, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    now = datetime.now(UTC)
    with engine.connect() as connection:
        base = {
            name: connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {name}").scalar()
            for name in ("organization", "event", "event_session", "participant",
                         "meeting_request", "meeting", "commitment")
        }  # fmt: skip
    with Session(engine) as session:
        provinces = [p.code for p in session.exec(select(Province)).all()]
        divisions = [s.code for s in session.exec(select(Sector).where(Sector.level == 2)).all()]
    pool = int(args.participants * 2.5)
    orgs = []
    o0 = base["organization"]
    for i in range(o0 + 1, o0 + pool + 1):
        vietnamese = rng.random() < 0.6
        sectors = rng.sample(divisions, rng.randint(1, 3))
        orgs.append({
            "id": i, "kind": "company", "name": f"Công ty {i}", "country": "VN" if vietnamese
            else rng.choice(COUNTRIES), "province_code": rng.choice(provinces) if vietnamese
            else None, "sectors": sectors, "languages": ["vi"] if vietnamese else ["en"],
            "offers": "", "needs": "", "projects": 0, "verified": False, "search_text": "",
            "sector_key": f" {' '.join(sectors)} ", "created_at": now, "updated_at": now,
        })  # fmt: skip
    events, sessions, participants, requests, meetings = [], [], [], [], []
    marks, feedback = [], []
    pid, rid, mid, sid = (base[n] for n in ("participant", "meeting_request", "meeting",
                                            "event_session"))  # fmt: skip
    e0 = base["event"]
    for e in range(e0 + 1, e0 + args.editions + 1):
        start = date(2022, 1, 10) + timedelta(days=120 * e)
        events.append({
            "id": e, "name": f"Gặp gỡ {e}", "partner_country": COUNTRIES[e % len(COUNTRIES)],
            "timezone": "Asia/Ho_Chi_Minh", "start_date": start, "end_date": start,
            "status": "open", "allow_same_side": False, "request_expiry_hours": 72,
            "max_pending_requests": 20, "search_text": "", "created_at": now, "updated_at": now,
        })  # fmt: skip
        day = datetime(start.year, start.month, start.day, 2, tzinfo=UTC)
        tables = -(-args.meetings // 20)  # two sessions of ten slots
        session_ids = []
        for half in range(2):
            sid += 1
            session_ids.append(sid)
            sessions.append({
                "id": sid, "event_id": e, "title": "B2B", "kind": "b2b",
                "starts_at": day + timedelta(hours=4 * half),
                "ends_at": day + timedelta(hours=4 * half + 4), "slot_minutes": 20,
                "break_minutes": 5, "tables": tables, "interpreters": {},
                "created_at": now, "updated_at": now,
            })  # fmt: skip
        chosen = rng.sample(range(o0 + 1, o0 + pool + 1), args.participants)
        first = pid + 1
        for org_id in chosen:
            pid += 1
            participants.append({
                "id": pid, "event_id": e, "organization_id": org_id,
                "side": "host" if orgs[org_id - o0 - 1]["country"] == "VN" else "guest",
                "delegates": [], "unavailable": [], "attends_plenary": True,
                "token_hash": f"{pid:064x}", "created_at": now, "updated_at": now,
            })  # fmt: skip
        ids = list(range(first, pid + 1))
        for _ in range(int(args.meetings * 1.2)):
            rid += 1
            a, b = rng.sample(ids, 2)
            requests.append({
                "id": rid, "event_id": e, "from_participant_id": a, "to_participant_id": b,
                "status": rng.choice(("accepted", "accepted", "declined", "pending", "expired")),
                "created_at": now, "updated_at": now,
            })  # fmt: skip
        for n in range(args.meetings):
            mid += 1
            a, b = rng.sample(ids, 2)
            session_index, within = divmod(n, args.meetings // 2 + 1)
            slot, table = divmod(within, tables)
            starts = day + timedelta(hours=4 * session_index, minutes=25 * slot)
            meetings.append({
                "id": mid, "event_id": e, "uid": uuid.uuid4().hex,
                "session_id": session_ids[session_index], "slot": slot + 1,
                "active_slot": slot + 1, "table_no": table + 1, "starts_at": starts,
                "ends_at": starts + timedelta(minutes=20), "participant_a_id": a,
                "participant_b_id": b, "status": "scheduled", "sequence": 0, "locked": False,
                "source": "request", "created_at": now, "updated_at": now,
            })  # fmt: skip
            roll = rng.random()
            if roll < 0.8:
                kind = "held" if roll < 0.65 else ("partial" if roll < 0.72 else "no_show")
                a_absent = kind == "no_show" and rng.random() < 0.6
                marks.append({"meeting_id": mid, "event_id": e, "attendance": kind,
                              "a_absent": a_absent, "b_absent": kind == "no_show" and not a_absent,
                              "marked_at": now})  # fmt: skip
                if kind != "no_show" and rng.random() < 0.6:
                    for side in (a, b):
                        feedback.append({
                            "event_id": e, "meeting_id": mid, "participant_id": side,
                            "rating": rng.randint(1, 5),
                            "outcome": rng.choice([o.value for o in Outcome]),
                            "created_at": now, "updated_at": now,
                        })  # fmt: skip
    commitments, bound, csectors, reviews = [], [], [], []
    c0 = base["commitment"]
    for c in range(c0 + 1, c0 + args.commitments + 1):
        e = rng.randint(e0 + 1, e0 + args.editions)
        given = rng.choice(FORMER_GIVEN) if rng.random() < 0.33 else rng.choice(provinces)
        unit = {"Bình Dương": "74", "Bắc Giang": "24", "Quảng Nam": "49", "Vĩnh Phúc": "26",
                "Bà Rịa - Vũng Tàu": "77"}.get(given, given)  # fmt: skip
        signed = events[e - e0 - 1]["start_date"]
        value = float(rng.randint(1, 500) * 1_000_000)
        realised = 0.0
        for r in range(args.reviews):
            realised = min(value, realised + value * rng.random() / args.reviews)
            reviewed_on = signed + timedelta(days=90 * (r + 1))
            reviews.append({"commitment_id": c, "reviewed_on": reviewed_on,
                            "status": "in_progress", "realised_usd": round(realised),
                            "note": "Rà soát định kỳ", "reviewer": "Sở Ngoại vụ",
                            "created_at": now})  # fmt: skip
        commitments.append({
            "id": c, "kind": "mou", "title": f"Cam kết {c}", "event_id": e,
            "province_given": given, "province_unit": unit,
            "partner_country": rng.choice(COUNTRIES), "signed_on": signed, "value_usd": value,
            "jobs": rng.randint(0, 2000), "status": "in_progress", "realised_usd": round(realised),
            "next_review_on": signed + timedelta(days=90 * (args.reviews + 1)),
            "created_at": now, "updated_at": now,
        })  # fmt: skip
        for org_id in rng.sample(range(o0 + 1, o0 + pool + 1), 2):
            bound.append({"commitment_id": c, "organization_id": org_id})
        for code in rng.sample(divisions, rng.randint(1, 2)):
            csectors.append({"commitment_id": c, "sector_code": code})
    # Loaded with every trigger on (data version, report tallies), as the app writes:
    # the tallies are kept from the first row, and the load times below include them.
    loaded: list[str] = []
    with engine.begin() as connection:
        for table, rows in (
            (Organization, orgs), (Event, events), (EventSession, sessions),
            (Participant, participants), (MeetingRequest, requests), (Meeting, meetings),
            (MeetingAttendance, marks), (MeetingFeedback, feedback), (Commitment, commitments),
            (CommitmentOrganization, bound), (CommitmentSector, csectors),
            (CommitmentReview, reviews),
        ):  # fmt: skip
            started = time.perf_counter()
            _insert(connection, table, rows)
            loaded.append(f"{table.__tablename__} {time.perf_counter() - started:.1f} s")
        if connection.dialect.name == "postgresql":
            for table in ("organization", "event", "event_session", "participant",
                          "meeting_request", "meeting", "commitment"):  # fmt: skip
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
    print(
        f"  data: {args.editions} editions, {len(participants)} participants, "
        f"{len(requests)} requests, {len(meetings)} meetings, {len(marks)} marked, "
        f"{len(feedback)} feedback, {len(commitments)} commitments, {len(reviews)} reviews",
        f"\n  loaded (triggers on): {', '.join(loaded)}",
        flush=True,
    )


# ---------------------------------------------------------------- timing


def _times(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    out, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        out.append((time.perf_counter() - start) * 1000)
    return out, result


def _fmt(ms: list[float]) -> str:
    return f"{min(ms):8.1f} {statistics.median(ms):8.1f} {max(ms):8.1f}"


@contextmanager
def database(backend: str, keep: str | None = None) -> Iterator[str]:
    if backend == "sqlite" and keep:
        yield f"sqlite:///{Path(keep).resolve()}"
        return
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'reports.db'}"
        return
    name = f"meetx_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield (
            sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run(backend: str, args: argparse.Namespace) -> None:
    with database(backend, args.keep) as url:
        print(f"{backend}:", flush=True)
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            ensure_reference_data(session=session)
            built = session.exec(select(sa.func.count()).select_from(Meeting)).one()
        if not built:
            started = time.perf_counter()
            build(engine, args)
            print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        print(
            "  ms, min/median/max; cold: a new engine each run (the first report of a server "
            "just started, its connection included); warm: the same report again, nothing "
            "changed; after a write: one attendance mark in the last edition flipped between "
            "held and a no-show and committed before each run (the write's own time, its "
            "triggers included, in the next column); CPU: this process's CPU time of the cold "
            "runs (SQLite works in-process)"
        )
        print(f"  {'report':26} {'cold':>26} {'CPU':>8} {'warm':>26} {'after a write':>26} "
              f"{'the write':>26} {'Python baseline':>26}")  # fmt: skip
        with Session(engine) as session:
            last = session.exec(select(sa.func.max(Event.id))).one()
            marked = session.exec(
                select(MeetingAttendance.meeting_id).where(MeetingAttendance.event_id == last)
            ).first()
        ma = MeetingAttendance.__table__  # type: ignore[attr-defined]
        flips = 0
        for scope, event_id in (("all", None), ("one edition", last)):
            for group_by in GroupBy:
                report = partial(summary, group_by=group_by, event_id=event_id)
                cold_ms, cpu_ms, fast = [], [], None
                for _ in range(args.runs):
                    fresh = make_engine(url)
                    cpu = time.process_time()
                    start = time.perf_counter()
                    with Session(fresh) as session:
                        fast = report(session=session)
                    cold_ms.append((time.perf_counter() - start) * 1000)
                    cpu_ms.append((time.process_time() - cpu) * 1000)
                    fresh.dispose()
                with Session(engine) as session:
                    report(session=session)
                    warm_ms, _ = _times(partial(report, session=session), args.runs)
                write_ms, after_ms = [], []
                for _ in range(args.runs):
                    flips += 1
                    no_show = flips % 2 == 1
                    start = time.perf_counter()
                    with engine.begin() as connection:
                        connection.execute(
                            sa.update(ma)
                            .where(ma.c.meeting_id == marked)
                            .values(attendance="no_show" if no_show else "held",
                                    a_absent=no_show, marked_at=datetime.now(UTC))
                        )  # fmt: skip
                    write_ms.append((time.perf_counter() - start) * 1000)
                    with Session(engine) as session:
                        ms, fast = _times(partial(report, session=session), 1)
                        after_ms += ms
                baseline = "-"
                if not args.no_baseline:
                    with Session(engine) as session:
                        slow_ms, slow = _times(
                            lambda gb=group_by, s=session, ev=event_id: naive_summary(s, gb, ev),
                            max(1, min(args.runs, args.baseline_runs)),
                        )
                    same_figures(fast, slow)
                    baseline = _fmt(slow_ms)
                label = f"{group_by.value}, {scope}"
                print(f"  {label:26} {_fmt(cold_ms)} {statistics.median(cpu_ms):8.0f} "
                      f"{_fmt(warm_ms)} {_fmt(after_ms)} {_fmt(write_ms)} {baseline:>26}",
                      flush=True)  # fmt: skip
        engine.dispose()


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """The backend and the data's sizes, the same here and in report_writes.py."""
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--editions", type=int, default=10)
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--meetings", type=int, default=25000)
    parser.add_argument("--commitments", type=int, default=2000)
    parser.add_argument("--reviews", type=int, default=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arguments(parser)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep", metavar="FILE", help="SQLite: build into FILE once and reuse it on later runs"
    )
    parser.add_argument("--no-baseline", action="store_true", help="time the SQL reports only")
    args = parser.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()}", flush=True)
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        run(backend, args)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
