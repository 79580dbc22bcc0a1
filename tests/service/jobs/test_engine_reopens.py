"""Job runners outlive their database going away (service/jobs/engine.py,
ProcrastinateEngine._serve): the web's own runner starts while PostgreSQL is down (its
thread used to die when its pool's opening timed out), and a `meetx worker` goes on
through a cut of every connection (procrastinate stopped it, and the process ended with
status 0, as if asked to); the jobs queued once PostgreSQL answers run."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from service.core.dependencies import shared_objects
from service.jobs.engine import JobEngine
from tests.service.jobs.world import database_url, wait_for, web, workers


class Gate:
    """A TCP port in front of PostgreSQL that hangs up on every connection until opened,
    and can cut the connections it carries."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.open = threading.Event()
        self.refused = 0
        self.carried: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()  # as a database that is down would
                self.refused += 1
                continue
            upstream = socket.create_connection(self.target)
            self.carried += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()

    def cut(self) -> None:
        """As a restart of the database: every connection ends, new ones are refused."""
        self.open.clear()
        for end in self.carried:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
        self.carried = []

    def close(self) -> None:
        self._closed = True
        self.listener.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    for end in (source, sink):
        with suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)


@contextmanager
def gated(url: str) -> Iterator[tuple[Gate, str]]:
    real = sa.make_url(url)
    gate = Gate((real.host or "127.0.0.1", real.port or 5432))
    try:
        yield gate, real.set(host="127.0.0.1", port=gate.port).render_as_string(hide_password=False)
    finally:
        gate.close()


def test_the_runner_opens_again_when_the_database_comes_back(tmp_path: Path) -> None:
    with database_url("postgresql", tmp_path) as url, gated(url) as (gate, through_gate):
        with web(through_gate, run_jobs=True) as client:
            engine = shared_objects(client.app).get(JobEngine)
            assert engine.name == "procrastinate"
            assert gate.refused > 0, "the runner started while the database was down"
            gate.open.set()  # the database is back
            with Session(engine.engine, expire_on_commit=False) as session:
                job, _ = engine.enqueue(session=session, kind="jobs.sleep", params={})
            ended = wait_for(client, job.id, {"succeeded", "failed", "cancelled"}, 60)
        assert ended["status"] == "succeeded", ended


def test_a_worker_goes_on_after_the_database_cut_its_connections(tmp_path: Path) -> None:
    with database_url("postgresql", tmp_path) as url, gated(url) as (gate, through_gate):
        gate.open.set()
        with web(url) as client, workers(through_gate, tmp_path) as (worker,):
            engine = shared_objects(client.app).get(JobEngine)

            def run_one() -> dict:
                with Session(engine.engine, expire_on_commit=False) as session:
                    job, _ = engine.enqueue(session=session, kind="jobs.sleep", params={})
                return wait_for(client, job.id, {"succeeded", "failed", "cancelled"}, 60)

            assert run_one()["status"] == "succeeded", worker.log()
            gate.cut()
            time.sleep(3)  # the worker meets the cut and tries again while it lasts
            assert worker.process.poll() is None, worker.log()
            gate.open.set()
            assert run_one()["status"] == "succeeded", worker.log()
            assert worker.process.poll() is None, worker.log()
        assert "opening again" in worker.log()
