"""Fixtures shared by the page tests that need a real server and a real browser.

Each test module gets its own live server (a fresh SQLite file, migrated and seeded like
`meetx serve`) and its own headless Chromium; both skip, saying why, when Chromium or
Playwright is absent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.service.pages.live_server import (
    LiveServer,
    browser_unavailable_reason,
    chromium,
    live_server,
)


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    reason = browser_unavailable_reason()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    folder = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    with live_server(folder) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: LiveServer) -> Iterator[Any]:
    with chromium() as running:
        yield running
