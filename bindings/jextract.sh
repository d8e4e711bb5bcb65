#!/usr/bin/env bash
# Regenerates the FFM binding (bindings/panama/src/main/java/dev/anvil/ffm: anvil_h and one class
# per struct) from bindings/include/anvil.h with jextract, where jextract is installed
# (https://jdk.java.net/jextract, a build for JDK 22 or newer):
#
#   bindings/jextract.sh                          # jextract on the PATH
#   JEXTRACT=/opt/jextract/bin/jextract bindings/jextract.sh
#
# Only anvil.h's own symbols are kept (its functions, structs and constants, listed from the header),
# so the output covers what the checked-in classes cover; jextract adds helpers they leave out
# (downcall tracing, struct arrays, typedef constants). No --library is given: the generated anvil_h
# looks symbols up in the libraries its class loader has loaded, and FfmBinding loads libanvil.
# Afterwards build with JDK 22+ and run the tests: AbiDriftTest compares the classes with anvil.h
# and FfmBinding (java/core/src/main/java22) must still compile against them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
header="$root/bindings/include/anvil.h"
out="$root/bindings/panama/src/main/java"
jextract=${JEXTRACT:-jextract}
command -v "$jextract" >/dev/null 2>&1 || {
  echo "jextract.sh: jextract not found; put it on the PATH or set JEXTRACT" >&2
  exit 2
}

filters=()
for f in $(sed -n 's/^ANVIL_API[^(]*[ *]\(anvil_[a-z0-9_]*\)(.*/\1/p' "$header"); do filters+=(--include-function "$f"); done
for s in $(sed -n 's/^typedef struct \(anvil_[a-z0-9_]*\) {.*/\1/p' "$header"); do filters+=(--include-struct "$s"); done
for c in $(sed -n 's/^ *\(ANVIL_[A-Z_]*\) = [0-9].*/\1/p; s/^#define \(ANVIL_ABI_VERSION\) .*/\1/p' "$header"); do
  filters+=(--include-constant "$c")
done

rm -f "$out"/dev/anvil/ffm/*.java
"$jextract" --output "$out" --target-package dev.anvil.ffm --header-class-name anvil_h \
  -I "$root/bindings/include" "${filters[@]}" "$header"
echo "jextract.sh: regenerated $(ls "$out"/dev/anvil/ffm | wc -l) files in ${out#"$root"/}/dev/anvil/ffm"
