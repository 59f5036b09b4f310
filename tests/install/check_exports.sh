#!/usr/bin/env bash
# Fails when libsitecache's dynamic symbol table holds anything but the public API:
# every defined symbol must be in namespace sitecache, and none may name a type or
# function that only core/src declares (the internal layers).
# Usage: check_exports.sh LIBSITECACHE_SO SOURCE_DIR
set -euo pipefail
lib=$1
src=$2

symbols=$(nm -D --defined-only "$lib" | awk '{ $1 = ""; $2 = ""; print }' | sed 's/^ *//')
demangled=$(printf '%s\n' "$symbols" | c++filt)
count=$(printf '%s\n' "$symbols" | grep -c . || true)

# Everything exported is sitecache's own (no std::, boost::, nlohmann::, toml:: or C symbols).
foreign=$(printf '%s\n' "$demangled" | grep -v '^sitecache::' || true)
if [ -n "$foreign" ]; then
  echo "exported symbols outside namespace sitecache:" >&2
  printf '%s\n' "$foreign" | head -20 >&2
  exit 1
fi

# Names declared only under core/src: classes, structs and free functions of the internal
# layers. None may be reachable through the library.
internal=$(grep -rhoE '^(class|struct) [A-Z][A-Za-z0-9_]*' "$src/core/src" | awk '{ print $2 }' | sort -u)
public=$(grep -rhoE '(class|struct) (SITECACHE_EXPORT )?[A-Z][A-Za-z0-9_]*' "$src/core/include" |
  awk '{ print $NF }' | sort -u)
leaks=""
for name in $(comm -23 <(printf '%s\n' "$internal") <(printf '%s\n' "$public")); do
  hit=$(printf '%s\n' "$demangled" | grep -E "sitecache::${name}(::|\(|$)" || true)
  [ -n "$hit" ] && leaks+="$hit"$'\n'
done
if [ -n "$leaks" ]; then
  echo "internal symbols are exported:" >&2
  printf '%s' "$leaks" | head -20 >&2
  exit 1
fi
echo "libsitecache exports $count symbols, all of the public API"
