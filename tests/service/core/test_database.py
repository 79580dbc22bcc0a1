"""Pooled PostgreSQL connections: the hottest reads send no BEGIN or ROLLBACK, a
connection that sat in the pool is checked before use, and a dead one is replaced."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pytest import MonkeyPatch
from sqlmodel import Session

from service.core import database
from service.core.database import make_engine, read_without_transaction
from service.core.settings import Settings
from service.main import create_app
from tests.conftest import migrated_database, postgres_database_url
from tests.robustness.seed import API


@pytest.fixture
def engine() -> Iterator[sa.Engine]:
    with postgres_database_url() as url:
        engine = make_engine(url, pool_size=1)
        yield engine
        engine.dispose()


def _backend_pid(session: Session) -> int:
    return session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def test_a_read_without_transaction_leaves_the_connection_idle(engine: sa.Engine) -> None:
    with Session(engine) as session:
        read_without_transaction(session)
        assert session.connection().exec_driver_sql("SELECT 1").scalar_one() == 1
        dbapi = session.connection().connection.dbapi_connection
        # No BEGIN was sent: between statements the server sees no open transaction.
        assert dbapi.autocommit is True
        assert dbapi.info.transaction_status.name == "IDLE"
    # Back in the pool, the connection is transactional again for the next request.
    with Session(engine) as session:
        session.connection().exec_driver_sql("SELECT 1")
        dbapi = session.connection().connection.dbapi_connection
        assert dbapi.autocommit is False
        assert dbapi.info.transaction_status.name == "INTRANS"


def test_a_session_in_a_transaction_keeps_it(engine: sa.Engine) -> None:
    with (
        engine.connect() as connection,
        connection.begin(),
        Session(bind=connection) as session,
    ):
        read_without_transaction(session)  # the caller's transaction stays in charge
        session.connection().exec_driver_sql("SELECT 1")
        assert connection.connection.dbapi_connection.autocommit is False


def test_writes_still_commit_or_roll_back_as_a_whole(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE probe (n integer)")
    with Session(engine) as session:
        session.connection().exec_driver_sql("INSERT INTO probe VALUES (1)")
        session.rollback()
    with Session(engine) as session:
        read_without_transaction(session)
        assert session.connection().exec_driver_sql("SELECT count(*) FROM probe").scalar() == 0


def _kill(engine: sa.Engine, pid: int) -> None:
    admin = sa.create_engine(engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_connection_left_idle_is_checked_and_replaced_when_gone(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as session:
        first = _backend_pid(session)
    _kill(engine, first)  # a restart, a failover or a proxy's idle timeout
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 0.0)  # it has sat long enough
    with Session(engine) as session:
        read_without_transaction(session)
        assert _backend_pid(session) != first


def test_a_connection_used_just_now_is_not_pinged(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="meetx.database")
    with Session(engine) as session:
        session.connection().exec_driver_sql("SELECT 1")
    with Session(engine) as session:
        read_without_transaction(session)
        session.connection().exec_driver_sql("SELECT 2")
    assert "left idle" not in caplog.text
    with MonkeyPatch.context() as patch:
        patch.setattr(database, "PING_AFTER_IDLE_S", 0.0)
        with Session(engine) as session:
            session.connection().exec_driver_sql("SELECT 3")
    assert "checking a connection left idle" in caplog.text


def test_a_dead_connection_used_just_now_fails_once_then_the_pool_is_renewed(
    engine: sa.Engine,
) -> None:
    with Session(engine) as session:
        first = _backend_pid(session)
    _kill(engine, first)
    with Session(engine) as session, pytest.raises(sa.exc.OperationalError):
        session.connection().exec_driver_sql("SELECT 1")
    with Session(engine) as session:
        assert _backend_pid(session) != first


def test_a_read_on_a_lost_connection_answers_503_and_the_next_one_succeeds(
    tmp_path: Path,
) -> None:
    for migrated in migrated_database("postgresql", tmp_path):
        engine = make_engine(migrated.url, pool_size=1)
        settings = Settings(database_url=migrated.url, log_level="WARNING", run_jobs=False)
        with TestClient(create_app(settings, engine=engine)) as client:
            assert client.get(f"{API}/sectors").status_code == 200
            with Session(engine) as session:
                pid = _backend_pid(session)
            _kill(engine, pid)  # the server went away after the connection's last use
            lost = client.get(f"{API}/sectors")
            assert lost.status_code == 503, lost.text
            assert lost.headers["content-type"] == "application/problem+json"
            assert lost.headers["retry-after"] == "1"
            assert client.get(f"{API}/sectors").status_code == 200
        engine.dispose()
