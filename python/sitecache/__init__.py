"""sitecache: a build cache for static-site generators.

A site generator asks sitecache to memoize an expensive render step (a page, a
fragment, a highlighted code block); sitecache derives a content-hash key from
everything the step read and, on the next build, returns the stored output instead of
rendering again. Storage is pluggable (SQLite by default; files, Redis, memcached,
HTTP) and configured in sitecache.toml the way Django configures ``CACHES``. This
package is the Python face of the C++ library: same keys, same entries, same build
records, so the ``sitecache`` command (stats, ls, explain, clear --stale) works on what
Python stores.

Example::

    import pathlib
    import sitecache

    cache = sitecache.load()["default"]      # ./sitecache.toml, or SQLite in .sitecache/
    with cache.build():                      # recorded for `sitecache stats/explain`
        for source in pathlib.Path("posts").glob("*.md"):
            html = cache.memoize(
                "render-post", {"source": source, "layout": "v2"},
                lambda: render(source.read_text()),
                slot=str(source), text=True)

    @cache.cached("excerpt", version=2, text=True)
    def excerpt(text: str, words: int = 40) -> str: ...

Contents:
    load             read a configuration: returns Caches (``caches["default"]``)
    Cache            get/set/add/delete/touch/incr, memoize, cached, build, stats
    Build            a build session (a context manager)
    digest           the typed digest of a value, as memoize keys use it
    file_digest      the content digest of a file (through the stat cache)
    Error            base of ConfigError, PluginError, BackendError, InvalidArgument,
                     NotFoundError and ReadOnlyError

The MkDocs plugin is ``sitecache.mkdocs`` (``plugins: [sitecache]`` in mkdocs.yml).
"""

from __future__ import annotations

import os
from typing import Any, Union

from ._errors import (
    BackendError,
    ConfigError,
    Error,
    InvalidArgument,
    NotFoundError,
    PluginError,
    ReadOnlyError,
)
from . import _core
from ._build import Build
from ._cache import Cache
from ._caches import Caches, load
from ._version import __version__

__all__ = [
    "load",
    "Caches",
    "Cache",
    "Build",
    "digest",
    "file_digest",
    "Error",
    "ConfigError",
    "PluginError",
    "BackendError",
    "InvalidArgument",
    "NotFoundError",
    "ReadOnlyError",
    "__version__",
]


def digest(value: Any) -> str:
    """The typed digest (32 hex digits) memoize records for ``value`` as an input.

    Supported values as for ``memoize`` (str, bytes, int, float, bool, None and
    tuples, lists and dicts of these); anything else is a TypeError. Useful to fold a
    large structure shared by many steps into one short input once.
    """
    return _core.digest(value)


def file_digest(path: Union[str, "os.PathLike[str]"]) -> str:
    """The content digest (32 hex digits) of a file, through the process's stat cache:
    an unchanged file is not read again. Raises NotFoundError or BackendError."""
    return _core.file_digest(path)
