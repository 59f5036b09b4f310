"""The edit sequence of the MkDocs tests: each edit changes the corpus (corpus.py) the
way an author would and says what a correct cache must re-render.

Every edit returns an Edit: what it did, and how many renders of each cached step the
next cached build must make (None: not checked). The expectations follow from what
each step's key covers (docs/python.md): the Markdown step re-renders a page whose
Markdown, Markdown configuration or link answers changed; the page step re-renders
every page when anything site-wide (navigation, file set, theme, configuration)
changed, else the pages whose own state changed.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

import corpus as corpus_module

# The page every edit works on: the first page of the second group, well inside the nav.
_SUBJECT = 21


@dataclass
class Edit:
    what: str
    markdown_renders: Optional[int]  # misses of the mkdocs.markdown step
    page_renders: Optional[int]      # misses of the mkdocs.page step
    changed_page: Optional[str] = None  # a page whose Markdown changed (for explain)
    search_renders: Optional[int] = None  # misses of the mkdocs.search step


def _subject(corpus: dict[str, Any]) -> dict[str, Any]:
    return corpus["pages"][min(_SUBJECT, len(corpus["pages"]) - 1)]


def _linkers(root: str, corpus: dict[str, Any], target: str) -> list[str]:
    """The pages whose Markdown links to `target` (as the generator writes links)."""
    out = []
    for entry in corpus["pages"]:
        with open(os.path.join(root, "docs", entry["path"]), encoding="utf-8") as f:
            text = f.read()
        for link in re.findall(r"\]\(([^)#]+)", text):
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(entry["path"]), link))
            if joined == target:
                out.append(entry["path"])
                break
    return out


def edit_page_text(root: str, corpus: dict[str, Any]) -> Edit:
    entry = _subject(corpus)
    entry["revision"] += 1
    corpus_module.write(root, corpus, changed=[entry["path"]])
    return Edit(f"text of {entry['path']}", 1, 1, entry["path"], search_renders=1)


def change_page_tags(root: str, corpus: dict[str, Any]) -> Edit:
    """Front-matter tags only: the Markdown body is the same (its render is reused); the
    metadata is part of the navigation every template may show (every page re-renders),
    and of Material's search entry of that page alone (which copies the tags)."""
    entry = _subject(corpus)
    entry["tags"] = ["retagged", "guide"]
    corpus_module.write(root, corpus, changed=[entry["path"]])
    return Edit(f"tags of {entry['path']}", 0, len(corpus["pages"]), entry["path"],
                search_renders=1)


def change_page_title(root: str, corpus: dict[str, Any]) -> Edit:
    entry = corpus["pages"][min(_SUBJECT + 1, len(corpus["pages"]) - 1)]
    entry["title"] += " (renamed)"
    corpus_module.write(root, corpus, changed=[entry["path"]])
    return Edit(f"title of {entry['path']} (the navigation)", 1, len(corpus["pages"]),
                entry["path"])


def change_link_target(root: str, corpus: dict[str, Any]) -> Edit:
    entry = _subject(corpus)
    corpus["link_targets"][entry["path"]] = "index.md"
    corpus_module.write(root, corpus, changed=[entry["path"]])
    return Edit(f"a link of {entry['path']} now points to index.md", 1, 1, entry["path"])


def change_extension_option(root: str, corpus: dict[str, Any]) -> Edit:
    corpus["extension_permalink"] = "#"
    corpus_module.write(root, corpus, changed=[])
    n = len(corpus["pages"])
    return Edit("mkdocs.yml: toc permalink", n, n)


def change_theme_override(root: str, corpus: dict[str, Any]) -> Edit:
    corpus["override_revision"] += 1
    corpus_module.write(root, corpus, changed=[])
    # Every page re-renders its template; no page's search entries change.
    return Edit("overrides/main.html", 0, len(corpus["pages"]), search_renders=0)


def add_page(root: str, corpus: dict[str, Any]) -> Edit:
    """release-notes.md, which index.md already links to: index.md re-renders too."""
    entry = {"path": corpus_module.RELEASE_NOTES, "title": "Release notes", "revision": 0,
             "headings": ["Latest release", "Older releases"]}
    corpus["pages"].append(entry)
    corpus_module.write(root, corpus, changed=[entry["path"]])
    return Edit("new page release-notes.md", 2, len(corpus["pages"]), entry["path"])


def delete_page(root: str, corpus: dict[str, Any]) -> Edit:
    """A page other pages link to: exactly those re-render their Markdown."""
    entry = corpus["pages"][min(_SUBJECT + 2, len(corpus["pages"]) - 1)]
    linkers = [p for p in _linkers(root, corpus, entry["path"]) if p != entry["path"]]
    corpus["pages"].remove(entry)
    os.remove(os.path.join(root, "docs", entry["path"]))
    corpus_module.write(root, corpus, changed=[])
    return Edit(f"deleted {entry['path']} ({len(linkers)} pages link to it)", len(linkers),
                len(corpus["pages"]))


SEQUENCE: list[Callable[[str, dict[str, Any]], Edit]] = [
    edit_page_text,
    change_page_tags,
    change_page_title,
    change_link_target,
    change_extension_option,
    change_theme_override,
    add_page,
    delete_page,
]
