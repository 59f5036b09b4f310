"""The search step: MkDocs' own search plugin's entries for a page, from the cache.

The built-in search plugin indexes every page in ``on_page_context`` by parsing the
page's HTML (``SearchIndex.add_entry_from_context``). With the page renders cached, that
parse was the largest cost left in a warm build (docs/perf/mkdocs.md). The entries it
adds are a function of the page's HTML, URL, title and table of contents and of the
search plugin's configuration, so they are memoized per page: on a hit the stored
entries are appended to the index where the parse would have appended them, and
``search_index.json`` comes out byte-identical (the MkDocs tests compare whole sites).

Only indexes whose code is known are wrapped, matched by exact type: MkDocs' own and
Material 8's subclass of it (which also copies ``page.meta["tags"]``, so the page's
metadata is in the key). A subclass of either, or another search plugin (Material 9's
``material/search``), may index differently and runs as without sitecache. The wrapper
is an instance attribute on this build's index object, which the search plugin creates
anew in every ``on_pre_build``.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional

import sitecache

from .fingerprint import Uncacheable, plain

__all__ = ["SearchStep", "known_search_index"]

STEP = "mkdocs.search"
VERSION = 1


# module.QualifiedName of the search plugins and of their index classes that are known
# to index a page from its URL, title, table of contents, HTML and metadata only.
_KNOWN_PLUGINS = frozenset({"mkdocs.contrib.search.SearchPlugin",
                            "material.plugins.search.plugin.SearchPlugin"})
_KNOWN_INDEXES = frozenset({"mkdocs.contrib.search.search_index.SearchIndex",
                            "material.plugins.search.plugin.SearchIndex"})


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def known_search_index(plugins: Any) -> Optional[Any]:
    """This build's index of a search plugin whose indexing is known, or None when the
    site uses no such plugin (or it has made no index yet)."""
    for plugin in plugins.values():
        if _name(type(plugin)) in _KNOWN_PLUGINS:
            index = getattr(plugin, "search_index", None)
            if (index is not None and _name(type(index)) in _KNOWN_INDEXES
                    and isinstance(getattr(index, "_entries", None), list)):
                return index
    return None


def _toc_state(toc: Any) -> list:
    """What the index reads of a table of contents: each anchor's id, title and URL."""
    return [{"id": a.id, "title": a.title, "url": a.url, "children": _toc_state(a.children)}
            for a in toc]


def _json_exact(value: Any, depth: int = 0) -> bool:
    """Whether JSON gives ``value`` back equal and of the same types."""
    t = type(value)
    if t is str or t is bool or t is int or value is None:
        return True
    if depth > 20:
        return False
    if t is list:
        return all(_json_exact(v, depth + 1) for v in value)
    if t is dict:
        return all(type(k) is str and _json_exact(v, depth + 1) for k, v in value.items())
    return False


def _entries_text(entries: list) -> str:
    """The entries as stored: JSON, checked to give them back exactly."""
    if not _json_exact(entries):
        raise Uncacheable("a search entry with a value JSON does not give back exactly")
    return json.dumps(entries, ensure_ascii=False, separators=(",", ":"))


class SearchStep:
    """Memoizes ``add_entry_from_context`` of one build's search index.

    Args:
        cache: the sitecache cache.
        versions: the digest of the code that renders (it includes MkDocs' version).
        index: the search plugin's ``SearchIndex`` of this build.
        say_once: reports a reason for not caching something, once per text.
    """

    def __init__(self, cache: sitecache.Cache, versions: str, index: Any,
                 say_once: Callable[[str], None]) -> None:
        self._cache = cache
        self._index = index
        self._say_once = say_once
        # The index's class is in the key: MkDocs' and Material's read the same
        # configuration and come with the same versions, but make different entries.
        self._site = {"versions": versions, "index": _name(type(index)),
                      "search": sitecache.digest(plain(index.config))}

    def install(self) -> None:
        original = self._index.add_entry_from_context
        self._index.add_entry_from_context = lambda page: self.add(page, original)

    def _inputs(self, page: Any) -> dict[str, Any]:
        """Everything the known indexes read of a page (raises Uncacheable)."""
        return {
            **self._site,
            "url": page.url,
            "title": plain(page.title),
            "toc": plain(_toc_state(page.toc)),
            "meta": plain(page.meta),
            "content": page.content,
        }

    def add(self, page: Any, original: Callable[[Any], None]) -> None:
        try:
            inputs = self._inputs(page)
        except Uncacheable as reason:
            self._say_once(f"some pages are indexed for search without the cache: {reason}")
            original(page)
            return
        entries = self._index._entries
        rendered = False

        def index_page() -> str:
            nonlocal rendered
            rendered = True
            before = len(entries)
            original(page)
            return _entries_text(entries[before:])

        try:
            stored = self._cache.memoize(STEP, inputs, index_page, version=VERSION,
                                         slot=page.file.src_uri, text=True)
        except (Uncacheable, UnicodeError) as reason:
            # Uncacheable comes from index_page, after the page was indexed; a
            # UnicodeError from making the key (a lone surrogate in the metadata), before.
            self._say_once(f"some pages are indexed for search without the cache: {reason}")
            if not rendered:
                original(page)
            return
        if not rendered:
            entries.extend(json.loads(stored))
