#!/usr/bin/env python3
"""End-to-end correctness of sitegen's caching.

Generates a 150-page site with gen-site.py, then walks it through a series of edits (one
page's text, one page's front matter, a page's tags only, a partial, the base layout, the
post layout only, a deleted page, a new page, a copy of a page under another name, and
outputs deleted or edited by hand). After each step it builds twice:

  cached     sitegen with a SQLite cache (sitecache.toml in the temp dir), --jobs 2,
             incrementally into the same output folder every time;
  reference  sitegen --no-cache, --jobs 1, into a fresh folder, from a working directory
             that must stay free of any cache file.

The two public/ trees must be identical byte for byte; the first difference fails the test.
The cache's own accounting (--stats-json) is checked too: no misses when nothing changed,
exactly the steps a one-page edit invalidates, no Markdown rendered again (post-body, highlight)
when only templates change, and an output deleted or edited by hand restored from the cache
(no render) while every other output is skipped by its stat signature. Exit status 0 pass, 1 fail, 77 skip (gen-site.py absent).
"""
import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

PAGES = 150


class Failure(Exception):
    pass


def run(cmd, cwd):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise Failure("command failed (%d): %s\n%s%s" % (proc.returncode, " ".join(cmd),
                                                         proc.stdout, proc.stderr))
    return proc.stdout


def tree(root):
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, root)] = f.read()
    return files


def compare(cached_dir, reference_dir, step):
    cached, reference = tree(cached_dir), tree(reference_dir)
    for rel in sorted(set(cached) | set(reference)):
        if rel not in cached:
            raise Failure("%s: %s is missing from the cached build" % (step, rel))
        if rel not in reference:
            raise Failure("%s: %s is in the cached build only (stale output?)" % (step, rel))
        if cached[rel] != reference[rel]:
            diff = difflib.unified_diff(
                reference[rel].decode(errors="replace").splitlines(),
                cached[rel].decode(errors="replace").splitlines(),
                "reference/" + rel, "cached/" + rel, lineterm="", n=1)
            raise Failure("%s: %s differs\n%s" % (step, rel, "\n".join(list(diff)[:20])))
    return len(reference)


def front_matter_tags(path):
    with open(path, encoding="utf-8") as f:
        m = re.search(r'^tags = \[(.*)\]$', f.read(), re.M)
    return re.findall(r'"([^"]*)"', m.group(1)) if m else []


def slug(tag):
    return re.sub(r"[^a-z0-9_-]", "-", tag.lower())


def rewrite(path, fn):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    new = fn(text)
    if new == text:
        raise Failure("test bug: editing %s changed nothing" % path)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(new)


class Harness:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.site = os.path.join(tmp, "site")
        self.content = os.path.join(self.site, "content")
        self.posts = os.path.join(self.content, "posts")
        self.templates = os.path.join(tmp, "templates")
        self.cached_out = os.path.join(tmp, "public")
        self.ref_cwd = os.path.join(tmp, "refcwd")
        self.config = os.path.join(tmp, "sitecache.toml")
        self.step_no = 0
        os.makedirs(self.ref_cwd)
        shutil.copytree(args.templates, self.templates)
        with open(self.config, "w") as f:
            f.write('[cache.default]\nbackend = "sqlite"\nlocation = ".sitecache/site-test.db"\n'
                    'key_prefix = "sitetest"\n\n[plugins]\npath = [%s]\n'
                    % json.dumps(os.path.abspath(args.plugin_dir)))
        run([sys.executable, args.gen_site, "-n", str(PAGES), "-o", self.site], tmp)

    def build(self, step):
        """Cached and reference builds of the current content; returns the cached stats."""
        self.step_no += 1
        stats_file = os.path.join(self.tmp, "stats-%d.json" % self.step_no)
        common = ["--content", self.content, "--templates", self.templates, "--quiet"]
        run([self.args.sitegen, "--config", self.config, "--out", self.cached_out,
             "--jobs", "2", "--stats-json", stats_file] + common, self.tmp)
        ref_out = os.path.join(self.tmp, "reference-%d" % self.step_no)
        run([self.args.sitegen, "--no-cache", "--out", ref_out, "--jobs", "1"] + common,
            self.ref_cwd)
        if os.listdir(self.ref_cwd):
            raise Failure("%s: --no-cache left files in its working directory: %s"
                          % (step, os.listdir(self.ref_cwd)))
        files = compare(self.cached_out, ref_out, step)
        shutil.rmtree(ref_out)
        with open(stats_file) as f:
            stats = json.load(f)
        if not stats.get("cache"):
            raise Failure("%s: the cached build reports the cache off" % step)
        if stats["pages"] != files:
            raise Failure("%s: %d pages reported, %d files produced" % (step, stats["pages"], files))
        misses = {name: c["misses"] for name, c in stats["steps"].items() if c["misses"]}
        print("ok  %-28s %4d files, %4d hits, %4d misses %s"
              % (step, files, stats["hits"], stats["misses"], misses or ""))
        return stats

    def post(self, n):
        return os.path.join(self.posts, "post-%05d.md" % n)


# A build that changes some page's source rewrites the front-matter index, a plain cache
# entry: the record shows its put as a miss of the "get" that read it first.
INDEX = {"get": 1}


def expect_misses(step, stats, expected):
    got = {name: c["misses"] for name, c in stats["steps"].items() if c["misses"]}
    if got != expected or stats["misses"] != sum(expected.values()):
        raise Failure("%s: expected misses %s (total %d), got %s (total %d)"
                      % (step, expected, sum(expected.values()), got, stats["misses"]))


def expect_templates_only(step, stats, published):
    """A template edit: every post page again, but no Markdown (post-body, highlight)."""
    got = {name: c["misses"] for name, c in stats["steps"].items() if c["misses"]}
    if got.get("post-page") != published or got.get("post-body") or got.get("highlight") \
            or got.get("front-matter"):
        raise Failure("%s: unexpected misses %s" % (step, got))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sitegen", required=True)
    ap.add_argument("--gen-site", required=True)
    ap.add_argument("--plugin-dir", required=True)
    ap.add_argument("--templates", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir for inspection")
    args = ap.parse_args()
    for name in ("sitegen", "gen_site", "plugin_dir", "templates"):
        setattr(args, name, os.path.abspath(getattr(args, name)))
    if not os.path.exists(args.gen_site):
        print("skip: %s not found (shared/ must sit beside the repository)" % args.gen_site)
        return 77

    tmp = tempfile.mkdtemp(prefix="sitegen-test-")
    try:
        h = Harness(args, tmp)

        stats = h.build("cold")
        if stats["written"] != stats["pages"]:
            raise Failure("cold: %d of %d files written" % (stats["written"], stats["pages"]))

        stats = h.build("warm, no change")
        expect_misses("warm, no change", stats, {})
        if stats["hits"] == 0 or stats["written"] != 0 or stats["removed"] != 0:
            raise Failure("warm, no change: %s" % stats)

        # Body text only: the page's front matter is re-read (same result), its body and
        # page re-rendered; code blocks, lists and every other page are hits.
        rewrite(h.post(10), lambda t: t + "\nOne more paragraph, added by the test.\n")
        stats = h.build("edit one page's text")
        expect_misses("edit one page's text", stats,
                      dict(INDEX, **{"front-matter": 1, "post-body": 1, "post-page": 1}))
        if stats["written"] != 1:
            raise Failure("edit one page's text: %d files written, expected 1" % stats["written"])

        # Title and tags: the page, its new tag list, every tag page it left or joined, and
        # the tag index (counts changed). Post 20 is too old for the home page and the feed.
        old_tags = front_matter_tags(h.post(20))
        new_tags = ["caching", "sitegen-test"]
        rewrite(h.post(20), lambda t: re.sub(r'^tags = \[.*\]$', 'tags = ["caching", "sitegen-test"]',
                                             re.sub(r'^title = ".*"$', 'title = "Renamed <by> test"',
                                                    t, count=1, flags=re.M),
                                             count=1, flags=re.M))
        stats = h.build("edit one page's front matter")
        expect_misses("edit one page's front matter", stats, dict(INDEX, **{
            "front-matter": 1, "post-body": 1, "post-page": 1, "fragment:taglist": 1,
            "tags-index": 1,
            "tag-page": len({slug(t) for t in old_tags} | {slug(t) for t in new_tags})}))

        # Front matter only, one tag swapped for a new one: the tag pages the post left and
        # joined, and every tag page listing it (its front matter is in their keys).
        old_tags = front_matter_tags(h.post(21))
        rewrite(h.post(21), lambda t: re.sub(r'^tags = \[.*\]$',
                                             'tags = %s' % json.dumps(old_tags[1:] + ["fm-only"]),
                                             t, count=1, flags=re.M))
        stats = h.build("edit one page's tags only")
        expect_misses("edit one page's tags only", stats, dict(INDEX, **{
            "front-matter": 1, "post-body": 1, "post-page": 1, "fragment:taglist": 1,
            "tags-index": 1, "tag-page": len({slug(t) for t in old_tags} | {"fm-only"})}))

        # A partial and a layout: every HTML page changes, no code block is highlighted again.
        published = stats["posts"]
        rewrite(os.path.join(h.templates, "partials", "footer.mustache"),
                lambda t: t.replace("</footer>", "<p>edited footer</p></footer>"))
        stats = h.build("edit a partial")
        expect_templates_only("edit a partial", stats, published)
        rewrite(os.path.join(h.templates, "base.mustache"),
                lambda t: t.replace("<main>", '<main class="edited">'))
        stats = h.build("edit a layout")
        expect_templates_only("edit a layout", stats, published)
        if stats["written"] != stats["pages"] - 1:  # all but the feed (no base layout)
            raise Failure("edit a layout: %d of %d files written" % (stats["written"],
                                                                     stats["pages"]))

        # The post layout only: every post page, re-applied to cached bodies; the home,
        # tag and feed pages do not use it and are skipped.
        rewrite(os.path.join(h.templates, "post.mustache"),
                lambda t: t.replace("<article>", '<article class="post">'))
        stats = h.build("edit the post layout only")
        expect_misses("edit the post layout only", stats, {"post-page": published})
        if stats["written"] != published:
            raise Failure("edit the post layout only: %d files written, expected %d"
                          % (stats["written"], published))

        # A deleted page disappears from public/ (and from its tag pages and the lists).
        os.remove(h.post(30))
        h.build("delete a page")

        # A new newest page: on the home page and in the feed, with a new code language.
        with open(h.post(99999), "w", encoding="utf-8", newline="\n") as f:
            f.write('+++\ntitle = "Brand new & shiny"\ndate = 2099-01-02T03:04:05+02:00\n'
                    'tags = ["new-tag", "caching"]\nsummary = "Fresh <summary>."\n'
                    'draft = false\n+++\n\nNew *page* with code:\n\n```c\nint main(void) '
                    '{ return 0; }\n```\n\n```no-such-language\n<kept> & escaped\n```\n')
        stats = h.build("add a page")
        for step in ("home", "feed", "post-page"):
            if stats["steps"][step]["misses"] != 1:
                raise Failure("add a page: %s should miss once: %s" % (step, stats["steps"]))

        # Same bytes under another name: the front matter is a hit (same content), the page
        # is not (its URL differs), and both pages must come out right.
        shutil.copy(h.post(40), os.path.join(h.posts, "copy-of-40.md"))
        stats = h.build("copy a page to a new name")
        misses = {n: c["misses"] for n, c in stats["steps"].items()}
        if misses.get("post-page") != 1 or misses.get("front-matter") or misses.get("post-body"):
            raise Failure("copy a page to a new name: unexpected misses %s" % misses)

        # Outputs deleted or edited by hand: restored from the cache, nothing rendered, and
        # only those files written (every other output is skipped by its stat signature).
        deleted = os.path.join(h.cached_out, "posts", "post-00060", "index.html")
        os.remove(deleted)
        shutil.rmtree(os.path.join(h.cached_out, "tags", slug(front_matter_tags(h.post(61))[0])))
        stats = h.build("delete outputs by hand")
        expect_misses("delete outputs by hand", stats, {})
        if stats["written"] != 2:
            raise Failure("delete outputs by hand: %d files written, expected 2"
                          % stats["written"])
        with open(os.path.join(h.cached_out, "posts", "post-00070", "index.html"), "a") as f:
            f.write("<!-- edited by hand -->\n")
        with open(os.path.join(h.cached_out, "index.xml"), "w") as f:
            f.write("")
        stats = h.build("edit outputs by hand")
        expect_misses("edit outputs by hand", stats, {})
        if stats["written"] != 2:
            raise Failure("edit outputs by hand: %d files written, expected 2" % stats["written"])

        # An output changed behind sitegen's back, same size and timestamps: the build
        # must notice (stat cache: the change time moved; else the bytes) and restore it.
        target = os.path.join(h.cached_out, "posts", "post-00050", "index.html")
        before = os.stat(target)
        with open(target, "r+b") as f:
            first = f.read(1)
            f.seek(0)
            f.write(b"X" if first != b"X" else b"Y")
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
        stats = h.build("tamper with an output")
        expect_misses("tamper with an output", stats, {})
        if stats["written"] != 1:
            raise Failure("tamper with an output: %d files written, expected 1" % stats["written"])

        stats = h.build("warm again")
        expect_misses("warm again", stats, {})
        print("site_correctness: all steps passed")
        return 0
    except Failure as e:
        print("FAIL " + str(e))
        return 1
    finally:
        if args.keep:
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
