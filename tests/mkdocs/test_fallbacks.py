"""When the plugin cannot be sure, it caches less and says so once; the output stays
identical. And the identity check itself can fail: a key without the navigation serves
stale pages, and the comparison catches them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("material")

import corpus as corpus_module  # noqa: E402
import edits  # noqa: E402
import harness  # noqa: E402

CONTEXT_HOOK = """
def on_page_context(context, page, config, nav):
    context["hook_note"] = "seen"
    return context
"""


@pytest.fixture
def project(tmp_path):
    root = str(tmp_path)
    return root, harness.small_project(root)


def build_twice_and_compare(root: str) -> list[harness.Build]:
    plain = harness.mkdocs_build(root, "plain.yml", os.path.join(root, "site-plain"))
    assert plain.returncode == 0, plain.log
    builds = []
    for _ in range(2):
        cached = harness.mkdocs_build(root, "mkdocs.yml", os.path.join(root, "site"))
        assert cached.returncode == 0, cached.log
        differences = harness.site_differences(os.path.join(root, "site-plain"),
                                               os.path.join(root, "site"))
        assert not differences, "\n".join(differences)
        builds.append(cached)
    return builds


def test_an_unknown_template_plugin_leaves_markdown_caching(project) -> None:
    root, corpus = project
    with open(os.path.join(root, "context_hook.py"), "w") as f:
        f.write(CONTEXT_HOOK)
    harness.write_mkdocs_yml(root, corpus, hooks=["context_hook.py"])
    cold, warm = build_twice_and_compare(root)
    for build in (cold, warm):
        notes = [line for line in build.info() if "caching the Markdown render only" in line]
        assert len(notes) == 1 and "on_page_context" in notes[0], build.log
    steps = harness.last_build_steps(root)
    assert "mkdocs.page" not in steps
    assert steps["mkdocs.markdown"] == {**steps["mkdocs.markdown"], "misses": 0,
                                        "hits": len(corpus["pages"])}


def test_a_reviewed_plugin_gets_whole_page_caching(project) -> None:
    root, corpus = project
    with open(os.path.join(root, "context_hook.py"), "w") as f:
        f.write(CONTEXT_HOOK)
    harness.write_mkdocs_yml(root, corpus, {"sitecache": {"safe_plugins": ["context_hook.py"]}},
                             hooks=["context_hook.py"])
    build_twice_and_compare(root)
    assert harness.last_build_steps(root)["mkdocs.page"]["hits"] == len(corpus["pages"])


def test_an_unknown_markdown_extension_leaves_page_caching(project) -> None:
    root, corpus = project
    extensions = corpus_module.site_config(corpus, False)["markdown_extensions"]
    harness.write_mkdocs_yml(root, corpus, markdown_extensions=extensions + ["pymdownx.snippets"])
    cold, warm = build_twice_and_compare(root)
    for build in (cold, warm):
        notes = [line for line in build.info() if "Markdown is rendered without the cache" in line]
        assert len(notes) == 1 and "pymdownx.snippets" in notes[0], build.log
    steps = harness.last_build_steps(root)
    assert "mkdocs.markdown" not in steps
    assert steps["mkdocs.page"]["hits"] == len(corpus["pages"])


def test_markdown_mode(project) -> None:
    root, corpus = project
    harness.write_mkdocs_yml(root, corpus, {"sitecache": {"mode": "markdown"}})
    build_twice_and_compare(root)
    steps = harness.last_build_steps(root)
    assert "mkdocs.page" not in steps and steps["mkdocs.markdown"]["misses"] == 0
    assert steps["mkdocs.search"]["misses"] == 0
    assert steps["mkdocs.search"]["hits"] == len(corpus["pages"])


def test_off(project) -> None:
    root, corpus = project
    harness.write_mkdocs_yml(root, corpus, {"sitecache": {"enabled": False}})
    build_twice_and_compare(root)
    assert not os.path.exists(os.path.join(root, ".sitecache", "cache.db"))


FREEZE_NAV = """
import sitecache.mkdocs.page_step as page_step
import sitecache.mkdocs.site as site
site.navigation = lambda nav: "frozen"
page_step.documentation_files = lambda files: "frozen"
"""


def differences_after_edit(root: str, corpus, hook: str, text: str, edit) -> list[str]:
    """Builds with the hooks file `hook` (holding `text`) twice, then makes `edit` and
    returns how the cached site differs from the uncached one."""
    with open(os.path.join(root, hook), "w") as f:
        f.write(text)
    harness.write_mkdocs_yml(root, corpus, hooks=[hook])
    build_twice_and_compare(root)
    edit(root, corpus)
    harness.write_mkdocs_yml(root, corpus, hooks=[hook])
    harness.mkdocs_build(root, "plain.yml", os.path.join(root, "site-plain"))
    harness.mkdocs_build(root, "mkdocs.yml", os.path.join(root, "site"))
    return harness.site_differences(os.path.join(root, "site-plain"),
                                    os.path.join(root, "site"))


def test_the_comparison_catches_a_key_without_the_navigation(project) -> None:
    # A hooks file breaks the plugin on purpose: the navigation no longer enters the key.
    root, corpus = project
    differences = differences_after_edit(root, corpus, "freeze_nav.py", FREEZE_NAV,
                                         edits.change_page_title)
    stale = [d for d in differences if d.startswith("differs: ") and d.endswith(".html")
             or "index.html\n" in d]
    assert len(stale) >= len(corpus["pages"]) - 2, differences

SUBCLASS_SEARCH_INDEX = """
def on_pre_build(config):
    index = config["plugins"]["search"].search_index

    class ProjectSearchIndex(type(index)):
        pass

    index.__class__ = ProjectSearchIndex
"""


def test_an_unknown_search_index_is_not_cached(project) -> None:
    # Any other class may read more of a page than the key holds: it indexes uncached.
    root, corpus = project
    with open(os.path.join(root, "custom_search.py"), "w") as f:
        f.write(SUBCLASS_SEARCH_INDEX)
    harness.write_mkdocs_yml(root, corpus, hooks=["custom_search.py"])
    build_twice_and_compare(root)
    steps = harness.last_build_steps(root)
    assert "mkdocs.search" not in steps
    assert steps["mkdocs.page"]["hits"] == len(corpus["pages"])


FREEZE_SEARCH_KEY = """
import sitecache.mkdocs.search_step as search_step
search_step.SearchStep._inputs = lambda self, page: {"url": page.url}
"""


def test_the_comparison_catches_a_search_key_without_the_content(project) -> None:
    # A hooks file breaks the search key on purpose: an edited page keeps its old entries,
    # and the comparison of search_index.json catches it.
    root, corpus = project
    differences = differences_after_edit(root, corpus, "freeze_search.py", FREEZE_SEARCH_KEY,
                                         edits.edit_page_text)
    assert any("search_index.json" in d for d in differences), differences

INDEX_CLASS_IN_KEY = """
import sys
from types import SimpleNamespace

from mkdocs.config import load_config
from mkdocs.contrib.search.search_index import SearchIndex

import sitecache
from sitecache.mkdocs.search_step import SearchStep, known_search_index

config = load_config("mkdocs.yml")
search = config["plugins"]["search"]
search.on_pre_build(config=config)
theirs = known_search_index(config["plugins"])
assert type(theirs).__module__ == "material.plugins.search.plugin", type(theirs)
ours = SearchIndex(**search.config)
cache = sitecache.load("sitecache.toml")["default"]
page = SimpleNamespace(url="a/", title="A", toc=[], meta={"tags": ["x"]}, content="<p>a</p>")
keys = [SearchStep(cache, "versions", index, print)._inputs(page) for index in (theirs, ours)]
assert keys[0] != keys[1], keys
assert {k: v for k, v in keys[0].items() if k != "index"} == \\
    {k: v for k, v in keys[1].items() if k != "index"}
print("ok")
"""


def test_the_search_key_names_the_index_class(project) -> None:
    # Material's index copies the tags and MkDocs' does not, while both read the same
    # configuration and come with the same versions: only the class tells them apart.
    root, _ = project
    with open(os.path.join(root, "sitecache.toml"), "w") as f:
        f.write('[cache.default]\nbackend = "memory"\n')
    done = subprocess.run([sys.executable, "-c", INDEX_CLASS_IN_KEY], cwd=root,
                          env=harness.environment(), capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr
