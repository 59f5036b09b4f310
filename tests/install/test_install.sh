#!/usr/bin/env bash
# sitecache installed like a library people depend on: configure a fresh build with a
# temporary prefix, install it, move the build tree away, then use the installation
# alone, the way a consumer does:
#   - the installed library exports only the public API (check_exports.sh);
#   - pkg-config gives what a consumer needs and nothing private;
#   - the README's C++ example builds with -Wall -Wextra -Werror against the install and
#     runs: a miss, then a hit with the same output; `sitecache explain` reaches its slot;
#   - the installed `sitecache` runs without LD_LIBRARY_PATH and loads only installed
#     plugins;
#   - an out-of-tree plugin (examples/plugin) builds against the installed headers,
#     installs into pkg-config's plugindir, and serves a cache through the installed CLI.
# Usage: test_install.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cxx=${CXX:-c++}

step() { echo "== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

step "build and install to $prefix"
meson setup "$work/build" "$src" --prefix="$prefix" --buildtype=plain -Dtests=false \
  -Dbenchmarks=false -Dexamples=false -Dredis=disabled -Dmemcached=disabled >/dev/null
ninja -C "$work/build" >/dev/null
meson install -C "$work/build" --quiet >/dev/null
mv "$work/build" "$work/build-moved-away"  # nothing below may depend on the build tree

lib=$(find "$prefix" -name 'libsitecache.so.*.*' | head -1)
[ -n "$lib" ] || fail "no libsitecache.so.X.Y installed"
[ "$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')" = "libsitecache.so.0" ] ||
  fail "SONAME is not libsitecache.so.0"
"$src/tests/install/check_exports.sh" "$lib" "$src"

step "pkg-config"
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name sitecache.pc | head -1)")
cflags=$(pkg-config --cflags sitecache)
# A consumer of a non-system prefix records where the library is (as the README says).
libs="$(pkg-config --libs sitecache) -Wl,-rpath,$(pkg-config --variable=libdir sitecache)"
plugindir=$(pkg-config --variable=plugindir sitecache)
case "$cflags" in *TOML*|*-D*) fail "pkg-config leaks private flags: $cflags" ;; esac
[ -z "$(pkg-config --print-requires-private sitecache)" ] || fail "Requires.private is not empty"
[ -d "$plugindir" ] || fail "plugindir $plugindir does not exist"

step "the README's C++ example against the installation"
mkdir -p "$work/site"
awk '/^## Using it from C\+\+/ { section = 1 } section && /^```cpp/ { code = 1; next }
     code && /^```/ { exit } code { print }' "$src/README.md" >"$work/site/example.cpp"
[ -s "$work/site/example.cpp" ] || fail "no C++ example under '## Using it from C++' in README.md"
# shellcheck disable=SC2086  # flags are words
"$cxx" -std=c++20 -Wall -Wextra -Werror -o "$work/site/example" "$work/site/example.cpp" $cflags $libs
cd "$work/site"
printf '# Hello\n\nFirst post.\n' >hello.md
./example >first.html 2>first.err || fail "example failed: $(cat first.err)"
./example >second.html 2>second.err || fail "example failed: $(cat second.err)"
grep -q "1 miss" first.err || fail "the first run should miss: $(cat first.err)"
grep -q "1 hit" second.err || fail "the second run should hit: $(cat second.err)"
cmp first.html second.html || fail "the cached output differs from the rendered one"

step "the installed sitecache, without LD_LIBRARY_PATH"
unset LD_LIBRARY_PATH
sitecache=$prefix/bin/sitecache
"$sitecache" explain hello.md | grep -q "hello.md" || fail "explain cannot reach the example's slot"
"$sitecache" plugins list >plugins.txt
grep -q '^sqlite ' plugins.txt || fail "the installed sqlite plugin is not listed"
if grep -v "^name" plugins.txt | grep -v "$prefix/" | grep -q .; then
  fail "plugins loaded from outside the installation: $(cat plugins.txt)"
fi

step "an out-of-tree plugin against the installed headers"
# shellcheck disable=SC2086
"$cxx" -std=c++20 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden $cflags \
  -o "$plugindir/sitecache-flatdir.so" "$src/examples/plugin/flatdir.cpp"
"$sitecache" plugins list | grep -q '^flatdir ' || fail "flatdir is not found in $plugindir"
"$sitecache" plugins check "$plugindir/sitecache-flatdir.so" >/dev/null || fail "plugins check"
printf '[cache.default]\nbackend = "flatdir"\nlocation = "flat"\n' >sitecache.toml
printf 'value' | "$sitecache" put k
[ "$("$sitecache" get k)" = "value" ] || fail "put/get through the out-of-tree plugin"
echo "install test passed"
