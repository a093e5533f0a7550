package org.jalloc.core;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.checkerframework.checker.nullness.qual.Nullable;

import org.jalloc.core.memory.Heap;
import org.jalloc.core.spi.AbstractAllocator;
import org.jalloc.core.spi.Observation;
import org.jalloc.core.walk.Inspection;

/**
 * Opt-in JMX: {@link #register} puts one read-only MBean per allocator on the platform MBean server under
 * {@code org.jalloc:type=Allocator,name=NAME}, so {@code jconsole}, VisualVM and any JMX exporter show its metrics.
 *
 * <p>Threads: a JMX client reads on its own thread, which must not walk a single owner's heap. So the MBean serves
 * the last snapshot an allocator's calling thread took; a read asks for a fresh one, which the allocator's next
 * {@code malloc}/{@code free} takes ({@code SnapshotAgeMillis} says how old the values are). {@link #register} takes
 * the first snapshot: call it from the thread that owns the allocator. {@code ResidentBytes} ({@code mincore}) is
 * read live.
 */
public final class AllocatorMBeans {
    private AllocatorMBeans() {}

    /** The JMX domain. */
    public static final String DOMAIN = "org.jalloc";

    /**
     * Registers the allocator's MBean; a second allocator with the same name gets {@code name=NAME#2}, and so on.
     *
     * @return its object name
     * @throws IllegalArgumentException if no jalloc allocator is found under the wrappers
     */
    public static ObjectName register(Allocator allocator) {
        AbstractAllocator engine = engine(allocator);
        Observation.takeSnapshot(engine);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (int n = 1; ; n++) {
            ObjectName name = nameFor(allocator.name() + (n == 1 ? "" : "#" + n));
            try {
                server.registerMBean(new Bean(engine), name);
                return name;
            } catch (InstanceAlreadyExistsException taken) {
                // try the next suffix
            } catch (JMException e) {
                throw new IllegalStateException("cannot register " + name + ": " + e.getMessage(), e);
            }
        }
    }

    /** Removes an MBean {@link #register} made; does nothing if it is gone already. */
    public static void unregister(ObjectName name) {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (InstanceNotFoundException gone) {
            // already unregistered
        } catch (JMException e) {
            throw new IllegalStateException("cannot unregister " + name + ": " + e.getMessage(), e);
        }
    }

    /** {@code org.jalloc:type=Allocator,name=NAME}, NAME quoted where it holds characters JMX reserves. */
    public static ObjectName nameFor(String allocatorName) {
        String v = allocatorName.matches("[A-Za-z0-9._#=-]*") && !allocatorName.contains("=") ? allocatorName : ObjectName.quote(allocatorName);
        try {
            return new ObjectName(DOMAIN + ":type=Allocator,name=" + v);
        } catch (JMException e) {
            throw new IllegalArgumentException("no JMX name for allocator " + allocatorName + ": " + e.getMessage(), e);
        }
    }

    private static AbstractAllocator engine(Allocator allocator) {
        return Observation.engine(allocator);
    }


    /** The read-only dynamic MBean: attributes fixed at registration from the first snapshot's metric names. */
    private static final class Bean implements DynamicMBean {
        private final AbstractAllocator allocator;
        private final MBeanInfo info;

        Bean(AbstractAllocator allocator) {
            this.allocator = allocator;
            List<MBeanAttributeInfo> attrs = new ArrayList<>();
            for (Map.Entry<String, Object> e : values(allocator).entrySet()) {
                attrs.add(new MBeanAttributeInfo(e.getKey(), e.getValue().getClass().getName(), describe(e.getKey()), true, false, false));
            }
            info = new MBeanInfo(Bean.class.getName(), "jalloc allocator " + allocator.name() + ": statistics (read-only)",
                    attrs.toArray(new MBeanAttributeInfo[0]), new javax.management.MBeanConstructorInfo[0],
                    new javax.management.MBeanOperationInfo[0], new javax.management.MBeanNotificationInfo[0]);
        }

        private static String describe(String name) {
            return switch (name) {
                case "SnapshotAgeMillis" -> "milliseconds since the allocator's calling thread took these values";
                case "ResidentBytes" -> "bytes of the heap mapping resident in memory now (mincore)";
                case "ReleasedBytes" -> "bytes given back to the OS with madvise so far";
                case "ExternalFragmentation" -> "1 - largest free block / free bytes";
                default -> name.contains(".") ? "allocator-specific: " + name : name;
            };
        }

        private static Map<String, Object> values(AbstractAllocator allocator) {
            AllocatorStats s = Observation.snapshot(allocator);
            Heap heap = Inspection.of(allocator).heap();
            Map<String, Object> m = StatsMetrics.of(s == null ? allocator.stats() : s, heap.releasedBytes());
            m.put("SnapshotAgeMillis", System.currentTimeMillis() - Observation.snapshotMillis(allocator));
            long resident;
            try {
                resident = heap.residentBytes();
            } catch (IllegalStateException closed) {
                resident = -1;
            }
            m.put("ResidentBytes", resident);
            return m;
        }

        @Override
        public Object getAttribute(String attribute) throws AttributeNotFoundException {
            Observation.requestSnapshot(allocator);
            Object v = values(allocator).get(attribute);
            if (v == null) {
                throw new AttributeNotFoundException("no attribute " + attribute + " on " + allocator.name());
            }
            return v;
        }

        @Override
        public AttributeList getAttributes(String[] attributes) {
            Observation.requestSnapshot(allocator);
            Map<String, Object> m = values(allocator);
            AttributeList list = new AttributeList();
            for (String a : attributes) {
                @Nullable Object v = m.get(a);
                if (v != null) {
                    list.add(new Attribute(a, v));
                }
            }
            return list;
        }

        @Override
        public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
            throw new AttributeNotFoundException(attribute.getName() + " is read-only");
        }

        @Override
        public AttributeList setAttributes(AttributeList attributes) {
            return new AttributeList();
        }

        @Override
        public Object invoke(String actionName, Object[] params, String[] signature) {
            throw new UnsupportedOperationException("no operations: the MBean is read-only");
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            return info;
        }
    }
}
