package org.jalloc.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

import javax.management.Attribute;
import javax.management.AttributeNotFoundException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.jalloc.core.memory.Heap;
import org.junit.jupiter.api.Test;

/** Issue 25: the opt-in allocator MBean, read through the platform MBean server as jconsole would. */
class AllocatorMBeansTest {
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void registeredAllocatorShowsItsStatisticsReadOnly() throws Exception {
        try (Heap heap = Heap.reserve(16L << 20)) {
            BumpAllocator a = new BumpAllocator(heap);
            long p = a.malloc(1000);
            ObjectName name = AllocatorMBeans.register(Allocators.synchronizedAllocator(a));
            try {
                assertEquals("org.jalloc", name.getDomain());
                assertEquals("Allocator", name.getKeyProperty("type"));
                assertEquals("bump", name.getKeyProperty("name"));
                assertTrue(server.isRegistered(name));
                assertEquals("bump", server.getAttribute(name, "Allocator"));
                assertEquals(1L, server.getAttribute(name, "AllocatedBlocks"));
                assertEquals(1008L, server.getAttribute(name, "LiveGrantedBytes"));
                assertEquals(a.stats().heapBytes(), server.getAttribute(name, "HeapBytes"));
                assertTrue((Long) server.getAttribute(name, "ResidentBytes") >= 0);
                // the read asked for a fresh snapshot: the allocator's next call takes it
                a.malloc(2000);
                assertEquals(2L, server.getAttribute(name, "AllocatedBlocks"));
                a.free(p);
                assertEquals(1L, server.getAttribute(name, "AllocatedBlocks"));
                for (MBeanAttributeInfo i : server.getMBeanInfo(name).getAttributes()) {
                    assertTrue(i.isReadable() && !i.isWritable(), i.getName() + " is read-only");
                }
                assertThrows(AttributeNotFoundException.class, () -> server.setAttribute(name, new Attribute("HeapBytes", 1L)));
                assertThrows(AttributeNotFoundException.class, () -> server.getAttribute(name, "NoSuchMetric"));
                ObjectName second = AllocatorMBeans.register(a);
                assertEquals("bump#2", second.getKeyProperty("name"), "a second allocator of the same name");
                AllocatorMBeans.unregister(second);
            } finally {
                AllocatorMBeans.unregister(name);
            }
            assertFalse(server.isRegistered(name));
            AllocatorMBeans.unregister(name); // idempotent
        }
    }

    @Test
    void namesWithOptionsAreQuoted() {
        ObjectName n = AllocatorMBeans.nameFor("first-fit:list=lifo,coalesce=deferred");
        assertEquals("\"first-fit:list=lifo,coalesce=deferred\"", n.getKeyProperty("name"));
        assertEquals("first-fit", AllocatorMBeans.nameFor("first-fit").getKeyProperty("name"));
    }
}
