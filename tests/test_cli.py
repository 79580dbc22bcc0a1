"""The `meetx` command as a user runs it: serve with the demo, issue a token."""

from __future__ import annotations

import gc
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MEETX_DATABASE_URL": f"sqlite:///{tmp_path / 'meetx.db'}",
        "MEETX_ADMIN_TOKEN": "cli-admin-token-0123456789",
    }


def test_serve_demo_answers_the_contract_queries(tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--demo", "--port", str(port)],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        provinces = httpx.get(f"{base}/api/v1/provinces", params={"q": "binh duong"}).json()
        assert provinces["items"][0]["code"] == "79"
        assert provinces["items"][0]["matched_former"]["name"] == "Bình Dương"
        events = httpx.get(f"{base}/api/v1/events", params={"q": "gap go han quoc"}).json()
        assert "Gặp gỡ Hàn Quốc 2026" in [e["name"] for e in events["items"]]
        links = (tmp_path / "meetx-demo-links.csv").read_text(encoding="utf-8")
        assert f"{base}/p/" in links, "the links point at the port actually served"
        # The demo's day is scheduled at load: the first personal link opens on an agenda.
        first_page = links.splitlines()[1].split(",")[-2]
        page = httpx.get(first_page, timeout=10)
        assert page.status_code == 200
        assert 'class="agenda-meeting' in page.text
        assert "Chưa có cuộc gặp nào được xếp" not in page.text
    finally:
        server.terminate()
        server.wait(timeout=20)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells why.
    assert server.returncode in (0, -signal.SIGTERM)


def test_token_create_prints_a_working_organiser_token(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "token", "create", "--name", "Sở Ngoại vụ Bắc Ninh"],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    token = result.stdout.strip()
    assert token.startswith("mxo_") and len(token) > 40

    from fastapi.testclient import TestClient

    from service.core.settings import Settings
    from service.main import create_app

    app = create_app(
        Settings(database_url=_env(tmp_path)["MEETX_DATABASE_URL"], log_level="WARNING")
    )
    with TestClient(app) as client:
        payload = {
            "name": "Gặp gỡ Thái Lan 2027",
            "partner_country": "TH",
            "start_date": "2027-08-04",
            "end_date": "2027-08-04",
        }
        ok = client.post(
            "/api/v1/events", json=payload, headers={"Authorization": f"Bearer {token}"}
        )
        assert ok.status_code == 201, ok.text
    revoked = subprocess.run(
        [sys.executable, "-m", "service.cli", "token", "revoke", "1"],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert revoked.returncode == 0
    app = create_app(
        Settings(database_url=_env(tmp_path)["MEETX_DATABASE_URL"], log_level="WARNING")
    )
    with TestClient(app) as client:
        denied = client.post(
            "/api/v1/events", json=payload, headers={"Authorization": f"Bearer {token}"}
        )
        assert denied.status_code == 403


def test_the_served_app_keeps_its_startup_objects_out_of_full_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.cli import served_app
    from service.core.settings import get_settings

    monkeypatch.setenv("MEETX_DATABASE_URL", f"sqlite:///{tmp_path / 'served.db'}")
    get_settings.cache_clear()
    try:
        app = served_app()
        assert app.title == "MeetX"
        assert gc.get_freeze_count() > 100_000, "the libraries and the app are frozen"
    finally:
        gc.unfreeze()
        get_settings.cache_clear()
