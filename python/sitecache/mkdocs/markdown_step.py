"""The Markdown step: ``Page.render`` (Markdown to HTML) served from the cache.

MkDocs calls ``page.render(config, files)`` right after the ``page_markdown`` event, and
no event can replace it. So in ``on_page_markdown`` the plugin sets ``render`` on that
page *instance* (shadowing ``Page.render`` for that page only); the hook removes itself
first thing, then serves the render from the cache or runs the real one. Every other
event (``on_page_content`` and later) runs as without the plugin.

Key. A render reads the page's final Markdown (after every ``on_page_markdown``), the
configuration it uses (site.markdown_setup), the versions of the code, the page's
location, and the rest of the site through exactly one door: link resolution asks
``files.get_file_from_path(path)`` for each relative link. The real render is run with
that method recorded, and the step is two memoized lookups:

* ``mkdocs.links``: page inputs -> the paths the render looked up;
* ``mkdocs.markdown``: page inputs + those paths + what each resolves to now -> the
  result, which also records the paths its own render looked up.

Whether a render looks a path up can depend on earlier answers (MkDocs 1.6 tries other
spellings of a link that did not resolve), so a result is accepted only when the paths
it recorded are the ones it was looked up with; otherwise the lookup is repeated with
its paths (at most MAX_HOPS times, then the page is rendered). Adding a page therefore
re-renders exactly the pages whose links now resolve differently.

Result. Everything the render set on the page, whatever the MkDocs version: the
attributes it changed (content, toc, and in MkDocs 1.6 the title taken from the render,
the anchors present and the links to anchors) in a small typed encoding, and every log
record it emitted (link warnings), replayed on a hit with the same logger, level and
text so that warnings and ``--strict`` behave as uncached. A render that sets a value
the encoding cannot restore is not stored (the page renders every time) and the plugin
says so once.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any, Callable, Optional

from mkdocs.structure.pages import Page
from mkdocs.structure.toc import TableOfContents, get_toc

import sitecache

from .fingerprint import Uncacheable, plain, toc_tokens

__all__ = ["MarkdownStep"]

LINKS_STEP = "mkdocs.links"
STEP = "mkdocs.markdown"
VERSION = 1
MAX_HOPS = 4


class _LogCapture(logging.Handler):
    """Collects (logger name, level, message) of the records a render emits."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[list[Any]] = []
        self._seen: set[int] = set()

    def emit(self, record: logging.LogRecord) -> None:
        # A record reaches both the mkdocs logger's handlers and the root's.
        if id(record) not in self._seen:
            self._seen.add(id(record))
            self.records.append([record.name, record.levelno, record.getMessage()])


def _file_answer(file: Any) -> Any:
    """What a render learns from looking a file up: its location and inclusion."""
    if file is None:
        return None
    return [file.src_uri, file.dest_uri, file.url, plain(getattr(file, "inclusion", None))]


def _encode(name: str, value: Any) -> list:
    if value is None or isinstance(value, (str, int, float, bool)):
        return ["value", value]
    if isinstance(value, TableOfContents):
        return ["toc", toc_tokens(value)]
    if isinstance(value, (set, frozenset)) and all(isinstance(v, str) for v in value):
        return ["set", sorted(value)]
    if isinstance(value, dict) and all(hasattr(k, "src_uri") for k in value):
        items = [[k.src_uri, plain(v)] for k, v in value.items()]
        json.dumps(items)  # the values must be JSON
        return ["by_file", items]
    raise Uncacheable(f"Page.render set {name!r} to a {type(value).__name__}")


def _decode(kind: str, data: Any, files: Any) -> Any:
    if kind == "value":
        return data
    if kind == "toc":
        return get_toc(data)
    if kind == "set":
        return set(data)
    if kind == "by_file":
        # The keys were link targets: their answers are in the key, so they exist.
        return {files.get_file_from_path(src): value for src, value in data}
    raise ValueError(f"unknown encoding {kind!r}")


class MarkdownStep:
    """Caches ``Page.render`` for one build.

    Args:
        cache: the sitecache cache.
        setup: the typed digest of what every render reads (site.markdown_setup).
        versions: the typed digest of the code's versions (site.versions).
        say_once: reports a reason for not caching something, once per text.
    """

    def __init__(self, cache: sitecache.Cache, setup: str, versions: str,
                 say_once: Callable[[str], None]) -> None:
        self._cache = cache
        self._setup = setup
        self._versions = versions
        self._say_once = say_once
        self.uncacheable = 0

    def install(self, page: Page) -> None:
        """Makes the next ``page.render(config, files)`` go through the cache. Pages of
        classes with their own render (e.g. generated by a plugin) are left alone."""
        if type(page).render is not Page.render or "render" in vars(page):
            return
        page.render = functools.partial(self._render, page)  # type: ignore[method-assign]

    def _render(self, page: Page, config: Any, files: Any) -> None:
        del page.render  # back to Page.render; the hook serves one call
        slot = page.file.src_uri
        base = {
            "setup": self._setup,
            "versions": self._versions,
            "location": [page.file.src_uri, page.file.dest_uri, page.file.url,
                         plain(getattr(page.file, "inclusion", None))],
            "markdown": page.markdown,
        }
        # The real render runs at most once per call, whichever lookup misses first.
        fresh: dict[str, Any] = {}

        def render_now() -> dict[str, Any]:
            if "error" in fresh:
                raise fresh["error"]
            if "payload" not in fresh:
                recorded = self._real_render(page, config, files)
                fresh["rendered"] = True
                try:
                    fresh["payload"] = self._result(page, *recorded)
                except Uncacheable as error:
                    fresh["error"] = error
                    raise
            return fresh["payload"]

        try:
            links = json.loads(self._cache.memoize(
                LINKS_STEP, base, lambda: json.dumps(render_now()["links"]),
                version=VERSION, slot=slot, text=True))
            payload: Optional[dict[str, Any]] = None
            for _ in range(MAX_HOPS):
                answers = [_file_answer(files.get_file_from_path(path)) for path in links]
                inputs = {**base, "links": [links, answers]}
                found = json.loads(self._cache.memoize(
                    STEP, inputs, lambda: json.dumps(render_now(), ensure_ascii=False),
                    version=VERSION, slot=slot, text=True))
                if found["links"] == links:
                    payload = found
                    break
                links = found["links"]
        except Uncacheable as reason:
            self.uncacheable += 1
            self._say_once(f"Markdown of some pages is not cached: {reason}")
            if "rendered" not in fresh:
                Page.render(page, config, files)
            return
        if "rendered" in fresh:
            return  # rendered in this call: the page holds the result already
        if payload is None:
            render_now()
            return
        self._apply(page, files, payload)

    @staticmethod
    def _real_render(page: Page, config: Any, files: Any
                     ) -> tuple[list[str], dict[str, Any], list[list[Any]]]:
        """Runs Page.render, recording the paths it looked up, the page's attributes
        before it and the log records it emitted."""
        looked_up: dict[str, None] = {}
        own = vars(files).get("get_file_from_path")
        lookup = files.get_file_from_path

        def recording(path: str) -> Any:
            looked_up.setdefault(path, None)
            return lookup(path)

        capture = _LogCapture()
        loggers = [logging.getLogger(), logging.getLogger("mkdocs")]
        before = dict(vars(page))
        files.get_file_from_path = recording
        for logger in loggers:
            logger.addHandler(capture)
        try:
            Page.render(page, config, files)
        finally:
            for logger in loggers:
                logger.removeHandler(capture)
            if own is None:
                del files.get_file_from_path
            else:
                files.get_file_from_path = own
        return list(looked_up), before, capture.records

    @staticmethod
    def _result(page: Page, links: list[str], before: dict[str, Any],
                logs: list[list[Any]]) -> dict[str, Any]:
        """What a render did, as stored: the attributes it changed, encoded."""
        after = vars(page)
        if any(name not in after for name in before):
            raise Uncacheable("Page.render removed page attributes")
        changed = sorted(k for k, v in after.items() if k not in before or before[k] is not v)
        return {
            "links": links,
            "attributes": {name: _encode(name, after[name]) for name in changed},
            "logs": logs,
        }

    @staticmethod
    def _apply(page: Page, files: Any, payload: dict[str, Any]) -> None:
        for name, (kind, data) in payload["attributes"].items():
            setattr(page, name, _decode(kind, data, files))
        for name, level, message in payload["logs"]:
            logging.getLogger(name).log(level, message)
