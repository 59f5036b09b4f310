#!/usr/bin/env bash
# Builds and runs every micro-benchmark (bench_core, bench_persistent, bench_memoize), then
# prints a Markdown table of sitecache/raw ratios and writes it to
# docs/perf/micro-benchmarks.md. The raw Google Benchmark JSON stays in the build tree
# ($BUILD_DIR/bench-results/), not in the repository.
#
# Usage: bench/run.sh [extra Google Benchmark flags, e.g. --benchmark_filter=sqlite]
# Environment:
#   BUILD_DIR    build directory (default: build; set up as a release build if missing)
#   MIN_TIME     --benchmark_min_time per repetition in seconds (default 0.05)
#   REPETITIONS  repetitions per benchmark, reported as their median (default 5)
#   JOBS         ninja -j (default 2)
#   SITECACHE_BENCH_DIR  where the benchmarks create their scratch stores (default: the
#                system temp directory; use a directory on the disk you care about, or a
#                tmpfs such as /dev/shm to see sitecache's own cost without disk noise)
#   SUMMARY      where the Markdown summary goes (default docs/perf/micro-benchmarks.md)
# The defaults keep the whole run under 3 minutes on 2 cores. Numbers are only as quiet
# as the machine: other builds running at the same time make them noisy.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
MIN_TIME=${MIN_TIME:-0.05}
REPETITIONS=${REPETITIONS:-5}
JOBS=${JOBS:-2}
SUMMARY=${SUMMARY:-docs/perf/micro-benchmarks.md}
scratch=${SITECACHE_BENCH_DIR:-${TMPDIR:-/tmp}}
mkdir -p "$scratch"
scratch_fs=$(stat -f -c %T "$scratch")

if [ ! -d "$BUILD_DIR" ]; then
  meson setup "$BUILD_DIR" --buildtype=release
fi
ninja -C "$BUILD_DIR" -j"$JOBS" benchmarks

results="$BUILD_DIR/bench-results"
mkdir -p "$results" "$(dirname "$SUMMARY")"
rm -f "$results"/*.json
start=$SECONDS
for program in bench_core bench_persistent bench_memoize; do
  echo "== $program ($((SECONDS - start)) s)" >&2
  "$BUILD_DIR/bench/$program" \
    --benchmark_min_time="$MIN_TIME" \
    --benchmark_repetitions="$REPETITIONS" \
    --benchmark_report_aggregates_only=true \
    --benchmark_enable_random_interleaving=true \
    --benchmark_out="$results/$program.json" \
    --benchmark_out_format=json \
    --benchmark_context=scratch="$scratch ($scratch_fs)" \
    --benchmark_context=build_dir="$BUILD_DIR" \
    "$@" >&2
done

echo "== benchmarks took $((SECONDS - start)) s" >&2
python3 bench/summarize.py "$results"/bench_core.json "$results"/bench_persistent.json \
  "$results"/bench_memoize.json | tee "$SUMMARY"
