"""HTTP for feeds: conditional requests (RFC 9110 13), HEAD, and the calendar headers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Final

from starlette.datastructures import Headers
from starlette.responses import Response

from service.calendars.cache import Feed

CALENDAR_MEDIA_TYPE: Final = "text/calendar; charset=utf-8"
PRIVATE_CACHE: Final = "private, max-age=300"
PUBLIC_CACHE: Final = "public, max-age=300"


def _opaque(tag: str) -> str:
    # If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/"x" matches "x".
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match value (one tag, a list, or ``*``) matches ``etag``."""
    tags = [t for t in (part.strip() for part in if_none_match.split(",")) if t]
    if "*" in tags:
        return True
    return _opaque(etag) in {_opaque(t) for t in tags}


def _http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    # HTTP dates are GMT; a date without a zone is read as such.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def not_modified(headers: Headers, *, etag: str, last_modified: datetime) -> bool:
    """RFC 9110 13.2.2 for GET and HEAD: If-None-Match decides when present (and then
    If-Modified-Since is ignored); otherwise a valid If-Modified-Since not older than the
    resource's Last-Modified."""
    tags = headers.getlist("if-none-match")
    if tags:
        return etag_matches(",".join(tags), etag)
    since = headers.get("if-modified-since")
    if since is None:
        return False
    moment = _http_date(since)
    return moment is not None and last_modified.replace(microsecond=0) <= moment


def http_date(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC).replace(microsecond=0), usegmt=True)


def feed_response(
    *,
    method: str,
    headers: Headers,
    feed: Feed,
    cache_control: str,
    media_type: str = CALENDAR_MEDIA_TYPE,
    extra_headers: Mapping[str, str] | None = None,
) -> Response:
    """200 with the body, 304 when the client's copy is current, or the 200's headers
    alone for HEAD. The 304 carries the same validators and caching headers as the 200
    would (RFC 9110 15.4.5)."""
    common = {
        "ETag": feed.etag,
        "Last-Modified": http_date(feed.last_modified),
        "Cache-Control": cache_control,
        **(extra_headers or {}),
    }
    if not_modified(headers, etag=feed.etag, last_modified=feed.last_modified):
        return Response(status_code=304, headers=common)
    full = {**common, "Content-Disposition": f'inline; filename="{feed.filename}"'}
    if method == "HEAD":
        # Same headers as the GET, Content-Length included, and no body.
        full["Content-Length"] = str(len(feed.body))
        return Response(content=b"", media_type=media_type, headers=full)
    return Response(content=feed.body, media_type=media_type, headers=full)
