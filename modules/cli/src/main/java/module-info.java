/**
 * jalloc cli: {@code ./jalloc} and its subcommands. The allocators are found through the provider SPI, so every
 * allocator module on the module path is available by name.
 */
module org.jalloc.cli {
    requires static org.checkerframework.checker.qual;
    requires org.jalloc.core;
    requires org.jalloc.check;
    requires org.jalloc.testkit;
    requires org.jalloc.gc;
    requires info.picocli;
    // testkit's json package writes the --json lines with Jackson (testkit requires it only statically).
    requires com.fasterxml.jackson.databind;
    requires java.desktop;
    requires jdk.management; // check-rate: the Java heap a check allocates

    opens org.jalloc.cli to info.picocli;

    uses org.jalloc.core.spi.AllocatorProvider;
}
