"""Operations: JSON logs with request ids and no secrets, a health check that asks the
database, and a graceful stop on SIGTERM."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.core.database import make_engine
from service.core.settings import Settings
from service.main import create_app
from tests.robustness.seed import API, create_event, register_participant
from tests.robustness.servers import ServerProcess, running_server, sqlite_url


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    workdir = tmp_path_factory.mktemp("operations")
    with running_server(sqlite_url(workdir), workdir=workdir, log_level="INFO") as running:
        yield running


def _log_entries(server: ServerProcess) -> list[dict[str, object]]:
    lines = [line for line in server.log().splitlines() if line.strip()]
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"a log line that is not JSON: {line[:200]}")
    return entries


def test_tokens_never_reach_the_logs(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        event_id = create_event(client, server.admin_headers)
        alice = register_participant(client, server.admin_headers, event_id, 1, label="log")
        bob = register_participant(client, server.admin_headers, event_id, 2, label="log")
        forged = "mxp_" + "A" * 43
        secrets = [alice.token, bob.token, server.admin_token, forged]
        trace = "trace-0c5e-ops"
        calls = [
            ("GET", f"{API}/events/{event_id}/participants/{alice.participant_id}",
             alice.headers, None),
            ("GET", f"{API}/calendars/{alice.token}.ics", {}, None),
            ("GET", f"{API}/calendars/{bob.token}.ics?token={bob.token}", {}, None),
            ("GET", f"/p/{alice.token}", {}, None),
            ("GET", f"/p/{alice.token}/agenda", {}, None),
            ("GET", f"{API}/events?q={alice.token}", {"X-Request-ID": trace}, None),
            ("GET", f"{API}/events/{event_id}/meetings", {"Authorization": f"Bearer {forged}"},
             None),
            ("GET", f"{API}/calendars/{forged}.ics", {}, None),
            ("GET", f"{API}/events/{event_id}/calendars/all.ics?token={server.admin_token}", {},
             None),
            ("POST", "/admin/login", {}, {"token": server.admin_token}),
            ("POST", "/admin/login", {}, {"token": forged}),
        ]  # fmt: skip
        for method, path, headers, form in calls:
            response = client.request(method, path, headers=headers, data=form)
            assert response.status_code < 500, (path, response.status_code)
            assert response.headers["x-request-id"]
        assert (
            client.get(f"{API}/events", headers={"X-Request-ID": trace}).headers["x-request-id"]
            == trace
        )
    time.sleep(0.5)  # the last lines reach the file

    log = server.log()
    for secret in secrets:
        assert secret not in log
        assert secret[4:24] not in log  # no fragment of one either
    requests = [e for e in _log_entries(server) if e.get("message") == "request"]
    assert len(requests) >= len(calls)
    for entry in requests:
        assert entry["request_id"] and entry["method"] and entry["status"]
        assert "?" not in str(entry["path"])  # query strings are never logged
    paths = {str(e["path"]) for e in requests}
    assert f"{API}/calendars/***" in paths
    assert "/p/***" in paths and "/p/***/agenda" in paths
    assert trace in {e["request_id"] for e in requests}


def test_uvicorn_writes_json_and_no_access_log(server: ServerProcess) -> None:
    entries = _log_entries(server)
    assert entries, "the server logged nothing"
    loggers = {str(e["logger"]) for e in entries}
    assert "uvicorn.access" not in loggers
    assert any(name.startswith("uvicorn") for name in loggers)  # startup lines, as JSON


def test_healthz_answers_503_when_the_database_is_down() -> None:
    url = "postgresql+psycopg://meetx@127.0.0.1:9/meetx?connect_timeout=1"
    app = create_app(Settings(database_url=url, log_level="WARNING"), make_engine(url))
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def _send_partial_request(port: int, body: bytes, headers: dict[str, str]) -> socket.socket:
    lines = [f"POST {API}/organizations HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body[: len(body) // 2])
    return connection


def _read_status(connection: socket.socket) -> int:
    received = b""
    while b"\r\n" not in received:
        chunk = connection.recv(4096)
        if not chunk:
            break
        received += chunk
    return int(received.split(b" ", 2)[1])


def test_sigterm_lets_the_request_in_flight_finish_and_exits_0(tmp_path: Path) -> None:
    server = ServerProcess(sqlite_url(tmp_path), workdir=tmp_path, log_level="INFO")
    server.start()
    try:
        body = json.dumps(
            {"kind": "company", "name": "Công ty Kết thúc Êm", "country": "VN"}
        ).encode()
        # Headers and half the body are in: the request is in flight, its handler
        # waiting for the rest, when the stop signal arrives.
        connection = _send_partial_request(server.port, body, server.admin_headers)
        time.sleep(0.5)
        assert server.process is not None
        server.process.send_signal(15)
        time.sleep(1.0)
        assert server.process.poll() is None, "the server quit with a request in flight"
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
        connection.sendall(body[len(body) // 2 :])
        assert _read_status(connection) == 201
        connection.close()
        assert server.process.wait(timeout=30) == 0
    finally:
        server.stop()
    assert "Waiting for application shutdown" in server.log()
