#!/usr/bin/env bash
# docs/scripts/boundary-tag-figures.sh — regenerates the figures of docs/boundary-tag.md and prints them as
# Markdown tables on stdout (raw JSON lines are kept in the output folder it names on stderr).
#
#   docs/scripts/boundary-tag-figures.sh [TRACE_DIR] [--no-jmh]
#
# TRACE_DIR defaults to ../shared/traces/malloclab. The whole script holds the machine-wide build lock
# (/tmp/jalloc-mvn.lock) so its timings never overlap another build or benchmark. Needs JDK 25 and python3.
# Every replay is checked (--check: the heap checker after every op) and timed unchecked, with libc through FFM
# in the same run; JMH runs FreeListPopulationBenchmark (first-fit only up to 10^5 free blocks: its set-up is
# O(n^2)). Takes about 12 minutes on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if [ -z "${JALLOC_FIGURES_LOCKED:-}" ]; then
  exec env JALLOC_FIGURES_LOCKED=1 flock /tmp/jalloc-mvn.lock "$0" "$@"
fi
traces="../shared/traces/malloclab"
jmh=1
for arg in "$@"; do
  case "$arg" in
    --no-jmh) jmh=0 ;;
    *) traces="$arg" ;;
  esac
done
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
out="$(mktemp -d /tmp/boundary-tag-figures.XXXXXX)"
echo "raw results in $out" >&2

allocators=(first-fit boundary-tag boundary-tag:footers=all boundary-tag:fit=first boundary-tag:scan=0 tlsf tlsf:footers=all)
for a in "${allocators[@]}"; do
  echo "replaying the traces with $a ..." >&2
  ./jalloc replay "$traces" --allocator "$a" --check --baseline libc --json --min-time 500 > "$out/replay-$a.json" || true
done

./jalloc gen --pattern tail-sizes --ops 100000 --seed 1 --out "$out/tail-sizes-1.rep" >&2
for a in boundary-tag boundary-tag:footers=all tlsf tlsf:footers=all; do
  echo "replaying tail-sizes with $a ..." >&2
  ./jalloc replay "$out/tail-sizes-1.rep" --allocator "$a" --check --baseline libc --json --min-time 500 > "$out/tail-$a.json" || true
done

if [ "$jmh" = 1 ]; then
  echo "building and running FreeListPopulationBenchmark ..." >&2
  ./mvnw -q -B -DskipTests -pl modules/bench -am package >&2
  java="$JAVA_HOME/bin/java"
  common=(-f 1 -wi 2 -i 3 -w 1s -r 1s)
  "$java" -jar modules/bench/target/benchmarks.jar FreeListPopulationBenchmark "${common[@]}" \
    -p allocator=tlsf,boundary-tag,boundary-tag:scan=0 -p freeBlocks=1000,10000,100000,1000000 \
    -rf json -rff "$out/jmh-bounded.json" >&2
  "$java" -jar modules/bench/target/benchmarks.jar FreeListPopulationBenchmark "${common[@]}" \
    -p allocator=first-fit -p freeBlocks=1000,10000,100000 \
    -rf json -rff "$out/jmh-first-fit.json" >&2
fi

python3 - "$out" "${allocators[@]}" <<'PY'
import json, os, sys
out, allocators = sys.argv[1], sys.argv[2:]
MDRIVER = ["amptjp-bal.rep", "cccp-bal.rep", "cp-decl-bal.rep", "expr-bal.rep", "coalescing-bal.rep", "random-bal.rep",
           "random2-bal.rep", "binary-bal.rep", "binary2-bal.rep", "realloc-bal.rep", "realloc2-bal.rep"]

def rows(path):
    if not os.path.exists(path):
        return {}
    return {r["trace"]: r for r in (json.loads(l) for l in open(path) if l.startswith("{"))}

replays = {a: rows(f"{out}/replay-{a}.json") for a in allocators}

def mean_util(a):
    r = replays[a]
    return sum(r[t]["utilization"] for t in MDRIVER if t in r) / len(MDRIVER) if all(t in r for t in MDRIVER) else float("nan")

def status(r):
    return "" if r["violations"] == 0 and not r["outOfMemory"] else (" OOM" if r["outOfMemory"] else f" {r['violations']} VIOLATIONS")

main = ["first-fit", "boundary-tag", "tlsf"]
print("### malloc-lab traces: utilization, ops/s, ratio to libc\n")
print("| trace | " + " | ".join(f"{a} util | {a} ops/s | ×libc" for a in main) + " |")
print("|---|" + "---:|" * (3 * len(main)))
for t in MDRIVER:
    cells = []
    for a in main:
        r = replays[a].get(t)
        cells += [f"{100 * r['utilization']:.1f}%{status(r)}", f"{r['opsPerSecond']:,.0f}", f"{r['ratioToLibc']:.2f}×"] if r else ["—"] * 3
    print(f"| {t} | " + " | ".join(cells) + " |")
print("| **mean utilization (11 traces)** | " + " | ".join(f"**{100 * mean_util(a):.1f}%** | | " for a in main) + " |")

variants = [a for a in allocators if a not in main]
print("\n### Variants: utilization and ratio to libc\n")
print("| trace | " + " | ".join(f"{a} util | ×libc" for a in variants) + " |")
print("|---|" + "---:|" * (2 * len(variants)))
for t in MDRIVER:
    cells = []
    for a in variants:
        r = replays[a].get(t)
        cells += [f"{100 * r['utilization']:.1f}%{status(r)}", f"{r['ratioToLibc']:.2f}×"] if r else ["—"] * 2
    print(f"| {t} | " + " | ".join(cells) + " |")
print("| **mean utilization (11 traces)** | " + " | ".join(f"**{100 * mean_util(a):.1f}%** | " for a in variants) + " |")

others = sorted({t for a in allocators for t in replays[a]} - set(MDRIVER))
if others:
    print("\nOther traces (not in mdriver's default list), utilization: " + "; ".join(
        t + " " + ", ".join(f"{a} {100 * replays[a][t]['utilization']:.1f}%" for a in main if t in replays[a]) for t in others))

print("\n### Footer elision on tail-sizes (sizes 1–8 bytes above a multiple of 16)\n")
print("| allocator | utilization | peak live requested | heap high-water | ops/s | ×libc |")
print("|---|---:|---:|---:|---:|---:|")
for a in ["boundary-tag", "boundary-tag:footers=all", "tlsf", "tlsf:footers=all"]:
    for r in rows(f"{out}/tail-{a}.json").values():
        print(f"| {a} | {100 * r['utilization']:.1f}%{status(r)} | {r['peakLiveRequested']:,} | {r['heapHighWater']:,} | "
              f"{r['opsPerSecond']:,.0f} | {r['ratioToLibc']:.2f}× |")

jmh = []
for f in ["jmh-bounded.json", "jmh-first-fit.json"]:
    if os.path.exists(f"{out}/{f}"):
        jmh += json.load(open(f"{out}/{f}"))
if jmh:
    res = {(b["params"]["allocator"], int(b["params"]["freeBlocks"])): b["primaryMetric"]["score"] for b in jmh}
    base = res.get(("tlsf", 1000))
    sizes = sorted({n for _, n in res})
    print("\n### malloc(100) + free with n free 80-byte blocks (JMH, ns per pair; ratio to tlsf at 1,000 in the same run)\n")
    print("| allocator | " + " | ".join(f"n = {n:,}" for n in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for a in ["tlsf", "boundary-tag", "boundary-tag:scan=0", "first-fit"]:
        cells = []
        for n in sizes:
            s = res.get((a, n))
            cells.append("—" if s is None else f"{s:,.0f} ns ({s / base:,.1f}×)" if base else f"{s:,.0f} ns")
        print(f"| {a} | " + " | ".join(cells) + " |")
PY
