#!/usr/bin/env python3
"""Site benchmark: what sitecache saves a real generator, and what it costs.

For generated sites (gen-site.py; 1,000 and 10,000 pages by default) this measures, in one
run and on the same content:

  no cache        sitegen --no-cache: every page rendered (the baseline of the ratios)
  cold            cache on, empty (no .sitecache/, the embedded SQLite default)
  warm            cache on, nothing changed since the last build
  warm, 1 page    one page's text edited before each run
  warm, layout    the base layout (used by every page) edited before each run
  dummy backend   SITECACHE_DISABLE=1: every cache is the dummy backend, so this is the
                  cost of the cache machinery itself (keys, file hashing, records)
  cp -r floor     copying the finished public/ tree: the cost of writing the files at all
  stat floor      `find -printf` of size, mtime and inode over every input (content,
                  templates) and output (public/) file: the least any warm build must do
  hugo            Hugo on the same content and its own layouts (when installed)

"clean" scenarios start from an empty output folder (a from-scratch build: no cache,
cold, dummy, cp -r, hugo); "kept" ones build into the folder the previous build left
(the edit loop: the warm ones). Each figure is the median wall time of --runs runs,
with the median CPU time (user + sys, /usr/bin/time %U %S: on a loaded machine the wall
time is noisy, the CPU time much less) and the peak RSS (max over runs, %M). Ratios are "no cache" time divided
by the scenario's time (> 1: faster than rendering everything).

Writes bench/site/results.md (the Markdown table, also printed) and bench/site/chart.png.

  bench/site/run.py                    # 1,000 and 10,000 pages, 5 and 3 runs
  bench/site/run.py --sizes 1000 --runs 3
  bench/site/run.py --quick            # 300 pages, 1 run: a smoke test of the script
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(REPO, "bench", "site")

SCENARIOS = [
    # key, label, output folder
    ("nocache", "no cache", "clean"),
    ("cold", "cold cache", "clean"),
    ("warm", "warm, no change", "kept"),
    ("edit_page", "warm, 1 page edited", "kept"),
    ("edit_layout", "warm, layout edited", "kept"),
    ("dummy", "dummy backend", "clean"),
    ("copy", "cp -r floor", "clean"),
    ("stat", "stat floor (find)", "kept"),
    ("hugo", "hugo", "clean"),
]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[2:]))
    ap.add_argument("--sizes", default="1000,10000", help="pages per site, comma-separated")
    ap.add_argument("--runs", default="5,3",
                    help="runs per scenario, one per size or one for all (default 5,3)")
    ap.add_argument("--quick", action="store_true", help="300 pages, 1 run")
    ap.add_argument("--jobs", type=int, default=0, help="sitegen --jobs (0: one per core)")
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    ap.add_argument("--sitegen", help="default: BUILD_DIR/examples/site/sitegen")
    ap.add_argument("--gen-site",
                    default=os.path.join(os.path.dirname(REPO), "shared", "bench", "gen-site.py"))
    ap.add_argument("--work", help="scratch folder (default: a temporary one, removed)")
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--results", default=os.path.join(HERE, "results.md"))
    ap.add_argument("--chart", default=os.path.join(HERE, "chart.png"))
    a = ap.parse_args()
    if a.quick:
        a.sizes, a.runs = "300", "1"
    a.sizes = [int(s) for s in a.sizes.split(",")]
    runs = [int(r) for r in a.runs.split(",")]
    if len(runs) == 1:
        runs *= len(a.sizes)
    if len(runs) != len(a.sizes):
        ap.error("--runs needs one count, or one per size")
    a.runs = runs
    a.sitegen = os.path.abspath(a.sitegen or os.path.join(a.build_dir, "examples", "site",
                                                          "sitegen"))
    for path in (a.sitegen, a.gen_site):
        if not os.path.exists(path):
            ap.error("%s not found" % path)
    return a


def timed(cmd, cwd, env=None):
    """Runs cmd; returns (wall seconds, peak RSS in KiB, CPU seconds). The wall time is
    taken here (/usr/bin/time only has 10 ms resolution), the RSS and the CPU time (user +
    sys) from /usr/bin/time -f "%M %U %S"."""
    # Write back what the previous run and the untimed setup (an rm -rf of 10,000 files)
    # left dirty, so that this run is not charged for it: without this the clean
    # scenarios of the 10,000-page site varied by 2-3x from run to run.
    os.sync()
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        full = ["/usr/bin/time", "-f", "%M %U %S", "-o", out.name] + cmd
        start = time.perf_counter()
        proc = subprocess.run(full, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit("failed: %s\n%s" % (" ".join(cmd), proc.stderr))
        rss, user, system = out.read().split()[-3:]
    return wall, int(rss), float(user) + float(system)


class Site:
    def __init__(self, args, work, pages):
        self.args = args
        self.pages = pages
        self.dir = os.path.join(work, "site-%d" % pages)
        self.out = os.path.join(self.dir, "public")
        self.templates = os.path.join(work, "templates-%d" % pages)
        subprocess.run([sys.executable, args.gen_site, "-n", str(pages), "-o", self.dir],
                       check=True, stdout=subprocess.DEVNULL)
        shutil.copytree(os.path.join(REPO, "examples", "site", "templates"), self.templates)
        self.edits = 0
        self.fresh = 0  # output folders handed out by fresh_out()

    def fresh_out(self):
        """A new, empty output folder for a clean build. Clean builds never reuse a folder
        deleted moments before: ext4 steers new inodes away from recently deleted ones
        (for a minute or more), so an rm -rf of 10,000 page folders made every later
        scenario's mkdirs slower than the first scenario's, by up to 2x. All of a size's
        folders are deleted together after its last scenario (remove_fresh)."""
        self.fresh += 1
        return os.path.join(self.dir, "public-clean-%d" % self.fresh)

    def remove_fresh(self):
        for n in range(1, self.fresh + 1):
            shutil.rmtree(os.path.join(self.dir, "public-clean-%d" % n), ignore_errors=True)

    def sitegen(self, *extra, env=None):
        cmd = [self.args.sitegen, "--jobs", str(self.args.jobs), "--quiet",
               "--templates", self.templates] + list(extra)
        return timed(cmd, self.dir, env)

    def reset(self, cache=False, out=None):
        if cache:
            shutil.rmtree(os.path.join(self.dir, ".sitecache"), ignore_errors=True)
        if out:
            shutil.rmtree(out, ignore_errors=True)

    def append(self, path, text):
        self.edits += 1
        with open(path, "a", encoding="utf-8") as f:
            f.write(text % self.edits)

    def measure(self, key):
        """One run of scenario `key` (its setup untimed); None when it cannot run."""
        if key == "nocache":
            return self.sitegen("--no-cache", "--out", self.fresh_out())
        if key == "cold":
            self.reset(cache=True)
            return self.sitegen("--out", self.fresh_out())
        if key == "warm":
            return self.sitegen()
        if key == "edit_page":
            self.append(os.path.join(self.dir, "content", "posts", "post-00001.md"),
                        "\nEdited by the benchmark, edit %d.\n")
            return self.sitegen()
        if key == "edit_layout":
            self.append(os.path.join(self.templates, "base.mustache"),
                        "<!-- edited by the benchmark, edit %d -->\n")
            return self.sitegen()
        if key == "dummy":
            return self.sitegen("--out", self.fresh_out(),
                                env=dict(os.environ, SITECACHE_DISABLE="1"))
        if key == "copy":
            return timed(["cp", "-r", self.out, self.fresh_out()], self.dir)
        if key == "stat":
            return timed(["find", os.path.join(self.dir, "content"), self.templates, self.out,
                          "-printf", "%p %s %T@ %i\n"], self.dir)
        if key == "hugo":
            hugo = shutil.which("hugo")
            if not hugo or self.args.no_hugo:
                return None
            return timed([hugo, "--quiet", "-s", self.dir, "-d", self.fresh_out()], self.dir)
        raise ValueError(key)


def run_size(args, work, pages, runs):
    site = Site(args, work, pages)
    site.measure("nocache")  # untimed: brings the fresh pages and the programs into memory
    results = {}
    for key, label, _ in SCENARIOS:
        if key == "warm":
            site.sitegen()  # the previous scenario left a cold-built cache: settle it once
        if key == "copy":
            site.sitegen()  # a complete public/ to copy
        samples = []
        for _ in range(runs):
            m = site.measure(key)
            if m is None:
                break
            samples.append(m)
        if samples:
            results[key] = {"median_s": statistics.median(s[0] for s in samples),
                            "peak_rss_kb": max(s[1] for s in samples),
                            "cpu_s": statistics.median(s[2] for s in samples),
                            "runs": [s[0] for s in samples],
                            "cpu_runs": [s[2] for s in samples]}
        shown = ("%.3f s wall, %.3f s CPU" % (results[key]["median_s"], results[key]["cpu_s"])
                 if key in results else "skipped")
        print("  %6d pages  %-22s %s" % (pages, label, shown), flush=True)
    site.remove_fresh()
    return results


def fmt_s(s):
    return "%.3f" % s if s < 10 else "%.1f" % s


def table(args, all_results):
    head = "| scenario | output |"
    rule = "|---|---|"
    for pages, runs in zip(args.sizes, args.runs):
        head += (" %s pages: median s (runs) | vs no cache | CPU s | CPU vs no cache |"
                 " peak RSS MiB |" % "{:,}".format(pages))
        rule += "---:|---:|---:|---:|---:|"
    lines = [head, rule]
    for key, label, out in SCENARIOS:
        row = "| %s | %s |" % (label, out)
        for pages, runs in zip(args.sizes, args.runs):
            r = all_results[pages].get(key)
            base = all_results[pages].get("nocache")
            if not r:
                row += " n/a | | | | |"
                continue
            ratio = base["median_s"] / r["median_s"] if base and r["median_s"] > 0 else 0
            cpu_ratio = base["cpu_s"] / r["cpu_s"] if base and r["cpu_s"] > 0 else 0
            row += " %s (%d) | %s | %s | %s | %.0f |" % (
                fmt_s(r["median_s"]), len(r["runs"]), "%.1fx" % ratio if ratio else "",
                fmt_s(r["cpu_s"]), "%.1fx" % cpu_ratio if cpu_ratio else "",
                r["peak_rss_kb"] / 1024)
        lines.append(row)
    for pages in args.sizes:
        r = all_results[pages]
        if "warm" in r and "stat" in r:
            lines.append("")
            lines.append("%s pages: warm, no change is %.1fx the stat floor (wall), %.1fx (CPU)."
                         % ("{:,}".format(pages), r["warm"]["median_s"] / r["stat"]["median_s"],
                            r["warm"]["cpu_s"] / max(r["stat"]["cpu_s"], 0.01)))
    return "\n".join(lines)


def environment(args):
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    hugo = shutil.which("hugo")
    hugo_version = subprocess.run([hugo, "version"], capture_output=True,
                                  text=True).stdout.strip() if hugo else "not installed"
    return ("%s; %d cores; load average %s at start; sitegen --jobs %d; %s"
            % (cpu, os.cpu_count() or 0, " ".join("%.1f" % x for x in os.getloadavg()),
               args.jobs, hugo_version))


def chart(args, all_results):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no chart")
        return
    fig, axes = plt.subplots(1, len(args.sizes), figsize=(6 * len(args.sizes), 4.2),
                             squeeze=False)
    for ax, pages in zip(axes[0], args.sizes):
        rows = [(label, all_results[pages][key]["median_s"], all_results[pages][key].get("cpu_s"))
                for key, label, _ in SCENARIOS if key in all_results[pages]]
        labels = [r[0] for r in rows][::-1]
        walls = [r[1] for r in rows][::-1]
        cpus = [r[2] or 0 for r in rows][::-1]
        ys = list(range(len(rows)))
        height = 0.4
        bars = ax.barh([y + height / 2 for y in ys], walls, height, color="#4a7ab5",
                       label="wall")
        cpu_bars = ax.barh([y - height / 2 for y in ys], cpus, height, color="#e0a040",
                           label="CPU (user+sys)")
        ax.set_yticks(ys)
        ax.set_yticklabels(labels)
        ax.set_xscale("log")
        ax.set_xlabel("median time, s (log scale)")
        ax.set_title("{:,} pages".format(pages))
        for group in (bars, cpu_bars):
            for bar in group:
                v = bar.get_width()
                if v > 0:
                    ax.text(v, bar.get_y() + bar.get_height() / 2, " " + fmt_s(v), va="center",
                            fontsize=7)
        ax.set_xlim(left=min(v for v in walls + cpus if v > 0) / 2, right=max(walls) * 4)
        ax.legend(loc="lower right", fontsize=8)
    fig.suptitle("sitegen with sitecache: build times")
    fig.tight_layout()
    fig.savefig(args.chart, dpi=110)
    print("wrote " + args.chart)


def reexec_with_matplotlib():
    """Debian's python3-matplotlib belongs to /usr/bin/python3; another python3 first in
    PATH (pyenv, a venv) would lose the chart, so hand over to the system one."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        system = "/usr/bin/python3"
        if os.path.realpath(sys.executable) != os.path.realpath(system) and subprocess.run(
                [system, "-c", "import matplotlib"], capture_output=True).returncode == 0:
            os.execv(system, [system, os.path.abspath(__file__)] + sys.argv[1:])


def main():
    reexec_with_matplotlib()
    args = parse_args()
    env_line = environment(args)
    work = args.work or tempfile.mkdtemp(prefix="sitecache-bench-")
    os.makedirs(work, exist_ok=True)
    all_results = {}
    try:
        for pages, runs in zip(args.sizes, args.runs):
            print("== %d pages, %d runs per scenario" % (pages, runs), flush=True)
            all_results[pages] = run_size(args, work, pages, runs)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)

    md = table(args, all_results)
    print()
    print(md)
    with open(args.results, "w") as f:
        f.write("# Site benchmark results\n\n")
        f.write("Written by `bench/site/run.py` on %s.\n\n" % datetime.date.today().isoformat())
        f.write("Machine: %s.\n\n" % env_line)
        f.write(md + "\n\n")
        f.write("Medians of the runs in parentheses; \"vs no cache\" is the no-cache median "
                "divided by the scenario's (higher is faster). \"clean\" scenarios start from "
                "an empty output folder, \"kept\" ones update the previous build's output "
                "(only changed files are written). Raw samples:\n\n```json\n%s\n```\n"
                % json.dumps(all_results, indent=1, sort_keys=True))
    print("wrote " + args.results)
    chart(args, all_results)


if __name__ == "__main__":
    main()
