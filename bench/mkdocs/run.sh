#!/usr/bin/env bash
# MkDocs with and without the sitecache plugin, side by side in one run (figures for
# docs/perf/mkdocs.md; nothing here is asserted):
#   1. the corpus of tests/mkdocs/corpus.py (PAGES pages, Material, pymdown-extensions):
#      a build without the plugin, a cold build with it (empty cache), a warm one with
#      nothing changed, and both after a one-page text edit; plus a chart;
#   2. where the time goes (cProfile) in a build without the plugin and in the plugin's
#      warm and one-edit builds;
#   3. the per-call cost of a memoize hit from Python against the C++ one.
# Usage: bench/mkdocs/run.sh [PAGES]   (default 2000; BUILD_DIR, default build: a build
#        tree with the Python package; OUT, default bench/mkdocs/results). Builds use
#        /usr/bin/python3, which has Debian's mkdocs, mkdocs-material and pymdownx.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
pages=${1:-2000}
build_dir=$(cd "${BUILD_DIR:-$repo/build}" && pwd)
out=${OUT:-$repo/bench/mkdocs/results}
python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
export PYTHONPATH=$build_dir/python SOURCE_DATE_EPOCH=1700000000
unset SITECACHE_BUILD SITECACHE_CONFIG SITECACHE_DISABLE
results=$out/times.txt
: >"$results"

seconds() {  # seconds LABEL CONFIG SITE_DIR: one mkdocs build, timed, into $results
  local label=$1 start end
  start=$(date +%s.%N)
  "$python" -m mkdocs build -f "$2" -d "$3" 2>"$work/$label.log"
  end=$(date +%s.%N)
  "$python" -c "print(f'$label {$end - $start:.2f}')" | tee -a "$results"
}

echo "== 1. $pages pages"
cd "$work"
"$python" "$repo/tests/mkdocs/corpus.py" --pages "$pages" corpus >/dev/null
cd corpus
seconds plain-warmup plain.yml site-plain   # fills the page cache and .pyc files; not reported
seconds plain plain.yml site-plain
seconds plugin-cold mkdocs.yml site
seconds plugin-warm mkdocs.yml site
"$python" -c "
import sys; sys.path.insert(0, '$repo/tests/mkdocs')
import corpus, edits
print(edits.edit_page_text('.', corpus.load('.')).what)"
seconds plain-edit plain.yml site-plain
seconds plugin-edit mkdocs.yml site
diff -r -q site-plain site >/dev/null && echo "sites identical" | tee -a "$results"
du -sh .sitecache | tee -a "$results"

echo "== 2. profiles"
"$python" "$repo/bench/mkdocs/build_profile.py" plain.yml site-plain 2>/dev/null | sed 's/^/profile-plain /' | tee -a "$results"
"$python" "$repo/bench/mkdocs/build_profile.py" mkdocs.yml site 2>"$work/profile.log" | sed 's/^/profile-plugin-warm /' | tee -a "$results"
"$python" -c "
import sys; sys.path.insert(0, '$repo/tests/mkdocs')
import corpus, edits
edits.edit_page_text('.', corpus.load('.'))"
"$python" "$repo/bench/mkdocs/build_profile.py" mkdocs.yml site 2>"$work/profile.log" | sed 's/^/profile-plugin-edit /' | tee -a "$results"

echo "== 3. memoize hits"
"$python" "$repo/bench/mkdocs/memoize_hit.py" "$work/memo" | tee -a "$results"
"$build_dir/bench/bench_memoize" --benchmark_filter='memoize/hit/.*/sitecache/' \
  --benchmark_min_time=0.5 2>/dev/null | awk '/^memoize/ {print "cpp", $1, $2, $3}' | tee -a "$results"

"$python" "$repo/bench/mkdocs/chart.py" "$results" "$out/mkdocs.svg" "$pages"
echo "results: $results, chart: $out/mkdocs.svg"
