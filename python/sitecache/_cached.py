"""The ``@cache.cached(step)`` decorator: memoize keyed by a function's arguments."""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any, Callable, Iterable, TypeVar

from . import _core

if TYPE_CHECKING:
    from ._cache import Cache, Timeout

__all__ = ["cached_function", "slot_of"]

F = TypeVar("F", bound=Callable[..., Any])

# Longest string argument a slot shows in full (as the C++ cache_page does).
_MAX_TEXT = 60


def _describe(value: Any) -> tuple[str, bool]:
    """One argument as a slot shows it, and whether the text identifies the value."""
    if value is None or isinstance(value, (bool, int)):
        return repr(value), True
    if isinstance(value, float):
        return repr(value), True  # repr round-trips
    if isinstance(value, str):
        return f'"{value[:_MAX_TEXT]}"', len(value) <= _MAX_TEXT
    return "...", False


def slot_of(step: str, arguments: dict[str, Any]) -> str:
    """``step(arg, ...)``: readable in ``sitecache ls`` and usable with ``explain``.

    When the text does not identify the arguments (long strings, bytes, containers),
    ``#`` and 16 digits of their digest follow, so distinct calls never share a slot.
    """
    parts = []
    exact = True
    for value in arguments.values():
        text, identifies = _describe(value)
        parts.append(text)
        exact = exact and identifies
    slot = f"{step}({', '.join(parts)})"
    if not exact:
        try:
            slot += "#" + _core.digest(list(arguments.values()))[:16]
        except (TypeError, ValueError):
            pass  # an unsupported argument: memoize raises, naming it
    return slot


def cached_function(
    cache: "Cache",
    step: str,
    *,
    version: int,
    timeout: "Timeout",
    tags: Iterable[str],
    text: bool,
) -> Callable[[F], F]:
    """Cache.cached (which documents it)."""
    if not isinstance(step, str):
        raise TypeError(f"step must be str, not {type(step).__name__}")
    tags = tuple(tags)

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = bound.arguments
            return cache._memoize_arguments(
                step,
                arguments,
                lambda: fn(*args, **kwargs),
                version,
                slot_of(step, arguments),
                tags,
                timeout,
                text,
            )

        return wrapper  # type: ignore[return-value]

    return decorate
