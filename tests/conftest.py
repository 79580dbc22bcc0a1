"""Database fixtures: every test runs on SQLite, and on PostgreSQL when it answers.

The schema is built once per backend through the Alembic migrations, with the reference
data loaded; each test then runs inside a transaction that is rolled back, so tests
never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.core.database import get_session, make_engine
from service.core.migrations import upgrade
from service.core.settings import Settings
from service.main import create_app
from service.seeding.reference_data import ensure_reference_data

ADMIN_TOKEN = "test-admin-token-0123456789abcdef"
POSTGRES_ADMIN_URL = os.environ.get(
    "MEETX_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass
class Database:
    backend: str
    url: str
    engine: Engine


def postgres_unavailable_reason() -> str | None:
    """None when PostgreSQL answers, else why not (printed in the skip)."""
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {type(exc).__name__}"
    return None


@contextmanager
def postgres_database_url() -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server, dropped afterwards; yields its
    URL. Skips the test (saying why) when the server does not answer."""
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    name = f"meetx_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield (
                sa.make_url(POSTGRES_ADMIN_URL)
                .set(database=name)
                .render_as_string(hide_password=False)
            )
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _database_url(backend: str, tmp_dir: Path, file_name: str) -> AbstractContextManager[str]:
    if backend == "sqlite":
        return nullcontext(f"sqlite:///{tmp_dir / file_name}")
    return postgres_database_url()


def migrated_database(backend: str, tmp_dir: Path) -> Iterator[Database]:
    """A database at the latest migration with reference data; dropped afterwards."""
    with _database_url(backend, tmp_dir, "meetx.db") as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            ensure_reference_data(session=session)
        yield Database(backend, url, engine)
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, not even the schema: for tests that run the
    migrations themselves (one per test, on SQLite and on PostgreSQL when it answers)."""
    with _database_url(request.param, tmp_path, "empty.db") as url:
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    yield from migrated_database(request.param, tmp_path_factory.mktemp(request.param))


@pytest.fixture
def connection(database: Database) -> Iterator[sa.Connection]:
    with database.engine.connect() as conn:
        transaction = conn.begin()
        if conn.dialect.name == "postgresql":
            # PostgreSQL raises the data version at commit (migration 0012), which
            # this transaction never reaches: the code under test
            # commits into savepoints. Run those triggers after each statement instead,
            # as each commit would.
            conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
        yield conn
        transaction.rollback()


def _bound_session(conn: sa.Connection) -> Session:
    # Commits inside the code under test become savepoints of the test's transaction.
    return Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(connection: sa.Connection) -> Iterator[Session]:
    with _bound_session(connection) as session:
        yield session


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(
        database_url=database.url,
        admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
        public_url="https://meetx.example",
        log_level="WARNING",
        # Requests run inside the test's rolled-back transaction, invisible to a runner
        # thread: job tests (tests/service/jobs) start their own runners.
        run_jobs=False,
    )


@pytest.fixture
def app(settings: Settings, database: Database, connection: sa.Connection):
    application = create_app(settings, engine=database.engine)

    def session_override() -> Iterator[Session]:
        with _bound_session(connection) as session:
            yield session

    application.dependency_overrides[get_session] = session_override
    return application


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
