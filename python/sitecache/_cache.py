"""One named cache: Django's low-level API, memoized render steps, builds and stats."""

from __future__ import annotations

import datetime
from typing import Any, Callable, Iterable, Mapping, Optional, TypeVar, Union, overload

from . import _core
from ._build import Build
from ._cached import cached_function
from ._stats import cache_stats

__all__ = ["Cache"]

Key = Union[str, bytes]
Value = Union[str, bytes]
# None: the cache's configured timeout. Seconds (int or float) or a timedelta: expire
# after that long; zero or less: do not store. A string as in sitecache.toml: "90s",
# "15m", "7d", "1h30m", or "none" for never.
Timeout = Union[None, int, float, datetime.timedelta, str]
Inputs = Union[Mapping[str, Any], Iterable["tuple[str, Any]"]]
F = TypeVar("F", bound=Callable[..., Any])


class Cache:
    """One named cache of a configuration (``caches["default"]``).

    Keys and values are ``str`` or ``bytes``; a ``str`` is stored as UTF-8. Values come
    back as ``bytes``, or as ``str`` when you pass ``text=True``. Every method may be
    called from any thread: the GIL is released while the library hashes, and while
    the backend reads or writes.

    With ``on_error = "miss"`` (the default) a failing backend makes reads miss and
    writes do nothing, with one warning; with ``on_error = "fail"`` the failure raises
    :class:`BackendError`. An entry that fails its checks (corrupt, truncated) is a miss.
    """

    __slots__ = ("_native", "__weakref__")

    def __init__(self, native: "_core.Cache") -> None:
        self._native = native

    @property
    def name(self) -> str:
        """The cache's name in the configuration."""
        return self._native.name

    @property
    def settings(self) -> dict[str, Any]:
        """name, backend, location, key_prefix, version, read_only and on_error."""
        return self._native.settings

    # --- Django's low-level API -------------------------------------------------------

    @overload
    def get(self, key: Key, default: None = None, *, text: bool = False) -> Optional[bytes]: ...
    @overload
    def get(self, key: Key, default: Any, *, text: bool = False) -> Any: ...

    def get(self, key: Key, default: Any = None, *, text: bool = False) -> Any:
        """The stored value of ``key`` (``bytes``, or ``str`` with ``text=True``), or
        ``default`` when there is none."""
        value = self._native.get(key, text)
        return default if value is None else value

    def set(
        self,
        key: Key,
        value: Value,
        timeout: Timeout = None,
        *,
        slot: Optional[str] = None,
        tags: Iterable[str] = (),
    ) -> None:
        """Stores ``value`` under ``key``. ``slot`` and ``tags`` label the entry for
        ``sitecache clear --slot/--tag`` and ``explain``. Silently skipped on a
        read-only cache."""
        self._native.set(key, value, timeout, slot, tags)

    def add(self, key: Key, value: Value, timeout: Timeout = None) -> bool:
        """Stores ``value`` only if ``key`` is absent; True when it was stored."""
        return self._native.add(key, value, timeout)

    def delete(self, key: Key) -> bool:
        """Removes ``key``; True when something was removed."""
        return self._native.delete(key)

    def touch(self, key: Key, timeout: Timeout = None) -> bool:
        """Gives ``key`` a new expiry (the default timeout when None); False when absent."""
        return self._native.touch(key, timeout)

    def incr(self, key: Key, delta: int = 1) -> int:
        """Adds ``delta`` to a stored decimal integer, keeping its expiry.

        Raises:
            NotFoundError: the key is absent.
            InvalidArgument: the value is not an integer, or the result overflows.
        """
        return self._native.incr(key, delta)

    def decr(self, key: Key, delta: int = 1) -> int:
        """``incr(key, -delta)``."""
        return self._native.incr(key, -delta)

    def clear(self) -> None:
        """Removes every entry of this cache's key prefix, and nothing else."""
        self._native.clear()

    def __contains__(self, key: Key) -> bool:
        return self._native.contains(key)

    # --- Memoizing render steps -------------------------------------------------------

    def memoize(
        self,
        step: str,
        inputs: Inputs,
        fn: Callable[[], Value],
        *,
        version: int = 1,
        slot: Optional[str] = None,
        tags: Iterable[str] = (),
        timeout: Timeout = None,
        text: bool = False,
    ) -> Any:
        """The stored output of ``step`` over ``inputs``, or ``fn()``'s after storing it.

        Args:
            step: the render step's name, e.g. ``"render-post"``.
            inputs: everything the step reads, by name: a mapping (or ``(name, value)``
                pairs). A ``pathlib.Path`` (any ``os.PathLike``) counts by its file's
                content; other values by their type and value: ``str``, ``bytes``,
                ``int``, ``float``, ``bool``, ``None`` and tuples, lists and dicts of
                these. The order of the inputs is part of the key.
            fn: renders the output on a miss, called with no arguments; returns
                ``str`` or ``bytes``. An exception from it reaches you and nothing is
                stored.
            version: the step's own version: bump it when the renderer's code changes.
            slot: the logical identity (e.g. the page's source path), what
                ``sitecache explain SLOT`` and stale clearing work with.
            tags: labels for ``sitecache clear --tag``.
            timeout: as for :meth:`set`.
            text: return ``str`` (UTF-8) instead of ``bytes``.

        Concurrent calls for one key, from any thread, render once. Inside a
        :meth:`build` every call is recorded for stats, ``explain`` and
        ``clear --stale``.

        Raises:
            TypeError: an input of an unsupported type, named.
            NotFoundError, BackendError: a file input cannot be read.
        """
        return self._native.memoize(step, inputs, fn, version, slot, tags, timeout, text, False)

    def cached(
        self,
        step: str,
        *,
        version: int = 1,
        timeout: Timeout = None,
        tags: Iterable[str] = (),
        text: bool = False,
    ) -> Callable[[F], F]:
        """Decorator: memoizes a function by its arguments (Django's ``cache_page``).

        ::

            @cache.cached("render-post", version=2, text=True)
            def render_post(source: str, layout: str = "post") -> str: ...

        The key is made of the step, its version and every argument bound to its
        parameter name (defaults included, so ``f(1)`` and ``f(x=1)`` share an entry).
        Arguments must be ``str``, ``bytes``, ``int``, ``float``, ``bool``, ``None``, or
        tuples, lists and dicts of these; anything else raises ``TypeError`` naming the
        argument, never a silent ``repr``. The function must return ``str`` or
        ``bytes``; the decorated one returns ``str`` when ``text=True``, else ``bytes``.
        The slot is ``step(arg, ...)``, as ``sitecache ls`` and ``explain`` show it.
        """
        return cached_function(self, step, version=version, timeout=timeout, tags=tags, text=text)

    def _memoize_arguments(
        self,
        step: str,
        arguments: Mapping[str, Any],
        fn: Callable[[], Value],
        version: int,
        slot: str,
        tags: Iterable[str],
        timeout: Timeout,
        text: bool,
    ) -> Any:
        # memoize for @cached: arguments are hashed by value (a Path is not a file here)
        # and named "argument 'x'" in errors.
        return self._native.memoize(step, arguments, fn, version, slot, tags, timeout, text, True)

    # --- Builds and statistics --------------------------------------------------------

    def build(self) -> Build:
        """Starts recording a build; use it as a context manager::

            with cache.build() as build:
                ...  # memoize calls, from any thread
            print(build.record["hits"])

        One build per cache at a time: starting one finishes the open one.
        """
        return Build(self._native.begin_build())

    def stats(self, builds: int = 10) -> dict[str, Any]:
        """What ``sitecache stats --json`` says about this cache, as a dict: name,
        backend, location, key_prefix, version, plugin, entries, bytes, max_entries,
        max_bytes, evictions, error, last_build and recent (the newest ``builds``
        build records summed up, with their history). docs/json.md has every field."""
        return cache_stats(self._native, builds)

    def counters(self) -> dict[str, int]:
        """This process's counters since the cache was opened: hits, misses, sets,
        deletes, errors, corrupt, rejected (refused by signature checks), bytes_read,
        bytes_written."""
        return self._native.counters()

    def __repr__(self) -> str:
        settings = self.settings
        return f"<sitecache.Cache {self.name!r} ({settings['backend']})>"
