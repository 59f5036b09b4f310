"""Bad input: option problems stop the build as MkDocs configuration errors naming the
option; an unreachable backend gives misses and one warning; a corrupt entry is a miss."""

from __future__ import annotations

import os
import socket
import sqlite3

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("material")

import harness  # noqa: E402


@pytest.fixture
def project(tmp_path):
    root = str(tmp_path)
    return root, harness.small_project(root)


def config_error(project, options) -> str:
    root, corpus = project
    harness.write_mkdocs_yml(root, corpus, {"sitecache": options})
    build = harness.mkdocs_build(root, "mkdocs.yml", os.path.join(root, "site"))
    assert build.returncode != 0, build.log
    assert "Aborted with 1 Configuration Errors!" in build.log, build.log
    return build.log


def test_an_unknown_option(project) -> None:
    log = config_error(project, {"cache_dir": ".cache"})
    assert "Plugin 'sitecache' option 'cache_dir': unknown option" in log


def test_a_wrong_value(project) -> None:
    log = config_error(project, {"mode": "everything"})
    assert "Plugin 'sitecache' option 'mode'" in log


def test_a_missing_config_file(project) -> None:
    log = config_error(project, {"config_file": "missing.toml"})
    assert "Plugin 'sitecache' option 'config_file'" in log and "missing.toml" in log


def test_a_malformed_config_file(project) -> None:
    root, _ = project
    with open(os.path.join(root, "sitecache.toml"), "w") as f:
        f.write('[cache.default]\nbackend = "sqlite"\nmax_size = 12 monkeys\n')
    log = config_error(project, {"config_file": "sitecache.toml"})
    assert "Plugin 'sitecache' option 'config_file'" in log
    assert "sitecache.toml:3:" in log


def test_an_unknown_cache(project) -> None:
    log = config_error(project, {"cache": "shared"})
    assert "Plugin 'sitecache' option 'cache'" in log and "'shared'" in log


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_backend_gives_misses_and_one_warning(project) -> None:
    root, corpus = project
    plugins = os.path.join(os.environ["SITECACHE_PYTHONPATH"], "..", "plugins")
    if not os.path.exists(os.path.join(plugins, "redis", "sitecache-redis.so")):
        pytest.skip("the redis plugin is not built")
    with open(os.path.join(root, "sitecache.toml"), "w") as f:
        f.write(f'[cache.default]\nbackend = "redis"\n'
                f'location = "redis://127.0.0.1:{_closed_port()}/0"\n')
    harness.write_mkdocs_yml(root, corpus)
    plain = harness.mkdocs_build(root, "plain.yml", os.path.join(root, "site-plain"))
    for _ in range(2):
        cached = harness.mkdocs_build(root, "mkdocs.yml", os.path.join(root, "site"),
                                      strict=True)
        assert cached.returncode == 0, cached.log
        assert not harness.site_differences(os.path.join(root, "site-plain"),
                                            os.path.join(root, "site"))
        warnings = [line for line in cached.log.splitlines() if "treating failures as misses" in line]
        assert len(warnings) == 1, cached.log
        assert "unavailable" in warnings[0]
    assert plain.returncode == 0


def test_a_corrupt_entry_is_a_miss(project) -> None:
    root, corpus = project
    harness.write_mkdocs_yml(root, corpus)
    plain = harness.mkdocs_build(root, "plain.yml", os.path.join(root, "site-plain"))
    assert plain.returncode == 0
    assert harness.mkdocs_build(root, "mkdocs.yml", os.path.join(root, "site")).returncode == 0
    db = sqlite3.connect(os.path.join(root, ".sitecache", "cache.db"))
    damaged = db.execute("UPDATE entries SET value = substr(value, 1, length(value) - 4) "
                         "|| X'00010203' WHERE key NOT LIKE '%:builds:%'").rowcount
    db.commit()
    db.close()
    assert damaged > 0
    cached = harness.mkdocs_build(root, "mkdocs.yml", os.path.join(root, "site"))
    assert cached.returncode == 0, cached.log
    assert not harness.site_differences(os.path.join(root, "site-plain"),
                                        os.path.join(root, "site"))
    steps = harness.last_build_steps(root)
    pages = len(corpus["pages"])
    assert steps["mkdocs.page"]["misses"] == pages and steps["mkdocs.page"]["hits"] == 0
