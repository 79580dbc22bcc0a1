"""ASGI middleware: request ids and access logs, the in-flight request limit, the
refusal of unrepresentable input, and the request body size limit."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from typing import Any

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.core.errors import PROBLEM_JSON, problem_response
from service.core.i18n import gettext, vi_en
from service.core.logs import request_id_var

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Calendar feeds (/calendars/{token}.ics) and personal pages (/p/{token}) carry a token
# in the path; logs keep only their shape. A segment shaped like a token anywhere else
# (a client that put one in the wrong place) is masked too.
_TOKEN_IN_PATH = re.compile(r"(/calendars/|/p/)[^/?]+")
_TOKEN_SHAPED_SEGMENT = re.compile(r"(?<=/)(?:mx[op]_[^/]*|[A-Za-z0-9_-]{32,}[^/]*)")


def redacted_path(path: str) -> str:
    """The path as logs may show it: no token, no query string (the ASGI path has none)."""
    return _TOKEN_SHAPED_SEGMENT.sub("***", _TOKEN_IN_PATH.sub(r"\1***", path))


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, logger: logging.Logger) -> None:
        self.app = app
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder: dict[str, Any] = {"status": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.logger.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": redacted_path(scope.get("path", "")),
                    "status": status_holder["status"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)


class BodySizeLimitMiddleware:
    """Refuses bodies over the limit with 413 before they reach the parsers, whether the
    client announced the length or streams it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, send)
            return
        # With a declared length the server stops at it; with neither a length nor a
        # chunked transfer (a GET, say) there is no body at all.
        if declared is not None or b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return
        # No declared length (chunked upload): buffer up to the limit, then replay, so an
        # oversized stream is refused before any handler sees part of it.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, scope: Scope, send: Send) -> None:
        path = scope.get("path", "")
        if path.startswith("/api/") or path == "/healthz":
            media_type, body = PROBLEM_JSON, self._problem()
        else:
            # A page's form (an import file, say): answer with a page, not JSON.
            media_type, body = "text/html; charset=utf-8", self._page()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", media_type.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _problem(self) -> bytes:
        problem = {
            "type": "about:blank",
            "title": vi_en("problem.413"),
            "status": 413,
            "detail": "The request body exceeds the limit",
        }
        return json.dumps(problem, separators=(",", ":")).encode()

    def _page(self) -> bytes:
        limit = f"{self.max_bytes / 1_048_576:.0f} MB"
        title, back = vi_en("upload.too_large"), vi_en("common.back")
        body_vi = gettext("vi", "upload.too_large.body", limit=limit)
        body_en = gettext("en", "upload.too_large.body", limit=limit)
        return (
            '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title></head><body>"
            f"<h1>{title}</h1>"
            f"<p>{body_vi}</p>"
            f'<p lang="en">{body_en}</p>'
            f'<p><a href="javascript:history.back()">{back}</a></p>'
            "</body></html>"
        ).encode()


class InFlightLimitMiddleware:
    """Queues requests beyond the worker thread pool's size, in the event loop.

    A sync request takes a pool thread per stage (token check, then the handler) and
    holds its database connection, and on SQLite the write lock, between the stages. With
    more requests in flight than threads, every thread can end up waiting for a
    connection or the lock held by a request that is itself waiting for a thread: the
    worker stalls until the 30 s timeouts fire. Capping the requests in flight at the
    number of threads leaves the holder a thread, so a burst queues instead of stalling.
    """

    def __init__(self, app: ASGIApp, limit: int | None = None) -> None:
        self.app = app
        self.limit = limit
        # One semaphore per event loop (a test client runs each app in a loop of its own).
        self._slots: tuple[asyncio.AbstractEventLoop, anyio.Semaphore] | None = None

    def _semaphore(self) -> anyio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots[0] is not loop:
            limit = self.limit or int(anyio.to_thread.current_default_thread_limiter().total_tokens)
            self._slots = (loop, anyio.Semaphore(limit))
        return self._slots[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with self._semaphore():
            await self.app(scope, receive, send)


# Every id column is a PostgreSQL INTEGER: a larger number cannot name a row, and binding
# it would fail in the database (a 500) instead of answering "not found".
_LARGEST_ID = 2**31 - 1
_NUMBER_SEGMENT = re.compile(r"^-?[0-9]+$")


class UnrepresentableInputMiddleware:
    """Refuses, before any handler runs, input the databases cannot even compare:
    a NUL character in the path or query (PostgreSQL text cannot hold one), answered
    422, and a numeric path segment beyond the id range, answered 404 like any unknown id.
    SQLite and PostgreSQL then answer these alike."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        query: bytes = scope.get("query_string", b"")
        response = None
        if "\x00" in path or b"%00" in query or b"\x00" in query:
            response = problem_response(
                422,
                vi_en("problem.422"),
                "The address must not contain a NUL character",
            )
        elif any(
            _NUMBER_SEGMENT.match(part) and abs(int(part)) > _LARGEST_ID for part in path.split("/")
        ):
            response = problem_response(404, vi_en("problem.404"), "Not found")
        if response is None:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)
