"""The MkDocs plugin class: the events, wired to the two cached steps.

Events (documented in MkDocs 1.4 to 1.6): on_config, on_pre_build, on_nav,
on_page_markdown, on_env, on_post_build, on_build_error; plus BasePlugin.load_config to
make option problems errors. Three hooks outside the events, each the only way to reach
its render: an instance attribute ``page.render`` (markdown_step.py), the Jinja
environment's ``template_class`` (page_step.py) and an instance attribute
``add_entry_from_context`` on the search plugin's index (search_step.py).
"""

from __future__ import annotations

import logging
import os
from typing import Any, Optional

from mkdocs.plugins import BasePlugin, event_priority

import sitecache

from . import safety, site
from .fingerprint import Uncacheable
from .markdown_step import MarkdownStep
from .options import SitecacheOptions, check_options, open_cache
from .page_step import PageStep
from .search_step import SearchStep, known_search_index

__all__ = ["SitecachePlugin"]

log = logging.getLogger("mkdocs.plugins.sitecache")

# Run after every other plugin's handler of the same event: the configuration, the
# navigation, the Markdown and the Jinja environment are then final.
_LAST = -100


class SitecachePlugin(BasePlugin[SitecacheOptions]):
    """``plugins: [sitecache]``: caches page renders across builds (docs/python.md)."""

    def __init__(self) -> None:
        self._cache: Optional[sitecache.Cache] = None
        self._reset()

    def _reset(self) -> None:
        self._build: Optional[sitecache.Build] = None
        self._markdown: Optional[MarkdownStep] = None
        self._page: Optional[PageStep] = None
        self._full_page = False
        self._versions = ""
        self._nav: Any = None
        self._nav_digest = ""
        self._said: set[str] = set()

    def load_config(self, options: dict, config_file_path: Optional[str] = None) -> Any:
        errors, warnings = super().load_config(options, config_file_path)
        check_options(options, self.config_scheme, errors, warnings)
        self._cache = None
        if not errors and self.config["enabled"] and self.config["mode"] != "off":
            self._cache, problems = open_cache(self.config, config_file_path)
            errors.extend(problems)
        return errors, warnings

    def _say_once(self, text: str) -> None:
        if text not in self._said:
            self._said.add(text)
            log.info(f"sitecache: {text}")

    # --- events -----------------------------------------------------------------------

    @event_priority(_LAST)
    def on_config(self, config: Any) -> Any:
        self._reset()
        if self._cache is None:
            return config
        options = self.config
        try:
            self._versions = sitecache.digest(site.versions(config))
        except Uncacheable as reason:
            self._say_once(f"caching is off for this build: the versions: {reason}")
            return config
        impure = safety.impure_extension(config["markdown_extensions"], options["pure_extensions"])
        if impure is not None:
            self._say_once(
                f"Markdown is rendered without the cache: extension {impure!r} is not known to "
                "read nothing but the page (list it under 'pure_extensions' once reviewed)")
        else:
            try:
                setup = sitecache.digest(site.markdown_setup(config))
                self._markdown = MarkdownStep(self._cache, setup, self._versions, self._say_once)
            except Uncacheable as reason:
                self._say_once(f"Markdown is rendered without the cache: the configuration "
                               f"holds {reason}")
        if options["mode"] == "full":
            unsafe = safety.unsafe_plugin(config["plugins"], options["safe_plugins"])
            if unsafe is None:
                self._full_page = True
            else:
                name, event = unsafe
                self._say_once(
                    f"caching the Markdown render only: plugin {name!r} implements {event} "
                    "and is not known to be safe with whole-page caching (list it under "
                    "'safe_plugins' once reviewed)")
        return config

    def on_pre_build(self, config: Any) -> None:
        if self._cache is not None:
            self._build = self._cache.build()

    @event_priority(_LAST)
    def on_nav(self, nav: Any, config: Any, files: Any) -> Any:
        self._nav = nav
        return nav

    @event_priority(_LAST)
    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Any) -> str:
        if self._markdown is not None:
            self._markdown.install(page)
        return markdown

    @event_priority(_LAST)
    def on_env(self, env: Any, config: Any, files: Any) -> Any:
        self._install_search_step(config)
        if not self._full_page or self._cache is None or self._nav is None:
            return env
        # Every page is populated now: titles (taken from the render in MkDocs 1.6) and
        # metadata, which the navigation shows, are final.
        project_dir = os.path.dirname(os.path.abspath(config["config_file_path"] or "mkdocs.yml"))
        try:
            theme_files, build_date = site.theme_files(config["theme"], project_dir)
            self._nav_digest = sitecache.digest(site.navigation(self._nav))
            inputs = {
                "versions": self._versions,
                "config": sitecache.digest(site.site_config(config, project_dir)),
                "theme": sitecache.digest(theme_files),
                "jinja": sitecache.digest(site.jinja_environment(env)),
                "nav": self._nav_digest,
            }
        except Uncacheable as reason:
            self._say_once(f"caching the Markdown render only: the site holds {reason}")
            return env
        self._page = PageStep(self._cache, inputs, config, self._nav, build_date,
                              self._say_once)
        self._page.install(env)
        return env

    def _install_search_step(self, config: Any) -> None:
        # Every plugin's on_pre_build has run (the search plugin makes its index there),
        # and no page has been indexed yet.
        if self._cache is None or not self._versions:
            return
        index = known_search_index(config["plugins"])
        if index is None:
            return
        try:
            SearchStep(self._cache, self._versions, index, self._say_once).install()
        except Uncacheable as reason:
            self._say_once(f"search indexing runs without the cache: its configuration holds "
                           f"{reason}")

    def on_post_build(self, config: Any) -> None:
        if self._page is not None:
            try:
                changed = sitecache.digest(site.navigation(self._nav)) != self._nav_digest
            except Uncacheable:
                changed = True
            if changed:
                log.warning("sitecache: a plugin changed the navigation while pages were being "
                            "built; whole-page cache entries of this build may not match their "
                            "key (run `sitecache clear --all`, and list the plugin nowhere in "
                            "'safe_plugins')")
        self._finish()

    def on_build_error(self, error: Exception) -> None:
        self._finish()

    # --- the end of a build -----------------------------------------------------------

    def _finish(self) -> None:
        build, self._build = self._build, None
        if build is None:
            return
        record = build.finish()
        steps = record["steps"]
        parts = []
        for label, step in (("Markdown", "mkdocs.markdown"), ("pages", "mkdocs.page"),
                            ("search entries", "mkdocs.search")):
            if step in steps:
                s = steps[step]
                parts.append(f"{label} {s['hits']} of {s['hits'] + s['misses']}")
        if parts:
            log.info(f"sitecache: from the cache: {', '.join(parts)}; saved "
                     f"{record['saved_us'] / 1e6:.1f} s of rendering (build #{record['generation']})")
