#!/bin/sh
# Writes N large source images (1600x1200 PNG gradients, each different) into DIR, the
# same bytes on every run: no random patterns, metadata stripped.
# Usage: gen-images.sh N DIR
set -eu
n=${1:?usage: gen-images.sh N DIR}
dir=${2:?usage: gen-images.sh N DIR}
mkdir -p "$dir"
i=0
while [ "$i" -lt "$n" ]; do
  file=$(printf '%s/image-%04d.png' "$dir" "$i")
  if [ ! -f "$file" ]; then
    convert -size 1600x1200 -define gradient:angle=$((i * 37 % 360)) \
      "gradient:#$(printf '%02x' $((i * 53 % 256)))3c72-#e9$(printf '%02x' $((i * 29 % 256)))43" \
      -strip -define png:exclude-chunk=date,time "$file"
  fi
  i=$((i + 1))
done
