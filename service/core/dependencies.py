"""The app's shared objects (caches, the job engine, the mailer), made once and handed out.

Each object is built in the app factory (`service.main.create_app`) and registered here
under its class; routes and pages receive it as an `Annotated` dependency made by
`shared(Kind)`. Nothing is created lazily on first use, so every process has exactly the
objects its factory made, a test app has its own, and the pages and the API share one
instance of each (the dashboard's schedule run reuses the index the API built).

The registry knows no domain: a domain declares its dependency next to its object's
class, e.g. ``FeedCacheDep = Annotated[FeedCache, Depends(shared(FeedCache))]``, and the
factory registers the instance. Asking for an object the factory did not register is a
programming error and fails loudly.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from starlette.requests import HTTPConnection

T = TypeVar("T")


class SharedObjects:
    """One instance per class, registered by the app factory."""

    def __init__(self, *objects: object) -> None:
        self._by_kind: dict[type, object] = {}
        for obj in objects:
            self.register(obj)

    def register(self, obj: object, *, kind: type | None = None) -> None:
        kind = kind or type(obj)
        if kind in self._by_kind:
            raise ValueError(f"a shared {kind.__name__} is registered already")
        self._by_kind[kind] = obj

    def get(self, kind: type[T]) -> T:
        try:
            return self._by_kind[kind]  # type: ignore[return-value]
        except KeyError:
            raise LookupError(f"no shared {kind.__name__}: create_app must register it") from None

    def __contains__(self, kind: type) -> bool:
        return kind in self._by_kind


def shared_objects(app: Any) -> SharedObjects:
    """The registry of an app (also for code that holds the app, not a request)."""
    return app.state.shared


_dependencies: dict[type, Callable[..., Coroutine[Any, Any, Any]]] = {}


def shared(kind: type[T]) -> Callable[[HTTPConnection], Coroutine[Any, Any, T]]:
    """The dependency that hands out the app's `kind`: one function per class, so a test
    or benchmark can override it with ``app.dependency_overrides[shared(Kind)]``.

    Async, so FastAPI calls it on the event loop instead of sending it to a thread.
    """
    dependency = _dependencies.get(kind)
    if dependency is None:

        async def dependency(connection: HTTPConnection) -> Any:
            return shared_objects(connection.app).get(kind)

        dependency.__name__ = f"shared_{kind.__name__}"
        _dependencies[kind] = dependency
    return dependency
