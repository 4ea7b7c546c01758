package dev.virtflash.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout of the project's main code, read from the sources: packages form layers (no import cycle between two
 * packages, however long), and the libraries ({@code memory}, {@code hw-block}, {@code hw-pflash}, {@code machine-virt},
 * {@code test-kit}, and the payload catalog in {@code firmware}) know nothing of the application, print nothing, start nothing and bind no logger.
 */
class LayersTest {

    /** Library modules, lowest first; a library may import only the ones before it (and itself). */
    static final List<String> LIBRARIES = List.of("firmware", "memory", "hw-block", "hw-pflash", "machine-virt",
            "test-kit");
    static final Map<String, String> ROOT_PACKAGE = Map.of(
            "firmware", "dev.virtflash.firmware",
            "memory", "dev.virtflash.memory",
            "hw-block", "dev.virtflash.hw.block",
            "hw-pflash", "dev.virtflash.hw.pflash",
            "machine-virt", "dev.virtflash.virt",
            "test-kit", "dev.virtflash.testkit",
            "app", "dev.virtflash.app");

    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(dev\\.virtflash\\.[\\w.]+?)\\.[A-Z]",
            Pattern.MULTILINE);
    /** A fully qualified use in code, e.g. {@code dev.virtflash.virt.devices.Pl011.class} or in a Javadoc link. */
    private static final Pattern QUALIFIED = Pattern.compile("\\b(dev\\.virtflash(?:\\.[a-z]\\w*)+)\\.[A-Z]");

    record Source(String module, Path file, String pkg, String text) {
    }

    private static final List<Source> SOURCES = new ArrayList<>();

    @BeforeAll
    static void readSources() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("app").resolve("pom.xml"))) {
            root = root.getParent();
        }
        for (String module : ROOT_PACKAGE.keySet()) {
            Path main = root.resolve(module).resolve("src/main/java");
            try (Stream<Path> files = Files.walk(main)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String text = Files.readString(f);
                    Matcher m = PACKAGE.matcher(text);
                    assertTrue(m.find(), f + ": no package line");
                    SOURCES.add(new Source(module, f, m.group(1), text));
                }
            }
        }
    }

    private static Map<String, Set<String>> packageGraph() {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (Source s : SOURCES) {
            Set<String> out = graph.computeIfAbsent(s.pkg, k -> new TreeSet<>());
            for (Matcher m = IMPORT.matcher(s.text); m.find(); ) {
                out.add(m.group(1));
            }
            for (Matcher m = QUALIFIED.matcher(code(s.text)); m.find(); ) {
                out.add(m.group(1));
            }
            out.remove(s.pkg);
        }
        return graph;
    }

    @Test
    void noImportCycleBetweenPackages() {
        Map<String, Set<String>> graph = packageGraph();
        List<List<String>> cycles = stronglyConnected(graph).stream().filter(c -> c.size() > 1).toList();
        assertEquals(List.of(), cycles, "packages that import each other (directly or through others)");
    }

    @Test
    void librariesImportOnlyLowerLibraries() {
        List<String> wrong = new ArrayList<>();
        for (Source s : SOURCES) {
            int level = LIBRARIES.indexOf(s.module);
            if (level < 0) {
                continue;
            }
            for (Matcher m = IMPORT.matcher(s.text); m.find(); ) {
                String target = m.group(1);
                String owner = moduleOf(target);
                int targetLevel = LIBRARIES.indexOf(owner);
                if (targetLevel < 0 || targetLevel > level) {
                    wrong.add(s.file.getFileName() + " (" + s.module + ") imports " + target + " (" + owner + ")");
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void librariesNeitherPrintNorStart() {
        List<String> wrong = new ArrayList<>();
        for (Source s : SOURCES) {
            if (!LIBRARIES.contains(s.module)) {
                continue;
            }
            String code = code(s.text);
            if (code.contains("System.out") || code.contains("System.err")) {
                wrong.add(s.file.getFileName() + ": System.out/err");
            }
            if (code.matches("(?s).*\\bstatic\\s+void\\s+main\\s*\\(.*")) {
                wrong.add(s.file.getFileName() + ": a main method");
            }
        }
        assertEquals(List.of(), wrong);
    }

    /** Issue 14, acceptance 5: everything hangs off an instance; a static field is a constant or a logger. */
    @Test
    void noStaticMutableFields() {
        Pattern field = Pattern.compile("\\bstatic\\s+(?!final\\b)(?!class\\b|interface\\b|enum\\b|record\\b)"
                + "[\\w<>\\[\\], ?.]+?\\s+\\w+\\s*(=[^;]*)?;");
        assertTrue(field.matcher("private static int counter = 0;").find(), "the check has teeth");
        assertTrue(field.matcher("static Map<String, Long> cache;").find(), "the check has teeth");
        assertTrue(!field.matcher("private static final int LIMIT = 4;").find());
        assertTrue(!field.matcher("static long parse(String text) throws X { return 0; }").find());
        List<String> wrong = new ArrayList<>();
        for (Source s : SOURCES) {
            for (Matcher m = field.matcher(code(s.text)); m.find(); ) {
                wrong.add(s.file.getFileName() + ": " + m.group().strip());
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void onlyTheAppBindsALogger() throws IOException {
        Path root = SOURCES.get(0).file;
        while (!Files.exists(root.resolve("app").resolve("pom.xml"))) {
            root = root.getParent();
        }
        Pattern dependency = Pattern.compile("<dependency>.*?</dependency>", Pattern.DOTALL);
        for (String module : LIBRARIES) {
            String pom = Files.readString(root.resolve(module).resolve("pom.xml"));
            for (Matcher m = dependency.matcher(pom); m.find(); ) {
                String d = m.group();
                assertTrue(!d.contains("slf4j-simple") || d.contains("<scope>test</scope>"),
                        module + "/pom.xml binds slf4j outside its tests: " + d);
            }
        }
        String app = Files.readString(root.resolve("app/pom.xml"));
        assertTrue(app.contains("<artifactId>slf4j-simple</artifactId></dependency>"), "app binds slf4j");
    }

    private static String moduleOf(String pkg) {
        String best = null;
        for (Map.Entry<String, String> e : ROOT_PACKAGE.entrySet()) {
            String p = e.getValue();
            if ((pkg.equals(p) || pkg.startsWith(p + "."))
                    && (best == null || p.length() > ROOT_PACKAGE.get(best).length())) {
                best = e.getKey();
            }
        }
        return best;
    }

    /** The text without comments and string literals (good enough for source we write ourselves). */
    static String code(String text) {
        return text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ")
                .replaceAll("\"(?:\\\\.|[^\"\\\\\n])*\"", "\"\"");
    }

    /** Tarjan's strongly connected components, each sorted. */
    static List<List<String>> stronglyConnected(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<List<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                strongConnect(v, graph, index, low, stack, onStack, out, counter);
            }
        }
        return out;
    }

    private static void strongConnect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
                                      Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                                      List<List<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!graph.containsKey(w)) {
                continue;
            }
            if (!index.containsKey(w)) {
                strongConnect(w, graph, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> component = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            component.sort(null);
            out.add(component);
        }
    }

    @Test
    void theCycleFinderFindsACycle() {
        Map<String, Set<String>> g = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
        assertEquals(List.of(List.of("a", "b", "c")),
                stronglyConnected(new TreeMap<>(g)).stream().filter(c -> c.size() > 1).toList());
    }
}
