#!/usr/bin/env bash
# Network backends against their baselines, side by side.
#   bench/network/run.sh [BUILD_DIR]          (default: build; needs bench_network built)
# Starts redis-server and memcached on free loopback ports (scripts/services), runs
# redis-benchmark with 1 KiB values on one connection without and with pipelining
# (-c 1 -P 1, -c 1 -P 16), runs bench_network (the plugins through the C ABI and through a
# full Cache, and plain libmemcached), and prints operations per second with the ratio to
# the baseline. BENCH_MIN_TIME (seconds per benchmark and round, default 1) and
# BENCH_ROUNDS (default 3) trade time for noise.
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

# Rounds interleave the baseline and the benchmarks, so that both see the same machine
# load; each figure is the best of the rounds (on a shared machine the best run is the
# one least disturbed by others). BENCH_ROUNDS (default 3) sets their number.
rounds=${BENCH_ROUNDS:-3}
for round in $(seq 1 "$rounds"); do
  for depth in 1 16; do
    # -q prints progress with carriage returns; keep the final lines.
    redis-benchmark -h 127.0.0.1 -p "$redis_port" -q -n 100000 -d 1024 -t get,set -c 1 \
      -P "$depth" | tr '\r' '\n' | grep 'requests per second' | sed "s/^/P$depth /" \
      >>"$work/redis-benchmark.txt"
  done
  "$binary" --benchmark_min_time="${BENCH_MIN_TIME:-1}" --benchmark_format=json \
    --benchmark_out="$work/bench-$round.json" --benchmark_out_format=json >/dev/null
done

python3 - "$work/redis-benchmark.txt" "$work"/bench-*.json <<'PY'
import json, re, sys

baseline = {}
for line in open(sys.argv[1]):
    m = re.match(r'P(\d+)\s+(\w+):\s+([\d.]+) requests per second', line.strip())
    if m:
        key = (m.group(2), int(m.group(1)))
        baseline[key] = max(baseline.get(key, 0.0), float(m.group(3)))
rate = {}
for path in sys.argv[2:]:
    for b in json.load(open(path))['benchmarks']:
        name = b['name'].split('/')[0]
        if not b.get('error_occurred') and b.get('items_per_second'):
            rate[name] = max(rate.get(name, 0.0), b['items_per_second'])

print(f'Best of {len(sys.argv) - 2} rounds; figures in operations (items) per second.\n')

def fmt(value):
    return f'{value / 1000:9.1f}k' if value else '      n/a'

def ratio(value, base):
    return f'{value / base:6.2f}' if value and base else '   n/a'

def table(title, base_name, rows):
    print(title)
    print(f'  {"operation (1 KiB values, 1 connection)":48} {base_name:>11} {"plugin":>10} {"ratio":>6} '
          f'{"Cache":>10} {"ratio":>6}')
    for label, base, plugin, cache in rows:
        p, c = rate.get(plugin), rate.get(cache)
        print(f'  {label:48} {fmt(base):>11} {fmt(p):>10} {ratio(p, base)} {fmt(c):>10} {ratio(c, base)}')
    print()

table('redis: operations per second (plugin = C ABI, Cache = full sitecache path)',
      'redis-bench', [
    ('GET          (-P 1)', baseline.get(('GET', 1)), 'BM_RedisPluginGet', 'BM_RedisCacheGet'),
    ('SET          (-P 1)', baseline.get(('SET', 1)), 'BM_RedisPluginSet', 'BM_RedisCacheSet'),
    ('GET x16      (-P 16; plugin: one MGET)', baseline.get(('GET', 16)), 'BM_RedisPluginGetMany16',
     'BM_RedisCacheGetMany16'),
    ('SET x16      (-P 16; plugin: 16 pipelined SETs)', baseline.get(('SET', 16)),
     'BM_RedisPluginSetMany16', 'BM_RedisCacheSetMany16'),
])
table('memcached: operations per second (baseline = plain libmemcached calls)', 'libmemcached', [
    ('get          (memcached_get)', rate.get('BM_LibmemcachedGet'), 'BM_MemcachedPluginGet',
     'BM_MemcachedCacheGet'),
    ('set          (memcached_set)', rate.get('BM_LibmemcachedSet'), 'BM_MemcachedPluginSet',
     'BM_MemcachedCacheSet'),
    ('get x16      (memcached_mget + fetch)', rate.get('BM_LibmemcachedMget16'),
     'BM_MemcachedPluginGetMany16', 'BM_MemcachedCacheGetMany16'),
    ('set x16      (16 x memcached_set)', rate.get('BM_LibmemcachedSet'),
     'BM_MemcachedPluginSetMany16', 'BM_MemcachedCacheSetMany16'),
])
PY
