"""A real MeetX server on 127.0.0.1 and a headless Chromium, for the browser tests.

The server runs uvicorn in a thread on a fresh SQLite file database, migrated and seeded
like `meetx serve` does, because a browser needs real HTTP and committed data (not the
rolled-back transaction of the other tests).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from sqlmodel import Session

from service.core.database import make_engine
from service.core.migrations import upgrade
from service.core.settings import Settings
from service.main import create_app
from service.seeding.reference_data import ensure_reference_data

ADMIN_TOKEN = "browser-admin-token-0123456789abcdef"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SCREENSHOT_DIR = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"


@dataclass
class LiveServer:
    url: str
    settings: Settings


def chromium_path() -> str | None:
    """Debian's chromium (what .ci/run installs), or MEETX_CHROMIUM if set."""
    for candidate in (
        os.environ.get("MEETX_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def browser_unavailable_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if chromium_path() is None:
        return "no chromium at /usr/bin/chromium (apt-get install chromium) or MEETX_CHROMIUM"
    return None


@contextmanager
def live_server(tmp_dir: Path) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_dir / 'browser.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        ensure_reference_data(session=session)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=url,
        admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
        public_url=base,
        log_level="WARNING",
    )
    app = create_app(settings, engine=engine)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(base, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        engine.dispose()


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> list[Path]:
    """Full-page screenshots of the page as it stands, at phone and at desktop width."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    paths = []
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        path = SCREENSHOT_DIR / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    if original:
        page.set_viewport_size(original)
    return paths
