#!/usr/bin/env bash
# docs/scripts/buddy-figures.sh — regenerates the figures of docs/buddy.md and prints them as Markdown tables.
#
#   docs/scripts/buddy-figures.sh            # utilization, ops/s vs libc, internal fragmentation (~3 minutes)
#   docs/scripts/buddy-figures.sh --bench    # and the JMH benchmarks (another ~3 minutes)
#
# On a shared machine run it under the build lock: flock /tmp/jalloc-mvn.lock docs/scripts/buddy-figures.sh
# Needs python3 (for JSON and tables) and the malloc-lab traces in ../shared/traces/malloclab.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
traces="${JALLOC_TRACES:-../shared/traces/malloclab}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "## Figures from docs/scripts/buddy-figures.sh ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m))"
echo

# 1. Utilization and throughput against libc, buddy next to first-fit, same run conditions.
for a in buddy first-fit; do
  ./jalloc replay "$traces" --allocator "$a" --baseline libc --json > "$out/replay-$a.json"
done

# 2. Internal fragmentation at each trace's peak (live requested vs live granted bytes) and over all allocations.
for f in "$traces"/*.rep; do
  ./jalloc stats --allocator buddy --trace "$f" --json >> "$out/stats-traces.json"
done

# 3. Uniform size distributions: 20,000 allocations, a random live set of about 2,000 blocks.
python3 - "$out" <<'EOF'
import random, sys
out = sys.argv[1]
for name, lo, hi in [("uniform-1-1000", 1, 1000), ("uniform-1-4096", 1, 4096), ("uniform-16-65536", 16, 65536)]:
    r = random.Random(20240501)
    ops, live, next_id = [], [], 0
    while len([o for o in ops if o[0] == "a"]) < 20000:
        if live and (len(live) >= 2000 or r.random() < 0.3):
            ops.append(("f", live.pop(r.randrange(len(live)))))
        else:
            ops.append(("a", next_id, r.randint(lo, hi)))
            live.append(next_id)
            next_id += 1
    ops += [("f", i) for i in live]
    with open(f"{out}/{name}.rep", "w") as w:
        w.write(f"0\n{next_id}\n{len(ops)}\n1\n")
        for o in ops:
            w.write(" ".join(map(str, o)) + "\n")
EOF
for f in "$out"/uniform-*.rep; do
  ./jalloc stats --allocator buddy --trace "$f" --json --heap 1G >> "$out/stats-uniform.json"
done

python3 - "$out" <<'EOF'
import json, sys
out = sys.argv[1]
def lines(p):
    return [json.loads(l) for l in open(p) if l.startswith("{")]
replay = {a: {r["trace"]: r for r in lines(f"{out}/replay-{a}.json")} for a in ("buddy", "first-fit")}
mdriver = ["amptjp-bal.rep", "cccp-bal.rep", "cp-decl-bal.rep", "expr-bal.rep", "coalescing-bal.rep", "random-bal.rep",
           "random2-bal.rep", "binary-bal.rep", "binary2-bal.rep", "realloc-bal.rep", "realloc2-bal.rep"]
print("### Utilization and throughput (`./jalloc replay <traces> --allocator A --baseline libc --json`)\n")
print("| trace | buddy util | first-fit util | buddy ops/s | buddy / libc | first-fit ops/s | first-fit / libc |")
print("|---|---:|---:|---:|---:|---:|---:|")
for t in sorted(replay["buddy"]):
    b, f = replay["buddy"][t], replay["first-fit"].get(t, {})
    print(f"| {t} | {100*b['utilization']:.1f}% | {100*f.get('utilization',0):.1f}% | {b['opsPerSecond']:,.0f} | "
          f"{b.get('ratioToLibc',0):.2f}x | {f.get('opsPerSecond',0):,.0f} | {f.get('ratioToLibc',0):.2f}x |")
for a in ("buddy", "first-fit"):
    mean = sum(replay[a][t]["utilization"] for t in mdriver) / len(mdriver)
    print(f"\nmean utilization over mdriver's eleven default traces, {a}: {100*mean:.1f}%", end="")
print("\n")
print("### Internal fragmentation on the malloc-lab traces (`./jalloc stats --allocator buddy --trace T --json`)\n")
print("At the trace's peak: `1 - live requested / live granted`; over all allocations: `1 - requested / granted` summed")
print("over every malloc/realloc of the run up to the peak.\n")
print("| trace | live requested | live granted | internal frag. at peak | over all allocations |")
print("|---|---:|---:|---:|---:|")
def frag_rows(path):
    for s in lines(path):
        req, gr = s["liveRequestedBytes"], s["liveGrantedBytes"]
        allfrag = s["sections"]["buddy"]["internalFragmentation"]
        print(f"| {s['trace']} | {req:,} | {gr:,} | {100*(1-req/gr) if gr else 0:.1f}% | {100*allfrag:.1f}% |")
frag_rows(f"{out}/stats-traces.json")
print("\n### Internal fragmentation on uniform size distributions (20,000 allocations, ~2,000 live)\n")
print("| sizes | live requested | live granted | internal frag. at peak | over all allocations |")
print("|---|---:|---:|---:|---:|")
frag_rows(f"{out}/stats-uniform.json")
EOF

if [ "${1:-}" = "--bench" ]; then
  JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
  ./mvnw -q -B -DskipTests -pl modules/bench -am package
  "$JAVA" -jar modules/bench/target/benchmarks.jar 'BuddyLiveBlocksBenchmark|BuddyOrderBenchmark' -rf json -rff "$out/jmh.json" > "$out/jmh.log"
  python3 - "$out" <<'EOF'
import json, sys
out = sys.argv[1]
res = json.load(open(f"{out}/jmh.json"))
live = {}
order = {}
for r in res:
    name = r["benchmark"].rsplit(".", 1)[1]
    score, err = r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"]
    if "LiveBlocks" in r["benchmark"]:
        live.setdefault(name, {})[int(r["params"]["live"])] = (score, err)
    else:
        order[int(r["params"]["order"])] = (score, err)
print("\n### Minimum-block malloc + free with N live 16-byte blocks (JMH `BuddyLiveBlocksBenchmark`, ns per pair)\n")
print("| N | " + " | ".join(sorted(live)) + " |")
print("|---:|" + "---:|" * len(live))
for n in sorted(next(iter(live.values()))):
    print(f"| {n:,} | " + " | ".join(f"{live[b][n][0]:.1f} ± {live[b][n][1]:.1f}" for b in sorted(live)) + " |")
for b in sorted(live):
    ns = sorted(live[b])
    print(f"\n{b}: ratio {ns[-1]:,} / {ns[0]:,} live = {live[b][ns[-1]][0] / live[b][ns[0]][0]:.2f}x", end="")
print("\n\n### allocPages(k) + freePages when the only free block is a 4 MiB top block (JMH `BuddyOrderBenchmark`, ns per pair)\n")
print("| order k | block | splits = merges | ns per pair | ratio to order 10 |")
print("|---:|---:|---:|---:|---:|")
for k in sorted(order):
    print(f"| {k} | {4 << k} KiB | {10 - k} | {order[k][0]:.1f} ± {order[k][1]:.1f} | {order[k][0] / order[10][0]:.2f}x |")
EOF
fi
