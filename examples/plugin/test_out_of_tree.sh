#!/usr/bin/env bash
# Builds the example plugin out of tree the way README.md tells a plugin author to: one
# compiler command over flatdir.cpp with only the public headers on the include path
# (INCLUDE_DIR stands in for <prefix>/include), then checks that the library exports only
# its entry function and that `sitecache plugins check` passes on it.
#
# Usage: test_out_of_tree.sh PLUGIN_SOURCE_DIR INCLUDE_DIR SITECACHE_BINARY
# $CXX is the compiler command (default c++). Exit 0 when every check passes.
set -euo pipefail
src=$1
include=$2
sitecache=$(realpath "$3")
cxx=${CXX:-c++}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
so="$work/sitecache-flatdir.so"

# README.md's command, plus the project's warning flags as errors.
# shellcheck disable=SC2086  # $cxx may be a launcher and a compiler ("ccache c++")
$cxx -std=c++20 -O2 -shared -fPIC -fvisibility=hidden \
  -Wall -Wextra -Wpedantic -Werror \
  -I"$include" -Wl,--version-script="$src/sitecache-flatdir.map" \
  "$src/flatdir.cpp" -o "$so"

exports=$(nm -D --defined-only "$so" | awk '$2 ~ /^[A-Za-z]$/ {print $3}')
if [[ "$exports" != "sitecache_plugin_entry" ]]; then
  echo "expected only sitecache_plugin_entry to be exported, got:" >&2
  echo "$exports" >&2
  exit 1
fi

"$sitecache" plugins check "$so"
