"""Domain events inside one transaction: a lower domain announces a change, a higher one
acts on it, and neither import runs upwards.

A domain that changes something others may care about declares a `Signal` in its
service module and sends it with the session of the change, before its commit; a domain
above it (notifications writes its outbox this way) connects a receiver when its service
module is imported. Receivers run synchronously, in the sender's transaction: a change
that commits has their writes, a rolled-back one has none. A receiver's exception
propagates to the sender, which rolls back as for any other failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Signal:
    """A named announcement with the receivers connected to it, in connection order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[Callable[..., Any]] = []

    def connect(self, receiver: Callable[..., Any]) -> Callable[..., Any]:
        """Adds a receiver (usable as a decorator); connecting one twice keeps one."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def send(self, **payload: Any) -> None:
        for receiver in list(self._receivers):
            receiver(**payload)

    def __repr__(self) -> str:
        return f"Signal({self.name!r}, {len(self._receivers)} receivers)"
