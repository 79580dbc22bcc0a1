"""HTTP for feeds: conditional requests (RFC 9110 13), HEAD, and the calendar headers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from starlette.datastructures import Headers
from starlette.responses import Response

from service.calendars.feed_cache import Feed
from service.kit.conditional import etag_matches, http_date, not_modified

__all__ = ["etag_matches", "feed_response", "http_date", "not_modified"]

CALENDAR_MEDIA_TYPE: Final = "text/calendar; charset=utf-8"
PRIVATE_CACHE: Final = "private, max-age=300"
PUBLIC_CACHE: Final = "public, max-age=300"


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
