"""Which configured plugins and Markdown extensions the two cached steps are safe with.

A cached step is only correct when everything that shapes its output is in its key. The
keys cover what MkDocs hands a render (page, configuration, navigation, files, theme
files, template context); these rules decide when something else may be involved.
"""

from __future__ import annotations

import types
from typing import Any, Iterable, Optional

from .fingerprint import qualified_name

__all__ = ["unsafe_plugin", "impure_extension"]

# Python-Markdown extensions whose output is a function of the text and their
# configuration: they read no files, no clock, no other global state.
PURE_EXTENSIONS = frozenset({
    "abbr", "admonition", "attr_list", "codehilite", "def_list", "extra", "fenced_code",
    "footnotes", "legacy_attrs", "legacy_em", "md_in_html", "meta", "nl2br", "sane_lists",
    "smarty", "tables", "toc", "wikilinks",
    "pymdownx.arithmatex", "pymdownx.betterem", "pymdownx.caret", "pymdownx.critic",
    "pymdownx.details", "pymdownx.emoji", "pymdownx.escapeall", "pymdownx.extra",
    "pymdownx.highlight", "pymdownx.inlinehilite", "pymdownx.keys", "pymdownx.magiclink",
    "pymdownx.mark", "pymdownx.progressbar", "pymdownx.saneheaders", "pymdownx.smartsymbols",
    "pymdownx.striphtml", "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.tasklist",
    "pymdownx.tilde", "pymdownx.fancylists", "pymdownx.blocks.admonition",
    "pymdownx.blocks.details", "pymdownx.blocks.tab", "pymdownx.blocks.html",
    "pymdownx.blocks.definition",
    "material.extensions.emoji", "materialx.emoji",
})
_BUILTIN_PREFIX = "markdown.extensions."

# Plugins reviewed as safe with whole-page caching although they hook a template event:
# MkDocs' and Material's search index pages in on_page_context (which still runs for
# every page); Material 8's tags plugin adds a context key (which is in the key).
SAFE_PLUGINS = frozenset({
    "mkdocs.contrib.search.SearchPlugin",
    "material.plugins.search.plugin.SearchPlugin",
    "material.plugins.tags.plugin.TagsPlugin",
    "sitecache.mkdocs.plugin.SitecachePlugin",
})
# Events through which a plugin can change a template's output other than through the
# page, navigation, configuration and context objects the key covers: on_env may add
# filters or globals with state of their own, on_page_context may stash state anywhere.
TEMPLATE_EVENTS = ("on_env", "on_page_context")


def _extension_name(extension: Any) -> str:
    if isinstance(extension, str):
        return extension[len(_BUILTIN_PREFIX):] if extension.startswith(_BUILTIN_PREFIX) else extension
    return qualified_name(type(extension))


def impure_extension(extensions: Iterable[Any], reviewed: Iterable[str]) -> Optional[str]:
    """The first configured Markdown extension not known to be pure (neither in
    PURE_EXTENSIONS nor reviewed by the user), or None."""
    allowed = PURE_EXTENSIONS | set(reviewed)
    for extension in extensions:
        name = _extension_name(extension)
        if name not in allowed:
            return name
    return None


def unsafe_plugin(plugins: Any, reviewed: Iterable[str]) -> Optional[tuple[str, str]]:
    """The first configured plugin not known to be safe with whole-page caching, as
    (its name in mkdocs.yml, an event it implements), or None.

    A plugin is safe when it is in SAFE_PLUGINS or reviewed by the user (by its name in
    mkdocs.yml or its class), or when it implements none of TEMPLATE_EVENTS. MkDocs
    lists ``hooks:`` files among the plugins, as modules; they follow the same rule.
    """
    from mkdocs.plugins import BasePlugin

    allowed = set(reviewed)
    for name, plugin in plugins.items():
        if name in allowed:
            continue
        if isinstance(plugin, types.ModuleType):
            events = [e for e in TEMPLATE_EVENTS if callable(getattr(plugin, e, None))]
        else:
            cls = type(plugin)
            if qualified_name(cls) in allowed:
                continue
            if any(qualified_name(k) in SAFE_PLUGINS for k in cls.__mro__):
                continue
            events = [e for e in TEMPLATE_EVENTS
                      if getattr(cls, e, None) not in (None, getattr(BasePlugin, e, None))]
        if events:
            return name, events[0]
    return None
