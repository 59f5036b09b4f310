#!/usr/bin/env bash
# The costs of `sitecache exec`, side by side in one run (figures for docs/perf/exec.md
# and the README; nothing here is asserted):
#   1. a hit through the whole process (start, config, key, replay of a 10 KiB output),
#      1,000 runs, against /bin/true;
#   2. a miss against the same command run bare (pandoc on one page);
#   3. examples/make-site with PAGES pages: make -B without the cache, the same warm, and
#      a one-page edit; plus a chart.
# Usage: bench/exec/run.sh [PAGES]   (BUILD_DIR, default build; needs hyperfine, make,
#        pandoc, convert and ../shared/bench/gen-site.py)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
pages=${1:-1000}
build_dir=${BUILD_DIR:-$repo/build}
sitecache=$build_dir/cli/sitecache
out=${OUT:-$repo/bench/exec/results.md}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PATH="$(dirname "$sitecache"):$PATH"
unset SITECACHE_BUILD SITECACHE_CONFIG

median() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('\n'.join('%s %.3f' % (r['command'], r['median']*1000) for r in d['results']))" "$1"; }

echo "== 1. hits (1,000 runs, inside a build as make-site runs them)"
mkdir -p "$work/hit" && cd "$work/hit"
head -c 10240 /dev/urandom >in.bin
"$sitecache" exec --in in.bin --out out.bin -- cp in.bin out.bin
SITECACHE_BUILD=$("$sitecache" build start) hyperfine -N --warmup 50 --runs 1000 --export-json hit.json \
  "$sitecache exec --in in.bin --out out.bin -- cp in.bin out.bin" "cp in.bin out.bin" "/bin/true" >/dev/null
median hit.json | tee "$work/hit.txt"

echo "== 2. misses against the bare command"
mkdir -p "$work/miss" && cd "$work/miss"
python3 "$repo/../shared/bench/gen-site.py" -n 1 -o . >/dev/null
cp content/posts/post-00000.md page.md
hyperfine -N --warmup 5 --runs 40 --export-json miss.json \
  --prepare "sh -c 'date +%s%N >> page.md'" \
  "pandoc page.md -o page.html" \
  "$sitecache exec --in page.md --out page.html -- pandoc page.md -o page.html" >/dev/null
median miss.json | tee "$work/miss.txt"

echo "== 3. examples/make-site, $pages pages"
site=$work/site
mkdir -p "$site" && cd "$site"
python3 "$repo/../shared/bench/gen-site.py" -n "$pages" -o . >/dev/null
"$repo/examples/make-site/gen-images.sh" $((pages / 20)) images
cp "$repo/examples/make-site/template.html" "$repo/examples/make-site/front-matter.lua" .
mk() { make -s -f "$repo/examples/make-site/Makefile" SITECACHE="$sitecache" "$@"; }
# "WALL CPU": elapsed seconds, and the user+system seconds of everything the build ran
# (CPU time stays comparable when other work shares the machine; wall time does not).
seconds() {
  python3 -c 'import resource, subprocess, sys, time
s = time.monotonic(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
w = time.monotonic() - s; r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{w:.3f} {r.ru_utime + r.ru_stime:.3f}")' "$@"
}
mk OUT=reference NO_CACHE=1 all -j2 >/dev/null  # warms the page cache and the tools
make_site=(make -s -f "$repo/examples/make-site/Makefile" SITECACHE="$sitecache")
nocache=$(seconds "${make_site[@]}" OUT=reference NO_CACHE=1 -B all -j2)
cold=$(seconds "${make_site[@]}" OUT=public site -j2)
warm=$(seconds "${make_site[@]}" OUT=public -B site -j2)
diff -r reference public >/dev/null && identical=yes || identical=NO
printf '\nOne more paragraph.\n' >>content/posts/post-00007.md
edit=$(seconds "${make_site[@]}" OUT=public site -j2)
rebuilt=$(cd public && find . -newer ../content/posts/post-00007.md -type f | wc -l)
echo "wall and CPU seconds: no cache $nocache, cold $cold, warm make -B $warm, one-page edit $edit ($rebuilt files rewritten); identical: $identical"

{
  echo "# sitecache exec: measured $(date -u +%Y-%m-%d) on $(nproc) cores"
  echo
  echo "Medians in milliseconds (hyperfine)."
  echo
  echo '```'
  cat "$work/hit.txt" "$work/miss.txt"
  echo '```'
  echo
  echo "examples/make-site, $pages pages, $((pages / 20)) images, make -j2, seconds:"
  echo
  echo "| build | wall s | vs no cache | CPU s | vs no cache |"
  echo "|---|--:|--:|--:|--:|"
  python3 - $nocache $cold $warm $edit <<'PY'
import sys
v = list(map(float, sys.argv[1:]))
names = ["no cache (make -B, NO_CACHE=1)", "cold cache", "warm, make -B", "warm, one page edited"]
for i, name in enumerate(names):
    w, c = v[2 * i], v[2 * i + 1]
    print("| %s | %.3f | %.1fx | %.3f | %.1fx |" % (name, w, v[0] / w, c, v[1] / c))
PY
  echo
  echo "The one-page edit rewrote $rebuilt file(s) of public/."
  echo
  echo "Cached public/ identical to the uncached build: $identical"
} >"$out"
if python3 -c "import matplotlib" 2>/dev/null || /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  /usr/bin/python3 - "${nocache% *}" "${cold% *}" "${warm% *}" "${edit% *}" "$repo/bench/exec/chart.png" "$pages" <<'PY'
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
n, c, w, e = map(float, sys.argv[1:5])
labels = ["no cache", "cold cache", "warm, make -B", "one page edited"]
values = [n, c, w, e]
fig, ax = plt.subplots(figsize=(7, 3.2))
bars = ax.barh(labels[::-1], values[::-1], color=["#4c78a8", "#72b7b2", "#f58518", "#9d755d"][::-1])
for bar, v in zip(bars, values[::-1]):
    ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, " %.2f s (%.0fx)" % (v, n / v),
            va="center", fontsize=9)
ax.set_xlabel("seconds")
ax.set_title("examples/make-site, %s pages: make through sitecache exec" % sys.argv[6], fontsize=10)
ax.set_xlim(0, n * 1.35)
fig.tight_layout()
fig.savefig(sys.argv[5], dpi=110)
PY
fi
cat "$out"
