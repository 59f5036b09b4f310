"""Failures: the exception hierarchy, on_error, corrupt entries."""

from __future__ import annotations

import sqlite3

import pytest

import sitecache
from conftest import write_config


def test_the_hierarchy() -> None:
    for cls in (sitecache.ConfigError, sitecache.PluginError, sitecache.BackendError,
                sitecache.InvalidArgument, sitecache.NotFoundError, sitecache.ReadOnlyError):
        assert issubclass(cls, sitecache.Error)
    assert issubclass(sitecache.InvalidArgument, ValueError)
    assert issubclass(sitecache.NotFoundError, LookupError)


def test_a_malformed_config_names_file_line_and_column(tmp_path) -> None:
    path = write_config(tmp_path, '[cache.default]\nbackend = "sqlite"\ntimout = "7d"\n')
    with pytest.raises(sitecache.ConfigError) as error:
        sitecache.load(path)
    assert error.value.code == "config"
    assert f"{path}:3:1" in str(error.value) and "timout" in str(error.value)
    with pytest.raises(sitecache.ConfigError, match="does not exist"):
        sitecache.load(tmp_path / "missing.toml")


def test_a_missing_plugin(make_cache) -> None:
    failing = make_cache('backend = "nonexistent"\non_error = "fail"')
    with pytest.raises(sitecache.PluginError, match="nonexistent") as error:
        failing.get("k")
    assert error.value.code == "plugin"


def test_backend_failures_are_misses_and_one_warning(make_cache, tmp_path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    warnings: list[str] = []
    cache = make_cache(f'backend = "file"\nlocation = "{tmp_path}/a-file/cache"',
                       on_warning=warnings.append)
    rendered = []
    for _ in range(3):
        cache.set("k", "v")
        assert cache.get("k") is None
        assert cache.memoize("s", {}, lambda: rendered.append(1) or "out") == b"out"
    assert len(rendered) == 3
    assert len(warnings) == 1 and "treating failures as misses" in warnings[0]
    assert cache.counters()["errors"] >= 6


def test_backend_failures_raise_with_on_error_fail(make_cache, tmp_path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    cache = make_cache(f'backend = "file"\nlocation = "{tmp_path}/a-file/cache"\n'
                       'on_error = "fail"')
    with pytest.raises(sitecache.BackendError) as error:
        cache.set("k", "v")
    assert error.value.code == "io"


def test_read_only(make_cache) -> None:
    make_cache().set("k", "v")
    cache = make_cache("read_only = true")
    cache.set("k", "changed")  # skipped: a build must not fail
    assert cache.get("k") == b"v"
    with pytest.raises(sitecache.ReadOnlyError):
        cache.delete("k")


def test_a_corrupt_entry_is_a_miss(make_cache, tmp_path) -> None:
    cache = make_cache()
    cache.memoize("page", {"src": "a"}, lambda: "stored")
    del cache
    db = sqlite3.connect(tmp_path / "cache.db")
    db.execute("UPDATE entries SET value = substr(value, 1, length(value) - 4) || X'00010203'")
    db.commit()
    db.close()
    cache = make_cache()
    assert cache.memoize("page", {"src": "a"}, lambda: "rendered again") == b"rendered again"
    assert cache.counters()["corrupt"] == 1
    assert cache.memoize("page", {"src": "a"}, lambda: "not called") == b"rendered again"
