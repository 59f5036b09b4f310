"""The page step: the theme template's render of a page served from the cache.

No event can replace ``template.render(context)`` in MkDocs' page build, so the plugin
uses the documented way to alter the Jinja environment, ``on_env``: it sets the
environment's ``template_class`` to a subclass whose ``render`` goes through the cache
for pages. Everything around the render runs as without the plugin: ``get_context``,
every ``on_page_context`` (search indexing), ``on_post_page`` and the write. Templates
rendered without a page (sitemap.xml, 404.html) always render.

Key: the site-wide inputs computed once per build in ``on_env`` (versions, the
configuration as templates see it, the theme's files, the Jinja environment, the
navigation) and, per page, the file set of the context, the template's name, every
other context value, and the page: content, table of contents, metadata and every
other attribute on it. The key is computed at render time, after every
``on_page_context`` handler. A value the fingerprint cannot read makes that page render
uncached, and the plugin says so once.
"""

from __future__ import annotations

from typing import Any, Callable

from mkdocs.structure.pages import Page

import sitecache

from .fingerprint import Uncacheable, anchor_extras, plain
from .site import documentation_files, refer

__all__ = ["PageStep"]

STEP = "mkdocs.page"
VERSION = 1

# Context values that are in the site-wide inputs when they are the objects that were
# fingerprinted (a plugin could swap them), and page attributes with inputs of their own.
_SITE_CONTEXT = ("config", "nav")
_OWN_INPUTS = frozenset({"content", "toc", "meta"})


def _toc_state(toc: Any) -> list:
    """A table of contents as a template reads it: entries, their active flags and any
    attributes plugins put on them."""
    return [{"title": a.title, "id": a.id, "level": a.level,
             "extra": plain(anchor_extras(a), refer=refer), "children": _toc_state(a.children)}
            for a in toc]


class PageStep:
    """Caches the template renders of one build.

    Args:
        cache: the sitecache cache.
        site: the site-wide inputs, name -> typed digest (a dict in key order).
        config, nav: the objects fingerprinted in ``site``.
        build_date: whether templates read ``build_date_utc`` (then it is in the key).
        say_once: reports a reason for not caching something, once per text.
    """

    def __init__(self, cache: sitecache.Cache, site: dict[str, str], config: Any, nav: Any,
                 build_date: bool, say_once: Callable[[str], None]) -> None:
        self._cache = cache
        self._site = site
        self._site_objects = {"config": config, "nav": nav}
        self._build_date = build_date
        self._say_once = say_once
        self._pages: Any = None  # the context's file list last fingerprinted, and its digest
        self._pages_digest = ""
        self.uncacheable = 0

    def install(self, env: Any) -> None:
        """Makes every template the environment loads from now on render pages through
        the cache (templates it loaded already are dropped from its cache)."""
        step = self
        base = env.template_class

        class CachingTemplate(base):  # type: ignore[valid-type, misc]
            def render(self, *args: Any, **kwargs: Any) -> str:
                return step.render(self, super().render, args, kwargs)

        CachingTemplate.__qualname__ = f"sitecache.{base.__name__}"
        env.template_class = CachingTemplate
        if env.cache is not None:
            env.cache.clear()

    def render(self, template: Any, render: Callable[..., str], args: tuple, kwargs: dict
               ) -> str:
        context = args[0] if len(args) == 1 and not kwargs else dict(*args, **kwargs)
        page = context.get("page") if isinstance(context, dict) else None
        if not isinstance(page, Page):
            return render(*args, **kwargs)
        try:
            inputs = self._inputs(template, context, page)
        except Uncacheable as reason:
            self.uncacheable += 1
            self._say_once(f"some pages are rendered without the cache: {reason}")
            return render(*args, **kwargs)
        return self._cache.memoize(STEP, inputs, lambda: render(*args, **kwargs),
                                   version=VERSION, slot=page.file.src_uri, text=True)

    def _inputs(self, template: Any, context: dict[str, Any], page: Page) -> dict[str, Any]:
        rest = {}
        for name, value in context.items():
            if name == "page" or name == "pages":
                continue
            if name in _SITE_CONTEXT and value is self._site_objects[name]:
                continue
            if name == "build_date_utc" and not self._build_date:
                continue  # no template reads it: a new date must not miss every page
            rest[name] = value
        state = {k: v for k, v in vars(page).items() if k not in _OWN_INPUTS}
        state["@url"] = page.url
        state["@file"] = [page.file.src_uri, page.file.dest_uri, page.file.url, page.file.name]
        return {
            **self._site,
            "pages": self._pages_input(context.get("pages")),
            "template": template.name or "",
            "context": plain(rest, refer=refer),
            "content": page.content,
            "toc": _toc_state(page.toc),
            "meta": plain(page.meta, refer=refer),
            "page": plain(state, refer=refer),
        }

    def _pages_input(self, pages: Any) -> str:
        # MkDocs hands every page the same list: fingerprint it once.
        if pages is not self._pages:
            self._pages_digest = sitecache.digest(documentation_files(pages or []))
            self._pages = pages
        return self._pages_digest
