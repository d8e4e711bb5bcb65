package dev.anvil;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The module boundaries of the Java code, read from the sources of the whole tree (so that every
 * module is covered from here): native code is reached only from anvil-core, through its one choke
 * point; the other modules use core's public API; NCCL is called from one class. A violation names
 * the file, the line and what it reaches.
 */
class BoundaryTest {
    /** A package (or class) prefix and the folders whose sources may name it. */
    private record Rule(String reached, String why, List<String> allowedIn) {
        Pattern pattern() {
            return Pattern.compile("\\b" + Pattern.quote(reached) + "\\b");
        }
    }

    private static final List<Rule> RULES = List.of(
            new Rule("dev.anvil.internal", "the native choke point belongs to anvil-core", List.of("java/core/")),
            new Rule("dev.anvil.abi", "the generated bindings are reached through anvil-core's Native",
                    List.of("java/core/", "bindings/")),
            new Rule("org.bytedeco.cuda.global.nccl", "every NCCL call sits in one class",
                    List.of("java/distributed/src/main/java/dev/anvil/distributed/NcclProcessGroup.java")),
            new Rule("org.bytedeco.cuda.nccl", "every NCCL call sits in one class",
                    List.of("java/distributed/src/main/java/dev/anvil/distributed/NcclProcessGroup.java")),
            new Rule("org.bytedeco.javacpp", "only the NCCL group uses JavaCPP (the CUDA presets)",
                    List.of("java/distributed/src/main/java/dev/anvil/distributed/NcclProcessGroup.java",
                            "bindings/java/src/test/" /* checks that the bindings run without it */)));
    /** This file names every rule's target, and is no violation. */
    private static final String SELF = "java/core/src/test/java/dev/anvil/BoundaryTest.java";

    @Test
    void theTreeKeepsItsBoundaries() {
        assertEquals(List.of(), violations(root()));
    }

    @Test
    void aViolationNamesFileLineAndRule(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("java/cli/src/main/java/dev/anvil/cli/Bad.java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "package dev.anvil.cli;\n\nimport dev.anvil.internal.Native;\n");
        Path ok = dir.resolve("java/core/src/main/java/dev/anvil/Fine.java");
        Files.createDirectories(ok.getParent());
        Files.writeString(ok, "import dev.anvil.internal.Native;\n");
        assertEquals(List.of("java/cli/src/main/java/dev/anvil/cli/Bad.java:3 reaches dev.anvil.internal: the native choke point "
                + "belongs to anvil-core (allowed in [java/core/])"), violations(dir));
    }

    static List<String> violations(Path root) {
        List<String> out = new ArrayList<>();
        try {
            for (Path f : sources(root)) {
                String name = root.relativize(f).toString().replace('\\', '/');
                if (name.equals(SELF)) continue;
                List<String> lines = Files.readAllLines(f);
                for (Rule rule : RULES) {
                    if (rule.allowedIn().stream().anyMatch(name::startsWith)) continue;
                    Pattern p = rule.pattern();
                    for (int i = 0; i < lines.size(); i++) {
                        Matcher m = p.matcher(lines.get(i));
                        if (m.find()) {
                            out.add(name + ":" + (i + 1) + " reaches " + rule.reached() + ": " + rule.why() + " (allowed in "
                                    + rule.allowedIn() + ")");
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The .java files below root, outside build output and version control. */
    private static List<Path> sources(Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                return name.equals("target") || name.startsWith(".") && !dir.equals(root) ? FileVisitResult.SKIP_SUBTREE
                        : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (file.toString().endsWith(".java")) out.add(file);
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    private static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("bindings/include/anvil.h"))) return p;
        }
        throw new IllegalStateException("bindings/include/anvil.h not found above " + Path.of("").toAbsolutePath());
    }
}
