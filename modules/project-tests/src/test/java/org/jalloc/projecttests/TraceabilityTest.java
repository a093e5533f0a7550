package org.jalloc.projecttests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Traceability between {@code spec/invariants.md} and the code: every catalogued ID has enforcing code (a method
 * annotated {@code @Enforces} with the ID, named in the "Enforced by" column), a breaking test (a test method named
 * in the "Broken by" column that exists), and, where the "Model" column names one, an Alloy assertion that a
 * {@code check} command runs; and no code names an ID the catalogue lacks.
 *
 * <p>Column references are {@code Class#method}, {@code Outer.Inner#method} or {@code #method} (the class of the
 * previous reference), and {@code file.als#assertion} for models.
 */
class TraceabilityTest {
    private static final Pattern ROW = Pattern.compile("^\\| ([A-Z]+-\\d+) \\|");
    private static final Pattern REF = Pattern.compile("`((?:[A-Z][\\w]*(?:\\.[A-Z]\\w*)*)?)#(\\w+)`");
    private static final Pattern MODEL = Pattern.compile("`(\\w+\\.als)#(\\w+)`");
    private static final Pattern ENFORCES = Pattern.compile("@Enforces\\(\\s*(\\{[^}]*\\}|[^)]*)\\)");
    private static final Pattern ID_LITERAL = Pattern.compile("\"([A-Z]{2,6}-\\d{1,3})\"");
    private static final Pattern CONSTANT = Pattern.compile("Invariants\\.([A-Z]+)_(\\d+)");
    /** String literals that look like IDs but are not. */
    private static final Set<String> NOT_IDS = Set.of("UTF-8");

    record Entry(String id, List<String[]> enforcedBy, List<String[]> brokenBy, List<String[]> models) {}

    private static final Path ROOT = Path.of(System.getProperty("jalloc.root", "../..")).toAbsolutePath().normalize();

    static Map<String, Entry> catalogue() throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (String line : Files.readAllLines(ROOT.resolve("spec/invariants.md"))) {
            Matcher m = ROW.matcher(line);
            if (!m.find()) {
                continue;
            }
            String[] cells = line.split("(?<!\\\\)\\|", -1); // a formula may hold escaped pipes
            assertTrue(cells.length >= 8, "row " + m.group(1) + " needs 6 columns: " + line);
            String id = m.group(1);
            assertFalse(entries.containsKey(id), id + " is catalogued twice");
            entries.put(id, new Entry(id, refs(cells[4]), refs(cells[5]), models(cells[6])));
        }
        return entries;
    }

    private static List<String[]> refs(String cell) {
        List<String[]> out = new ArrayList<>();
        String cls = "";
        Matcher m = REF.matcher(cell);
        while (m.find()) {
            if (!m.group(1).isEmpty()) {
                cls = m.group(1);
            }
            out.add(new String[] {cls, m.group(2)});
        }
        return out;
    }

    private static List<String[]> models(String cell) {
        List<String[]> out = new ArrayList<>();
        Matcher m = MODEL.matcher(cell);
        while (m.find()) {
            out.add(new String[] {m.group(1), m.group(2)});
        }
        return out;
    }

    /** Java sources under every module's {@code src/<kind>/java} (and stress-tests). */
    static List<Path> sources(String kind) throws IOException {
        List<Path> roots = new ArrayList<>();
        try (Stream<Path> s = Files.list(ROOT.resolve("modules"))) {
            s.map(m -> m.resolve("src/" + kind + "/java")).filter(Files::isDirectory).forEach(roots::add);
        }
        Path stress = ROOT.resolve("stress-tests/src/" + kind + "/java");
        if (Files.isDirectory(stress)) {
            roots.add(stress);
        }
        List<Path> files = new ArrayList<>();
        for (Path r : roots) {
            try (Stream<Path> s = Files.walk(r)) {
                s.filter(p -> p.toString().endsWith(".java")).forEach(files::add);
            }
        }
        return files;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Simple class name → source text, for top-level classes (nested ones are found inside their file). */
    static Map<String, String> byClass(List<Path> files) {
        Map<String, String> out = new HashMap<>();
        for (Path f : files) {
            String name = String.valueOf(f.getFileName()).replace(".java", "");
            out.merge(name, read(f), (a, b) -> a + "\n" + b);
        }
        return out;
    }

    /** The IDs an {@code @Enforces} argument names (literals and {@code Invariants.AREA_N} constants). */
    static Set<String> ids(String annotationArgument) {
        Set<String> ids = new TreeSet<>();
        Matcher lit = ID_LITERAL.matcher(annotationArgument);
        while (lit.find()) {
            ids.add(lit.group(1));
        }
        Matcher c = CONSTANT.matcher(annotationArgument);
        while (c.find()) {
            ids.add(c.group(1) + "-" + c.group(2));
        }
        return ids;
    }

    /** The {@code @Enforces} IDs on the method {@code method} of the source text, or null if no such method. */
    static Set<String> enforcedBy(String source, String method) {
        Matcher decl = Pattern.compile("(?m)^[ \\t]*(?:[\\w<>\\[\\],.@() \"{}=-]*\\s)?" + method + "\\s*\\([^;{]*\\)\\s*(?:throws [\\w., ]+)?\\{").matcher(source);
        Set<String> found = null;
        while (decl.find()) {
            found = found == null ? new TreeSet<>() : found;
            // the annotations right above the declaration: the lines back to the end of the previous member
            String[] lines = source.substring(0, decl.start()).split("\n", -1);
            StringBuilder annotations = new StringBuilder(source.substring(decl.start(), decl.end()));
            for (int i = lines.length - 1; i >= 0; i--) {
                String t = lines[i].strip();
                if (!t.startsWith("@") && (t.endsWith(";") || t.endsWith("}") || t.endsWith("{"))) {
                    break;
                }
                annotations.insert(0, lines[i] + "\n");
            }
            Matcher e = ENFORCES.matcher(annotations);
            while (e.find()) {
                found.addAll(ids(e.group(1)));
            }
        }
        return found;
    }

    @Test
    void everyCatalogueIdHasEnforcingCodeABreakingTestAndItsModel() throws IOException {
        Map<String, Entry> catalogue = catalogue();
        assertTrue(catalogue.size() >= 30, "catalogue parsed: " + catalogue.keySet());
        Map<String, String> main = byClass(sources("main"));
        Map<String, String> tests = byClass(sources("test"));
        List<String> problems = new ArrayList<>();
        for (Entry e : catalogue.values()) {
            if (e.enforcedBy.isEmpty()) {
                problems.add(e.id + ": no enforcing code named");
            }
            boolean annotated = false;
            for (String[] ref : e.enforcedBy) {
                String top = ref[0].contains(".") ? ref[0].substring(0, ref[0].indexOf('.')) : ref[0];
                String src = main.get(top);
                if (src == null) {
                    problems.add(e.id + ": enforcing class " + ref[0] + " not found");
                    continue;
                }
                Set<String> ids = enforcedBy(src, ref[1]);
                if (ids == null) {
                    problems.add(e.id + ": enforcing method " + ref[0] + "#" + ref[1] + " not found");
                } else {
                    annotated |= ids.contains(e.id);
                }
            }
            if (!e.enforcedBy.isEmpty() && !annotated) {
                problems.add(e.id + ": none of " + e.enforcedBy.stream().map(r -> r[0] + "#" + r[1]).toList() + " carries @Enforces(\"" + e.id + "\")");
            }
            if (e.brokenBy.isEmpty()) {
                problems.add(e.id + ": no breaking test named");
            }
            for (String[] ref : e.brokenBy) {
                String src = tests.get(ref[0]);
                if (src == null) {
                    problems.add(e.id + ": breaking test class " + ref[0] + " not found");
                } else if (!Pattern.compile("void\\s+" + ref[1] + "\\s*\\(").matcher(src).find()) {
                    problems.add(e.id + ": breaking test " + ref[0] + "#" + ref[1] + " not found");
                }
            }
            for (String[] model : e.models) {
                Path file = ROOT.resolve("spec/models").resolve(model[0]);
                if (!Files.exists(file)) {
                    problems.add(e.id + ": model " + model[0] + " missing");
                    continue;
                }
                String text = read(file);
                if (!Pattern.compile("assert\\s+" + model[1] + "\\b").matcher(text).find()
                        || !Pattern.compile("check\\s+" + model[1] + "\\b").matcher(text).find()) {
                    problems.add(e.id + ": " + model[0] + " has no assertion " + model[1] + " with a check command");
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void codeNamesNoIdTheCatalogueLacks() throws IOException {
        Set<String> known = catalogue().keySet();
        List<String> unknown = new ArrayList<>();
        for (String kind : List.of("main", "test")) {
            for (Path f : sources(kind)) {
                String src = read(f);
                Matcher e = ENFORCES.matcher(src);
                while (e.find()) {
                    for (String id : ids(e.group(1))) {
                        if (!known.contains(id)) {
                            unknown.add(f.getFileName() + ": @Enforces names " + id);
                        }
                    }
                }
                Matcher lit = ID_LITERAL.matcher(src);
                while (lit.find()) {
                    String id = lit.group(1);
                    if (!known.contains(id) && !NOT_IDS.contains(id)) {
                        unknown.add(f.getFileName() + ": names \"" + id + "\"");
                    }
                }
                Matcher c = CONSTANT.matcher(src);
                while (c.find()) {
                    String id = c.group(1) + "-" + c.group(2);
                    if (!known.contains(id)) {
                        unknown.add(f.getFileName() + ": names " + id);
                    }
                }
            }
        }
        assertTrue(unknown.isEmpty(), String.join("\n", new TreeSet<>(unknown)));
    }

    @Test
    void theParserFindsMissingPieces() {
        // The checks above must be able to fail: an unannotated method and a missing one are told apart.
        String id = "AB" + "-1"; // not a literal ID, or the scan above would flag this file
        String src = "class X {\n  @Enforces({\"" + id + "\", Invariants.HEAP_1})\n  void a() {\n  }\n  void b() {\n  }\n}\n";
        assertTrue(enforcedBy(src, "a").containsAll(Set.of(id, "HEAP-1")));
        assertTrue(enforcedBy(src, "b").isEmpty());
        assertTrue(enforcedBy(src, "c") == null);
        assertTrue(ids("{Invariants.HEAP_5, \"FL-2\"}").containsAll(Set.of("HEAP-5", "FL-2")));
    }
}
