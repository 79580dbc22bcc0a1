"""The latest body of each calendar feed, kept in process and checked against the
fingerprint of the rows it was built from."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Feed:
    """A serialised calendar and the validators HTTP caching needs."""

    body: bytes
    etag: str
    last_modified: datetime
    filename: str


class FeedCache:
    """The latest body of each feed, with the fingerprint it was built for.

    One entry per feed (a newer fingerprint replaces the older body), least recently used
    evicted first once ``max_feeds`` or ``max_bytes`` is exceeded. Safe across the
    threads that serve sync endpoints; two threads missing at once both build, and the
    bodies are equal anyway.
    """

    def __init__(self, *, max_feeds: int = 2048, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_feeds = max_feeds
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[Hashable, Feed]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get_or_build(
        self, feed_key: Hashable, fingerprint: Hashable, build: Callable[[], Feed]
    ) -> Feed:
        with self._lock:
            stored = self._entries.get(feed_key)
            if stored is not None and stored[0] == fingerprint:
                self._entries.move_to_end(feed_key)
                return stored[1]
        feed = build()
        with self._lock:
            previous = self._entries.pop(feed_key, None)
            if previous is not None:
                self._bytes -= len(previous[1].body)
            if len(feed.body) <= self.max_bytes:
                self._entries[feed_key] = (fingerprint, feed)
                self._bytes += len(feed.body)
            while self._entries and (
                len(self._entries) > self.max_feeds or self._bytes > self.max_bytes
            ):
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)
        return feed

    def __len__(self) -> int:
        return len(self._entries)


def _no_cache(_key: Hashable, _fingerprint: Hashable, build: Callable[[], Feed]) -> Feed:
    return build()


CacheLookup = Callable[[Hashable, Hashable, Callable[[], Feed]], Feed]


def lookup(cache: FeedCache | None) -> CacheLookup:
    """``cache.get_or_build``, or a lookup that always builds when there is no cache."""
    return cache.get_or_build if cache is not None else _no_cache
