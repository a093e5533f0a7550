package org.jalloc.projecttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleDescriptor.Requires;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user who writes {@code requires org.jalloc.buddy;} can see (issue 16): the module descriptors of the built
 * jalloc modules (found on the test class path) and the public signatures of their unqualified exports.
 * <ul>
 *   <li>a user-facing module (core and every allocator module) exports unqualified only packages whose public
 *       signatures name no type of a package the user cannot read (javac's {@code -Xlint:exports}, as a test);</li>
 *   <li>core's {@code memory}, {@code walk}, {@code spi}, {@code nativeaccess}, {@code events} (JFR event classes),
 *       {@code debug}, {@code percpu}, {@code pagemap} and {@code shadow} (the checker's shadow model, {@code LiveBlocks})
 *       packages are exported only with {@code to};</li>
 *   <li>testkit's JUnit {@code contract} package is exported only to allocator and collector modules, its
 *       {@code fuzz} and {@code trace} tools to everyone.</li>
 * </ul>
 * Supertypes are not members: an allocator extends the SPI's {@code AbstractAllocator} (one engine behind two faces,
 * docs/architecture.md), and a user reaches what it inherits only through {@code org.jalloc.core.Allocator}; the
 * inspection face it also inherits ({@code heap()}, {@code heapWalk()}) is declared in packages users cannot read,
 * so user code calling it does not compile. Planted violations (a leaking signature, an unqualified internal export)
 * prove the checks can fail.
 */
class ExportsTest {
    static final List<String> USER_FACING = List.of("org.jalloc.core", "org.jalloc.freelist", "org.jalloc.boundarytag",
            "org.jalloc.buddy", "org.jalloc.slab", "org.jalloc.threadcache", "org.jalloc.dense", "org.jalloc.stack",
            "org.jalloc.gc");
    static final List<String> CORE_INTERNAL = List.of("org.jalloc.core.memory", "org.jalloc.core.walk",
            "org.jalloc.core.spi", "org.jalloc.core.nativeaccess", "org.jalloc.core.events", "org.jalloc.core.debug",
            "org.jalloc.core.percpu", "org.jalloc.core.pagemap", "org.jalloc.core.shadow");

    /** The jalloc modules on the class path (jars or target/classes), by name. */
    static Map<String, ModuleReference> modules() {
        Map<String, ModuleReference> found = new TreeMap<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            boolean ours = p.endsWith(Path.of("target", "classes")) || String.valueOf(p.getFileName()).startsWith("jalloc-");
            if (!ours || p.toString().contains("project-tests")) {
                continue;
            }
            try {
                for (ModuleReference ref : ModuleFinder.of(p).findAll()) {
                    if (ref.descriptor().name().startsWith("org.jalloc.")) {
                        found.putIfAbsent(ref.descriptor().name(), ref);
                    }
                }
            } catch (RuntimeException notAModule) {
                // an automatic-module name that cannot be derived: not ours
            }
        }
        return found;
    }

    /** The packages every reader of {@code module} can read: its unqualified exports and those of its transitive requires. */
    static Set<String> readable(ModuleDescriptor module, Map<String, ModuleDescriptor> all) {
        Set<String> packages = new HashSet<>();
        Set<String> seen = new HashSet<>();
        List<ModuleDescriptor> todo = new ArrayList<>(List.of(module));
        while (!todo.isEmpty()) {
            ModuleDescriptor d = todo.removeLast();
            if (!seen.add(d.name())) {
                continue;
            }
            d.exports().stream().filter(e -> !e.isQualified()).map(Exports::source).forEach(packages::add);
            for (Requires r : d.requires()) {
                if (r.modifiers().contains(Requires.Modifier.TRANSITIVE) && all.containsKey(r.name())) {
                    todo.add(all.get(r.name()));
                }
            }
        }
        return packages;
    }

    /**
     * Every public signature of the classes of {@code module}'s unqualified exports that names a type outside
     * {@code readable} and the platform, as "Class.member: type".
     */
    static List<String> leaks(ModuleDescriptor module, Set<String> readable, Function<String, List<Class<?>>> classesOf) {
        List<String> leaks = new ArrayList<>();
        for (Exports e : module.exports()) {
            if (e.isQualified()) {
                continue;
            }
            for (Class<?> c : classesOf.apply(e.source())) {
                if (!visible(c)) {
                    continue;
                }
                for (Method m : c.getDeclaredMethods()) {
                    if (api(m) && !m.isSynthetic() && !m.isBridge()) {
                        check(leaks, readable, c, m.getName() + "()", m.getGenericReturnType());
                        for (Type t : m.getGenericParameterTypes()) {
                            check(leaks, readable, c, m.getName() + "()", t);
                        }
                    }
                }
                for (Constructor<?> k : c.getDeclaredConstructors()) {
                    if (api(k) && !k.isSynthetic()) {
                        for (Type t : k.getGenericParameterTypes()) {
                            check(leaks, readable, c, "<init>", t);
                        }
                    }
                }
                for (Field f : c.getDeclaredFields()) {
                    if (api(f) && !f.isSynthetic()) {
                        check(leaks, readable, c, f.getName(), f.getGenericType());
                    }
                }
            }
        }
        return leaks;
    }

    private static boolean visible(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            if (!Modifier.isPublic(k.getModifiers())) {
                return false;
            }
        }
        return !c.isSynthetic() && !c.isAnonymousClass() && !c.isLocalClass();
    }

    private static boolean api(Member m) {
        int mod = m.getModifiers();
        return Modifier.isPublic(mod) || (Modifier.isProtected(mod) && !Modifier.isFinal(m.getDeclaringClass().getModifiers()));
    }

    private static void check(List<String> leaks, Set<String> readable, Class<?> owner, String where, Type type) {
        typesIn(type).forEach(t -> {
            String pkg = t.getPackageName();
            if (!pkg.startsWith("java.") && !pkg.startsWith("javax.") && !readable.contains(pkg)) {
                leaks.add(owner.getName() + "." + where + ": " + t.getName());
            }
        });
    }

    private static Stream<Class<?>> typesIn(Type type) {
        return switch (type) {
            case Class<?> c when c.isArray() -> typesIn(c.getComponentType());
            case Class<?> c when c.isPrimitive() -> Stream.empty();
            case Class<?> c -> Stream.of(c);
            case ParameterizedType p -> Stream.concat(typesIn(p.getRawType()), Arrays.stream(p.getActualTypeArguments()).flatMap(ExportsTest::typesIn));
            case WildcardType w -> Stream.concat(Arrays.stream(w.getUpperBounds()), Arrays.stream(w.getLowerBounds())).flatMap(ExportsTest::typesIn);
            case GenericArrayType g -> typesIn(g.getGenericComponentType());
            case TypeVariable<?> v -> Stream.empty(); // its bounds are checked where it is declared
            default -> Stream.empty();
        };
    }

    /** The classes of {@code pkg} inside module {@code ref}, loaded from the class path. */
    static List<Class<?>> classesOf(ModuleReference ref, String pkg) {
        String dir = pkg.replace('.', '/') + "/";
        try (ModuleReader reader = ref.open()) {
            return reader.list()
                    .filter(n -> n.startsWith(dir) && n.endsWith(".class") && n.indexOf('/', dir.length()) < 0)
                    .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
                    .filter(n -> !n.endsWith("package-info") && !n.endsWith("module-info"))
                    .<Class<?>>map(ExportsTest::load)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, ExportsTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(name + " is in the module but not on the test class path", e);
        }
    }

    @Test
    void userFacingModulesExportNoSignatureThatNamesAnInternalType() {
        Map<String, ModuleReference> refs = modules();
        assertTrue(refs.keySet().containsAll(USER_FACING), "built modules on the class path: " + refs.keySet());
        Map<String, ModuleDescriptor> all = new TreeMap<>();
        refs.forEach((n, r) -> all.put(n, r.descriptor()));
        List<String> leaks = new ArrayList<>();
        for (String name : USER_FACING) {
            ModuleReference ref = refs.get(name);
            leaks.addAll(leaks(ref.descriptor(), readable(ref.descriptor(), all), pkg -> classesOf(ref, pkg)));
        }
        assertEquals(List.of(), leaks, "public signatures of user-facing exports that name a type users cannot read");
    }

    /** The unqualified exports among {@code packages}. */
    static List<String> unqualified(ModuleDescriptor d, List<String> packages) {
        return d.exports().stream().filter(e -> !e.isQualified() && packages.contains(e.source())).map(Exports::source).toList();
    }

    @Test
    void coreExportsItsInternalPackagesOnlyToTheModulesThatNeedThem() {
        ModuleDescriptor core = modules().get("org.jalloc.core").descriptor();
        assertEquals(Set.copyOf(CORE_INTERNAL), core.exports().stream().filter(Exports::isQualified).map(Exports::source)
                .collect(java.util.stream.Collectors.toSet()));
        assertEquals(List.of(), unqualified(core, CORE_INTERNAL));
        Exports nativeAccess = core.exports().stream().filter(e -> e.source().equals("org.jalloc.core.nativeaccess"))
                .findFirst().orElseThrow();
        assertEquals(Set.of("org.jalloc.testkit", "org.jalloc.cli"), nativeAccess.targets(), "libc downcalls: testkit and cli only");
        for (String perThread : List.of("org.jalloc.core.percpu", "org.jalloc.core.pagemap")) {
            Exports e = core.exports().stream().filter(x -> x.source().equals(perThread)).findFirst().orElseThrow();
            assertEquals(Set.of("org.jalloc.slab", "org.jalloc.threadcache"), e.targets(), perThread + ": slab and thread-cache only");
        }
        Exports shadow = core.exports().stream().filter(x -> x.source().equals("org.jalloc.core.shadow")).findFirst().orElseThrow();
        assertEquals(Set.of("org.jalloc.check", "org.jalloc.testkit", "org.jalloc.gc", "org.jalloc.buddy", "org.jalloc.slab",
                "org.jalloc.threadcache", "org.jalloc.stack"), shadow.targets(), "LiveBlocks: the checker, the fuzzers, gc, and allocator tests that read shadows");
        for (String name : USER_FACING.subList(1, USER_FACING.size())) {
            ModuleDescriptor d = modules().get(name).descriptor();
            assertTrue(d.requires().stream().anyMatch(r -> r.name().equals("org.jalloc.core")
                    && r.modifiers().contains(Requires.Modifier.TRANSITIVE)), name + " requires transitive org.jalloc.core");
        }
    }

    @Test
    void testkitExportsItsJUnitContractsOnlyToAllocatorAndCollectorModules() {
        ModuleDescriptor testkit = modules().get("org.jalloc.testkit").descriptor();
        Exports contract = testkit.exports().stream().filter(e -> e.source().equals("org.jalloc.testkit.contract"))
                .findFirst().orElseThrow();
        assertTrue(contract.isQualified(), "contract is exported to: " + contract.targets());
        assertFalse(contract.targets().contains("org.jalloc.cli"));
        assertEquals(Set.of("org.jalloc.testkit.fuzz", "org.jalloc.testkit.trace"),
                Set.copyOf(unqualified(testkit, List.of("org.jalloc.testkit.fuzz", "org.jalloc.testkit.trace"))));
    }

    @Test
    void plantedViolationsAreFound() {
        String api = "org.jalloc.projecttests.plantedexports.api";
        String internal = "org.jalloc.projecttests.plantedexports.internal";
        ModuleDescriptor planted = ModuleDescriptor.newModule("planted").exports(api).packages(Set.of(internal)).build();
        List<String> leaks = leaks(planted, readable(planted, Map.of()), pkg -> pkg.equals(api)
                ? List.of(org.jalloc.projecttests.plantedexports.api.LeakyApi.class) : List.of());
        assertEquals(List.of(api + ".LeakyApi.internals(): " + internal + ".Internal"), leaks);
        ModuleDescriptor fixed = ModuleDescriptor.newModule("planted").exports(api).exports(internal).build();
        assertEquals(List.of(), leaks(fixed, readable(fixed, Map.of()), pkg -> pkg.equals(api)
                ? List.of(org.jalloc.projecttests.plantedexports.api.LeakyApi.class) : List.of()));
        ModuleDescriptor openCore = ModuleDescriptor.newModule("org.jalloc.core").exports("org.jalloc.core")
                .exports("org.jalloc.core.memory").exports(Set.of(), "org.jalloc.core.spi", Set.of("org.jalloc.cli"))
                .exports("org.jalloc.core.shadow").build();
        assertEquals(Set.of("org.jalloc.core.memory", "org.jalloc.core.shadow"), Set.copyOf(unqualified(openCore, CORE_INTERNAL)));
    }

    /** Compiles a user module that {@code requires org.jalloc.buddy;} with {@code body} in main; javac's exit code and output. */
    private static String compileUser(Path dir, String body) throws IOException {
        Path src = java.nio.file.Files.createDirectories(dir.resolve("src/user"));
        java.nio.file.Files.writeString(dir.resolve("src/module-info.java"), "module user { requires org.jalloc.buddy; }");
        java.nio.file.Files.writeString(src.resolve("Main.java"), "package user;\npublic class Main {\n"
                + "    public static void main(String[] args) {\n" + body + "\n    }\n}\n");
        String modulePath = String.join(java.io.File.pathSeparator, modules().values().stream()
                .map(r -> Path.of(r.location().orElseThrow()).toString()).toList());
        int exit = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", dir.resolve("out").toString(),
                "--module-path", modulePath, dir.resolve("src/module-info.java").toString(), src.resolve("Main.java").toString())
                == 0 ? 0 : 1;
        return exit + (exit == 0 ? "" : ": see javac's output above");
    }

    @Test
    void aUserOfOneModuleReachesTheApiButNotTheInspectionFace(@TempDir Path dir) throws IOException {
        assertEquals("0", compileUser(dir.resolve("good"), """
                try (org.jalloc.buddy.BuddyAllocator b = org.jalloc.buddy.BuddyAllocator.create(1 << 20)) {
                    long p = b.malloc(100);
                    b.segment(p).set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 1);
                    b.free(p);
                    System.out.println(b.stats().metric(org.jalloc.buddy.BuddyMetric.class).orElseThrow().merges());
                }
                try (org.jalloc.buddy.PageAllocator pages = org.jalloc.buddy.PageAllocator.create(1 << 20)) {
                    pages.freePages(pages.allocPages(1), 1);
                }"""), "the user API through requires org.jalloc.buddy alone");
        for (String leak : List.of("var h = org.jalloc.buddy.BuddyAllocator.create(1 << 20).heap();",
                "var w = org.jalloc.buddy.BuddyAllocator.create(1 << 20).heapWalk();",
                "org.jalloc.core.memory.Heap h = null;",
                "var i = org.jalloc.core.walk.Inspection.of(org.jalloc.buddy.BuddyAllocator.create(1 << 20));",
                "long a = org.jalloc.core.nativeaccess.Libc.malloc(16);",
                "var shadow = new org.jalloc.core.shadow.LiveBlocks();",
                "Object pages = new org.jalloc.buddy.pages.BuddyPages(null);")) {
            assertEquals("1: see javac's output above", compileUser(dir.resolve("leak" + leak.hashCode()), leak),
                    "a user module must not compile: " + leak);
        }
    }
}
