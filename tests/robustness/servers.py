"""Real `meetx serve` processes on loopback, and fresh databases for them.

The robustness tests and benchmarks/load.py talk to the service the way production
does: a uvicorn process (one or several workers) on a SQLite file or a PostgreSQL
database of its own, started with `python -m service.cli serve`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import sqlalchemy as sa

ADMIN_TOKEN = "robustness-admin-token-5f0c9a1e7b3d"
POSTGRES_ADMIN_URL = os.environ.get(
    "MEETX_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_unavailable_reason() -> str | None:
    """None when PostgreSQL answers, else why not (for a printed skip)."""
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {type(exc).__name__}"
    return None


@contextmanager
def fresh_postgres_database(prefix: str = "meetx_robust") -> Iterator[str]:
    """An empty database on the local PostgreSQL server, dropped afterwards; yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'meetx.db'}"


class ServerProcess:
    """`meetx serve` in its own process group, logging to a file."""

    def __init__(
        self,
        database_url: str,
        *,
        workdir: Path,
        workers: int = 1,
        admin_token: str = ADMIN_TOKEN,
        log_level: str = "INFO",
    ) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.workers = workers
        self.admin_token = admin_token
        self.log_level = log_level
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "server.log"
        self._log_offset = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def start(self, timeout_s: float = 90.0) -> None:
        """Starts the server (migrating the database first) and waits for /healthz."""
        self.port = free_port()
        env = {
            **os.environ,
            "MEETX_DATABASE_URL": self.database_url,
            "MEETX_ADMIN_TOKEN": self.admin_token,
            "MEETX_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "MEETX_LOG_LEVEL": self.log_level,
        }
        command = [
            sys.executable, "-m", "service.cli", "serve",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
        ]  # fmt: skip
        log = self.log_path.open("ab")
        self._log_offset = log.tell()
        # A session of its own: SIGKILL can take the workers down with the supervisor.
        self.process = subprocess.Popen(
            command, cwd=self.workdir, env=env, stdout=log, stderr=log, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server not healthy after {timeout_s}s:\n{self.log()}")

    def log(self) -> str:
        """What this run of the server wrote so far."""
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode("utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL to the supervisor and every worker: a crash, nothing flushed."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def terminate(self, timeout_s: float = 30.0) -> int:
        """SIGTERM to the supervisor, as an orchestrator stops a service; its exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def stop(self) -> None:
        """Best-effort cleanup: a graceful stop, then a kill of whatever is left."""
        if self.process is None:
            return
        try:
            if self.process.poll() is None:
                self.terminate(timeout_s=20)
        except subprocess.TimeoutExpired:
            pass
        finally:
            # Workers orphaned by an earlier SIGKILL of the supervisor alone.
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)


@contextmanager
def running_server(
    database_url: str, *, workdir: Path, workers: int = 1, log_level: str = "INFO"
) -> Iterator[ServerProcess]:
    server = ServerProcess(database_url, workdir=workdir, workers=workers, log_level=log_level)
    server.start()
    try:
        yield server
    finally:
        server.stop()
