"""The exceptions sitecache raises.

Every failure the C++ library reports becomes one of these; its ``code`` is the
library's status code name (``"io"``, ``"unavailable"``, ``"config"``, ...). A cache
configured with ``on_error = "miss"`` (the default) turns backend failures into misses
and one warning, so with it a memoizing build does not see ``BackendError``.
"""

from __future__ import annotations

__all__ = [
    "Error",
    "ConfigError",
    "PluginError",
    "BackendError",
    "InvalidArgument",
    "NotFoundError",
    "ReadOnlyError",
]


class Error(Exception):
    """Base class of every sitecache error.

    Attributes:
        message: what went wrong, as the library says it.
        code: the library's status code name, e.g. ``"io"`` or ``"config"``.
    """

    def __init__(self, message: str, code: str = "internal") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class ConfigError(Error):
    """sitecache.toml is malformed; the message names file, line and column."""


class PluginError(Error):
    """A backend plugin could not be found or loaded, or broke its contract."""


class BackendError(Error):
    """The backend failed: ``code`` is io, corruption, unsupported, busy or unavailable."""


class InvalidArgument(Error, ValueError):
    """An argument the library refused: a bad duration, key or option."""


class NotFoundError(Error, LookupError):
    """Something named does not exist: a config file, an input file, a key to increment."""


class ReadOnlyError(Error):
    """A write was asked of a cache configured ``read_only = true``."""
