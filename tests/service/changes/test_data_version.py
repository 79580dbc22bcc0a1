"""The data version: raised by a trigger on every table, in the writer's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from service.changes.service import current_version
from service.changes.versioned_cache import VersionedCache
from service.schema import metadata
from tests.conftest import Database


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


# Tables no cached answer reads, written all day by the machinery (migration 0009).
UNVERSIONED = {"data_version", "job"}


def test_every_table_raises_the_version(connection: sa.Connection) -> None:
    tables = set(metadata.tables) - UNVERSIONED
    missing = tables - _tables_with_triggers(connection)
    assert not missing, f"tables whose writes do not raise data_version: {sorted(missing)}"


INSERT_SECTOR = sa.text(
    "INSERT INTO sector (code, name_vi, name_en, level, search_text) "
    "VALUES ('Z99', 'Thử', 'Test', 2, 'thu test')"
)


def test_a_write_raises_it_and_a_rollback_takes_it_back(database: Database) -> None:
    with Session(database.engine) as session:
        before = current_version(session=session)
    with Session(database.engine) as session:
        session.execute(INSERT_SECTOR)
        assert current_version(session=session) > before, "raised inside the transaction"
        session.rollback()
    with Session(database.engine) as session:
        assert current_version(session=session) == before, "rolled back with the write"
    with Session(database.engine) as session:
        session.execute(INSERT_SECTOR)
        session.execute(sa.text("UPDATE sector SET name_en = 'Tested' WHERE code = 'Z99'"))
        session.execute(sa.text("DELETE FROM sector WHERE code = 'Z99'"))
        session.commit()
    with Session(database.engine) as session:
        assert current_version(session=session) >= before + 3, "insert, update and delete"


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
