"""The plugin's options in mkdocs.yml, and their validation.

    plugins:
      - sitecache:
          config_file: sitecache.toml   # default: $SITECACHE_CONFIG, ./sitecache.toml, or
                                        # SQLite in .sitecache/ beside mkdocs.yml
          cache: default                # which cache of that file
          mode: full                    # full | markdown | off
          safe_plugins: []              # plugins reviewed as safe with whole-page caching
          pure_extensions: []           # Markdown extensions reviewed as pure
          enabled: true

Problems stop ``mkdocs build`` as MkDocs' own configuration errors do, naming the
option: an unknown option (MkDocs itself only warns about those, but a misspelt option
of a cache would silently change what is cached), a wrong type, an unreadable or
malformed sitecache.toml, a cache name the file does not define.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from mkdocs.config import base
from mkdocs.config import config_options as c

import sitecache

__all__ = ["SitecacheOptions", "MODES", "check_options", "open_cache"]

MODES = ("full", "markdown", "off")


class SitecacheOptions(base.Config):
    enabled = c.Type(bool, default=True)
    config_file = c.Optional(c.Type(str))
    cache = c.Type(str, default="default")
    mode = c.Choice(MODES, default="full")
    safe_plugins = c.ListOfItems(c.Type(str), default=[])
    pure_extensions = c.ListOfItems(c.Type(str), default=[])


def check_options(options: Any, schema: Any, errors: list, warnings: list) -> None:
    """Turns MkDocs' warnings about unknown options into errors."""
    known = [name for name, _ in schema]
    for name in list(options or {}):
        if name in known:
            continue
        warnings[:] = [w for w in warnings if not (isinstance(w, tuple) and w[0] == name)]
        errors.append((name, f"unknown option; sitecache's options are {', '.join(known)}"))


def open_cache(options: Any, config_file_path: Optional[str]) -> tuple[Optional[Any], list]:
    """Loads the sitecache configuration the options name and returns (the cache, errors)."""
    project_dir = os.path.dirname(os.path.abspath(config_file_path or "mkdocs.yml"))
    path = options["config_file"]
    if path is not None and not os.path.isabs(path):
        path = os.path.join(project_dir, path)
    try:
        caches = sitecache.load(path, working_dir=project_dir)
    except sitecache.Error as error:
        return None, [("config_file", str(error))]
    name = options["cache"]
    if name not in caches:
        where = caches.source or "the default configuration"
        return None, [("cache", f"{where} defines no cache {name!r} "
                                f"(it has {', '.join(caches.names())})")]
    return caches[name], []
