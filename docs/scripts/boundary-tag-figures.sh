#!/usr/bin/env bash
# docs/scripts/boundary-tag-figures.sh — regenerates the figures of docs/boundary-tag.md and prints them as
# Markdown tables on stdout (raw JSON lines are kept in the output folder it names on stderr).
#
#   docs/scripts/boundary-tag-figures.sh [TRACE_DIR] [--out DIR] [--skip traces|tail|jmh]...
#
# TRACE_DIR defaults to ../shared/traces/malloclab. --out reuses (or fills) a results folder; --skip leaves a
# section's results as they are in it (so one section can be measured again and the tables printed from all). The whole script holds the machine-wide build lock
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
out=""
skip=" "
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift ;;
    --skip) skip="$skip$2 "; shift ;;
    *) traces="$1" ;;
  esac
  shift
done
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
[ -n "$out" ] || out="$(mktemp -d /tmp/boundary-tag-figures.XXXXXX)"
mkdir -p "$out"
echo "raw results in $out" >&2
run() { case "$skip" in *" $1 "*) return 1 ;; *) return 0 ;; esac; }

allocators=(first-fit boundary-tag boundary-tag:footers=all boundary-tag:fit=first boundary-tag:scan=0 tlsf tlsf:footers=all)
if run traces; then
  for a in "${allocators[@]}"; do
    echo "replaying the traces with $a ..." >&2
    ./jalloc replay "$traces" --allocator "$a" --check --baseline libc --json --min-time 500 > "$out/replay-$a.json" || true
  done
fi

if run tail; then
  ./jalloc gen --pattern tail-sizes --ops 100000 --seed 1 --out "$out/tail-sizes-1.rep" >&2
  for a in boundary-tag boundary-tag:footers=all tlsf tlsf:footers=all; do
    echo "replaying tail-sizes with $a ..." >&2
    # Three replays in one JVM, the best kept: a lone 100,000-op trace sometimes times a badly compiled JVM.
    t="$out/tail-sizes-1.rep"
    ./jalloc replay "$t" "$t" "$t" --allocator "$a" --check --baseline libc --json --min-time 500 > "$out/tail-$a.json" || true
  done
fi

if run jmh; then
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
    """One row per trace; of repeated replays of a trace the one with the most ops/s."""
    best = {}
    if os.path.exists(path):
        for r in (json.loads(l) for l in open(path) if l.startswith("{")):
            if r["trace"] not in best or r["opsPerSecond"] > best[r["trace"]]["opsPerSecond"]:
                best[r["trace"]] = r
    return best

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
