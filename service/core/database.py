"""Engine, sessions and column types shared by every domain package."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

import anyio
import anyio.to_thread
import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_S = 30
log = logging.getLogger("meetx.database")


class _SQLiteWriteGate:
    """One writer at a time per process, handed over the moment it is free.

    Every SQLite transaction takes the write lock up front (BEGIN IMMEDIATE). Left to
    SQLite, the threads of a worker waiting for it poll in the busy handler, sleeping up
    to 100 ms between tries, which under a burst leaves the CPU idle and the latency in
    seconds. Threads of this process queue on a lock instead and are woken at once;
    other processes (a `meetx` command beside the server) still wait on busy_timeout.
    Each pooled connection records whether it holds the gate, so a connection returned
    to the pool without commit or rollback (an unclosed session) still releases it.
    """

    _HELD = "meetx_write_gate"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def enter(self, info: dict[Any, Any]) -> None:
        if not self._lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_S):
            raise sa.exc.OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            )
        info[self._HELD] = True

    def leave(self, info: dict[Any, Any] | None) -> None:
        if info is not None and info.pop(self._HELD, False):
            self._lock.release()


_SQLITE_INT_MIN, _SQLITE_INT_MAX = -(2**63), 2**63 - 1


def _widen(parameters: Any) -> Any:
    def fits(value: Any) -> Any:
        if type(value) is int and not _SQLITE_INT_MIN <= value <= _SQLITE_INT_MAX:
            return float(value)
        return value

    if isinstance(parameters, dict):
        return {key: fits(value) for key, value in parameters.items()}
    if isinstance(parameters, list | tuple):
        return type(parameters)(fits(value) for value in parameters)
    return parameters


# Connections a process keeps open to PostgreSQL (MEETX_DB_POOL_SIZE); half as many more
# are opened for a burst and closed when it ends.
DEFAULT_POOL_SIZE = 20


def make_engine(url: str, *, pool_size: int = DEFAULT_POOL_SIZE, **kwargs: Any) -> Engine:
    """An engine for the URL. SQLite gets WAL, foreign keys and a busy timeout on every
    connection, so concurrent writers wait instead of failing and references are enforced.

    PostgreSQL keeps `pool_size` connections open. A connection opened beyond them is
    closed as soon as it is returned, and opening one costs PostgreSQL a process and cold
    caches: with SQLAlchemy's default of five, every burst of requests opened and closed
    a dozen (measured: the seconds with such a burst had a p99 of 80-270 ms instead of
    10-30 ms at 300 agenda and feed requests a second)."""
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        gate = _SQLiteWriteGate()

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling defers BEGIN and so breaks SAVEPOINT and
            # the write lock; we issue BEGIN ourselves (see _sqlite_begin).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
            if ":memory:" not in url and "mode=memory" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @sa.event.listens_for(engine, "before_cursor_execute", retval=True)
        def _sqlite_wide_integers(
            _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool
        ) -> tuple[str, Any]:
            # SQLite cannot bind an integer beyond 64 bits (OverflowError, a 500 for
            # /events/99999999999999999999); PostgreSQL compares it as numeric and finds
            # nothing. Bound as REAL it compares numerically here too, and matches no row.
            if many:
                return statement, [_widen(row) for row in parameters]
            return statement, _widen(parameters)

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: sa.Connection) -> None:
            # IMMEDIATE takes the write lock up front: two racing writers serialise on
            # busy_timeout instead of one failing at commit with "database is locked".
            info = conn.connection.info
            gate.enter(info)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                gate.leave(info)
                raise

        @sa.event.listens_for(engine, "commit")
        @sa.event.listens_for(engine, "rollback")
        def _sqlite_end(conn: sa.Connection) -> None:
            # Fired as COMMIT or ROLLBACK starts; SQLite's own lock covers the instant
            # until it completes, so the next writer may wait a millisecond in the busy
            # handler, never longer.
            try:
                info = conn.connection.info
            except sa.exc.SQLAlchemyError:
                return  # an invalidated connection: the pool's invalidate event releases it
            gate.leave(info)

        @sa.event.listens_for(engine.pool, "checkin")
        @sa.event.listens_for(engine.pool, "invalidate")
        def _sqlite_returned(_dbapi_connection: Any, record: Any, *_: Any) -> None:
            gate.leave(record.info if record is not None else None)

        return engine
    if "poolclass" not in kwargs:  # a pool of another kind (NullPool) has no size
        kwargs = {"pool_size": pool_size, "max_overflow": pool_size // 2, **kwargs}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":
        _ping_connections_left_idle(engine)
    return engine


# A pooled PostgreSQL connection left unused this long is checked before it serves again.
PING_AFTER_IDLE_S = 10.0
_RETURNED_AT = "meetx_returned_at"


def _ping_connections_left_idle(engine: Engine) -> None:
    """Check a connection before use when it sat in the pool, and then in one round trip.

    A server restart, a failover or a proxy's idle timeout closes pooled connections
    while nobody uses them; the check finds such a one and the pool opens a new one in
    its place (SQLAlchemy's pessimistic disconnect handling). SQLAlchemy's own
    ``pool_pre_ping`` checks on every checkout, inside a transaction: BEGIN, then the
    ping, two round trips to PostgreSQL before a request's first query. The hottest
    requests (a feed, an agenda) need one or two statements of their own, so those were
    half their round trips, each a wake-up of the server process and of the request's
    thread: what a busy machine makes slow. Here a connection back in the pool within
    the last `PING_AFTER_IDLE_S` seconds (which, under load, is every one) is used as it
    is: if the server went away meanwhile, the request fails once and SQLAlchemy, seeing
    a disconnect, discards the whole pool. The ping itself runs outside a transaction
    (autocommit), so it leaves the connection free for a read in autocommit
    (:func:`read_without_transaction`).
    """

    @sa.event.listens_for(engine, "connect")
    @sa.event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_s = time.monotonic() - record.info.get(_RETURNED_AT, 0.0)
        if idle_s < PING_AFTER_IDLE_S:
            return
        log.debug("checking a connection left idle for %.0f s", idle_s)
        try:
            dbapi_connection.autocommit = True
            try:
                dbapi_connection.execute(";")
            finally:
                dbapi_connection.autocommit = False
        except Exception as exc:  # a closed connection: the pool replaces it
            raise sa.exc.DisconnectionError(f"a pooled connection is gone: {exc}") from exc


def read_without_transaction(session: Session) -> None:
    """Run this request's statements without BEGIN and ROLLBACK (PostgreSQL).

    For the hottest read-only requests, which phones repeat all day: an agenda or a feed
    served from the process's cache needs one or two statements, and a transaction
    around them added two round trips. Under READ COMMITTED, PostgreSQL's default and
    ours, each statement of a transaction sees its own snapshot anyway, so statements in
    autocommit see exactly what they saw inside one; the data version is still read
    before the rows (:mod:`service.changes`). Call it before the session's first
    statement, only on a request that writes nothing. SQLite keeps its transaction:
    there a transaction costs no round trip, and a read sees one snapshot in it.
    """
    bind = session.bind  # a Connection when the caller runs the session in its transaction
    if (
        isinstance(bind, Engine)
        and bind.dialect.name == "postgresql"
        and not session.in_transaction()
    ):
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, from the engine the app was built with.

    Async, so FastAPI opens it on the event loop (a Session does no I/O until its first
    query, which runs in the handler's thread) instead of sending the request to a worker
    thread and back twice. Closing rolls back over the connection, so it runs in a thread,
    shielded from cancellation so the connection (and SQLite's write gate) always returns.
    """
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        with anyio.CancelScope(shield=True):
            if session.in_transaction():
                # A limiter of its own: a busy thread pool must not hold up a release.
                await anyio.to_thread.run_sync(session.close, limiter=anyio.CapacityLimiter(1))
            else:
                session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def end_read(session: Session) -> None:
    """End a read-only request's transaction in the handler's own worker thread, so that
    :func:`get_session` closes the session on the event loop without another thread hop
    (measurable on the hottest reads: feeds and agendas). Loaded rows expire."""
    session.rollback()


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Stores instants as naive UTC (portable across SQLite and PostgreSQL) and hands
    back aware UTC datetimes, so no naive time ever leaves the database layer."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
