package org.jalloc.stress.threadcache;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.List;

import org.jalloc.threadcache.ThreadCache;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * Span split and merge in the page heap racing page-map lookups. Four LARGE blocks of 75 pages, l1..l4, then a
 * small block; l1 and l3 are freed. One thread frees l2 (the page heap merges l1 + l2 + l3, remapping the shorter
 * spans' pages, the last of them next to l4's first page) and then allocates 100 pages (splitting the merged span).
 * The other thread looks up l4 and the small block through the page map (usableSize) at the same time: it must
 * always find their own spans.
 */
@JCStressTest
@Description("span split/merge in the page heap racing a lookup in the page map")
@Outcome(id = "FOUND, OK", expect = ACCEPTABLE, desc = "the lookups found the live blocks' spans; the heap checks clean")
@Outcome(expect = FORBIDDEN, desc = "a lookup found the wrong span or none, or the heap is corrupt")
@State
public class SpanSplitMergeLookupStress {
    private static final long BIG = 300 << 10;
    private final Fixture f = new Fixture(1);
    private final ThreadCache cache = f.cache();
    private final long l2;
    private final long l4;
    private final long small;
    private final long l4Usable;
    private final long smallUsable;
    private long q;
    private String lookups = "";

    public SpanSplitMergeLookupStress() {
        long l1 = f.allocator.malloc(cache, BIG);
        l2 = f.allocator.malloc(cache, BIG);
        long l3 = f.allocator.malloc(cache, BIG);
        l4 = f.allocator.malloc(cache, BIG);
        small = f.allocator.malloc(cache, 48);
        f.allocator.free(cache, l1);
        f.allocator.free(cache, l3);
        l4Usable = f.allocator.usableSize(l4);
        smallUsable = f.allocator.usableSize(small);
    }

    @Actor
    public void mergeThenSplit() {
        f.allocator.free(cache, l2);
        q = f.allocator.malloc(cache, 400 << 10);
    }

    @Actor
    public void lookUp() {
        boolean ok = true;
        for (int i = 0; i < 4; i++) {
            ok &= f.allocator.usableSize(l4) == l4Usable && f.allocator.usableSize(small) == smallUsable;
        }
        lookups = ok ? "FOUND" : "WRONG_SPAN";
    }

    @Arbiter
    public void arbiter(LL_Result r) {
        r.r1 = lookups;
        r.r2 = f.verdict(List.of(l4, small, q));
        f.recycle();
    }
}
