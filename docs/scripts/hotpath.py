#!/usr/bin/env python3
"""Counts the instructions on the hot path of a JMH stub's loop, from disasm.py's output (docs/thread-cache.md, issue 22,
"the explicit handle's fast path, instruction by instruction").

  python3 docs/scripts/disasm.py stub.log pair_avgt_jmhStub > stub.asm
  python3 docs/scripts/hotpath.py stub.asm          # the counts;  add 'x' to print the path

The path starts at the head of the innermost loop holding the safepoint poll (the shortest path from a backward branch's
target that reaches the poll) and follows fall-through and unconditional jumps; every conditional branch is taken as
not taken (C2 lays out-of-line code, the rare cases, behind them), up to the branch back to the head.
"""
import re, sys
ins = []; idx = {}
for l in open(sys.argv[1]).read().split('\n'):
    m = re.match(r'\s+([0-9a-f]+):\t([0-9a-f ]+)\t(.*)', l)
    if m:
        a = int(m.group(1), 16); idx[a] = len(ins); ins.append((a, m.group(3).strip()))
heads = [int(m.group(2), 16) for a, t in ins
         for m in [re.match(r'(j\w+)\s+0x([0-9a-f]+)$', t)] if m and int(m.group(2), 16) < a and int(m.group(2), 16) in idx]

def walk(h):
    k = idx[h]; out = []; seen = set()
    while len(out) < 600:
        a, t = ins[k]
        if a in seen: break
        seen.add(a); out.append((a, t))
        m = re.match(r'(j\w+)\s+0x([0-9a-f]+)$', t)
        if m:
            tgt = int(m.group(2), 16)
            if tgt == h or (m.group(1) == 'jmp' and tgt not in idx): break
            if m.group(1) == 'jmp':
                k = idx[tgt]; continue
        if t.startswith('ret'): break
        k += 1
    return out

best = None
for h in heads:
    p = walk(h)
    if any(re.search(r'test\s+DWORD PTR \[r\w+\],eax', t) for _, t in p) and (best is None or len(p) < len(best[1])):
        best = (h, p)
h, p = best
loads = sum(1 for _, t in p if re.search(r'(mov|movzx|movsx|movsxd|add|sub|cmp)\s+\w+,\s*(QWORD|DWORD|BYTE)? ?PTR \[', t))
stores = sum(1 for _, t in p if re.match(r'mov\s+(QWORD|DWORD|BYTE) PTR', t))
branches = sum(1 for _, t in p if re.match(r'j(?!mp)', t))
print(f"head {hex(h)} path instructions {len(p)} loads {loads} stores {stores} cond branches {branches}")
if len(sys.argv) > 2:
    for a, t in p: print(hex(a), t)
