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
class _Entry(Generic[V]):
    value: V
    version: int
    fresh_until: datetime | None


class VersionedCache(Generic[V]):
    """Key -> value, valid while the data version is the one it was stored at and, for
    values that change with time alone (a cancelled meeting leaving a feed after 30 days),
    until ``fresh_until``. Least recently used entries go first beyond ``max_entries``.
    Thread-safe: sync endpoints run in a pool of threads."""

    def __init__(self, *, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, _Entry[V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, *, version: int, now: datetime | None = None) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.version != version:
                return None
            if entry.fresh_until is not None and (now is None or now >= entry.fresh_until):
                return None
            self._entries.move_to_end(key)
            return entry.value

    def put(
        self, key: Hashable, value: V, *, version: int, fresh_until: datetime | None = None
    ) -> None:
        if self.max_entries <= 0:
            return
        with self._lock:
            self._entries[key] = _Entry(value, version, fresh_until)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
