"""The MkDocs plugin against real builds: after every step of the edit sequence
(edits.py) the whole site built with the plugin equals, byte for byte, the site built
without it, the same warnings are printed, and the cache re-rendered exactly what the
edit invalidated (the build records, read with `sitecache stats`). `sitecache explain`
and `clear --stale` work on the MkDocs cache.

$SITECACHE_MKDOCS_PAGES sets the corpus size (meson: a few hundred pages).
"""

from __future__ import annotations

import os

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("material")
pytest.importorskip("pymdownx")

import corpus as corpus_module  # noqa: E402
import edits  # noqa: E402
import harness  # noqa: E402

PAGES = int(os.environ.get("SITECACHE_MKDOCS_PAGES", "200"))


class Project:
    def __init__(self, root: str) -> None:
        self.root = root
        self.corpus = corpus_module.generate(root, PAGES)

    def build_both(self) -> tuple[harness.Build, harness.Build]:
        plain = harness.mkdocs_build(self.root, "plain.yml", os.path.join(self.root, "site-plain"))
        cached = harness.mkdocs_build(self.root, "mkdocs.yml", os.path.join(self.root, "site"))
        assert plain.returncode == 0, plain.log
        assert cached.returncode == 0, cached.log
        return plain, cached

    def assert_identical(self, plain: harness.Build, cached: harness.Build) -> None:
        differences = harness.site_differences(os.path.join(self.root, "site-plain"),
                                               os.path.join(self.root, "site"))
        assert not differences, "\n".join(differences)
        assert cached.warnings() == plain.warnings()

    def renders(self) -> tuple[int, int]:
        steps = harness.last_build_steps(self.root)
        return steps["mkdocs.markdown"]["misses"], steps["mkdocs.page"]["misses"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return Project(str(tmp_path_factory.mktemp("corpus")))


def test_cold_build_equals_uncached(project: Project) -> None:
    plain, cached = project.build_both()
    project.assert_identical(plain, cached)
    n = len(project.corpus["pages"])
    assert project.renders() == (n, n)
    assert harness.last_build_steps(project.root)["mkdocs.search"]["misses"] == n
    assert any("WARNING" in line for line in plain.log.splitlines())  # release-notes.md
    with open(os.path.join(project.root, "site", "search", "search_index.json")) as f:
        assert '"tags":' in f.read()  # the corpus exercises Material's tagged entries


def test_warm_build_renders_nothing(project: Project) -> None:
    plain, cached = project.build_both()
    project.assert_identical(plain, cached)
    assert project.renders() == (0, 0)
    steps = harness.last_build_steps(project.root)
    assert steps["mkdocs.page"]["hits"] == len(project.corpus["pages"])
    search = steps["mkdocs.search"]
    assert (search["hits"], search["misses"]) == (len(project.corpus["pages"]), 0)
    assert any("from the cache: Markdown" in line for line in cached.info())


@pytest.mark.parametrize("edit", edits.SEQUENCE, ids=lambda e: e.__name__)
def test_edit(project: Project, edit) -> None:
    change = edit(project.root, project.corpus)
    plain, cached = project.build_both()
    project.assert_identical(plain, cached)
    markdown, page = project.renders()
    if change.markdown_renders is not None:
        assert markdown == change.markdown_renders, change.what
    if change.page_renders is not None:
        assert page == change.page_renders, change.what
    if change.search_renders is not None:
        search = harness.last_build_steps(project.root)["mkdocs.search"]
        assert search["misses"] == change.search_renders, change.what
    if edit is edits.edit_page_text:
        explained = harness.sitecache_cli(project.root, "explain", change.changed_page)
        steps = {s["step"]: s for s in explained["steps"]}
        assert steps["mkdocs.markdown"]["reason"] == "inputs_changed"
        assert steps["mkdocs.markdown"]["changed"] == ["markdown"]
        assert "content" in steps["mkdocs.page"]["changed"]
    if edit is edits.change_page_title:
        other = project.corpus["pages"][1]["path"]
        explained = harness.sitecache_cli(project.root, "explain", other)
        steps = {s["step"]: s for s in explained["steps"]}
        assert steps["mkdocs.markdown"]["hit"]
        assert "nav" in steps["mkdocs.page"]["changed"]


def test_clear_stale_removes_what_no_build_uses(project: Project) -> None:
    # After the sequence, the newest build no longer uses the deleted page's entries
    # nor the renders its edits superseded.
    plan = harness.sitecache_cli(project.root, "clear", "--stale", "--keep-builds", "1",
                                 "--dry-run")
    slots = {entry["slot"] for entry in plan["entries"]}
    deleted = {e["path"] for e in corpus_module.plan(PAGES, 1)["pages"]} - \
        {e["path"] for e in project.corpus["pages"]}
    assert deleted and deleted <= slots
    done = harness.sitecache_cli(project.root, "clear", "--stale", "--keep-builds", "1")
    assert done["removed_entries"] == plan["planned_entries"] > 0
    plain, cached = project.build_both()  # what the last build used is still there
    project.assert_identical(plain, cached)
    assert project.renders() == (0, 0)
