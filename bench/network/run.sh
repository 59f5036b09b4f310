#!/usr/bin/env bash
# Network backends against their baselines, side by side.
#   bench/network/run.sh [BUILD_DIR]          (default: build; needs bench_network built)
# Starts redis-server and memcached on free loopback ports (scripts/services), runs
# redis-benchmark with 1 KiB values on one connection without and with pipelining
# (-c 1 -P 1, -c 1 -P 16), runs bench_network (the plugins through the C ABI and through a
# full Cache, and plain libmemcached), and prints operations per second with the ratio to
# the baseline. BENCH_ROUNDS (default 5) and BENCH_MIN_TIME (seconds per benchmark and
# round, default 0.5) trade time for noise.
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${1:-build}
binary="$build_dir/bench/network/bench_network"
[ -x "$binary" ] || { echo "run.sh: $binary not built (ninja -C $build_dir bench/network/bench_network)" >&2; exit 2; }
command -v redis-benchmark >/dev/null || { echo "run.sh: redis-benchmark not installed" >&2; exit 2; }

work=$(mktemp -d)
trap 'scripts/services stop "$work"; rm -rf "$work"' EXIT
eval "$(scripts/services start "$work")"
: "${SITECACHE_TEST_REDIS:?redis-server not installed}"
: "${SITECACHE_TEST_MEMCACHED:?memcached not installed}"
redis_port=${SITECACHE_TEST_REDIS##*:}

# Rounds interleave the baselines and the benchmarks, so that each comparison is measured
# under the same machine load (redis-benchmark right before the redis benchmarks); the
# report gives medians over the rounds.
rounds=${BENCH_ROUNDS:-5}
min_time=${BENCH_MIN_TIME:-0.5}
for round in $(seq 1 "$rounds"); do
  for depth in 1 16; do
    # -q prints progress with carriage returns; keep the final lines.
    redis-benchmark -h 127.0.0.1 -p "$redis_port" -q -n 100000 -d 1024 -t get,set -c 1 \
      -P "$depth" | tr '\r' '\n' | grep 'requests per second' | sed "s/^/P$depth /" \
      >>"$work/redis-benchmark.txt"
  done
  for filter in Redis 'Memcached|Libmemcached'; do
    "$binary" --benchmark_filter="$filter" --benchmark_min_time="$min_time" \
      --benchmark_format=json --benchmark_out="$work/bench-$round-${filter%%|*}.json" \
      --benchmark_out_format=json >/dev/null
  done
done

python3 - "$work" "$rounds" <<'PY'
import json, re, statistics, sys

work, rounds = sys.argv[1], int(sys.argv[2])
# Per round: redis-benchmark rates by (command, depth) and benchmark rates by name.
baselines = [dict() for _ in range(rounds)]
seen = {}
for line in open(f'{work}/redis-benchmark.txt'):
    m = re.match(r'P(\d+)\s+(\w+):\s+([\d.]+) requests per second', line.strip())
    if m:
        key = (m.group(2), int(m.group(1)))
        r = seen.get(key, 0)
        seen[key] = r + 1
        if r < rounds:
            baselines[r][key] = float(m.group(3))
rates = [dict() for _ in range(rounds)]
for r in range(rounds):
    for part in ('Redis', 'Memcached'):
        for b in json.load(open(f'{work}/bench-{r + 1}-{part}.json'))['benchmarks']:
            if not b.get('error_occurred') and b.get('items_per_second'):
                rates[r][b['name'].split('/')[0]] = b['items_per_second']

def median(values):
    values = [v for v in values if v]
    return statistics.median(values) if values else None

def fmt(value):
    return f'{value / 1000:9.1f}k' if value else '      n/a'

def fmt_ratio(value):
    return f'{value:6.2f}' if value else '   n/a'

def table(title, base_name, rows):
    print(title)
    print(f'  {"operation (1 KiB values, 1 connection)":48} {base_name:>12} {"plugin":>10} '
          f'{"ratio":>6} {"Cache":>10} {"ratio":>6}')
    for label, base_of, plugin, cache in rows:
        base = [base_of(r) for r in range(rounds)]
        cells = [fmt(median(base))]
        for name in (plugin, cache):
            got = [rates[r].get(name) for r in range(rounds)]
            ratios = [g / b for g, b in zip(got, base) if g and b]
            cells += [fmt(median(got)), fmt_ratio(median(ratios))]
        print(f'  {label:48} {cells[0]:>12} {cells[1]:>10} {cells[2]} {cells[3]:>10} {cells[4]}')
    print()

print(f'Medians of {rounds} rounds, in operations (items) per second; a ratio is the median of '
      'the per-round ratios\n(baseline and benchmark measured back to back).\n')
redis = lambda command, depth: (lambda r: baselines[r].get((command, depth)))
raw = lambda name: (lambda r: rates[r].get(name))
table('redis (baseline: redis-benchmark -c 1; plugin = C ABI; Cache = full sitecache path)',
      'redis-bench', [
    ('GET          (-P 1)', redis('GET', 1), 'BM_RedisPluginGet', 'BM_RedisCacheGet'),
    ('SET          (-P 1)', redis('SET', 1), 'BM_RedisPluginSet', 'BM_RedisCacheSet'),
    ('GET x16      (-P 16; plugin: one MGET)', redis('GET', 16), 'BM_RedisPluginGetMany16',
     'BM_RedisCacheGetMany16'),
    ('SET x16      (-P 16; plugin: 16 pipelined SETs)', redis('SET', 16),
     'BM_RedisPluginSetMany16', 'BM_RedisCacheSetMany16'),
])
table('memcached (baseline: plain libmemcached calls, same behaviours)', 'libmemcached', [
    ('get          (memcached_get)', raw('BM_LibmemcachedGet'), 'BM_MemcachedPluginGet',
     'BM_MemcachedCacheGet'),
    ('set          (memcached_set)', raw('BM_LibmemcachedSet'), 'BM_MemcachedPluginSet',
     'BM_MemcachedCacheSet'),
    ('get x16      (memcached_mget + fetch)', raw('BM_LibmemcachedMget16'),
     'BM_MemcachedPluginGetMany16', 'BM_MemcachedCacheGetMany16'),
    ('set x16      (16 x memcached_set)', raw('BM_LibmemcachedSet'),
     'BM_MemcachedPluginSetMany16', 'BM_MemcachedCacheSetMany16'),
])
PY
