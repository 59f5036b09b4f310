#!/usr/bin/env python3
"""`sitecache report` in a real browser: headless Chromium loads the page made from a real
sitegen history and the test reads the DOM after the page's script ran.

Checks: the line chart has one point per build for each series; every table has the rows
the history implies, and the script paged them (50 visible, "1-50 of N"); the page's
script ran (<html data-ready="1">) and no script failed (no data-js-errors, no "Uncaught"
in Chromium's console log); the hostile page name did not become an element. A control
page with a failing script proves the error checks can fail. Writes a screenshot.

Exit 77 (skipped) only when chromium is not installed.
"""
import argparse
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from failures import Failures  # noqa: E402
from site_history import HOSTILE_NAME, SiteHistory  # noqa: E402

PAGES = 120
PAGE_SIZE = 50


class Dom(html.parser.HTMLParser):
    """The parts of the DOM the test reads: attributes of <html>, circles per chart,
    body rows per table (and how many are not hidden), pager texts, every tag name."""

    def __init__(self):
        super().__init__()
        self.root = {}
        self.circles = {}
        self.rows = {}
        self.visible = {}
        self.pagers = []
        self.tags = set()
        self._svg = None
        self._table = None
        self._in_body = False
        self._pager = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "html":
            self.root = a
        elif tag == "svg":
            self._svg = a.get("id")
        elif tag == "circle" and self._svg:
            key = (self._svg, a.get("class", ""))
            self.circles[key] = self.circles.get(key, 0) + 1
        elif tag == "table" and "data" in a.get("class", "").split():
            self._table = a.get("id")
            self.rows[self._table] = 0
            self.visible[self._table] = 0
        elif tag == "tbody" and self._table:
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows[self._table] += 1
            if "hidden" not in a:
                self.visible[self._table] += 1
        elif tag == "span" and a.get("class") == "pager-info":
            self._pager = ""

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None
        elif tag == "span" and self._pager is not None:
            self.pagers.append(self._pager)
            self._pager = None

    def handle_data(self, data):
        if self._pager is not None:
            self._pager += data


def chromium_run(chromium, profile, args, url):
    cmd = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"] + args + [url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def load(chromium, profile, path):
    """The DOM after the page's scripts ran, and the console errors Chromium logged."""
    proc = chromium_run(chromium, profile, ["--dump-dom"], "file://" + path)
    if proc.returncode != 0 or "<html" not in proc.stdout:
        raise RuntimeError("chromium failed (%d): %s" % (proc.returncode, proc.stderr[-2000:]))
    dom = Dom()
    dom.feed(proc.stdout)
    errors = [l for l in proc.stderr.splitlines() if "CONSOLE" in l and "Uncaught" in l]
    return dom, errors


def control_page_fails(chromium, profile, tmp, page, failures):
    """A copy of the report with a failing script: both error checks must notice."""
    with open(page) as f:
        text = f.read()
    broken = text.replace("</body>", "<script>no_such_function();</script></body>")
    path = os.path.join(tmp, "broken.html")
    with open(path, "w") as f:
        f.write(broken)
    dom, errors = load(chromium, profile, path)
    failures.equal(dom.root.get("data-js-errors"), "1", "control page: data-js-errors")
    failures.check(len(errors) == 1, "control page: one Uncaught error logged, got %r" % errors)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sitecache", required=True)
    ap.add_argument("--sitegen", required=True)
    ap.add_argument("--plugin-dir", required=True)
    ap.add_argument("--screenshot", help="also write a screenshot of the report here")
    args = ap.parse_args()
    # meson passes built programs relative to the build directory; the tests run them
    # from temporary directories.
    args.sitecache, args.sitegen, args.plugin_dir = (
        os.path.abspath(p) for p in (args.sitecache, args.sitegen, args.plugin_dir))
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("skip: chromium is not installed (scripts/setup installs it)")
        return 77

    failures = Failures()
    with tempfile.TemporaryDirectory(prefix="report-browser-") as tmp:
        history = SiteHistory(tmp, args.sitegen, args.plugin_dir)
        history.write_pages(PAGES)
        history.build()          # 1: cold, every page misses
        history.edit(3)
        history.build()          # 2: three pages miss (inputs_changed)
        history.build()          # 3: nothing changed
        history.edit(1, start=10)
        history.build()          # 4: one page misses
        # Values stored by a script through the real binary, tagged (one tag is markup).
        env = history.sitecache_env()
        for i, tag in enumerate(["images", "images", HOSTILE_NAME]):
            put = subprocess.run([args.sitecache, "put", "asset-%d" % i, "--tag", tag,
                                  "--slot", "assets/%d" % i], cwd=tmp, env=env,
                                 input=b"x" * (1000 * (i + 1)), capture_output=True, timeout=60)
            if put.returncode != 0:
                print("sitecache put failed:", put.stderr)
                return 1
        page = os.path.join(tmp, "report.html")
        proc = subprocess.run([args.sitecache, "report", "--out", page, "--builds", "10"],
                              cwd=tmp, env=env, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            print("sitecache report failed:", proc.stdout, proc.stderr)
            return 1
        proc = subprocess.run([args.sitecache, "report", "--json", "--builds", "10"], cwd=tmp,
                              env=env, capture_output=True, text=True, timeout=120)
        data = json.loads(proc.stdout)
        with open(page) as f:
            source = f.read()

        profile = os.path.join(tmp, "profile")
        dom, errors = load(chromium, profile, page)
        failures.equal(dom.root.get("data-ready"), "1", "the page's script ran")
        failures.check("data-js-errors" not in dom.root,
                       "no script error, got data-js-errors=%r" % dom.root.get("data-js-errors"))
        failures.equal(errors, [], "console errors")
        failures.equal(dom.circles.get(("chart-builds", "point hit")), 4, "hit ratio points")
        failures.equal(dom.circles.get(("chart-builds", "point saved")), 4, "time saved points")
        failures.equal(dom.rows.get("table-builds"), 4, "build rows")
        failures.equal(dom.visible.get("table-builds"), 4, "visible build rows")

        # Misses: the edited pages and nothing else, as many rows as the JSON has.
        misses = {m["generation"]: m for m in data["misses"]}
        failures.equal(sorted(set(r["slot"] for r in misses[2]["rows"])),
                       ["posts/post-%04d.md" % i for i in range(3)], "slots missed in build 2")
        failures.equal(sorted(set(r["reason"] for r in misses[2]["rows"])), ["inputs_changed"],
                       "why build 2 missed")
        failures.equal(sorted(set(r["slot"] for r in misses[4]["rows"])),
                       ["posts/post-0010.md"], "slots missed in build 4")
        failures.equal(misses[3]["misses"], 0, "misses of build 3")
        failures.check("table-misses-3" not in dom.rows, "no miss table for build 3")
        for generation in (1, 2, 4):
            failures.equal(dom.rows.get("table-misses-%d" % generation),
                           len(misses[generation]["rows"]), "miss rows of build %d" % generation)
        cold = dom.rows.get("table-misses-1", 0)
        failures.check(cold > PAGES, "misses of build 1: %d rows, more than %d" % (cold, PAGES))
        failures.equal(dom.visible.get("table-misses-1"), PAGE_SIZE, "visible rows of a long table")
        failures.check("1\u2013%d of %d" % (PAGE_SIZE, cold) in dom.pagers,
                       "pager of the cold build's misses, got %r" % dom.pagers)

        # Stale: the first renders of the four edited pages (two steps each).
        failures.equal(dom.rows.get("table-stale"), len(data["stale"]["rows"]), "stale rows")
        failures.check(data["stale"]["by_reason"].get("superseded", 0) >= 4,
                       "superseded entries: %r" % data["stale"]["by_reason"])
        failures.equal(dom.rows.get("table-steps"), len(data["steps"]), "step rows")
        failures.equal(dom.rows.get("table-size-step"), len(data["size"]["by_step"]),
                       "size-by-step rows")
        failures.equal(sorted(r["name"] for r in data["size"]["by_tag"]),
                       sorted(["(untagged)", "images", HOSTILE_NAME]), "tags")
        failures.equal(dom.rows.get("table-size-tag"), 3, "size-by-tag rows")
        failures.check("img" not in dom.tags, "the hostile names stayed text")
        failures.check(HOSTILE_NAME.replace("<", "&lt;").replace(">", "&gt;") in source,
                       "the hostile name is in the page, escaped")

        control_page_fails(chromium, profile, tmp, page, failures)

        shot = args.screenshot or os.path.join(tmp, "report.png")
        proc = chromium_run(chromium, profile,
                            ["--screenshot=" + os.path.abspath(shot), "--window-size=1100,2200",
                             "--hide-scrollbars"], "file://" + page)
        ok = proc.returncode == 0 and os.path.exists(shot)
        failures.check(ok, "screenshot: %s" % proc.stderr[-500:])
        if ok:
            with open(shot, "rb") as f:
                failures.check(f.read(8) == b"\x89PNG\r\n\x1a\n", "the screenshot is a PNG")

    if failures.items:
        print("%d failures" % len(failures.items))
        return 1
    print("ok: %d builds, %d miss rows of the cold build, paged by %d" % (4, cold, PAGE_SIZE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
