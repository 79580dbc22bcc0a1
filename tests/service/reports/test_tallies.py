"""The report figures kept by triggers (report_tally) against a count from scratch, after
every kind of write: participants, requests, meetings, attendance marks and feedback
inserted, updated and deleted; organisations changing province, country or sectors; a
former province's current unit changing; an event deleted with everything in it.

The writes go straight to the tables (the app never deletes most of these rows, but the
figures must survive a cleanup or a cascade all the same), in random order from a fixed
seed, and the tallies are compared with the expected figures after each step."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from service.attendance.models import MeetingAttendance, MeetingFeedback
from service.core.database import make_engine
from service.core.migrations import upgrade
from service.events.models import Event, EventSession
from service.meeting_requests.models import MeetingRequest
from service.meetings.models import Meeting
from service.organizations.models import Organization
from service.participants.models import Participant
from service.reference.models import FormerProvince
from service.reports.models import ReportTally
from service.seeding.reference_data import ensure_reference_data

NOW = datetime(2026, 6, 10, 2, tzinfo=UTC)
FIGURES = (
    "participants",
    "requests",
    "accepted",
    "scheduled",
    "held",
    "no_show",
    "rating_sum",
    "rating_count",
)
# Current units (an organisation's province is stored as one; a former unit's firms
# are registered under the unit it became part of).
PROVINCES = ("79", "24", "01", None)
SECTORS = ("C26", "C27", "J62", "K64")

Key = tuple[int, str, str]


def _t(model: Any) -> sa.Table:
    return model.__table__  # type: ignore[no-any-return]


def _insert(conn: sa.Connection, model: Any, **values: Any) -> int:
    return conn.execute(sa.insert(_t(model)).values(**values)).inserted_primary_key[0]


# ---------------------------------------------------------------- expected figures


def expected(conn: sa.Connection, events: set[int]) -> dict[Key, tuple[int, ...]]:
    """Counted from the rows, in Python, with the report's rules."""
    former = {
        code: current
        for code, current in conn.execute(
            sa.select(_t(FormerProvince).c.code, _t(FormerProvince).c.current_code)
        )
    }
    o = _t(Organization).c
    keys_of_org: dict[int, set[tuple[str, str]]] = {}
    for oid, province, country, sectors in conn.execute(
        sa.select(o.id, o.province_code, o.country, o.sectors)
    ):
        keys = {
            ("total", ""),
            ("province", former.get(province, province) or "" if province else ""),
            ("country", country or ""),
        }
        keys |= {("sector", s) for s in sectors or []}
        keys_of_org[oid] = keys
    p = _t(Participant).c
    participants = {
        pid: (ev, org)
        for pid, ev, org in conn.execute(
            sa.select(p.id, p.event_id, p.organization_id).where(p.event_id.in_(events))
        )
    }

    def keys(pid: int) -> set[tuple[str, str]]:
        return keys_of_org[participants[pid][1]] if pid in participants else set()

    out: dict[Key, list[int]] = defaultdict(lambda: [0] * len(FIGURES))

    def add(event: int, codes: set[tuple[str, str]], slot: int, value: int = 1) -> None:
        for dimension, code in codes:
            out[(event, dimension, code)][slot] += value

    for pid, (event, _) in participants.items():
        add(event, keys(pid), 0)
    r = _t(MeetingRequest).c
    for event, a, b, status in conn.execute(
        sa.select(r.event_id, r.from_participant_id, r.to_participant_id, r.status).where(
            r.event_id.in_(events)
        )
    ):
        add(event, keys(a) | keys(b), 1)
        if status == "accepted":
            add(event, keys(a) | keys(b), 2)
    m, ma = _t(Meeting).c, _t(MeetingAttendance).c
    marks = {
        mid: (att, aa, ba)
        for mid, att, aa, ba in conn.execute(
            sa.select(ma.meeting_id, ma.attendance, ma.a_absent, ma.b_absent)
        )
    }
    for mid, event, a, b, status in conn.execute(
        sa.select(m.id, m.event_id, m.participant_a_id, m.participant_b_id, m.status).where(
            m.event_id.in_(events)
        )
    ):
        if status != "scheduled":
            continue
        add(event, keys(a) | keys(b), 3)
        attendance, a_absent, b_absent = marks.get(mid, (None, False, False))
        if attendance in ("held", "partial"):
            add(event, keys(a) | keys(b), 4)
        if attendance == "no_show":
            add(event, (keys(a) if a_absent else set()) | (keys(b) if b_absent else set()), 5)
    f = _t(MeetingFeedback).c
    for event, pid, rating in conn.execute(
        sa.select(f.event_id, f.participant_id, f.rating).where(f.event_id.in_(events))
    ):
        add(event, keys(pid), 6, rating)
        add(event, keys(pid), 7)
    return {k: tuple(v) for k, v in out.items() if any(v)}


def kept(conn: sa.Connection, events: set[int]) -> dict[Key, tuple[int, ...]]:
    t = _t(ReportTally).c
    rows = conn.execute(
        sa.select(t.event_id, t.dimension, t.code, *[t[n] for n in FIGURES]).where(
            t.event_id.in_(events)
        )
    )
    return {(r[0], r[1], r[2]): tuple(int(v) for v in r[3:]) for r in rows if any(r[3:])}


def assert_kept(conn: sa.Connection, events: set[int], step: str) -> None:
    want, have = expected(conn, events), kept(conn, events)
    if want != have:
        diff = {
            k: (have.get(k), want.get(k))
            for k in set(want) | set(have)
            if want.get(k) != have.get(k)
        }
        pytest.fail(f"after {step}: kept vs counted differ at {sorted(diff.items())[:6]}")


# ---------------------------------------------------------------- the data


class World:
    """Rows written straight to the tables, and random writes on them."""

    def __init__(self, conn: sa.Connection, seed: int) -> None:
        self.conn = conn
        self.rng = random.Random(seed)
        self.events: dict[int, int] = {}  # event -> its B2B session
        self.orgs: list[int] = []
        self.table = 0

    def event(self) -> int:
        start = date(2026, 6, 10)
        event = _insert(
            self.conn,
            Event,
            name=f"Gặp gỡ {uuid.uuid4().hex[:6]}",
            partner_country="KR",
            timezone="Asia/Ho_Chi_Minh",
            start_date=start,
            end_date=start,
            status="open",
            allow_same_side=True,
            request_expiry_hours=72,
            max_pending_requests=20,
            search_text="",
            created_at=NOW,
            updated_at=NOW,
        )
        self.events[event] = _insert(
            self.conn,
            EventSession,
            event_id=event,
            title="B2B",
            kind="b2b",
            starts_at=NOW,
            ends_at=NOW + timedelta(hours=4),
            slot_minutes=20,
            break_minutes=5,
            tables=500,
            interpreters={},
            created_at=NOW,
            updated_at=NOW,
        )
        return event

    def org_values(self) -> dict[str, Any]:
        province = self.rng.choice(PROVINCES)
        sectors = self.rng.sample(SECTORS, self.rng.randint(0, 3))
        if sectors and self.rng.random() < 0.2:
            sectors.append(sectors[0])  # a code listed twice counts once
        return {
            "province_code": province,
            "country": "VN" if province else self.rng.choice(("KR", "JP")),
            "sectors": sectors,
        }

    def org(self) -> int:
        values = self.org_values()
        org = _insert(
            self.conn,
            Organization,
            kind="company",
            name=f"Công ty {len(self.orgs)}",
            languages=["vi"],
            offers="",
            needs="",
            projects=0,
            verified=False,
            search_text="",
            sector_key=" ".join(values["sectors"]),
            created_at=NOW,
            updated_at=NOW,
            **values,
        )
        self.orgs.append(org)
        return org

    def participants(self, event: int) -> list[int]:
        p = _t(Participant).c
        return list(self.conn.execute(sa.select(p.id).where(p.event_id == event)).scalars())

    def participant(self, event: int) -> int | None:
        p = _t(Participant).c
        taken = set(
            self.conn.execute(sa.select(p.organization_id).where(p.event_id == event)).scalars()
        )
        free = [o for o in self.orgs if o not in taken]
        if not free:
            return None
        return _insert(
            self.conn,
            Participant,
            event_id=event,
            organization_id=self.rng.choice(free),
            side="host",
            delegates=[],
            unavailable=[],
            attends_plenary=True,
            token_hash=uuid.uuid4().hex * 2,
            created_at=NOW,
            updated_at=NOW,
        )

    def pair(self, event: int) -> tuple[int, int] | None:
        ids = self.participants(event)
        return tuple(self.rng.sample(ids, 2)) if len(ids) >= 2 else None  # type: ignore[return-value]

    def request(self, event: int) -> None:
        pair = self.pair(event)
        if pair:
            _insert(
                self.conn,
                MeetingRequest,
                event_id=event,
                from_participant_id=pair[0],
                to_participant_id=pair[1],
                created_at=NOW,
                updated_at=NOW,
                status=self.rng.choice(("pending", "accepted", "declined")),
            )

    def meeting(self, event: int) -> None:
        pair = self.pair(event)
        if pair:
            self.table += 1
            _insert(
                self.conn,
                Meeting,
                event_id=event,
                uid=uuid.uuid4().hex,
                session_id=self.events[event],
                slot=1,
                active_slot=1,
                table_no=self.table,
                starts_at=NOW,
                ends_at=NOW + timedelta(minutes=20),
                participant_a_id=pair[0],
                participant_b_id=pair[1],
                status="scheduled",
                sequence=0,
                locked=False,
                source="organizer",
                created_at=NOW,
                updated_at=NOW,
            )

    def some(self, model: Any, key: str = "id") -> Any:
        ids = list(self.conn.execute(sa.select(_t(model).c[key])).scalars())
        return self.rng.choice(ids) if ids else None

    def mark(self) -> None:
        mid = self.some(Meeting)
        if mid is None:
            return
        kind = self.rng.choice(("held", "partial", "no_show"))
        a_absent = kind == "no_show" and self.rng.random() < 0.7
        b_absent = kind == "no_show" and (not a_absent or self.rng.random() < 0.5)
        ma = _t(MeetingAttendance)
        values = {"attendance": kind, "a_absent": a_absent, "b_absent": b_absent}
        if self.conn.execute(sa.select(ma.c.meeting_id).where(ma.c.meeting_id == mid)).first():
            self.conn.execute(sa.update(ma).where(ma.c.meeting_id == mid).values(**values))
        else:
            event = self.conn.execute(
                sa.select(_t(Meeting).c.event_id).where(_t(Meeting).c.id == mid)
            ).scalar_one()
            _insert(
                self.conn,
                MeetingAttendance,
                meeting_id=mid,
                event_id=event,
                marked_at=NOW,
                **values,
            )

    def feedback(self) -> None:
        mid = self.some(Meeting)
        if mid is None:
            return
        m = _t(Meeting).c
        event, a, b = self.conn.execute(
            sa.select(m.event_id, m.participant_a_id, m.participant_b_id).where(m.id == mid)
        ).one()
        f = _t(MeetingFeedback)
        side = self.rng.choice((a, b))
        rating = self.rng.randint(1, 5)
        found = self.conn.execute(
            sa.select(f.c.id).where(f.c.meeting_id == mid, f.c.participant_id == side)
        ).scalar()
        if found:
            self.conn.execute(sa.update(f).where(f.c.id == found).values(rating=rating))
        else:
            _insert(
                self.conn,
                MeetingFeedback,
                event_id=event,
                meeting_id=mid,
                participant_id=side,
                rating=rating,
                outcome="follow_up",
                created_at=NOW,
                updated_at=NOW,
            )

    def step(self) -> str:
        """One random write; returns what it was."""
        event = self.rng.choice(list(self.events))
        roll = self.rng.random()
        if roll < 0.12:
            self.participant(event)
            return "a participant registered"
        if roll < 0.25:
            self.request(event)
            return "a request"
        if roll < 0.32:
            r = _t(MeetingRequest)
            rid = self.some(MeetingRequest)
            if rid:
                self.conn.execute(
                    sa.update(r)
                    .where(r.c.id == rid)
                    .values(status=self.rng.choice(("accepted", "declined", "expired")))
                )
            return "a request answered"
        if roll < 0.47:
            self.meeting(event)
            return "a meeting"
        if roll < 0.52:
            m = _t(Meeting)
            mid = self.some(Meeting)
            if mid:
                self.conn.execute(
                    sa.update(m)
                    .where(m.c.id == mid)
                    .values(status=self.rng.choice(("scheduled", "cancelled")))
                )
            return "a meeting cancelled or restored"
        if roll < 0.55:
            m = _t(Meeting)
            mid = self.some(Meeting)
            if mid:
                self.conn.execute(
                    sa.update(m).where(m.c.id == mid).values(slot=2, sequence=m.c.sequence + 1)
                )
            return "a meeting moved"
        if roll < 0.68:
            self.mark()
            return "an attendance mark"
        if roll < 0.71:
            mid = self.some(MeetingAttendance, "meeting_id")
            if mid:
                ma = _t(MeetingAttendance)
                self.conn.execute(sa.delete(ma).where(ma.c.meeting_id == mid))
            return "a mark removed"
        if roll < 0.82:
            self.feedback()
            return "feedback"
        if roll < 0.84:
            fid = self.some(MeetingFeedback)
            if fid:
                self.conn.execute(
                    sa.delete(_t(MeetingFeedback)).where(_t(MeetingFeedback).c.id == fid)
                )
            return "feedback removed"
        if roll < 0.87:
            for model in (MeetingRequest, Meeting):
                rid = self.some(model)
                if rid:
                    self.conn.execute(sa.delete(_t(model)).where(_t(model).c.id == rid))
            return "a request and a meeting (with its mark and feedback) deleted"
        if roll < 0.95:
            org = self.rng.choice(self.orgs)
            values = self.org_values()
            self.conn.execute(
                sa.update(_t(Organization)).where(_t(Organization).c.id == org).values(**values)
            )
            return f"an organisation moved to {values}"
        pid = self.rng.choice(self.participants(event) or [0])
        m = _t(Meeting)
        self.conn.execute(
            sa.delete(m).where((m.c.participant_a_id == pid) | (m.c.participant_b_id == pid))
        )
        self.conn.execute(sa.delete(_t(Participant)).where(_t(Participant).c.id == pid))
        return "a participant withdrawn, with its requests, meetings and feedback"


@pytest.mark.parametrize("seed", [1, 2])
def test_tallies_follow_every_write(connection: sa.Connection, seed: int) -> None:
    world = World(connection, seed)
    first, second = world.event(), world.event()
    events = {first, second}
    for _ in range(14):
        world.org()
    for _ in range(16):
        world.participant(world.rng.choice([first, second]))
    assert_kept(connection, events, "registration")
    for n in range(160):
        step = world.step()
        if n % 8 == 7:
            assert_kept(connection, events, f"step {n}: {step}")
    assert_kept(connection, events, "the last step")
    assert kept(connection, events), "something was counted"


def test_several_rows_in_one_statement(connection: sa.Connection) -> None:
    """Statements that change many rows at once (a scheduler run, a bulk mark, a
    province rename over many firms) are counted like as many single writes."""
    world = World(connection, 3)
    event = world.event()
    for _ in range(10):
        world.org()
    for _ in range(10):
        world.participant(event)
    for _ in range(25):
        world.meeting(event)
        world.request(event)
    m, ma, r = _t(Meeting), _t(MeetingAttendance), _t(MeetingRequest)
    meetings = list(connection.execute(sa.select(m.c.id)).scalars())
    connection.execute(
        sa.insert(ma),
        [
            {
                "meeting_id": mid,
                "event_id": event,
                "attendance": "no_show",
                "a_absent": True,
                "b_absent": i % 2 == 0,
                "marked_at": NOW,
            }
            for i, mid in enumerate(meetings)
        ],
    )
    assert_kept(connection, {event}, "a bulk mark")
    connection.execute(
        sa.update(ma)
        .where(ma.c.meeting_id.in_(meetings[::3]))
        .values(attendance="held", a_absent=False, b_absent=False)
    )
    connection.execute(sa.update(r).values(status="accepted"))
    connection.execute(sa.update(m).where(m.c.id.in_(meetings[::4])).values(status="cancelled"))
    assert_kept(connection, {event}, "bulk updates")
    o = _t(Organization)
    connection.execute(sa.update(o).where(o.c.id.in_(world.orgs)).values(province_code="79"))
    assert_kept(connection, {event}, "every firm moved to TP. Hồ Chí Minh")
    connection.execute(sa.delete(ma).where(ma.c.meeting_id.in_(meetings[::2])))
    connection.execute(sa.delete(m).where(m.c.id.in_(meetings[1::2])))
    assert_kept(connection, {event}, "bulk deletes")


def test_a_former_unit_changing_its_current_unit_moves_its_firms(
    connection: sa.Connection,
) -> None:
    """Firms stored under a code that former_province maps elsewhere count there; the
    reference data changing moves them (code 24 maps to itself in the seeds)."""
    world = World(connection, 4)
    event = world.event()
    for _ in range(8):
        world.org()
    o = _t(Organization)
    connection.execute(sa.update(o).where(o.c.id.in_(world.orgs[:4])).values(province_code="24"))
    connection.execute(sa.update(o).where(o.c.id.in_(world.orgs[4:])).values(province_code="01"))
    for _ in range(8):
        world.participant(event)
    for _ in range(12):
        world.meeting(event)
        world.mark()
    t = _t(ReportTally).c

    def provinces() -> set[str]:
        return {
            code
            for (code,) in connection.execute(
                sa.select(t.code).where(
                    t.event_id == event, t.dimension == "province", t.participants > 0
                )
            )
        }

    assert provinces() == {"24", "01"}
    fp = _t(FormerProvince)
    connection.execute(sa.update(fp).where(fp.c.code == "24").values(current_code="79"))
    assert_kept(connection, {event}, "code 24 now reported under 79")
    assert provinces() == {"79", "01"}
    connection.execute(sa.delete(fp).where(fp.c.code == "24"))
    assert_kept(connection, {event}, "code 24 no longer a former unit")
    assert provinces() == {"24", "01"}
    _insert(
        connection,
        FormerProvince,
        code="24",
        name="Bắc Giang",
        current_code="79",
        search_text="bac giang",
    )
    assert_kept(connection, {event}, "code 24 under 79 again")
    assert provinces() == {"79", "01"}


def test_an_event_deleted_takes_its_figures(connection: sa.Connection) -> None:
    world = World(connection, 5)
    event, other = world.event(), world.event()
    for _ in range(8):
        world.org()
    for _ in range(12):
        world.participant(world.rng.choice([event, other]))
    for _ in range(30):
        world.step()
    before = kept(connection, {other})
    connection.execute(sa.delete(_t(Event)).where(_t(Event).c.id == event))
    t = _t(ReportTally).c
    assert not connection.execute(sa.select(t.event_id).where(t.event_id == event)).first()
    assert kept(connection, {other}) == before
    assert_kept(connection, {other}, "the other event deleted")


def test_the_migration_counts_what_was_already_there(empty_database_url: str) -> None:
    upgrade(empty_database_url, "0009_commitment_search")
    engine = make_engine(empty_database_url)
    try:
        with Session(engine) as session:
            ensure_reference_data(session=session)
        with engine.begin() as conn:
            world = World(conn, 6)
            events = {world.event(), world.event()}
            for _ in range(10):
                world.org()
            for _ in range(14):
                world.participant(world.rng.choice(sorted(events)))
            for _ in range(80):
                world.step()
        upgrade(empty_database_url)
        with engine.connect() as conn:
            assert kept(conn, events), "counted"
            assert_kept(conn, events, "the migration")
    finally:
        engine.dispose()
