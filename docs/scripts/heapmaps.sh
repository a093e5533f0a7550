#!/usr/bin/env bash
# Regenerates the heap maps in docs/images/heapmap/ (issue 25): every allocator at the peak of binary-bal.rep, and the
# collectors' fragmentation scene before and after a collection. Run from the repository root; needs ../shared/traces.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
trace=../shared/traces/malloclab/binary-bal.rep
[ -f "$trace" ] || { echo "heapmaps.sh: $trace not found (the CS:APP traces live in ../shared/traces)" >&2; exit 2; }
out=docs/images/heapmap
mkdir -p "$out"
for a in first-fit next-fit best-fit segregated boundary-tag tlsf buddy slab slub slob thread-cache dense; do
  ./jalloc heapmap --allocator "$a" --trace "$trace" --at peak --out "$out/$a-binary-bal-peak.png"
done
./jalloc heapmap --allocator buddy --trace "$trace" --at op=4000 --out "$out/buddy-binary-bal-op4000.png"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for c in mark-compact mark-sweep; do
  ./jalloc heapmap --collector "$c" --out "$tmp/$c"
  cp "$tmp/$c/before-collection.png" "$out/$c-fragmentation-before.png"
  cp "$tmp/$c/after-collection.png" "$out/$c-fragmentation-after.png"
done
