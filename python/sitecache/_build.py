"""Build sessions: ``with cache.build() as build:``."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Optional, Type

from . import _core

__all__ = ["Build"]


class Build:
    """An open build session of one cache.

    While it is open, every ``memoize`` and ``@cached`` call on the cache (and plain
    ``get``/``set``) is recorded: the key, step and slot, hit or miss, and how long
    renders took. Finishing writes a build record into the backend, which
    ``sitecache stats``, ``explain`` and ``clear --stale`` read. Leaving the ``with``
    block finishes it, also on an exception; so does dropping the last reference.
    """

    __slots__ = ("_native",)

    def __init__(self, native: "_core.Build") -> None:
        self._native = native

    @property
    def generation(self) -> int:
        """The build's number, unique per cache even across processes."""
        return self._native.generation

    @property
    def finished(self) -> bool:
        return self._native.finished

    @property
    def record(self) -> dict[str, Any]:
        """What has been recorded: the record once finished, a snapshot before.

        Fields as in docs/json.md's build record: generation, cache, started_ms,
        ended_ms, hits, misses, errors, bytes_read, bytes_written, saved_us, render_us,
        steps (per step: hits, misses, saved_us, render_us) and uses (per key, in
        first-use order: key, step, slot, hit).
        """
        return self._native.snapshot()

    def finish(self) -> dict[str, Any]:
        """Writes the build record and closes the session; returns the record.
        Calling it again returns the same record."""
        return self._native.finish()

    def __enter__(self) -> "Build":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.finish()

    def __repr__(self) -> str:
        state = "finished" if self.finished else "open"
        return f"<sitecache.Build #{self.generation} {state}>"
