"""The data version: raised by a trigger on every table, in the writer's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from service.changes.service import current_version
from service.changes.versioned_cache import VersionedCache
from service.events.models import EventCreate
from service.events.service import create_event
from service.schema import metadata
from tests.conftest import Database
from tests.robustness.seed import register_participants_in_database
from tests.service.factories import event_payload


def _tables_with_triggers(connection: sa.Connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            sa.text("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        )
        return {table for table, sql in rows if "data_version" in sql}
    rows = connection.execute(
        sa.text(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal AND p.proname = 'raise_data_version'"
        )
    )
    return {table for (table,) in rows}


# Tables no cached answer reads, written all day by the machinery (migration 0011) or
# by every scheduler preview (0013).
UNVERSIONED = {"data_version", "job", "schedule_run"}


def test_every_table_raises_the_version(connection: sa.Connection) -> None:
    tables = set(metadata.tables) - UNVERSIONED
    missing = tables - _tables_with_triggers(connection)
    assert not missing, f"tables whose writes do not raise data_version: {sorted(missing)}"


INSERT_SECTOR = sa.text(
    "INSERT INTO sector (code, name_vi, name_en, level, search_text) "
    "VALUES ('Z99', 'Thử', 'Test', 2, 'thu test')"
)


def _version(database: Database) -> int:
    with Session(database.engine) as session:
        return current_version(session=session)


def test_a_write_raises_it_and_a_rollback_takes_it_back(database: Database) -> None:
    before = _version(database)
    with Session(database.engine) as session:
        session.execute(INSERT_SECTOR)
        session.rollback()
    assert _version(database) == before, "rolled back with the write"
    with Session(database.engine) as session:
        session.execute(INSERT_SECTOR)
        session.execute(sa.text("UPDATE sector SET name_en = 'Tested' WHERE code = 'Z99'"))
        session.execute(sa.text("DELETE FROM sector WHERE code = 'Z99'"))
        session.commit()
    assert _version(database) > before, "insert, update and delete, committed"
    if database.backend == "postgresql":
        assert _version(database) == before + 1, "raised once per transaction, at commit"
    with Session(database.engine) as session:
        session.execute(sa.text("UPDATE sector SET name_en = name_en WHERE code = 'no such'"))
        session.commit()
    if database.backend == "postgresql":
        assert _version(database) == before + 1, "a statement that changed no row raises nothing"


def _postgres_only(database: Database) -> None:
    if database.backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time: nothing to overlap")


def _events_with_participants(database: Database, events: int, each: int) -> list[int]:
    ids = []
    with Session(database.engine, expire_on_commit=False) as session:
        for _ in range(events):
            event = create_event(session=session, data=EventCreate(**event_payload()))
            ids.append(event.id)
    for event_id in ids:
        register_participants_in_database(database.url, event_id, each)  # type: ignore[arg-type]
    return ids  # type: ignore[return-value]


def _drop_events(database: Database, events: list[int]) -> None:
    """The events, their participants and the organisations registered for them: these
    tests commit, and the tests after them count organisations."""
    with Session(database.engine) as session:
        for event_id in events:
            organizations = (
                session.execute(
                    sa.text("SELECT organization_id FROM participant WHERE event_id = :e"),
                    {"e": event_id},
                )
                .scalars()
                .all()
            )
            session.execute(sa.text("DELETE FROM participant WHERE event_id = :e"), {"e": event_id})
            session.execute(sa.text("DELETE FROM event WHERE id = :e"), {"e": event_id})
            for organization_id in organizations:
                session.execute(
                    sa.text("DELETE FROM organization WHERE id = :o"), {"o": organization_id}
                )
        session.commit()


TOUCH_PARTICIPANTS = sa.text(
    "UPDATE participant SET max_meetings = COALESCE(max_meetings, 8) WHERE event_id = :e"
)


def test_writers_overlap_and_lock_the_counters_only_as_they_commit(database: Database) -> None:
    """Two transactions writing the same event's participants and the same table do not
    wait for each other before they commit: the data version is raised by triggers
    deferred to the commit (migration 0012). Both transactions' raises land."""
    _postgres_only(database)
    events = _events_with_participants(database, 1, 4)
    (event_id,) = events
    before = _version(database)
    first, second = database.engine.connect(), database.engine.connect()
    try:
        first.begin()
        second.begin()
        second.exec_driver_sql("SET lock_timeout = '2s'")
        first.execute(
            sa.text(
                "UPDATE participant SET max_meetings = 9 WHERE id = ("
                "SELECT min(id) FROM participant WHERE event_id = :e)"
            ),
            {"e": event_id},
        )
        first.execute(INSERT_SECTOR)
        # Were the counters locked at the first write, this would wait for `first` until
        # the lock timeout.
        second.execute(
            sa.text(
                "UPDATE participant SET max_meetings = 7 WHERE id = ("
                "SELECT max(id) FROM participant WHERE event_id = :e)"
            ),
            {"e": event_id},
        )
        second.execute(sa.text("UPDATE sector SET name_en = 'Other' WHERE code = '01'"))
        second.commit()
        assert _version(database) == before + 1
        first.commit()
        assert _version(database) == before + 2
    finally:
        first.close()
        second.close()
        with Session(database.engine) as session:
            session.execute(sa.text("DELETE FROM sector WHERE code = 'Z99'"))
            session.commit()
        _drop_events(database, events)


def test_a_transaction_raises_the_version_once(database: Database) -> None:
    """However many rows and tables a transaction writes, the deferred triggers raise the
    data version once, at its commit."""
    _postgres_only(database)
    events = _events_with_participants(database, 2, 3)
    version = _version(database)
    try:
        with Session(database.engine) as session:
            for event_id in events:
                session.execute(TOUCH_PARTICIPANTS, {"e": event_id})
                session.execute(TOUCH_PARTICIPANTS, {"e": event_id})
            assert _version(database) == version, "not raised before the commit"
            session.commit()
        assert _version(database) == version + 1
    finally:
        _drop_events(database, events)


def test_versioned_cache() -> None:
    cache: VersionedCache[str] = VersionedCache(max_entries=2)
    now = datetime(2026, 12, 10, tzinfo=UTC)
    cache.put("a", "A", version=7)
    assert cache.get("a", version=7) == "A"
    assert cache.get("a", version=8) is None, "another version: the value may be stale"
    cache.put("b", "B", version=7, fresh_until=now + timedelta(minutes=1))
    assert cache.get("b", version=7, now=now) == "B"
    assert cache.get("b", version=7, now=now + timedelta(minutes=1)) is None
    assert cache.get("b", version=7) is None, "no clock given: a timed value is not trusted"
    cache.get("a", version=7)
    cache.put("c", "C", version=7)
    assert len(cache) == 2
    assert cache.get("b", version=7, now=now) is None, "the least recently used went first"
    assert VersionedCache[str](max_entries=0).get("x", version=0) is None
