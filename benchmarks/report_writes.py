"""What the report tallies cost the writers: the same writes timed on the reports
benchmark's data before and after migration 0010_report_tallies.

    python benchmarks/report_writes.py [--backend sqlite|postgresql|both] [--editions 10]
        [--participants 5000] [--meetings 25000] [--commitments 2000] [--reviews 5]

Builds the data of ``benchmarks/reports.py`` (same sizes and seed) at revision
0009_commitment_search (the per-edition revision triggers of 0008), times the writes
below, migrates to 0010_report_tallies (timing the backfill of every edition's tallies),
checks the tallies
against a count in Python and times the same writes again. Every write but the
attendance flips is rolled back, so both rounds see the same data:

- an attendance mark flipped between held and a no-show, committed (50 times);
- single-row meeting inserts, then the same meetings moved (290 each, one transaction);
- 2,000 meetings in one batched insert (3 times), as a scheduler run writes them;
- the organisation with the most participations changing province (twice);
- a former unit's current unit changing (code 24: every firm stored under 24 moves);
- the last edition deleted with everything in it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402

from benchmarks.reports import (  # noqa: E402
    add_data_arguments,
    build,
    database,
    naive_summary,
    same_figures,
)
from service.attendance.models import MeetingAttendance  # noqa: E402
from service.core.database import make_engine  # noqa: E402
from service.core.migrations import upgrade  # noqa: E402
from service.meetings.models import Meeting  # noqa: E402
from service.reports.service import GroupBy, summary  # noqa: E402
from service.seeding.reference_data import ensure_reference_data  # noqa: E402

BEFORE = "0009_commitment_search"


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def _rolled_back(engine: sa.Engine, write: Callable[[sa.Connection], Any]) -> float:
    with engine.connect() as connection:
        start = time.perf_counter()
        write(connection)
        took = _ms(start)
        connection.rollback()
    return took


def measure(engine: sa.Engine) -> dict[str, str]:
    """The writes, timed; one text per row of the table."""
    m, ma = Meeting.__table__, MeetingAttendance.__table__  # type: ignore[attr-defined]
    with engine.connect() as c:
        last = c.execute(sa.text("SELECT max(id) FROM event")).scalar_one()
        marked = c.execute(
            sa.select(ma.c.meeting_id).where(ma.c.event_id == last).limit(1)
        ).scalar_one()
        session_id = c.execute(
            sa.text("SELECT min(id) FROM event_session WHERE event_id = :e"), {"e": last}
        ).scalar_one()
        first, span = c.execute(
            sa.text("SELECT min(id), count(*) - 1 FROM participant WHERE event_id = :e"),
            {"e": last},
        ).one()
        org, participations = c.execute(
            sa.text("SELECT organization_id, count(*) FROM participant GROUP BY organization_id "
                    "ORDER BY count(*) DESC, organization_id LIMIT 1")
        ).one()  # fmt: skip
        under_24 = c.execute(
            sa.text("SELECT count(*) FROM organization WHERE province_code = '24'")
        ).scalar_one()
    out: dict[str, str] = {}
    flips = []
    for n in range(51):
        start = time.perf_counter()
        with engine.begin() as c:
            c.execute(
                sa.update(ma)
                .where(ma.c.meeting_id == marked)
                .values(attendance="no_show" if n % 2 else "held", a_absent=bool(n % 2),
                        marked_at=datetime.now(UTC))
            )  # fmt: skip
        flips.append(_ms(start))
    out["one attendance mark flipped, own transaction (median of 50)"] = (
        f"{statistics.median(flips[1:]):.2f} ms"
    )
    now = datetime.now(UTC)

    def meeting(n: int) -> dict[str, Any]:
        return {
            "event_id": last, "uid": uuid.uuid4().hex, "session_id": session_id, "slot": 1,
            "table_no": 900_000 + n, "starts_at": now, "ends_at": now,
            "participant_a_id": first + n % span, "participant_b_id": first + 1 + n % span,
            "status": "scheduled", "sequence": 0, "locked": False, "source": "request",
            "created_at": now, "updated_at": now,
        }  # fmt: skip

    with engine.connect() as c:
        inserts, moves = [], []
        for n in range(300):
            start = time.perf_counter()
            c.execute(sa.insert(m).values(**meeting(n)))
            inserts.append(_ms(start))
        for mid in c.execute(sa.select(m.c.id).where(m.c.table_no >= 900_000)).scalars().all():
            start = time.perf_counter()
            c.execute(sa.update(m).where(m.c.id == mid).values(slot=2, sequence=m.c.sequence + 1))
            moves.append(_ms(start))
        c.rollback()
    out["one meeting inserted, single-row statement (median of 290)"] = (
        f"{statistics.median(inserts[10:]):.2f} ms"
    )
    out["one meeting moved: slot and sequence updated (median of 290)"] = (
        f"{statistics.median(moves[10:]):.2f} ms"
    )
    batches = sorted(
        _rolled_back(engine, lambda c: c.execute(
            sa.insert(m).returning(m.c.id), [meeting(n) for n in range(2000)]).all())
        for _ in range(3)
    )  # fmt: skip
    out["2,000 meetings in one batched insert (min / median / max of 3)"] = (
        " / ".join(f"{b:.0f}" for b in batches) + " ms"
    )
    moved = [
        _rolled_back(engine, lambda c, code=code: c.execute(
            sa.text("UPDATE organization SET province_code = :p WHERE id = :o"),
            {"p": code, "o": org}))
        for code in ("01", "24")
    ]  # fmt: skip
    out[f"one organisation in {participations} editions changing province (2 runs)"] = (
        " / ".join(f"{t:.0f}" for t in moved) + " ms"
    )
    remap = sa.text("UPDATE former_province SET current_code = '79' WHERE code = '24'")
    took = _rolled_back(engine, lambda c: c.execute(remap))
    out[f"former unit 24 remapped: {under_24} organisations move (1 run)"] = f"{took:.0f} ms"
    drop = sa.text("DELETE FROM event WHERE id = :e")
    took = _rolled_back(engine, lambda c: c.execute(drop, {"e": last}))
    out["the last edition deleted with everything in it (1 run)"] = f"{took:.0f} ms"
    return out


def run(backend: str, args: argparse.Namespace) -> None:
    with database(backend) as url:
        print(f"{backend}:", flush=True)
        upgrade(url, BEFORE)
        engine = make_engine(url)
        with Session(engine) as session:
            ensure_reference_data(session=session)
        started = time.perf_counter()
        build(engine, args)
        print(f"  built at {BEFORE} in {time.perf_counter() - started:.0f} s", flush=True)
        before = measure(engine)
        engine.dispose()
        started = time.perf_counter()
        upgrade(url, "0010_report_tallies")
        print(f"  migrated to 0010_report_tallies (tallies of every edition counted) in "
              f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
        engine = make_engine(url)
        with Session(engine) as session:
            for group_by in GroupBy:
                same_figures(summary(session=session, group_by=group_by),
                             naive_summary(session, group_by))  # fmt: skip
        print("  the migrated tallies equal the count in Python, every grouping", flush=True)
        after = measure(engine)
        engine.dispose()
        print(f"  {'write':64} {'before (0009)':>22} {'after (0010)':>22}")
        for (name, old), new in zip(before.items(), after.values(), strict=True):
            print(f"  {name:64} {old:>22} {new:>22}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arguments(parser)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()}", flush=True)
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        run(backend, args)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
