"""Values cached in the process, each valid at the data version it was checked at."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Checked:
    """When a stored answer is known to be current without looking at its rows: while the
    data version is ``version`` and, for answers that change with time alone (a
    cancellation ageing out of a feed, the refresh interval as the event nears), before
    ``fresh_until``."""

    version: int
    fresh_until: datetime | None = None

    def holds(self, version: int, now: datetime | None) -> bool:
        """Whether the answer is still current; without a clock a timed one is not."""
        if version != self.version:
            return False
        return self.fresh_until is None or (now is not None and now < self.fresh_until)


class VersionedCache(Generic[V]):
    """Key -> value, valid while the data version is the one it was stored at and, for
    values that change with time alone (a cancelled meeting leaving a feed after 30 days),
    until ``fresh_until``. Least recently used entries go first beyond ``max_entries``.
    Thread-safe: sync endpoints run in a pool of threads."""

    def __init__(self, *, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[V, Checked]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, *, version: int, now: datetime | None = None) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or not entry[1].holds(version, now):
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(
        self, key: Hashable, value: V, *, version: int, fresh_until: datetime | None = None
    ) -> None:
        if self.max_entries <= 0:
            return
        with self._lock:
            self._entries[key] = (value, Checked(version, fresh_until))
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
