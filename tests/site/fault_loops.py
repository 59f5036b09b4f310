#!/usr/bin/env python3
"""Crash and fault loops: sitegen on a real cache, killed, doubled, starved and locked out.

A generated site (gen-site.py, --pages pages) is built once with --no-cache: the
reference. Then, for each check named by --checks:

  crash       for each backend of --backends (sqlite, file): --kills times, a cached build
              is started and killed with SIGKILL after a random delay (0 to 1.2 times a
              measured cold build), then a cached build runs to completion. Every build
              uses a new cache `version`, so each one writes its entries (a kill lands in
              the middle of writing). After each rebuild the output must equal the
              reference byte for byte, and `sitecache ls --json` must count no corrupt
              entry. Output that differs or a corrupt entry is counted and fails the run.
  concurrent  --rounds times, 2 and then 4 cached builds of the site run at once on one
              cache (each into its own output folder): every one exits 0 with the
              reference's bytes, and the cache has no corrupt entry.
  disk-full   a cached build on SQLite under a file-size limit (RLIMIT_FSIZE, SIGXFSZ
              ignored) smaller than the cache will grow: it exits 0 with the reference's
              bytes and warns once; the cache is readable afterwards.
  read-only   a cached build as an unprivileged user (nobody) against a populated cache
              in a directory it cannot write: it exits 0 with the reference's bytes, warns
              at most once, and the cache is unchanged. Skipped when not run as root.

Prints one line per check with its counts. Exit status 0 pass, 1 fail, 77 skip
(gen-site.py absent). scripts/crash-loop runs the long version (100+ kills a backend).
"""
import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time


class Failure(Exception):
    pass


def run(cmd, cwd, **kw):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise Failure("command failed (%d): %s\n%s%s" % (proc.returncode, " ".join(cmd),
                                                         proc.stdout, proc.stderr))
    return proc


def tree(root):
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return files


def differences(out, reference):
    got = tree(out)
    return sorted(rel for rel in set(got) | set(reference) if got.get(rel) != reference.get(rel))


def warnings(stderr):
    return [line for line in stderr.splitlines() if "warning" in line]


class Site:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.content = os.path.join(tmp, "site", "content")
        self.templates = os.path.join(tmp, "templates")
        shutil.copytree(args.templates, self.templates)
        run([sys.executable, args.gen_site, "-n", str(args.pages), "-o",
             os.path.join(tmp, "site")], tmp)
        ref = os.path.join(tmp, "reference")
        run(self.sitegen_args(None, ref, 1), tmp)
        self.reference = tree(ref)

    def sitegen_args(self, config, out, jobs=2):
        cmd = [self.args.sitegen, "--content", self.content, "--templates", self.templates,
               "--out", out, "--jobs", str(jobs), "--quiet"]
        return cmd + (["--config", config] if config else ["--no-cache"])

    def config(self, name, backend, version=1):
        """Writes <tmp>/<name>.toml for a cache in <tmp>/<name>-cache; returns its path."""
        location = os.path.join(self.tmp, name + "-cache")
        if backend == "sqlite":
            location = os.path.join(location, "cache.db")
        path = os.path.join(self.tmp, name + ".toml")
        with open(path, "w") as f:
            f.write('[cache.default]\nbackend = "%s"\nlocation = %s\nversion = %d\n\n'
                    '[plugins]\npath = [%s]\n' % (backend, json.dumps(location), version,
                                                  json.dumps(self.args.plugin_dir)))
        return path

    def corrupt(self, config):
        listing = json.loads(run([self.args.sitecache, "--config", config, "ls", "--json",
                                  "--limit", "1"], self.tmp).stdout)
        return listing["corrupt"]


def check_crash(site, backend, kills, rng):
    out = os.path.join(site.tmp, "crash-" + backend + "-out")
    config = site.config("crash-" + backend, backend, 0)
    started = time.monotonic()
    run(site.sitegen_args(config, out), site.tmp)
    cold = time.monotonic() - started
    diffs = corrupt = killed_running = 0
    for i in range(1, kills + 1):
        config = site.config("crash-" + backend, backend, i)
        proc = subprocess.Popen(site.sitegen_args(config, out), cwd=site.tmp,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, cold * 1.2))
        if proc.poll() is None:
            killed_running += 1
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        run(site.sitegen_args(config, out), site.tmp)
        changed = differences(out, site.reference)
        if changed:
            diffs += 1
            print("  kill %d: %d files differ, e.g. %s" % (i, len(changed), changed[0]))
        bad = site.corrupt(config)
        if bad:
            corrupt += bad
            print("  kill %d: %d corrupt entries" % (i, bad))
    print("crash %-6s %d kills (%d mid-build), cold build %.2fs: %d diffs, %d corrupt reads"
          % (backend, kills, killed_running, cold, diffs, corrupt))
    if diffs or corrupt:
        raise Failure("crash %s: %d diffs, %d corrupt" % (backend, diffs, corrupt))


def check_concurrent(site, rounds):
    errors = 0
    for r in range(rounds):
        for n in (2, 4):
            config = site.config("concurrent", "sqlite", r * 10 + n)
            outs = [os.path.join(site.tmp, "concurrent-%d" % k) for k in range(n)]
            procs = [subprocess.Popen(site.sitegen_args(config, out), cwd=site.tmp,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for out in outs]
            for proc, out in zip(procs, outs):
                _, err = proc.communicate()
                if proc.returncode != 0 or warnings(err) or differences(out, site.reference):
                    errors += 1
                    print("  round %d, %d builds: exit %d, %s" % (r, n, proc.returncode, err))
            errors += site.corrupt(config)
    print("concurrent %d rounds of 2 and 4 builds: %d errors" % (rounds, errors))
    if errors:
        raise Failure("concurrent: %d errors" % errors)


def check_disk_full(site):
    config = site.config("diskfull", "sqlite")
    out = os.path.join(site.tmp, "diskfull-out")
    limit = 256 * 1024  # over every page, under the cache the site fills

    def starve():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = run(site.sitegen_args(config, out), site.tmp, preexec_fn=starve)
    changed = differences(out, site.reference)
    said = warnings(proc.stderr)
    db = os.path.join(site.tmp, "diskfull-cache", "cache.db")
    print("disk-full: limit %d KiB, cache %d KiB, %d warnings, %d diffs"
          % (limit // 1024, os.path.getsize(db) // 1024, len(said), len(changed)))
    if changed:
        raise Failure("disk-full: %d files differ, e.g. %s" % (len(changed), changed[0]))
    if len(said) != 1:
        raise Failure("disk-full: expected one warning, got:\n%s" % proc.stderr)
    if site.corrupt(config):
        raise Failure("disk-full: corrupt entries afterwards")
    run(site.sitegen_args(config, out), site.tmp)  # and usable without the limit
    if differences(out, site.reference):
        raise Failure("disk-full: the build after the limit differs")


def check_read_only(site):
    if os.geteuid() != 0:
        print("read-only: skipped (needs root to run a build as nobody)")
        return
    config = site.config("readonly", "sqlite")
    run(site.sitegen_args(config, os.path.join(site.tmp, "readonly-warm")), site.tmp)
    cache_dir = os.path.join(site.tmp, "readonly-cache")
    before = tree(cache_dir)
    out = os.path.join(site.tmp, "readonly-out")
    cwd = os.path.join(site.tmp, "readonly-cwd")
    for path in (out, cwd):
        os.makedirs(path)
        os.chown(path, 65534, 65534)
    for path in (site.tmp, cache_dir):
        os.chmod(path, 0o755)
    for name in os.listdir(cache_dir):
        os.chmod(os.path.join(cache_dir, name), 0o644)
    # Edit one page so that the build also has something to store.
    page = sorted(os.listdir(os.path.join(site.content, "posts")))[0]
    with open(os.path.join(site.content, "posts", page), "a") as f:
        f.write("\nRead-only edit.\n")
    reference = os.path.join(site.tmp, "readonly-ref")
    run(site.sitegen_args(None, reference, 1), site.tmp)

    def as_nobody():
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)

    proc = subprocess.run(site.sitegen_args(config, out), cwd=cwd, capture_output=True,
                          text=True, preexec_fn=as_nobody)
    said = warnings(proc.stderr)
    changed = differences(out, tree(reference))
    print("read-only: exit %d, %d warnings, %d diffs" % (proc.returncode, len(said),
                                                        len(changed)))
    if proc.returncode != 0 or changed or len(said) > 1:
        raise Failure("read-only: exit %d, diffs %s\n%s" % (proc.returncode, changed[:3],
                                                            proc.stderr))
    if tree(cache_dir) != before:
        raise Failure("read-only: the cache changed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sitegen", required=True)
    ap.add_argument("--sitecache", required=True)
    ap.add_argument("--gen-site", required=True)
    ap.add_argument("--plugin-dir", required=True)
    ap.add_argument("--templates", required=True)
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--kills", type=int, default=10, help="kills per backend")
    ap.add_argument("--backends", default="sqlite,file")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of concurrent builds")
    ap.add_argument("--checks", default="crash,concurrent,disk-full,read-only")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir for inspection")
    args = ap.parse_args()
    for name in ("sitegen", "sitecache", "gen_site", "plugin_dir", "templates"):
        setattr(args, name, os.path.abspath(getattr(args, name)))
    if not os.path.exists(args.gen_site):
        print("skip: %s not found (shared/ must sit beside the repository)" % args.gen_site)
        return 77
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print("seed %d (--seed %d repeats the kill times)" % (seed, seed))
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="sitecache-faults-")
    try:
        site = Site(args, tmp)
        checks = args.checks.split(",")
        if "crash" in checks:
            for backend in args.backends.split(","):
                check_crash(site, backend, args.kills, rng)
        if "concurrent" in checks:
            check_concurrent(site, args.rounds)
        if "disk-full" in checks:
            check_disk_full(site)
        if "read-only" in checks:
            check_read_only(site)
    except Failure as e:
        print("FAIL: %s" % e)
        print("kept %s" % tmp)
        return 1
    if args.keep:
        print("kept %s" % tmp)
    else:
        shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
