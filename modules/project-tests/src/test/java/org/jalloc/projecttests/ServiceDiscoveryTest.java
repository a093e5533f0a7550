package org.jalloc.projecttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.jalloc.core.Allocator;
import org.jalloc.core.Allocators;
import org.jalloc.core.spi.AllocatorType;
import org.junit.jupiter.api.Test;

/**
 * {@link Allocators#create} finds every allocator on the class path (through {@code META-INF/services} files) and on
 * the module path (through {@code provides} in {@code module-info.java}), so the two must list the same providers.
 *
 * <p>This module's tests run on the class path, which is the first case as is. The second builds a module layer, in
 * this JVM, from the jalloc modules on the class path (exploded {@code target/classes} or jars, each with its
 * {@code module-info.class}), resolved from {@code org.jalloc.core} with service binding, so only {@code provides}
 * can bring the allocator modules in; no child JVM, no path guessing.
 */
class ServiceDiscoveryTest {
    private static final Path ROOT = Path.of(System.getProperty("jalloc.root", "../..")).toAbsolutePath().normalize();
    private static final String SERVICE = "org.jalloc.core.spi.AllocatorProvider";
    private static final Pattern PROVIDES = Pattern.compile("provides\\s+([\\w.]+)\\s+with\\s+([\\w.,\\s]+);");

    @Test
    void everyProviderInAModuleInfoIsListedInItsServiceFile() throws IOException {
        List<Path> infos;
        try (Stream<Path> modules = Files.list(ROOT.resolve("modules"))) {
            infos = modules.map(m -> m.resolve("src/main/java/module-info.java")).filter(Files::isRegularFile).sorted().toList();
        }
        int providers = 0;
        for (Path info : infos) {
            Matcher m = PROVIDES.matcher(Files.readString(info));
            while (m.find()) {
                Path file = info.getParent().getParent().resolve("resources/META-INF/services/" + m.group(1));
                assertTrue(Files.isRegularFile(file), "missing " + ROOT.relativize(file) + " beside " + ROOT.relativize(info));
                List<String> listed = Files.readAllLines(file).stream().map(l -> l.replaceAll("#.*", "").trim())
                        .filter(l -> !l.isEmpty()).toList();
                for (String impl : m.group(2).split(",")) {
                    assertTrue(listed.contains(impl.trim()), ROOT.relativize(file) + " does not list " + impl.trim());
                    providers++;
                }
            }
        }
        assertTrue(providers >= Allocators.CANONICAL_ORDER.size() / 2, "found only " + providers + " providers in " + infos);
    }

    @Test
    void everyAllocatorIsFoundAndWorksOnTheClassPath() {
        assertFalse(Allocators.class.getModule().isNamed(), "this test must run on the class path");
        List<String> names = Allocators.types().stream().map(AllocatorType::name).toList();
        assertTrue(names.containsAll(Allocators.CANONICAL_ORDER), "found " + names);
        for (String name : Allocators.CANONICAL_ORDER) {
            try (Allocator a = Allocators.create(name, 1 << 20)) {
                long p = a.malloc(100);
                assertNotEquals(0, p, name);
                a.free(p);
            }
        }
    }

    @Test
    void everyAllocatorIsFoundAndWorksOnTheModulePath() throws Exception {
        List<Path> modular = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            boolean candidate = Files.isDirectory(p) ? Files.isRegularFile(p.resolve("module-info.class")) : entry.endsWith(".jar");
            if (candidate && ModuleFinder.of(p).findAll().stream().map(ModuleReference::descriptor)
                    .anyMatch(d -> !d.isAutomatic() && d.name().startsWith("org.jalloc."))) {
                modular.add(p);
            }
        }
        ModuleFinder finder = ModuleFinder.of(modular.toArray(Path[]::new));
        Configuration cf = Configuration.resolveAndBind(finder, List.of(ModuleLayer.boot().configuration()), ModuleFinder.of(),
                Set.of("org.jalloc.core"));
        ModuleLayer.Controller controller = ModuleLayer.defineModulesWithOneLoader(cf, List.of(ModuleLayer.boot()),
                ClassLoader.getPlatformClassLoader());
        ModuleLayer layer = controller.layer();
        Module core = layer.findModule("org.jalloc.core").orElseThrow();
        controller.enableNativeAccess(core);

        Class<?> allocators = core.getClassLoader().loadClass("org.jalloc.core.Allocators");
        Class<?> allocator = core.getClassLoader().loadClass("org.jalloc.core.Allocator");
        assertTrue(allocators.getModule().isNamed(), "the layer's Allocators is in a named module");
        assertNotEquals(Allocators.class, allocators);
        List<String> names = new ArrayList<>();
        for (Object type : (List<?>) allocators.getMethod("types").invoke(null)) {
            names.add((String) type.getClass().getMethod("name").invoke(type));
        }
        assertEquals(Allocators.CANONICAL_ORDER, names.subList(0, Math.min(names.size(), Allocators.CANONICAL_ORDER.size())),
                "providers bound through module-info: " + names + " from " + modular);
        Method create = allocators.getMethod("create", String.class, long.class);
        Method malloc = allocator.getMethod("malloc", long.class);
        Method free = allocator.getMethod("free", long.class);
        Method close = allocator.getMethod("close");
        for (String name : Allocators.CANONICAL_ORDER) {
            Object a = create.invoke(null, name, 1L << 20);
            assertTrue(a.getClass().getModule().isNamed() && a.getClass().getModule().getLayer() == layer, name);
            long p = (long) malloc.invoke(a, 100L);
            assertNotEquals(0, p, name);
            free.invoke(a, p);
            close.invoke(a);
        }
    }
}
