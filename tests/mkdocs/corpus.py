#!/usr/bin/python3
"""A documentation corpus for MkDocs + Material, the same for the same arguments.

    corpus.py OUT_DIR --pages N [--seed S]

Writes OUT_DIR/docs/ (N pages: index.md and pages in two levels of sections),
OUT_DIR/overrides/main.html (a theme override), OUT_DIR/mkdocs.yml (with the sitecache
plugin), OUT_DIR/plain.yml (the same site without it) and OUT_DIR/corpus.json (the plan,
which edits.py changes). Every page has an H1 title, sections with admonitions, code
blocks in several languages (highlighted by Pygments through pymdownx), tables,
definition lists, tabbed blocks, and links with anchors to headings of other pages.
The navigation is nested and names pages by path only, so a page's title comes from
its H1 and a title edit changes every page's navigation. index.md links to
release-notes.md, which does not exist until edits.add_page creates it.

Nothing depends on the clock, the hash seed or the file system's order.
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import random
import re
import shutil
import sys
from typing import Any

import yaml

RELEASE_NOTES = "release-notes.md"
PAGES_PER_SECTION = 20
SECTIONS = ["Getting Started", "User Guide", "Reference", "Backends", "Operations",
            "Plugins", "Tutorials", "Internals", "Recipes", "Troubleshooting"]
VERBS = ["configure", "install", "deploy", "tune", "monitor", "debug", "extend", "migrate",
         "secure", "profile", "render", "index", "cache", "validate", "package", "restore"]
NOUNS = ["cache store", "page renderer", "theme override", "search index", "build pipeline",
         "plugin loader", "asset bundle", "navigation tree", "link resolver", "content hash",
         "entry envelope", "backend driver", "worker pool", "config loader", "sitemap writer"]
ADJECTIVES = ["fast", "shared", "local", "remote", "stale", "warm", "cold", "strict", "lazy",
              "atomic", "nested", "signed", "compressed", "portable"]
WORDS = ("build cache render page template theme key value entry backend store hash digest "
         "content markdown section heading anchor link table code block plugin event config "
         "option version server client worker queue thread process file path output input "
         "step record session generation stale clear expire evict compress verify restore "
         "warm cold hit miss latency throughput").split()


def _code(r: random.Random, language: str) -> str:
    w, v, n = r.choice(WORDS), r.choice(VERBS), r.randint(1, 999)
    samples = {
        "python": f"def {v}_{w}(page, ttl={n}):\n    \"\"\"{v.capitalize()} the {w}.\"\"\"\n"
                  f"    key = (page.src, {n % 7}, {w!r})\n    return cache.memoize(key, page.render)",
        "cpp": f"int {v}_{w}(sitecache::Cache& cache) {{\n  auto value = cache.get(\"{w}:{n}\");\n"
               f"  return value ? static_cast<int>(value->size()) : {n % 9};\n}}",
        "bash": f"sitecache stats --cache {w} --json\nsitecache clear --stale --keep-builds {n % 9 + 1}",
        "yaml": f"{w}:\n  enabled: {r.choice(['true', 'false'])}\n  ttl: {n % 30 + 1}d\n"
                f"  backend: {r.choice(['sqlite', 'redis', 'file'])}",
        "json": json.dumps({w: n, "backend": r.choice(["sqlite", "redis"]),
                            "tags": sorted({r.choice(WORDS) for _ in range(3)})}, indent=2),
        "rust": f"fn {v}_{w}(input: &[u8]) -> u64 {{\n    let mut h: u64 = {n};\n"
                f"    for b in input {{ h = h.wrapping_mul(31).wrapping_add(*b as u64); }}\n    h\n}}",
        "javascript": f"export async function {v}(url) {{\n  const res = await fetch(url)\n"
                      f"  return res.ok ? res.json() : {{ error: {400 + n % 100} }}\n}}",
    }
    return samples[language]


LANGUAGES = ["python", "cpp", "bash", "yaml", "json", "rust", "javascript"]


def slugify(text: str) -> str:
    """markdown.extensions.toc.slugify for the ASCII headings generated here."""
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text).strip().lower())


def _sentence(r: random.Random, words: int = 0) -> str:
    chosen = [r.choice(WORDS) for _ in range(words or r.randint(8, 16))]
    return " ".join([chosen[0].capitalize(), *chosen[1:]]) + "."


def _paragraph(r: random.Random, sentences: int = 0) -> str:
    return " ".join(_sentence(r) for _ in range(sentences or r.randint(2, 4)))


def _indent(text: str) -> list[str]:
    return ["    " + line if line else "" for line in text.split("\n")]


def plan(pages: int, seed: int) -> dict[str, Any]:
    """Paths, titles and headings of every page (corpus.json)."""
    r = random.Random(seed)
    entries = [{"path": "index.md", "title": "Documentation home", "revision": 0,
                "headings": ["Overview", "Quick start", "Where to go next"]}]
    titles = {entries[0]["title"]}
    for i in range(pages - 1):
        section = SECTIONS[(i // (PAGES_PER_SECTION * 3)) % len(SECTIONS)]
        group = (i // PAGES_PER_SECTION) % 3 + 1
        top = f"{i // (PAGES_PER_SECTION * 3) + 1:02d}-{slugify(section)}"
        path = f"{top}/part-{group}/page-{i % PAGES_PER_SECTION + 1:02d}.md"
        title = f"{r.choice(VERBS).capitalize()} the {r.choice(ADJECTIVES)} {r.choice(NOUNS)}"
        if title in titles:
            title += f" ({i})"
        titles.add(title)
        headings = []
        for _ in range(r.randint(4, 7)):
            heading = f"{r.choice(VERBS).capitalize()} the {r.choice(NOUNS)}"
            if heading not in headings:
                headings.append(heading)
        entry = {"path": path, "title": title, "headings": headings, "revision": 0}
        if i % 7 == 3:  # Material's search index copies these into the page's entry
            entry["tags"] = [r.choice(NOUNS), r.choice(ADJECTIVES)]
        entries.append(entry)
    return {"seed": seed, "pages": entries, "extension_permalink": "¶", "override_revision": 1,
            "link_targets": {}}


def _link(source: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


def page_text(entry: dict[str, Any], corpus: dict[str, Any]) -> str:
    """The Markdown of one page: a function of the plan only."""
    r = random.Random(f"{corpus['seed']}:{entry['path']}")
    pages = corpus["pages"]
    out = []
    front = []
    if r.random() < 0.3:
        front.append(f"description: {_sentence(r, 8)}")
    if entry.get("tags"):
        front += ["tags:"] + [f"  - {tag}" for tag in entry["tags"]]
    if front:
        out += ["---", *front, "---", ""]
    out += [f"# {entry['title']}", "", _paragraph(r), ""]
    if entry["revision"]:  # its own random stream: the rest of the page stays as it was
        revision = random.Random(f"{corpus['seed']}:{entry['path']}:{entry['revision']}")
        out += [f"Revised {entry['revision']} time(s): {_sentence(revision)}", ""]
    if entry["path"] == "index.md":
        out += [f"Read the [release notes]({RELEASE_NOTES}#latest-release).", ""]
    for n, heading in enumerate(entry["headings"]):
        out += [f"## {heading}", "", _paragraph(r), ""]
        kind = (n + r.randint(0, 5)) % 6
        language = r.choice(LANGUAGES)
        if kind == 0:
            title = f' title="{r.choice(WORDS)}.{language[:2]}"' if r.random() < 0.5 else ""
            out += [f"```{language}{title}", _code(r, language), "```", ""]
        elif kind == 1:
            marker = "!!!" if r.random() < 0.7 else "???"
            out += [f'{marker} {r.choice(["note", "warning", "tip", "danger"])} '
                    f'"{r.choice(ADJECTIVES).capitalize()} {r.choice(WORDS)}"', "",
                    *_indent(_paragraph(r, 2)), ""]
            if r.random() < 0.5:
                out += _indent(f"```{language}\n{_code(r, language)}\n```") + [""]
        elif kind == 2:
            columns = r.randint(3, 5)
            out += ["| " + " | ".join(r.choice(WORDS).capitalize() for _ in range(columns)) + " |",
                    "|" + "|".join(["---"] * columns) + "|"]
            for _ in range(r.randint(4, 8)):
                out.append("| " + " | ".join(f"`{r.choice(WORDS)}`" if c == 0 else
                                              str(r.randint(0, 9999)) if c % 2 else
                                              r.choice(WORDS) for c in range(columns)) + " |")
            out.append("")
        elif kind == 3:
            out += [f"### {heading} in practice", "", _paragraph(r, 2), "",
                    f"```{language}", _code(r, language), "```", ""]
        elif kind == 4:
            out += [f"`{r.choice(WORDS)}`", f":   {_sentence(r)}", "",
                    f"`{r.choice(WORDS)}`", f":   {_sentence(r)}", ""]
        else:
            a, b = r.sample(LANGUAGES, 2)
            for language in (a, b):
                out += [f'=== "{language}"', "", *_indent(f"```{language}\n{_code(r, language)}\n```"), ""]
        if r.random() < 0.6 and len(pages) > 1:
            other = pages[r.randrange(len(pages))]
            if other is not entry:
                out += [f"See [{other['title'].lower()}]({_link(entry['path'], other['path'])}"
                        f"#{slugify(r.choice(other['headings']))}) and "
                        f"[this section](#{slugify(entry['headings'][0])}).", ""]
    out += ["## Related pages", ""]
    # edits.change_link_target points the first of these links elsewhere.
    retarget = corpus["link_targets"].get(entry["path"])
    for n, i in enumerate(sorted(r.sample(range(len(pages)), min(3, len(pages))))):
        target = retarget if retarget and n == 0 else pages[i]["path"]
        out.append(f"- [{pages[i]['title']}]({_link(entry['path'], target)})")
    out.append("")
    return "\n".join(out)


def _navigation(corpus: dict[str, Any]) -> list:
    """Nested navigation: sections, groups, pages by path (titles from their H1)."""
    nav: list = [{"Home": "index.md"}]
    sections: dict[str, dict[str, list]] = {}
    top_level = []
    for entry in corpus["pages"][1:]:
        if "/" not in entry["path"]:
            top_level.append(entry["path"])  # added pages (release-notes.md)
            continue
        top, group, _ = entry["path"].split("/")
        sections.setdefault(top, {}).setdefault(group, []).append(entry["path"])
    for top, groups in sections.items():
        name = top.split("-", 1)[1].replace("-", " ").title()
        nav.append({name: [{group.replace("-", " ").title(): paths}
                           for group, paths in groups.items()]})
    return nav + top_level


def site_config(corpus: dict[str, Any], with_plugin: bool) -> dict[str, Any]:
    plugins: list = ["search"]
    if with_plugin:
        plugins.append("sitecache")
    return {
        "site_name": "sitecache corpus",
        "site_url": "https://docs.example.org/",
        "site_description": "A generated documentation corpus",
        "repo_url": "https://github.com/example/sitecache-corpus",
        "edit_uri": "edit/main/docs/",
        "copyright": "Copyright &copy; 2026 Example",
        "theme": {
            "name": "material",
            "custom_dir": "overrides",
            "features": ["navigation.sections", "navigation.top", "search.highlight"],
            "palette": {"primary": "indigo", "accent": "indigo"},
        },
        "extra": {"version": "1.0"},
        "markdown_extensions": [
            "admonition", "tables", "attr_list", "def_list", "md_in_html",
            {"toc": {"permalink": corpus["extension_permalink"]}},
            {"pymdownx.highlight": {"use_pygments": True}},
            "pymdownx.inlinehilite", "pymdownx.superfences", "pymdownx.details",
            {"pymdownx.tabbed": {"alternate_style": True}},
        ],
        "plugins": plugins,
        "nav": _navigation(corpus),
    }


def override_text(corpus: dict[str, Any]) -> str:
    return ('{% extends "base.html" %}\n\n{% block announce %}\n'
            f"  Corpus banner, revision {corpus['override_revision']}.\n{{% endblock %}}\n")


def write(root: str, corpus: dict[str, Any], changed: list[str] | None = None) -> None:
    """Writes the files of the corpus: every page, or only the `changed` paths."""
    docs = os.path.join(root, "docs")
    for entry in corpus["pages"]:
        if changed is not None and entry["path"] not in changed:
            continue
        path = os.path.join(docs, entry["path"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(page_text(entry, corpus))
    os.makedirs(os.path.join(root, "overrides"), exist_ok=True)
    with open(os.path.join(root, "overrides", "main.html"), "w", encoding="utf-8") as f:
        f.write(override_text(corpus))
    for name, with_plugin in (("mkdocs.yml", True), ("plain.yml", False)):
        with open(os.path.join(root, name), "w", encoding="utf-8") as f:
            yaml.safe_dump(site_config(corpus, with_plugin), f, sort_keys=False,
                           allow_unicode=True, width=100)
    with open(os.path.join(root, "corpus.json"), "w", encoding="utf-8") as f:
        json.dump(corpus, f, indent=1, sort_keys=True)


def load(root: str) -> dict[str, Any]:
    with open(os.path.join(root, "corpus.json"), encoding="utf-8") as f:
        return json.load(f)


def generate(root: str, pages: int, seed: int = 1) -> dict[str, Any]:
    if os.path.isdir(os.path.join(root, "docs")):
        shutil.rmtree(os.path.join(root, "docs"))
    corpus = plan(pages, seed)
    write(root, corpus)
    return corpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--pages", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.pages < 2:
        parser.error("--pages must be at least 2")
    generate(args.out_dir, args.pages, args.seed)
    print(f"wrote {args.pages} pages to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
