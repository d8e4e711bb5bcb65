package dev.anvil.abigen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Generates the bindings of anvil.h: {@code Main <anvil.h> <output folder>} writes
 * {@code java/} (JDK 17 sources), {@code java22/} (the FFM binding) and {@code c/} (the JNI glue, the
 * struct layout test and the list of functions) below the output folder. Files whose text is unchanged are not touched,
 * so that an unchanged header rebuilds nothing.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) throw new IllegalArgumentException("usage: Main <anvil.h> <output folder>");
        Header h = Header.parse(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8));
        Path out = Path.of(args[1]);
        String pkg = JavaSources.PACKAGE.replace('.', '/');
        writeAll(out.resolve("java").resolve(pkg), JavaSources.java17(h));
        writeAll(out.resolve("java22").resolve(pkg), JavaSources.java22(h));
        writeAll(out.resolve("c"), Map.of("anvil_jni.c", CSources.jniGlue(h), "abi_layout_test.c", CSources.layoutTest(h),
                "abi_functions.h", CSources.functionList(h)));
        System.out.printf("abigen: %d functions, %d structs, ABI version %d -> %s%n", h.functions().size(), h.structs().size(),
                h.abiVersion(), out);
    }

    private static void writeAll(Path dir, Map<String, String> files) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, String> e : files.entrySet()) {
            Path file = dir.resolve(e.getKey());
            if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(e.getValue())) continue;
            Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
        }
    }
}
