"""The site-wide state a page's render reads, as plain values (fingerprint.py).

Each function here is called once per build (the results are folded into digests that
every page's key carries), so none of them is on the per-page path.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import os
import platform
import sys
import types
from typing import Any, Iterable, Optional

from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Link, Navigation, Section
from mkdocs.structure.pages import Page

import sitecache

from .fingerprint import Uncacheable, plain, qualified_name

__all__ = [
    "PLUGIN_FORMAT",
    "versions",
    "markdown_setup",
    "site_config",
    "theme_files",
    "jinja_environment",
    "navigation",
    "documentation_files",
    "refer",
]

# The plugin's own format: bump when what the steps store or how keys are made changes.
PLUGIN_FORMAT = 1

# Libraries whose code shapes every page, whatever the configuration names.
_CORE_DISTRIBUTIONS = ("mkdocs", "Markdown", "Jinja2", "MarkupSafe", "Pygments", "Babel")

# Configuration keys Page.render never reads (MkDocs renders Markdown from the page's
# text, the Markdown extensions and their configuration, use_directory_urls and the link
# validation settings): leaving them out of the Markdown step's key keeps an edit of the
# site's name or theme from re-rendering every page's Markdown. Everything not listed
# (including settings of future MkDocs versions) is part of the key.
_NOT_READ_BY_MARKDOWN = frozenset({
    "site_name", "site_description", "site_author", "site_url", "copyright",
    "google_analytics", "extra", "extra_css", "extra_javascript", "extra_templates", "nav",
    "theme", "plugins", "repo_url", "repo_name", "edit_uri", "edit_uri_template",
    "remote_branch", "remote_name", "dev_addr", "watch", "site_dir", "docs_dir",
    "config_file_path", "strict", "exclude_docs", "draft_docs", "not_in_nav",
})
# Configuration keys left out of the page step's key: absolute locations no template
# shows (so a CI workspace or `mkdocs serve`'s temporary directory does not change
# keys), and the file selection, whose effect on a page is through the navigation and
# the file set, both in the key.
_NOT_READ_BY_TEMPLATES = frozenset({
    "site_dir", "config_file_path", "watch", "exclude_docs", "draft_docs", "not_in_nav",
})
# Which file types of a theme may mention build_date_utc (templates).
_TEMPLATE_SUFFIXES = (".html", ".xml", ".j2", ".jinja", ".jinja2", ".txt")


@functools.lru_cache(maxsize=None)
def _distributions_of_packages() -> dict[str, tuple[str, ...]]:
    try:
        mapping = importlib.metadata.packages_distributions()
    except AttributeError:  # Python < 3.10
        return {}
    return {top: tuple(sorted(set(names))) for top, names in mapping.items()}


def _version(distribution: str) -> Optional[str]:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _providers(module_names: Iterable[str]) -> set[str]:
    """The distributions that provide these (dotted) module names."""
    mapping = _distributions_of_packages()
    out: set[str] = set()
    for name in module_names:
        top = name.split(".")[0]
        for distribution in mapping.get(top, ()):
            out.add(distribution)
        if top not in mapping and top in sys.modules:
            out.add("module:" + top)  # not installed as a distribution: by its version
    return out


def _extension_modules(config: Any) -> list[str]:
    names = []
    for extension in config["markdown_extensions"]:
        if isinstance(extension, str):
            names.append(extension if "." in extension else "markdown")
        else:
            names.append(type(extension).__module__)
    return names


def versions(config: Any) -> dict[str, Any]:
    """Python, sitecache and the versions of every distribution whose code renders:
    MkDocs and its libraries, the theme, the plugins and the Markdown extensions."""
    modules = [type(p).__module__ for p in config["plugins"].values()
               if not isinstance(p, types.ModuleType)]
    modules += _extension_modules(config)
    modules.append(config["theme"].name or "")
    distributions = set(_CORE_DISTRIBUTIONS) | _providers(m for m in modules if m)
    out: dict[str, Any] = {
        "python": platform.python_version(),
        "sitecache": sitecache.__version__,
        "plugin_format": PLUGIN_FORMAT,
    }
    for name in sorted(distributions):
        if name.startswith("module:"):
            module = sys.modules[name[len("module:"):]]
            out[name] = str(getattr(module, "__version__", None))
        else:
            out[name] = _version(name)
    return out


def markdown_setup(config: Any) -> Any:
    """What Page.render reads besides the page: the configuration without the keys it
    never reads, the classes of the configured plugins, and the level of MkDocs' logger
    (renders log link warnings only above it, and MkDocs 1.6 keeps more state then)."""
    settings = {k: config[k] for k in config.keys() if k not in _NOT_READ_BY_MARKDOWN}
    return {
        "config": plain(settings),  # hooks (MkDocs 1.4+) count by their files' content
        "plugins": {name: _plugin_identity(p) for name, p in config["plugins"].items()},
        "log_level": logging.getLogger("mkdocs").getEffectiveLevel(),
    }


def site_config(config: Any, project_dir: str) -> Any:
    """The configuration as templates may read it (``config.*``): every key but the
    absolute locations; the theme's settings; every plugin by class and settings."""
    out: dict[str, Any] = {}
    for key in config.keys():
        if key in _NOT_READ_BY_TEMPLATES:
            continue
        value = config[key]
        if key == "docs_dir":
            value = os.path.relpath(value, project_dir)
        elif key == "theme":
            value = _theme_settings(value, project_dir)
        elif key == "plugins":
            value = {name: [_plugin_identity(p), plain(_plugin_settings(p))]
                     for name, p in value.items()}
        out[key] = plain(value)
    return out


def _plugin_identity(plugin: Any) -> Any:
    """A plugin by class; a hooks file (MkDocs lists them as plugins) by its content."""
    if isinstance(plugin, types.ModuleType):
        return plain(plugin)
    return qualified_name(type(plugin))


def _plugin_settings(plugin: Any) -> Any:
    if isinstance(plugin, types.ModuleType):
        return None
    settings = getattr(plugin, "config", None)
    return dict(settings) if settings is not None else None


def _theme_settings(theme: Any, project_dir: str) -> Any:
    settings = {}
    for key in theme:
        value = theme[key]
        if key == "custom_dir" and value:
            value = os.path.relpath(value, project_dir)
        settings[key] = value
    return {"name": theme.name, "settings": plain(settings),
            "static_templates": sorted(theme.static_templates)}


def _is_inside(path: str, directory: str) -> bool:
    path, directory = os.path.realpath(path), os.path.realpath(directory)
    return path == directory or path.startswith(directory + os.sep)


def theme_files(theme: Any, project_dir: str) -> tuple[list, bool]:
    """Every file of the theme's directories, in lookup order, and whether a template
    mentions ``build_date_utc``.

    Files count by content (through sitecache's stat cache, so unchanged ones are not
    read again), by their path relative to their directory, so the key does not depend
    on where the project or the theme is installed. In an installed theme, dot
    directories (Material's ~9,000 icons in ``.icons``) count by path and size.
    """
    out = []
    mentions_build_date = False
    for directory in theme.dirs:
        in_project = _is_inside(directory, project_dir)
        entries = []
        for root, dirnames, filenames in os.walk(directory):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            relative_root = os.path.relpath(root, directory)
            hidden = any(part.startswith(".") for part in relative_root.split(os.sep)
                         if part != ".")
            for name in sorted(filenames):
                if name.endswith(".pyc"):
                    continue
                path = os.path.join(root, name)
                relative = os.path.normpath(os.path.join(relative_root, name))
                if hidden and not in_project:
                    entries.append([relative, os.path.getsize(path)])
                    continue
                entries.append([relative, sitecache.file_digest(path)])
                if not mentions_build_date and name.endswith(_TEMPLATE_SUFFIXES):
                    with open(path, "rb") as f:
                        mentions_build_date = b"build_date_utc" in f.read()
        out.append(["project" if in_project else "installed", entries])
    return out, mentions_build_date


def jinja_environment(env: Any) -> Any:
    """The theme's Jinja environment: its filters, tests, globals (callables by name),
    extensions and syntax options."""

    def named(mapping: Any) -> dict[str, Any]:
        return {k: ("@callable", qualified_name(v)) if callable(v) else plain(v)
                for k, v in mapping.items()}

    autoescape = env.autoescape
    return {
        "filters": named(env.filters),
        "tests": named(env.tests),
        "globals": named(env.globals),
        "extensions": sorted(env.extensions),
        "autoescape": qualified_name(autoescape) if callable(autoescape) else autoescape,
        "options": [env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline,
                    env.newline_sequence, env.block_start_string, env.block_end_string,
                    env.variable_start_string, env.variable_end_string,
                    env.comment_start_string, env.comment_end_string],
    }


# Attributes of navigation items that are structure (implied by the walk), the state of
# the page being built, or that page's own content (in its own key).
_NAV_SKIPPED = frozenset({
    "file", "parent", "children", "previous_page", "next_page", "content", "markdown", "toc",
    "_Page__active", "_Section__active", "active",
})


def refer(value: Any) -> Any:
    """Plain references to MkDocs structure objects whose state is in another input
    (the navigation, the file set, the plugins). None for anything else."""
    if isinstance(value, Page):
        return ("@page", value.file.src_uri)
    if isinstance(value, File):
        return ("@file", value.src_uri)
    if isinstance(value, Section):
        return ("@section", _section_path(value))
    if isinstance(value, Link):
        return ("@link", value.title, value.url)
    if isinstance(value, (Navigation, Files)):
        return ("@" + type(value).__name__,)
    if isinstance(value, BasePlugin):
        return ("@plugin", qualified_name(type(value)))
    return None


def _section_path(section: Any) -> list:
    path = []
    while section is not None:
        path.append(section.title)
        section = section.parent
    return path[::-1]


def navigation(nav: Any) -> Any:
    """Every navigation item, in order: kind, title, url, and every attribute a theme
    may read (page meta, attributes plugins put on items), plus the homepage."""
    def item(entry: Any) -> Any:
        state = {k: v for k, v in vars(entry).items() if k not in _NAV_SKIPPED}
        extra = plain(state, refer=refer)
        if isinstance(entry, Page):
            return ["page", entry.file.src_uri, entry.url, entry.is_index, entry.is_homepage,
                    extra]
        if isinstance(entry, Section):
            return ["section", extra, [item(child) for child in entry.children]]
        if isinstance(entry, Link):
            return ["link", extra]
        raise Uncacheable(f"a navigation item of type {qualified_name(type(entry))}")

    homepage = nav.homepage.url if nav.homepage is not None else None
    return {"items": [item(entry) for entry in nav.items], "homepage": homepage,
            "pages": len(nav.pages)}


def documentation_files(files: Iterable[Any]) -> Any:
    """The ``pages`` of the template context: every documentation file's location and
    its page's title."""
    out = []
    for file in files:
        page = getattr(file, "page", None)
        title = plain(page.title) if page is not None else None
        out.append([file.src_uri, file.dest_uri, file.url, title])
    return out
