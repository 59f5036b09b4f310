#!/usr/bin/env bash
# The configurations of README.md against the real `sitecache` command: the plugin named
# by its path and by its name through [plugins] path, and max_size keeping the directory
# bounded while separate `sitecache put` processes write to it (each one a new handle that
# counts the directory when it opens).
#
# Usage: test_config.sh PLUGIN_SO SITECACHE_BINARY. Exit 0 when every check passes.
set -euo pipefail
plugin=$(realpath "$1")
sitecache=$(realpath "$2")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cat > sitecache.toml <<TOML
[cache.default]
backend = "$plugin"
location = "store"
max_size = "64KiB"
compress = "none"
TOML

head -c 10000 /dev/urandom > value
for i in $(seq 0 19); do
  "$sitecache" put "page-$i" value
done

total=$(find store -maxdepth 1 -type f ! -name '.*' -printf '%s\n' | awk '{s += $1} END {print s + 0}')
count=$(find store -maxdepth 1 -type f ! -name '.*' | wc -l)
(( total <= 65536 )) || fail "store holds $total bytes, over max_size"
(( count >= 5 )) || fail "only $count entries left: eviction went below 90% of max_size"

"$sitecache" get page-19 -o got
cmp -s value got || fail "the newest entry does not read back"
status=0
"$sitecache" get page-0 -o got 2>/dev/null || status=$?
(( status == 3 )) || fail "the oldest entry should have been evicted (get exited $status)"

# By name: the file is sitecache-flatdir.so in a directory of [plugins] path. With the
# plugin's own option, fsync.
cat > byname.toml <<TOML
[cache.default]
backend = "flatdir"
location = "store"

[cache.default.options]
fsync = true

[plugins]
path = ["$(dirname "$plugin")"]
TOML
"$sitecache" --config byname.toml get page-19 -o got
cmp -s value got || fail "the entry does not read back through the plugin found by name"
"$sitecache" --config byname.toml put synced value
"$sitecache" --config byname.toml get synced -o got
cmp -s value got || fail "an fsync'd entry does not read back"
"$sitecache" --config byname.toml plugins info flatdir
echo "ok: $count entries, $total bytes"
