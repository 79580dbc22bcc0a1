"""Conditional requests (RFC 9110 section 13): validators and the 304 decision."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.datastructures import Headers


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
