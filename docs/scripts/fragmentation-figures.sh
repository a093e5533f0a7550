#!/usr/bin/env bash
# docs/scripts/fragmentation-figures.sh — regenerates the tables and chart of docs/fragmentation.md.
#
#   docs/scripts/fragmentation-figures.sh [OUT]     # default OUT: docs/fragmentation (about 5 minutes on 2 cores)
#
# On a shared machine run it under the build lock. Needs the malloc-lab traces in ../shared/traces/malloclab (or
# JALLOC_TRACES) and a built bench jar (./mvnw -q -DskipTests -pl modules/bench -am package, or any ./jalloc run).
# Writes OUT/fragmentation.md (the per-trace table), OUT/fragmentation.tsv (every figure), OUT/fragmentation-utilization.png,
# and the four generated program traces (strings, list, tree, browser: 100,000 ops, seed 1) it measured.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
traces="${JALLOC_TRACES:-../shared/traces/malloclab}"
out="${1:-docs/fragmentation}"
all="dense;dense:small=0;dense:footers=all;dense:ties=high;dense:coalesce=never;dense:realloc=in-place;dense:realloc=move"
all="$all;dense:grow=chunk;dense:threshold=0;first-fit;next-fit;best-fit;segregated;boundary-tag;tlsf;buddy;slab;thread-cache"
java -Djava.awt.headless=true --enable-native-access=ALL-UNNAMED -cp modules/bench/target/benchmarks.jar \
  org.jalloc.bench.FragmentationReport --out "$out" --allocators "$all" --peers libc,jemalloc,mimalloc,tcmalloc \
  --gen strings,list,tree,browser:100000 "$traces"/*.rep
