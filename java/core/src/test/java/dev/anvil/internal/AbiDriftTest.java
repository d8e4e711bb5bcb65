package dev.anvil.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The bindings cover {@code bindings/include/anvil.h} exactly: its anvil_ functions, and its structs
 * with their fields in order, must appear in the JNI mapping (AnvilLib), in the FFM classes
 * (dev.anvil.ffm) and in {@link Binding} with its descriptor classes. All are read as source text,
 * so the check runs on every JDK, also where the FFM binding is not compiled.
 */
class AbiDriftTest {
    private static final Path HEADER = Path.of("bindings/include/anvil.h");
    private static final Path JNI = Path.of("bindings/javacpp/src/main/java/dev/anvil/jni/AnvilLib.java");
    private static final Path FFM = Path.of("bindings/panama/src/main/java/dev/anvil/ffm");
    private static final Path CORE = Path.of("java/core/src/main/java/dev/anvil/internal");
    private static final Path ROOT = findRoot();

    /** A binding's view of the ABI: function names, and struct name to field names in order. */
    record Abi(Set<String> functions, Map<String, List<String>> structs) {}

    @Test
    void jniMappingMatchesTheHeader() throws IOException {
        assertMatches(JNI + " (JNI, AnvilLib)", header(), jni(read(JNI)));
    }

    @Test
    void ffmClassesMatchTheHeader() throws IOException {
        assertMatches(FFM + " (FFM, anvil_h and one class per struct)", header(), ffm());
    }

    @Test
    void bindingInterfaceMatchesTheHeader() throws IOException {
        assertMatches(CORE + " (Binding and its descriptor classes)", header(), binding());
    }

    @Test
    void parsersSeeTheWholeHeader() throws IOException {
        Abi h = header();
        assertTrue(h.functions().contains("anvil_adam_step"), h.functions().toString());
        assertEquals(List.of("batch", "in_features", "out_features"), h.structs().get("anvil_linear_desc"));
        assertEquals(7, h.structs().size(), h.structs().toString());
    }

    @Test
    void reportsWhatIsMissingAndExtra() {
        Abi expected = new Abi(Set.of("anvil_a", "anvil_b"), Map.of("anvil_s", List.of("x", "y")));
        Abi actual = new Abi(Set.of("anvil_a", "anvil_c"), Map.of("anvil_s", List.of("y", "x")));
        List<String> problems = compare(expected, actual);
        assertEquals(List.of("missing functions: [anvil_b]", "extra functions: [anvil_c]",
                "struct anvil_s: fields [y, x], anvil.h has [x, y]"), problems);
        assertFalse(compare(expected, expected).iterator().hasNext());
    }

    // ------------------------------------------------------------------ comparing

    private static void assertMatches(String where, Abi expected, Abi actual) {
        List<String> problems = compare(expected, actual);
        if (!problems.isEmpty()) {
            fail(where + " does not match " + HEADER + ":\n  " + String.join("\n  ", problems)
                    + "\n(how to add a function to both bindings: see the comment at the top of Binding.java)");
        }
    }

    static List<String> compare(Abi expected, Abi actual) {
        List<String> problems = new ArrayList<>();
        difference("missing functions", expected.functions(), actual.functions(), problems);
        difference("extra functions", actual.functions(), expected.functions(), problems);
        difference("missing structs", expected.structs().keySet(), actual.structs().keySet(), problems);
        difference("extra structs", actual.structs().keySet(), expected.structs().keySet(), problems);
        expected.structs().forEach((name, fields) -> {
            List<String> got = actual.structs().get(name);
            if (got != null && !got.equals(fields)) {
                problems.add("struct " + name + ": fields " + got + ", anvil.h has " + fields);
            }
        });
        return problems;
    }

    private static void difference(String what, Set<String> a, Set<String> b, List<String> problems) {
        Set<String> d = new LinkedHashSet<>(a);
        d.removeAll(b);
        if (!d.isEmpty()) problems.add(what + ": " + d);
    }

    // ------------------------------------------------------------------ parsing

    static Abi header() throws IOException {
        String text = read(HEADER).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
        Set<String> functions = all(Pattern.compile("ANVIL_API[^;(]*?\\b(anvil_\\w+)\\s*\\("), text);
        Map<String, List<String>> structs = new LinkedHashMap<>();
        Matcher m = Pattern.compile("typedef\\s+struct\\s+(anvil_\\w+)\\s*\\{(.*?)\\}\\s*\\1\\s*;", Pattern.DOTALL)
                .matcher(text);
        while (m.find()) {
            List<String> fields = new ArrayList<>();
            for (String declaration : m.group(2).split(";")) {
                // "int64_t in_channels, in_h, in_w": one type word, then the names
                for (String n : declaration.trim().replaceFirst("^\\w+\\s+", "").split(",")) {
                    if (!n.isBlank()) fields.add(n.trim().replaceFirst("\\[\\d+\\]$", "")); // "name[256]": name
                }
            }
            structs.put(m.group(1), fields);
        }
        return new Abi(functions, structs);
    }

    static Abi jni(String text) {
        Set<String> functions = all(Pattern.compile("static native [^;(]*?\\b(anvil_\\w+)\\s*\\("), text);
        Map<String, List<String>> structs = new LinkedHashMap<>();
        Matcher m = Pattern.compile("@Name\\(\"(anvil_\\w+)\"\\)\\s*public static class \\w+").matcher(text);
        while (m.find()) {
            String body = block(text, text.indexOf('{', m.end()));
            structs.put(m.group(1), list(Pattern.compile("public native (?:@Cast\\(\"[^\"]*\"\\) )?\\w+ (\\w+)\\(\\);"), body));
        }
        return new Abi(functions, structs);
    }

    static Abi ffm() throws IOException {
        Set<String> functions = all(Pattern.compile("public static \\S+ (anvil_\\w+)\\("),
                read(FFM.resolve("anvil_h.java")));
        Map<String, List<String>> structs = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(ROOT.resolve(FFM))) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                String name = file.getFileName().toString().replaceFirst("\\.java$", "");
                if (name.equals("anvil_h") || !name.startsWith("anvil_")) continue;
                String text = read(FFM.resolve(file.getFileName()));
                int start = text.indexOf("MemoryLayout.structLayout(");
                String layout = text.substring(start, text.indexOf(").withName(\"" + name + "\")", start));
                structs.put(name, list(Pattern.compile("\\.withName\\(\"(\\w+)\"\\)"), layout));
            }
        }
        return new Abi(functions, structs);
    }

    static Abi binding() throws IOException {
        Set<String> functions = all(Pattern.compile("\\s\\w+ (anvil_\\w+)\\("), read(CORE.resolve("Binding.java")));
        Map<String, List<String>> structs = new LinkedHashMap<>();
        for (String name : header().structs().keySet()) {
            Path file = CORE.resolve(javaName(name) + ".java");
            if (Files.exists(ROOT.resolve(file))) {
                structs.put(name, list(Pattern.compile("public \\w+ (\\w+)\\(\\) \\{"), read(file)));
            }
        }
        return new Abi(functions, structs);
    }

    /** anvil_conv2d_desc: Conv2dDesc. */
    static String javaName(String struct) {
        StringBuilder b = new StringBuilder();
        for (String part : struct.substring("anvil_".length()).split("_")) {
            b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return b.toString();
    }

    /** The text of the brace-delimited block that opens at {@code open}. */
    private static String block(String text, int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            if (text.charAt(i) == '{') depth++;
            if (text.charAt(i) == '}' && --depth == 0) return text.substring(open, i + 1);
        }
        throw new IllegalArgumentException("unbalanced braces from offset " + open);
    }

    private static Set<String> all(Pattern p, String text) {
        return new LinkedHashSet<>(list(p, text));
    }

    private static List<String> list(Pattern p, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    private static String read(Path relative) throws IOException {
        return Files.readString(ROOT.resolve(relative));
    }

    /** The checkout's root: the first directory upwards from the working directory with anvil.h. */
    private static Path findRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve(HEADER))) return p;
        }
        throw new IllegalStateException(HEADER + " not found above " + Path.of("").toAbsolutePath());
    }
}
