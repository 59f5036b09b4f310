"""Build sessions and stats: what Python records is what the sitecache command reads."""

from __future__ import annotations

import json

import pytest

import sitecache
from conftest import run_cli


def test_a_build_records_its_uses(cache: sitecache.Cache) -> None:
    with cache.build() as build:
        assert not build.finished
        cache.memoize("page", {"src": "a"}, lambda: "A", slot="a.md")
        cache.memoize("page", {"src": "a"}, lambda: "A", slot="a.md")
        cache.memoize("page", {"src": "b"}, lambda: "B", slot="b.md")
        assert build.record["misses"] == 2  # a snapshot while open
    record = build.finish()
    assert build.finished and build.finish() == record == build.record
    assert (record["hits"], record["misses"]) == (1, 2)
    assert record["steps"]["page"]["misses"] == 2
    assert [(u["slot"], u["hit"]) for u in record["uses"]] == [("a.md", True), ("b.md", False)]
    with cache.build() as second:
        pass
    assert second.generation == build.generation + 1


def test_an_exception_still_writes_the_record(cache: sitecache.Cache) -> None:
    with pytest.raises(RuntimeError):
        with cache.build():
            cache.memoize("page", {"src": "a"}, lambda: "A", slot="a.md")
            raise RuntimeError("generator crashed")
    assert cache.stats()["last_build"]["misses"] == 1


def test_plain_sets_and_gets_are_recorded(cache: sitecache.Cache) -> None:
    with cache.build() as build:
        cache.set("menu", "x", slot="menu.html", tags=["nav"])
        cache.get("sidebar")
    record = build.finish()
    assert set(record["steps"]) == {"get", "put"}
    assert [(u["step"], u["slot"]) for u in record["uses"]][0] == ("put", "menu.html")


def test_stats_are_those_of_the_command(cache: sitecache.Cache, tmp_path) -> None:
    for n in range(3):
        with cache.build():
            for page in range(4):
                cache.memoize("page", {"src": page}, lambda: "x" * 1000, slot=f"{page}.md")
            cache.memoize("nav", {"n": n}, lambda: "nav")
    done = run_cli("stats", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = json.loads(done.stdout)["caches"][0]
    assert cache.stats() == expected
    stats = cache.stats(builds=2)
    assert stats["recent"]["builds"] == 2
    assert stats["last_build"]["steps"]["page"]["hits"] == 4
    assert stats["recent"]["steps"]["nav"]["misses"] == 2


def test_explain_reads_what_python_recorded(cache: sitecache.Cache, tmp_path) -> None:
    for layout in ("v1", "v2"):
        with cache.build():
            cache.memoize("page", {"source": "text", "layout": layout}, lambda: "x", slot="a.md")
    done = run_cli("explain", "a.md", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    step = json.loads(done.stdout)["steps"][0]
    assert (step["reason"], step["changed"]) == ("inputs_changed", ["layout"])


def test_counters(cache: sitecache.Cache) -> None:
    cache.get("absent")
    cache.set("k", "v")
    cache.get("k")
    counters = cache.counters()
    assert (counters["hits"], counters["misses"], counters["sets"]) == (1, 1, 1)
    assert set(counters) == {"hits", "misses", "sets", "deletes", "errors", "corrupt",
                             "rejected", "bytes_read", "bytes_written"}
