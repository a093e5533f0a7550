package org.jalloc.examples.buddyhello;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jalloc.buddy.BuddyAllocator;
import org.jalloc.buddy.BuddyMetric;
import org.jalloc.core.AllocatorStats;

/** Allocates from a buddy heap, writes through a segment, frees, and prints the statistics. */
public final class BuddyHello {
    private BuddyHello() {}

    public static void main(String[] args) {
        try (BuddyAllocator buddy = BuddyAllocator.create(1 << 20)) {
            long p = buddy.malloc(100);                       // a 128-byte block
            MemorySegment s = buddy.segment(p);
            s.setString(0, "hello from a buddy block");
            System.out.println(s.getString(0) + " at offset " + p + ", " + buddy.usableSize(p) + " usable bytes");
            long q = buddy.malloc(3000);
            s.set(ValueLayout.JAVA_LONG, 8 * 4, 42L);
            AllocatorStats live = buddy.stats();
            System.out.println("live: " + live.allocatedBlocks() + " blocks, " + live.liveGrantedBytes() + " bytes granted");
            buddy.free(p);
            buddy.free(q);
            AllocatorStats after = buddy.stats();
            BuddyMetric orders = after.metric(BuddyMetric.class).orElseThrow();
            System.out.println("after free: " + after.allocatedBlocks() + " blocks live, " + after.freeBytes() + " bytes free, "
                    + orders.merges() + " merges");
            System.out.print(orders.table());
        }
    }
}
