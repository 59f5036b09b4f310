"""MkDocs objects as the plain values sitecache keys are made of.

``plain(obj)`` turns the objects a render reads (config values, page attributes, table
of contents, navigation references) into str, bytes, int, float, bool, None, lists,
tuples and dicts, equal for equal inputs across processes (no ``id()``, no ``repr()``
of arbitrary objects, no hash-seed order). A value of a type it does not understand
raises :class:`Uncacheable`; the caller then renders without the cache: a cache must
never serve a page built from inputs it could not see.

Tuples never come out of YAML or JSON, so tuples whose first item is a ``"@type"``
marker stand for the non-plain values (dates, sets, callables, MkDocs objects).
"""

from __future__ import annotations

import datetime
import enum
import functools
import os
import re
import types
from collections.abc import Mapping
from typing import Any, Callable, Optional

import sitecache

__all__ = ["Uncacheable", "plain", "qualified_name", "toc_tokens", "anchor_extras"]

# Deeper than any real config or page state: a cycle.
_MAX_DEPTH = 50
_SCALARS = (str, int, float, bool, type(None), bytes)
# Types whose str() is their whole value (the theme's locale).
_BY_STR = {"babel.core.Locale", "mkdocs.localization.Locale"}
# The attributes of an AnchorLink that get_toc() recreates from a token.
_ANCHOR_FIELDS = ("title", "id", "level", "children")


class Uncacheable(Exception):
    """A value the plugin cannot fingerprint; the message says which and where."""


def qualified_name(obj: Any) -> str:
    """``module.QualifiedName`` of a function, class or method."""
    module = getattr(obj, "__module__", None) or "?"
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    return f"{module}.{name or type(obj).__name__}"


def plain(value: Any, *, refer: Optional[Callable[[Any], Any]] = None, _depth: int = 0) -> Any:
    """``value`` as plain data (see the module docstring).

    ``refer(obj)`` may return a plain reference for objects of the MkDocs structure
    (pages, files, sections) or None to fall through; plain() handles the rest.
    """
    t = type(value)
    if t in _SCALARS:
        return value
    if _depth > _MAX_DEPTH:
        raise Uncacheable("a structure nested too deeply (a cycle?)")
    depth = _depth + 1
    if t is list:
        return [plain(v, refer=refer, _depth=depth) for v in value]
    if t is dict:
        return _mapping(value, refer, depth)
    if refer is not None:
        reference = refer(value)
        if reference is not None:
            return reference
    if isinstance(value, enum.Enum):  # before str/int: StrEnum and IntEnum members
        return ("@enum", qualified_name(t), value.name)
    if isinstance(value, _SCALARS):  # subclasses: markupsafe.Markup, IntEnum...
        for base in _SCALARS:
            if isinstance(value, base):
                return base(value)
    if isinstance(value, tuple):
        return ("@tuple", [plain(v, refer=refer, _depth=depth) for v in value])
    if isinstance(value, list):
        return [plain(v, refer=refer, _depth=depth) for v in value]
    if isinstance(value, Mapping):
        return _mapping(value, refer, depth)
    if isinstance(value, (set, frozenset)):
        items = [plain(v, refer=refer, _depth=depth) for v in value]
        return ("@set", sorted(items, key=sitecache.digest))
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return ("@" + t.__name__, value.isoformat())
    if isinstance(value, datetime.timedelta):
        return ("@timedelta", value.total_seconds())
    if isinstance(value, re.Pattern):
        return ("@re", value.pattern, value.flags)
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType,
                          type, functools.partial)):
        return ("@callable", _callable_name(value))
    if isinstance(value, types.ModuleType):
        return ("@module", value.__name__, _module_digest(value))
    if isinstance(value, os.PathLike):
        return ("@path", os.fspath(value))
    name = qualified_name(t)
    if name in _BY_STR:
        return ("@" + name, str(value))
    if t.__module__.split(".")[0] == "mkdocs" and hasattr(value, "__dict__"):
        # MkDocs' own value objects (e.g. an extra_javascript entry): by type and state.
        return ("@" + name, plain(vars(value), refer=refer, _depth=depth))
    raise Uncacheable(f"a value of type {name}")


def _mapping(value: Mapping, refer: Optional[Callable[[Any], Any]], depth: int) -> Any:
    if all(type(k) is str for k in value):
        return {k: plain(v, refer=refer, _depth=depth) for k, v in value.items()}
    # Other keys may have unhashable plain forms: a list of pairs in a fixed order.
    pairs = [[plain(k, refer=refer, _depth=depth), plain(v, refer=refer, _depth=depth)]
             for k, v in value.items()]
    return ("@dict", sorted(pairs, key=lambda pair: sitecache.digest(pair[0])))


def _callable_name(value: Any) -> Any:
    if isinstance(value, functools.partial):
        return [_callable_name(value.func), plain(list(value.args)), plain(value.keywords)]
    return qualified_name(value)


def _module_digest(module: types.ModuleType) -> str:
    """A module (a MkDocs hooks file) counts by its source file's content."""
    path = getattr(module, "__file__", None)
    if not path:
        raise Uncacheable(f"module {module.__name__} without a source file")
    return sitecache.file_digest(path)


def toc_tokens(toc: Any) -> list:
    """A table of contents as the tokens ``mkdocs.structure.toc.get_toc()`` takes.

    Raises Uncacheable when an entry carries attributes get_toc() would not recreate
    (a plugin decorating the toc): such a toc cannot be restored from tokens.
    """
    out = []
    for anchor in toc:
        extras = anchor_extras(anchor)
        extras.pop("active", None)  # get_toc() marks the first entry itself
        if extras:
            raise Uncacheable(f"table of contents entries with attributes {sorted(extras)}")
        out.append({"level": anchor.level, "id": anchor.id, "name": anchor.title,
                    "children": toc_tokens(anchor.children)})
    return out


def anchor_extras(anchor: Any) -> dict[str, Any]:
    """The attributes of a toc entry beyond title, id, level and children."""
    return {k: v for k, v in vars(anchor).items() if k not in _ANCHOR_FIELDS}
