"""Loading a configuration: ``sitecache.load()`` and the ``Caches`` it returns."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable, Iterator, Optional, Union

from . import _core
from ._cache import Cache

__all__ = ["load", "Caches"]

PathArg = Union[str, "os.PathLike[str]"]

_log = logging.getLogger("sitecache")

# The plugins an installed wheel carries (meson installs them here with
# -Dpython_wheel=true). In the build tree the library finds the build's own plugins.
_PACKAGE_PLUGINS = Path(__file__).resolve().with_name("plugins")


def _log_warning(message: str) -> None:
    _log.warning("sitecache: %s", message)


def load(
    path: Optional[PathArg] = None,
    *,
    working_dir: Optional[PathArg] = None,
    on_warning: Optional[Callable[[str], None]] = None,
) -> "Caches":
    """Loads a sitecache configuration and returns its caches.

    Args:
        path: the sitecache.toml to read. Without it: ``$SITECACHE_CONFIG``, else
            ``sitecache.toml`` in ``working_dir``, else the built-in default (one cache
            ``"default"`` on SQLite at ``.sitecache/cache.db`` under ``working_dir``).
        working_dir: where ``sitecache.toml`` and the default's relative paths are
            looked up; the current directory when None.
        on_warning: called with each warning (a backend that failed and now gives
            misses, said once per cache); by default they go to the ``sitecache``
            logger at WARNING level. Called from any thread; must not raise.

    Returns:
        The configured caches; ``caches["default"]`` is one of them.

    Raises:
        ConfigError: the file is missing (named by ``path`` or ``$SITECACHE_CONFIG``),
            unreadable or malformed; the message names file, line and column.

    ``SITECACHE_DISABLE=1`` in the environment turns every cache into one that never
    stores. Backends load lazily: a missing plugin is reported by the first call that
    needs it (as a miss and a warning under ``on_error = "miss"``).
    """
    plugin_dirs = [str(_PACKAGE_PLUGINS)] if _PACKAGE_PLUGINS.is_dir() else []
    native = _core.load(path, working_dir, True, plugin_dirs, on_warning or _log_warning)
    return Caches(native)


class Caches:
    """The named caches of one configuration, like Django's ``caches``.

    ``caches["default"]`` returns a :class:`Cache`; ``"name" in caches`` and iterating
    over the names work as for a mapping. The caches stay open as long as this object or
    any :class:`Cache` taken from it is referenced; dropping the last reference writes
    out what is still queued.
    """

    __slots__ = ("_native", "_caches")

    def __init__(self, native: "_core.Caches") -> None:
        self._native = native
        self._caches: dict[str, Cache] = {}

    def __getitem__(self, name: str) -> Cache:
        cache = self._caches.get(name)
        if cache is None:
            cache = Cache(self._native[name])
            self._caches[name] = cache
        return cache

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._native

    def __iter__(self) -> Iterator[str]:
        return iter(self._native.names())

    def __len__(self) -> int:
        return len(self._native.names())

    def names(self) -> list[str]:
        """The configured cache names, sorted."""
        return self._native.names()

    @property
    def source(self) -> Optional[str]:
        """The config file read, or None for the built-in default."""
        return self._native.source

    @property
    def base_dir(self) -> str:
        """The directory relative paths of the configuration resolve against."""
        return self._native.base_dir

    def __repr__(self) -> str:
        return f"<sitecache.Caches {self.names()} from {self.source or 'the default'}>"
