"""Fixtures of the binding's tests: sitecache imported from the build tree (meson puts
<build>/python on PYTHONPATH), caches on real backends in temporary directories."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable

import pytest

import sitecache

CacheFactory = Callable[..., sitecache.Cache]


def write_config(directory: Path, body: str) -> Path:
    path = directory / "sitecache.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("SITECACHE_CONFIG", "SITECACHE_DISABLE", "SITECACHE_PLUGIN_PATH"):
        monkeypatch.delenv(name, raising=False)
    # The stat cache of file inputs lives in the working directory.
    monkeypatch.setenv("SITECACHE_STAT_CACHE", str(tmp_path / "stat-cache"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def make_cache(tmp_path: Path) -> CacheFactory:
    """make_cache(settings="", name="default") -> a cache of a fresh sitecache.toml whose
    [cache.NAME] table holds `settings` (SQLite in the temporary directory by default)."""

    def make(settings: str = "", name: str = "default", **load_args) -> sitecache.Cache:
        if "backend" not in settings:
            settings = f'backend = "sqlite"\nlocation = "cache.db"\n{settings}'
        path = write_config(tmp_path, f"[cache.{name}]\n{settings}\n")
        return sitecache.load(path, **load_args)[name]

    return make


@pytest.fixture
def cache(make_cache: CacheFactory) -> sitecache.Cache:
    return make_cache()


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The build tree's `sitecache` command."""
    return subprocess.run([os.environ["SITECACHE_CLI"], *args], cwd=cwd, capture_output=True,
                          text=True, check=False)
