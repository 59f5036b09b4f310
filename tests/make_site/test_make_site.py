#!/usr/bin/env python3
"""examples/make-site through real make, pandoc and ImageMagick.

Generates a small site (gen-site.py pages, gen-images.sh images) and checks:
  - after each step of an edit sequence, the cached build's public/ equals, byte for
    byte, a build of the same content with NO_CACHE=1 (the same Makefile without exec);
  - a forced rebuild (make -B) runs no command: every exec call hits;
  - a one-page edit runs pandoc once;
  - make -j8, ten times, on the SQLite default: no "database is locked", no lost build
    records (the record names every target), no torn outputs;
  - with single_flight = "shared", two concurrent identical misses run the command once.

Exit status 0 pass, 1 fail, 77 skip (a tool or gen-site.py is missing).
"""
import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import threading

FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print("FAIL: " + message, file=sys.stderr)


def run(args, cwd, env=None, check_status=True):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if check_status and proc.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s\n%s" % (" ".join(args), proc.returncode,
                                                       proc.stdout, proc.stderr))
    return proc


def same_trees(a, b):
    """Every file of a and b, byte for byte; returns a list of differences."""
    diffs = []
    for root, _, files in os.walk(a):
        for name in files:
            left = os.path.join(root, name)
            right = os.path.join(b, os.path.relpath(left, a))
            if not os.path.exists(right):
                diffs.append("only in cached: " + right)
            elif not filecmp.cmp(left, right, shallow=False):
                diffs.append("differs: " + os.path.relpath(left, a))
    for root, _, files in os.walk(b):
        for name in files:
            right = os.path.join(root, name)
            if not os.path.exists(os.path.join(a, os.path.relpath(right, b))):
                diffs.append("only in cached: " + os.path.relpath(right, b))
    return diffs


class Site:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.site = os.path.join(work, "site")
        self.env = dict(os.environ)
        for name in list(self.env):
            if name.startswith("SITECACHE_"):
                del self.env[name]
        self.env["PATH"] = os.path.dirname(args.sitecache) + os.pathsep + self.env["PATH"]

    def make(self, out, *extra, no_cache=False, target="site", env=None):
        args = ["make", "-s", "-f", os.path.join(self.args.example, "Makefile"),
                "SITECACHE=" + self.args.sitecache, "CONTENT=content", "IMAGES=images",
                "OUT=" + out, target] + list(extra)
        if no_cache:
            args.append("NO_CACHE=1")
        return run(args, self.site, env or self.env)

    def reference_equals_cached(self, step):
        shutil.rmtree(os.path.join(self.site, "reference"), ignore_errors=True)
        self.make("reference", no_cache=True)
        diffs = same_trees(os.path.join(self.site, "reference"), os.path.join(self.site, "public"))
        check(not diffs, "%s: cached output differs from uncached: %s" % (step, diffs[:5]))

    def stats(self):
        import json
        return json.loads(run([self.args.sitecache, "stats", "--json"], self.site,
                              self.env).stdout)["caches"][0]["last_build"]


def edit_sequence(site):
    site.make("public")
    site.reference_equals_cached("cold")
    first = site.stats()
    pages = len([n for n in os.listdir(os.path.join(site.site, "content", "posts"))
                 if n.startswith("post-")])
    images = len(os.listdir(os.path.join(site.site, "images")))
    check(first["misses"] == pages + images, "cold build: %d misses, expected %d" %
          (first["misses"], pages + images))

    site.make("public", "-B")
    warm = site.stats()
    check(warm["misses"] == 0 and warm["hits"] == pages + images,
          "make -B: %d hits, %d misses" % (warm["hits"], warm["misses"]))
    site.reference_equals_cached("make -B")

    page = os.path.join(site.site, "content", "posts", "post-00003.md")
    with open(page, "a") as f:
        f.write("\nOne more paragraph.\n")
    site.make("public")
    one = site.stats()
    check(one["misses"] == 1, "one-page edit: %d misses, expected 1" % one["misses"])
    site.reference_equals_cached("one-page edit")

    os.remove(os.path.join(site.site, "public", "posts", "post-00001", "index.html"))
    site.make("public")
    site.reference_equals_cached("output deleted by hand")

    with open(os.path.join(site.site, "public", "posts", "post-00002", "index.html"), "w") as f:
        f.write("edited by hand")
    site.make("public", "-B")
    site.reference_equals_cached("output edited by hand, make -B")

    template = os.path.join(site.site, "template.html")
    with open(template, "a") as f:
        f.write("<!-- layout edit -->\n")
    site.make("public")
    layout = site.stats()
    check(layout["misses"] == pages, "template edit: %d misses, expected %d" %
          (layout["misses"], pages))
    site.reference_equals_cached("template edit")

    image = os.path.join(site.site, "images", "image-0001.png")
    run(["convert", image, "-negate", "-strip", "-define", "png:exclude-chunk=date,time", image],
        site.site)
    site.make("public")
    site.reference_equals_cached("image edit")


def parallel_stress(site, rounds):
    for i in range(rounds):
        shutil.rmtree(os.path.join(site.site, "public"), ignore_errors=True)
        proc = site.make("public", "-j8", *(["-B"] if i % 2 else []))
        check("locked" not in proc.stderr, "make -j8 round %d: %s" % (i, proc.stderr[:300]))
        check(proc.stderr.strip() == "", "make -j8 round %d wrote to stderr: %s" %
              (i, proc.stderr[:300]))
        record = site.stats()
        targets = len([n for n in os.listdir(os.path.join(site.site, "content", "posts"))
                       if n.startswith("post-")]) + len(os.listdir(os.path.join(site.site,
                                                                                "images")))
        check(record["hits"] + record["misses"] == targets,
              "make -j8 round %d: the record holds %d uses of %d targets" %
              (i, record["hits"] + record["misses"], targets))
        diffs = same_trees(os.path.join(site.site, "reference"), os.path.join(site.site, "public"))
        check(not diffs, "make -j8 round %d: output differs: %s" % (i, diffs[:5]))


def shared_single_flight(args, work):
    """Two processes miss the same key at once: the command runs once."""
    d = os.path.join(work, "flight")
    os.makedirs(d)
    with open(os.path.join(d, "sitecache.toml"), "w") as f:
        f.write('[cache.default]\nbackend = "sqlite"\nlocation = "cache.db"\n'
                'single_flight = "shared"\n')
    command = [args.sitecache, "exec", "--out", "out.txt", "--", "sh", "-c",
               "echo ran >> runs.log; sleep 0.5; echo done > out.txt"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITECACHE_")}
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        run(command, d, env, check_status=False).returncode)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(os.path.join(d, "runs.log")) as f:
        runs = f.read().count("\n")
    check(results == [0, 0], "shared single flight: exit statuses %s" % results)
    check(runs == 1, "shared single flight: the command ran %d times" % runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sitecache", required=True)
    ap.add_argument("--example", required=True, help="examples/make-site")
    ap.add_argument("--gen-site", required=True)
    ap.add_argument("--pages", type=int, default=30)
    ap.add_argument("--images", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    for tool in ("make", "pandoc", "convert"):
        if shutil.which(tool) is None:
            print("skip: %s is not installed (scripts/setup installs it)" % tool)
            return 77
    if not os.path.exists(args.gen_site):
        print("skip: %s not found (shared/ must sit beside the repository)" % args.gen_site)
        return 77
    with tempfile.TemporaryDirectory(prefix="sitecache-make-") as work:
        site = Site(args, work)
        os.makedirs(site.site)
        run([sys.executable, args.gen_site, "-n", str(args.pages), "-o", site.site], work)
        run([os.path.join(args.example, "gen-images.sh"), str(args.images),
             os.path.join(site.site, "images")], work)
        for name in ("template.html", "front-matter.lua"):
            shutil.copy(os.path.join(args.example, name), site.site)
        edit_sequence(site)
        parallel_stress(site, args.rounds)
        shared_single_flight(args, work)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES), file=sys.stderr)
        return 1
    print("make-site: byte-identical through the edit sequence; make -j8 x%d clean" % args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
