import re,sys
# usage: python3 docs/scripts/jit-traps.py PRINT.txt [v]  -- PRINT.txt: one method's [MachCode] block from -XX:CompileCommand=print; counts its uncommon-trap stubs by the jalloc frame (v: by innermost bytecode too)
# per uncommon trap: innermost frame + the jalloc frame nearest inside; plus the code span
txt=open(sys.argv[1]).read().split('\n')
res=[]
for i,l in enumerate(txt):
    if 'runtime_call UncommonTrapBlob' in l:
        j=i+1
        while j<len(txt) and 'ImmutableOopMap' not in txt[j]: j+=1
        bc=txt[j+1].strip().split(' ')[0] if j+1<len(txt) else ''
        frames=[]
        k=j+2
        while k<len(txt) and txt[k].strip().startswith('; -'):
            frames.append(txt[k].strip()[4:].replace('(reexecute) ',''))
            k+=1
        inner=frames[0] if frames else '?'
        jal=[f for f in frames if 'org.jalloc' in f]
        res.append((bc, inner.split(' (')[0], jal[0].split(' (')[0] if jal else '?'))
from collections import Counter
c=Counter(((r[0]+" "+r[1]+" <- "+r[2]) if len(sys.argv)>2 else r[2]) for r in res)
for k,v in c.most_common(): print(f"{v:3} {k}")
print('total',len(res))
