"""Meeting lists (a participant's agenda, an event's meetings) served from memory while
the data version (``service.changes``) has not moved, with a strong ETag and 304s.

Participants' phones reload the agenda all day long and nearly always find it unchanged;
the stored body then costs one indexed read instead of loading and serialising the
meetings again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import Depends
from pydantic import TypeAdapter
from starlette.datastructures import Headers
from starlette.responses import Response

from service.changes.versioned_cache import VersionedCache
from service.core.dependencies import shared
from service.kit.conditional import etag_matches
from service.kit.pagination import Page
from service.meetings.models import MeetingPublic

# Clients may keep a copy but must ask before reusing it: the answer is then a 304.
AGENDA_CACHE_CONTROL: Final = "private, no-cache"

MEETING_PAGE: Final = TypeAdapter(Page[MeetingPublic])


@dataclass(frozen=True, slots=True)
class StoredList:
    body: bytes
    etag: str


@dataclass(frozen=True, slots=True)
class ListKey:
    """What a meeting list depends on besides the data: who is shown and which page."""

    event_id: int
    participant_id: int | None
    include_cancelled: bool
    offset: int
    limit: int


def stored_list(page: Page[MeetingPublic]) -> StoredList:
    body = MEETING_PAGE.dump_json(page)
    return StoredList(body=body, etag=f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"')


def list_response(*, headers: Headers, stored: StoredList) -> Response:
    """200 with the stored body, or 304 when If-None-Match holds its ETag."""
    validators = {"ETag": stored.etag, "Cache-Control": AGENDA_CACHE_CONTROL}
    if_none_match = headers.getlist("if-none-match")
    if if_none_match and etag_matches(",".join(if_none_match), stored.etag):
        return Response(status_code=304, headers=validators)
    return Response(content=stored.body, media_type="application/json", headers=validators)


class AgendaCache(VersionedCache[StoredList]):
    """The app's cache of meeting-list answers, made once by create_app."""

    def __init__(self, max_entries: int = 4096) -> None:
        super().__init__(max_entries=max_entries)


ListCacheDep = Annotated[AgendaCache, Depends(shared(AgendaCache))]
