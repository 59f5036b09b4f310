"""The low-level API: str and bytes keys and values, timeouts, Django's semantics."""

from __future__ import annotations

import datetime

import pytest

import sitecache


def test_values_come_back_as_bytes_or_text(cache: sitecache.Cache) -> None:
    cache.set("menu", "<nav>é</nav>")
    assert cache.get("menu") == "<nav>é</nav>".encode()
    assert cache.get("menu", text=True) == "<nav>é</nav>"
    cache.set(b"\x00raw", b"\xff\xfe")
    assert cache.get(b"\x00raw") == b"\xff\xfe"
    with pytest.raises(UnicodeDecodeError):
        cache.get(b"\x00raw", text=True)


def test_str_and_bytes_keys_are_the_same_key(cache: sitecache.Cache) -> None:
    cache.set("clé", b"1")
    assert cache.get("clé".encode()) == b"1"
    assert "clé" in cache and b"cl\xc3\xa9" in cache and "other" not in cache


def test_missing_keys_give_the_default(cache: sitecache.Cache) -> None:
    assert cache.get("absent") is None
    assert cache.get("absent", "fallback") == "fallback"


def test_add_delete_touch(cache: sitecache.Cache) -> None:
    assert cache.add("k", "first") is True
    assert cache.add("k", "second") is False
    assert cache.get("k") == b"first"
    assert cache.touch("k", 60) is True
    assert cache.touch("absent", 60) is False
    assert cache.delete("k") is True
    assert cache.delete("k") is False
    assert cache.get("k") is None


def test_incr_and_decr(cache: sitecache.Cache) -> None:
    cache.set("n", "41")
    assert cache.incr("n") == 42
    assert cache.decr("n", 2) == 40
    assert cache.get("n") == b"40"
    with pytest.raises(sitecache.NotFoundError):
        cache.incr("absent")
    cache.set("word", "forty")
    with pytest.raises(sitecache.InvalidArgument):
        cache.incr("word")


def test_timeouts(cache: sitecache.Cache) -> None:
    cache.set("zero", "x", 0)  # Django: 0 does not store
    assert cache.get("zero") is None
    cache.set("past", "x", -5)
    assert cache.get("past") is None
    for timeout in (30, 2.5, datetime.timedelta(minutes=5), "1h30m", "none", None):
        cache.set("t", "v", timeout)
        assert cache.get("t") == b"v", timeout
    with pytest.raises(sitecache.InvalidArgument) as error:
        cache.set("t", "v", "soon")
    assert "soon" in str(error.value)
    assert isinstance(error.value, ValueError)
    with pytest.raises(TypeError):
        cache.set("t", "v", True)
    with pytest.raises(TypeError):
        cache.set("t", "v", [1])


def test_wrong_types_are_refused(cache: sitecache.Cache) -> None:
    with pytest.raises(TypeError, match="key must be str or bytes"):
        cache.set(1, "v")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="value must be str or bytes, not int"):
        cache.set("k", 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a single string"):
        cache.set("k", "v", tags="one")


def test_clear_removes_only_this_cache(make_cache, tmp_path) -> None:
    from conftest import write_config

    path = write_config(tmp_path, '[cache.a]\nbackend = "sqlite"\nlocation = "c.db"\n'
                                  'key_prefix = "a"\n[cache.b]\nbackend = "sqlite"\n'
                                  'location = "c.db"\nkey_prefix = "b"\n')
    caches = sitecache.load(path)
    caches["a"].set("k", "a")
    caches["b"].set("k", "b")
    caches["a"].clear()
    assert caches["a"].get("k") is None
    assert caches["b"].get("k") == b"b"


def test_caches_mapping(tmp_path) -> None:
    from conftest import write_config

    path = write_config(tmp_path, '[cache.default]\nbackend = "memory"\n'
                                  '[cache.other]\nbackend = "memory"\n')
    caches = sitecache.load(path)
    assert caches.names() == ["default", "other"] == list(caches)
    assert len(caches) == 2 and "other" in caches and "third" not in caches
    assert caches.source == str(path)
    assert caches["other"].name == "other"
    with pytest.raises(KeyError):
        caches["third"]


def test_default_configuration_is_sqlite_in_the_working_directory(tmp_path) -> None:
    cache = sitecache.load()["default"]
    cache.set("k", "v")
    assert cache.settings["backend"] == "sqlite"
    assert (tmp_path / ".sitecache" / "cache.db").exists()


def test_disabled_by_the_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SITECACHE_DISABLE", "1")
    cache = sitecache.load()["default"]
    cache.set("k", "v")
    assert cache.get("k") is None
