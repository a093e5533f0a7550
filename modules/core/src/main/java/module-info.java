/**
 * jalloc core: the {@link org.jalloc.core.Allocator} API over off-heap memory (what users call), misuse exceptions,
 * the statistics schema with typed metrics, and — exported only to the modules that need them — the
 * {@link org.jalloc.core.memory.Heap} with its logical break, the provider SPI and the implementor's base classes
 * ({@code org.jalloc.core.spi}), the block-walk SPI and the inspection face the checker and the tools use
 * ({@code org.jalloc.core.walk}), the shadow model of live blocks the checker and the fuzzers keep
 * ({@code org.jalloc.core.shadow}), the libc downcalls ({@code org.jalloc.core.nativeaccess}) and the JFR event classes
 * allocators commit ({@code org.jalloc.core.events}; users switch events on with {@code AllocatorEvents} and read
 * recordings, and register MBeans with {@code AllocatorMBeans}).
 *
 * <p>Who reads what (docs/architecture.md, "Packages and exports"): allocator and collector modules and the tools
 * (check, testkit, cli) read {@code memory}, {@code spi} and {@code walk}; only testkit and cli read
 * {@code nativeaccess}; check, testkit and gc read {@code shadow}; {@code events} goes to the allocator modules, the tools and {@code jdk.jfr}. Benchmarks and stress tests run on the class path, where qualified exports do not apply.
 * javac warns (-Xlint:module) about a qualified export to a module it cannot see while compiling core: every module
 * listed below is built after core, so those warnings are expected and harmless.
 */
module org.jalloc.core {
    requires static org.checkerframework.checker.qual;
    requires jdk.jfr;
    requires java.management;

    exports org.jalloc.core;
    exports org.jalloc.core.memory to
            org.jalloc.freelist, org.jalloc.boundarytag, org.jalloc.buddy, org.jalloc.slab, org.jalloc.threadcache,
            org.jalloc.gc, org.jalloc.stack, org.jalloc.dense,
            org.jalloc.check, org.jalloc.testkit, org.jalloc.cli;
    exports org.jalloc.core.walk to
            org.jalloc.freelist, org.jalloc.boundarytag, org.jalloc.buddy, org.jalloc.slab, org.jalloc.threadcache,
            org.jalloc.gc, org.jalloc.stack, org.jalloc.dense,
            org.jalloc.check, org.jalloc.testkit, org.jalloc.cli;
    exports org.jalloc.core.spi to
            org.jalloc.freelist, org.jalloc.boundarytag, org.jalloc.buddy, org.jalloc.slab, org.jalloc.threadcache,
            org.jalloc.gc, org.jalloc.stack, org.jalloc.dense,
            org.jalloc.check, org.jalloc.testkit, org.jalloc.cli;
    // The debug layer (debug=FZPU, leaks=LEVEL in any spec): users reach it through specs; tools see its type.
    exports org.jalloc.core.debug to org.jalloc.check, org.jalloc.testkit, org.jalloc.cli, org.jalloc.stack;
    exports org.jalloc.core.nativeaccess to org.jalloc.testkit, org.jalloc.cli;
    // JFR event classes: allocators commit them from their slow paths; users read recordings, not these classes.
    exports org.jalloc.core.events to
            jdk.jfr,
            org.jalloc.freelist, org.jalloc.boundarytag, org.jalloc.buddy, org.jalloc.slab, org.jalloc.threadcache,
            org.jalloc.gc, org.jalloc.stack, org.jalloc.dense,
            org.jalloc.check, org.jalloc.testkit, org.jalloc.cli;
    // The shadow model of live blocks (LiveBlocks): the checker's and the fuzzers' (check, testkit), core's tracking
    // wrapper and gc's object index and side tables. The allocator modules listed read it only in their tests (which
    // run patched into them): their own fuzzers' shadows and CheckedAllocator.live().
    exports org.jalloc.core.shadow to
            org.jalloc.check, org.jalloc.testkit, org.jalloc.gc,
            org.jalloc.buddy, org.jalloc.slab, org.jalloc.threadcache, org.jalloc.stack;
    // Internal machinery of the allocators with per-thread records, not user API: qualified, so users never see it.
    exports org.jalloc.core.percpu to org.jalloc.slab, org.jalloc.threadcache;
    exports org.jalloc.core.pagemap to org.jalloc.slab, org.jalloc.threadcache;

    uses org.jalloc.core.spi.AllocatorProvider;
}
