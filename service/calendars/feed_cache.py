"""The latest body of each calendar feed, kept in process and checked against the
fingerprint of the rows it was built from, or, cheaper, against the data version it was
last checked at (``service.changes``)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from service.changes.versioned_cache import Checked


@dataclass(frozen=True, slots=True)
class Feed:
    """A serialised calendar and the validators HTTP caching needs."""

    body: bytes
    etag: str
    last_modified: datetime
    filename: str


@dataclass(frozen=True, slots=True)
class _Entry:
    fingerprint: Hashable
    feed: Feed
    checked: Checked | None


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
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def current(self, feed_key: Hashable, *, version: int, now: datetime) -> Feed | None:
        """The stored body when it was checked at ``version`` and is still fresh."""
        with self._lock:
            entry = self._entries.get(feed_key)
            if entry is None or entry.checked is None or not entry.checked.holds(version, now):
                return None
            self._entries.move_to_end(feed_key)
            return entry.feed

    def get_or_build(
        self,
        feed_key: Hashable,
        fingerprint: Hashable,
        build: Callable[[], Feed],
        checked: Checked | None = None,
    ) -> Feed:
        """The stored body when its fingerprint is ``fingerprint``, else a new one.
        ``checked`` records the version the fingerprint was read after."""
        with self._lock:
            stored = self._entries.get(feed_key)
            if stored is not None and stored.fingerprint == fingerprint:
                self._entries[feed_key] = _Entry(fingerprint, stored.feed, checked)
                self._entries.move_to_end(feed_key)
                return stored.feed
        feed = build()
        with self._lock:
            previous = self._entries.pop(feed_key, None)
            if previous is not None:
                self._bytes -= len(previous.feed.body)
            if len(feed.body) <= self.max_bytes:
                self._entries[feed_key] = _Entry(fingerprint, feed, checked)
                self._bytes += len(feed.body)
            while self._entries and (
                len(self._entries) > self.max_feeds or self._bytes > self.max_bytes
            ):
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.feed.body)
        return feed

    def __len__(self) -> int:
        return len(self._entries)


def _no_cache(
    _key: Hashable, _fingerprint: Hashable, build: Callable[[], Feed], _checked: Checked | None
) -> Feed:
    return build()


class CacheLookup(Protocol):
    def __call__(
        self,
        feed_key: Hashable,
        fingerprint: Hashable,
        build: Callable[[], Feed],
        checked: Checked | None = None,
    ) -> Feed: ...


def lookup(cache: FeedCache | None) -> CacheLookup:
    """``cache.get_or_build``, or a lookup that always builds when there is no cache."""
    return cache.get_or_build if cache is not None else _no_cache  # type: ignore[return-value]
