import re,sys
# usage: python3 docs/scripts/jit-sizes.py LOG.xml ... (from docs/scripts/jit-sizes.sh) : C2 sizes (insts bytes = stub_offset - insts_offset) of AbstractAllocator free/malloc
# and the inlining decisions for free/malloc inside the JMH stub's compiles
WANT=('AbstractAllocator free','AbstractAllocator malloc','AbstractAllocator checkedFree','BoundaryTagAllocator release','BoundaryTagAllocator deallocate','BoundaryTagAllocator allocate','BoundaryTagAllocator deallocateIfUsable')
for f in sys.argv[1:]:
    txt=open(f,errors='replace').read()
    print('==',f.split('/')[-1])
    for m in re.finditer(r"<nmethod compile_id='(\d+)' compiler='c2' level='4'[^>]*?insts_offset='(\d+)' stub_offset='(\d+)'[^>]*?method='([^']*)'[^>]*?stamp='([\d.]+)'",txt):
        cid,io,so,meth,st=m.groups()
        if any(w in meth for w in WANT) or 'jmhStub' in meth:
            osr = 'osr' if "compile_kind='osr'" in m.group(0) else ''
            print(f"  c2 {cid:>5} t={st:>6} insts={int(so)-int(io):>5} {meth.split(' ')[0].split('.')[-1]}.{meth.split(' ')[1]} {osr}")
    # inlining inside jmhStub tasks
    for t in re.finditer(r"<task compile_id='(\d+)'[^>]*method='([^']*jmhStub[^']*)'[^>]*>(.*?)</task>",txt,re.S):
        cid,meth,body=t.groups()
        methods={mm.group(1):mm.group(0) for mm in re.finditer(r"<method id='(\d+)'[^>]*/>",body)}
        klass={mm.group(1):mm.group(2) for mm in re.finditer(r"<klass id='(\d+)' name='([^']*)'",body)}
        out=[]; last=None
        for line in body.split('\n'):
            c=re.match(r"<call method='(\d+)'",line)
            if c: last=c.group(1); continue
            r=re.match(r"<(inline_success|inline_fail)( reason='([^']*)')?",line)
            if r and last:
                md=methods.get(last,'')
                name=re.search(r"name='([^']*)'",md); h=re.search(r"holder='(\d+)'",md)
                n=name.group(1) if name else '?'; hn=klass.get(h.group(1),'?') if h else '?'
                if n in ('free','malloc') and 'AbstractAllocator' in hn:
                    out.append(f"{n}:{r.group(1)[7:]}({r.group(3)})")
                last=None
        if out:
            print(f"  stub task {cid}: "+', '.join(out))
