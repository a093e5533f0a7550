#!/usr/bin/env python3
"""Disassembles a C2-compiled method from a JVM log without hsdis (docs/performance.md, issue 22, single-owner pass).

Without the hsdis plugin, -XX:CompileCommand=print prints each compiled method's machine code as hex words; this
script collects the words of one C2 compilation and disassembles them with binutils' objdump, keeping the JVM's
comments (metadata, implicit exceptions, call kinds) beside the instructions.

  java -jar modules/bench/target/benchmarks.jar 'PairBenchmark.pair$' -f 1 -wi 3 -w 1s -i 1 -r 1s -p size=64 \
       -p subject=tlsf -jvmArgsAppend '-XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=quiet \
       -XX:CompileCommand=print,org.jalloc.core.spi.AbstractAllocator::free' > free.log
  python3 docs/scripts/disasm.py free.log AbstractAllocator::free        # the last C2 compile; add N for the Nth

The hot path of a fast-path method is the code from the entry to the first 'ret'.
"""
import os, re, subprocess, sys, tempfile
# usage: dis.py FILE METHOD_SUBSTR [nth]  -> disassembles the nth c2 compile of the method
txt = open(sys.argv[1]).read().split('\n')
want = sys.argv[2]; nth = int(sys.argv[3]) if len(sys.argv) > 3 else -1
starts = [i for i, l in enumerate(txt) if l.startswith('Compiled method (c2)') and want in l]
i = starts[nth]
mem = {}; comments = {}
for l in txt[i+1:]:
    if l.startswith('Compiled method') or l.startswith('[Stub Code]') or l.startswith('[Exception Handler]'): break
    m = re.match(r'\s*0x([0-9a-f]+): (.*)', l)
    if not m:
        if re.match(r'^\s+;', l) and comments: comments[last].append(l.strip())
        continue
    addr = int(m.group(1), 16); rest = m.group(2)
    if rest.startswith(';'):
        comments.setdefault(addr, []).append(rest.strip()); last = addr; continue
    hx = rest.replace('|', '').split()
    b = bytes.fromhex(''.join(hx))
    for k, v in enumerate(b): mem[addr + k] = v
lo = min(mem); hi = max(mem) + 1
buf = bytes(mem.get(a, 0x90) for a in range(lo, hi))
bin_path = os.path.join(tempfile.mkdtemp(), 'code.bin')
open(bin_path, 'wb').write(buf)
out = subprocess.run(['objdump', '-D', '-b', 'binary', '-mi386:x86-64', '-Mintel', f'--adjust-vma={lo}', bin_path], capture_output=True, text=True).stdout
print(txt[i])
for l in out.split('\n')[7:]:
    m = re.match(r'\s*([0-9a-f]+):', l)
    if m and int(m.group(1), 16) in comments:
        for c in comments[int(m.group(1), 16)]: print('        ' + c)
    print(l)
