"""memoize and @cached: keys from typed inputs and arguments, files by content."""

from __future__ import annotations

import os
import pathlib

import pytest

import sitecache


class Counter:
    def __init__(self, output="out") -> None:
        self.calls = 0
        self.output = output

    def __call__(self):
        self.calls += 1
        return self.output


def test_a_hit_does_not_render(cache: sitecache.Cache) -> None:
    render = Counter("<p>é</p>")
    inputs = {"source": "# Title", "layout": 2}
    assert cache.memoize("page", inputs, render) == "<p>é</p>".encode()
    assert cache.memoize("page", inputs, render, text=True) == "<p>é</p>"
    assert render.calls == 1


def test_every_input_and_the_version_are_in_the_key(cache: sitecache.Cache) -> None:
    render = Counter()
    base = {"a": "x", "b": 1}
    cache.memoize("s", base, render)
    variants = [
        ("s", {"a": "x", "b": 2}, 1),       # a value
        ("s", {"a": "x", "c": 1}, 1),       # a name
        ("s", {"b": 1, "a": "x"}, 1),       # the order of inputs
        ("s", {"a": b"x", "b": 1}, 1),      # str is not bytes
        ("s", {"a": "x", "b": 1.0}, 1),     # int is not float
        ("s", {"a": "x", "b": True}, 1),    # nor bool
        ("t", base, 1),                     # the step
        ("s", base, 2),                     # its version
    ]
    for step, inputs, version in variants:
        before = render.calls
        cache.memoize(step, inputs, render, version=version)
        assert render.calls == before + 1, (step, inputs, version)
    cache.memoize("s", dict(base), render)
    assert render.calls == len(variants) + 1


def test_nested_values(cache: sitecache.Cache) -> None:
    render = Counter()
    value = {"list": [1, "two", None, 3.5, b"b"], "tuple": (1, 2), "dict": {"z": 1, "a": 2},
             "big": 2**100, "negative": -2**63, "unsigned": 2**64 - 1}
    cache.memoize("n", {"v": value}, render)
    reordered = {"dict": {"a": 2, "z": 1}, "tuple": (1, 2), "list": [1, "two", None, 3.5, b"b"],
                 "unsigned": 2**64 - 1, "big": 2**100, "negative": -2**63}
    cache.memoize("n", {"v": reordered}, render)  # dict order does not matter
    assert render.calls == 1
    for other in ({**value, "tuple": [1, 2]}, {**value, "big": 2**100 + 1},
                  {**value, "list": [1, "two", (), 3.5, b"b"]}):
        cache.memoize("n", {"v": other}, render)
    assert render.calls == 4


def test_typed_values_match_the_cpp_fields() -> None:
    # A list of str is a C++ std::vector<std::string>; a str is Inputs::text.
    assert sitecache.digest(["a", "b"]) != sitecache.digest(("a", "b"))
    assert sitecache.digest("x") != sitecache.digest(b"x")
    assert sitecache.digest({"a": 1, "b": 2}) == sitecache.digest({"b": 2, "a": 1})
    assert len(sitecache.digest(None)) == 32


def test_unsupported_inputs_are_named(cache: sitecache.Cache) -> None:
    with pytest.raises(TypeError, match=r"input 'opts'\['size'\]\[1\]: unsupported type 'set'"):
        cache.memoize("s", {"opts": {"size": [1, {2}]}}, Counter())
    with pytest.raises(TypeError, match="input names must be str"):
        cache.memoize("s", {1: "x"}, Counter())
    with pytest.raises(TypeError, match="callable"):
        cache.memoize("s", {}, "not callable")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="version"):
        cache.memoize("s", {}, Counter(), version=-1)
    cyclic: list = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="nested more than"):
        cache.memoize("s", {"x": cyclic}, Counter())


def test_inputs_as_pairs(cache: sitecache.Cache) -> None:
    render = Counter()
    cache.memoize("p", [("a", 1), ("b", "x")], render)
    cache.memoize("p", {"a": 1, "b": "x"}, render)
    assert render.calls == 1


def test_file_inputs_count_by_content(cache: sitecache.Cache, tmp_path: pathlib.Path) -> None:
    source = tmp_path / "post.md"
    source.write_text("one")
    render = Counter()
    cache.memoize("f", {"source": source}, render)
    other = tmp_path / "copy.md"
    other.write_text("one")
    cache.memoize("f", {"source": other}, render)  # same content: a hit
    assert render.calls == 1
    source.write_text("two, longer")
    cache.memoize("f", {"source": source}, render)
    assert render.calls == 2
    assert sitecache.file_digest(other) == sitecache.file_digest(str(other))
    with pytest.raises(sitecache.NotFoundError, match="missing.md"):
        cache.memoize("f", {"source": tmp_path / "missing.md"}, render)
    assert render.calls == 2


class StrPath:
    """An os.PathLike that is not a pathlib.Path."""

    def __init__(self, path: str) -> None:
        self._path = path

    def __fspath__(self) -> str:
        return self._path


class BytesPath(StrPath):
    def __fspath__(self) -> bytes:  # type: ignore[override]
        return os.fsencode(self._path)


def test_any_path_like_counts_by_content(cache: sitecache.Cache, tmp_path: pathlib.Path) -> None:
    # File names are bytes on POSIX: one that is not UTF-8 comes to Python with
    # surrogate escapes, and must reach the file system as its original bytes.
    raw_name = os.fsdecode(b"caf\xe9-\xff.md")
    source = tmp_path / raw_name
    source.write_text("one")
    render = Counter()
    for path in (source, StrPath(str(source)), BytesPath(str(source))):
        cache.memoize("p", {"source": path}, render)
    assert render.calls == 1
    source.write_text("two")
    cache.memoize("p", {"source": BytesPath(str(source))}, render)
    assert render.calls == 2
    with pytest.raises(TypeError):
        cache.memoize("p", {"source": BadPath("x")}, render)


class BadPath(StrPath):
    def __fspath__(self) -> int:  # type: ignore[override]
        return 3


def test_render_errors_reach_the_caller_and_store_nothing(cache: sitecache.Cache) -> None:
    def failing():
        raise KeyError("broken template")

    with pytest.raises(KeyError, match="broken template"):
        cache.memoize("e", {"x": 1}, failing)
    render = Counter()
    cache.memoize("e", {"x": 1}, render)
    assert render.calls == 1
    with pytest.raises(TypeError, match="render function's result must be str or bytes"):
        cache.memoize("e", {"x": 2}, lambda: 42)


def test_cached_decorator(cache: sitecache.Cache) -> None:
    calls = []

    @cache.cached("excerpt", version=3, text=True)
    def excerpt(text: str, words: int = 3, *, ellipsis: str = "...") -> str:
        """Shortens text."""
        calls.append((text, words))
        return " ".join(text.split()[:words]) + ellipsis

    assert excerpt("a b c d e") == "a b c..."
    assert excerpt(text="a b c d e", words=3) == "a b c..."  # same binding, a hit
    assert excerpt("a b c d e", 2) == "a b..."
    assert calls == [("a b c d e", 3), ("a b c d e", 2)]
    assert excerpt.__name__ == "excerpt" and excerpt.__doc__ == "Shortens text."
    assert excerpt.__wrapped__("x y") == "x y..."

    @cache.cached("raw")
    def raw(n: int) -> str:
        return str(n)

    assert raw(5) == b"5"  # without text=True the output is bytes


def test_cached_refuses_unsupported_arguments_by_name(cache: sitecache.Cache) -> None:
    @cache.cached("f")
    def f(page, options=None):
        return "x"

    with pytest.raises(TypeError, match=r"argument 'page': unsupported type 'object'"):
        f(object())
    with pytest.raises(TypeError, match=r"argument 'options'\['a'\]: unsupported type 'set'"):
        f("p", {"a": {1}})
    with pytest.raises(TypeError, match=r"argument 'page': unsupported type 'PosixPath'"):
        f(pathlib.Path("x"))  # a Path argument is not a file input here


def test_cached_slots_name_the_call(cache: sitecache.Cache) -> None:
    @cache.cached("render-post")
    def render(path: str, draft: bool = False, body: bytes = b"") -> str:
        return path

    with cache.build() as build:
        render("posts/a.md")
        render("posts/b.md", True, b"x")
        render("p" * 100)
    slots = [use["slot"] for use in build.finish()["uses"]]
    assert slots[0] == 'render-post("posts/a.md", False, ...)#' + slots[0][-16:]
    assert slots[1].startswith('render-post("posts/b.md", True, ...)#')
    assert slots[2].startswith('render-post("' + "p" * 60 + '", False, ...)#')
    assert len(set(slots)) == 3

    @cache.cached("exact")
    def exact(n: int, name: str) -> str:
        return name

    with cache.build() as build:
        exact(1, "x")
    assert build.finish()["uses"][0]["slot"] == 'exact(1, "x")'
