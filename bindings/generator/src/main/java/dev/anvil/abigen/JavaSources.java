package dev.anvil.abigen;

import dev.anvil.abigen.Header.Field;
import dev.anvil.abigen.Header.Function;
import dev.anvil.abigen.Header.Param;
import dev.anvil.abigen.Header.Struct;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The Java side of the bindings, generated from the header: the {@code Abi} interface (one method
 * per function, primitives only), its JNI implementation (native methods whose glue {@link CSources}
 * writes), its FFM implementation (one downcall handle per function; JDK 22+), and one class per
 * struct that writes and reads the struct's bytes at the offsets the C layout rules give.
 */
final class JavaSources {
    static final String PACKAGE = "dev.anvil.abi";
    static final String HEADER_NOTE = "Generated from bindings/include/anvil.h by dev.anvil.abigen: do not edit.";
    private static final Set<String> KEYWORDS = Set.of("abstract", "boolean", "byte", "case", "catch", "char", "class",
            "const", "default", "do", "double", "else", "enum", "final", "float", "for", "goto", "if", "int", "long",
            "native", "new", "package", "private", "public", "return", "short", "static", "switch", "this", "throw",
            "try", "void", "while");

    private JavaSources() {}

    /** File name (relative to the package folder) to source text, for JDK 17. */
    static Map<String, String> java17(Header h) {
        Map<String, String> files = new TreeMap<>();
        files.put("Abi.java", abi(h));
        files.put("JniAbi.java", jni(h));
        for (Struct s : h.structs()) files.put(className(s.name()) + ".java", struct(s));
        return files;
    }

    /** The FFM implementation, which needs JDK 22. */
    static Map<String, String> java22(Header h) {
        return Map.of("FfmAbi.java", ffm(h));
    }

    /** anvil_conv2d_desc -> Conv2dDesc */
    static String className(String cName) {
        StringBuilder sb = new StringBuilder();
        for (String part : cName.replaceFirst("^anvil_", "").split("_")) {
            sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return sb.toString();
    }

    private static String abi(Header h) {
        StringBuilder sb = preamble("");
        sb.append("""
                /**
                 * libanvil's C ABI, one method per function of anvil.h with its name and parameters. Values are
                 * Java primitives; every pointer (handles, data, structs, output parameters, strings) travels as
                 * its address. Implementations: {@link JniAbi} (any JDK) and {@code FfmAbi} (JDK 22+);
                 * {@link Bindings#select()} picks one.
                 */
                public interface Abi extends AbiSupport {
                    /** ANVIL_ABI_VERSION of the header these bindings were generated from. */
                    int ABI_VERSION = %d;

                """.formatted(h.abiVersion()));
        h.constants().forEach((name, value) -> sb.append("    int ").append(name).append(" = ").append(value).append(";\n"));
        for (Function f : h.functions()) {
            sb.append("\n    /** {@code ").append(f.prototype().replaceFirst("^ANVIL_API (ANVIL_LEAF )?", "").replace("*/", "*&#47;"))
                    .append("} */\n");
            sb.append("    ").append(signature(f)).append(";\n");
        }
        return sb.append("}\n").toString();
    }

    private static String jni(Header h) {
        StringBuilder sb = preamble("");
        sb.append("""
                /** {@link Abi} through JNI: the glue is generated C (anvil_jni.c) compiled into libanvil_jni. */
                final class JniAbi extends JniSupport implements Abi {
                """);
        for (Function f : h.functions()) {
            sb.append("    @Override\n    public native ").append(signature(f)).append(";\n\n");
        }
        trimBlankLine(sb);
        return sb.append("}\n").toString();
    }

    private static String ffm(Header h) {
        StringBuilder sb = preamble("""
                import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
                import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
                import static java.lang.foreign.ValueLayout.JAVA_INT;
                import static java.lang.foreign.ValueLayout.JAVA_LONG;

                import java.lang.foreign.FunctionDescriptor;
                import java.lang.invoke.MethodHandle;

                """);
        sb.append("""
                /** {@link Abi} through java.lang.foreign: one downcall handle per function. */
                @SuppressWarnings("unused")
                final class FfmAbi extends FfmSupport implements Abi {
                """);
        for (Function f : h.functions()) {
            String layouts = f.params().stream().map(p -> p.type().kind().ffmLayout).collect(Collectors.joining(", "));
            String descriptor = f.returns().kind() == CType.Kind.VOID
                    ? "FunctionDescriptor.ofVoid(" + layouts + ")"
                    : "FunctionDescriptor.of(" + f.returns().kind().ffmLayout + (layouts.isEmpty() ? "" : ", " + layouts) + ")";
            sb.append("    private static final MethodHandle ").append(f.name()).append(" = downcall(\"").append(f.name())
                    .append("\", ").append(f.leaf()).append(", ").append(descriptor).append(");\n");
        }
        for (Function f : h.functions()) {
            String args = f.params().stream().map(JavaSources::name).collect(Collectors.joining(", "));
            String call = f.name() + ".invokeExact(" + args + ")";
            String body = switch (f.returns().kind()) {
                case VOID -> call + ";";
                default -> "return (" + f.returns().kind().java + ") " + call + ";";
            };
            sb.append("\n    @Override\n    public ").append(signature(f)).append(" {\n")
                    .append("        try {\n            ").append(body).append("\n        } catch (Throwable t) {\n")
                    .append("            throw unchecked(t);\n        }\n    }\n");
        }
        return sb.append("}\n").toString();
    }

    private static String struct(Struct s) {
        String cls = className(s.name());
        StringBuilder sb = preamble("import java.nio.ByteBuffer;\n" + (hasChars(s) ? "import java.nio.charset.StandardCharsets;\n" : "") + "\n");
        sb.append("/** anvil.h's {@code ").append(s.name()).append("}: its fields, and its bytes in C's layout. */\n")
                .append("public final class ").append(cls).append(" {\n")
                .append("    /** {@code sizeof(").append(s.name()).append(")} */\n")
                .append("    public static final int SIZEOF = ").append(s.size()).append(";\n\n");
        for (Field f : s.fields()) {
            sb.append("    private ").append(f.type().kind().java).append(' ').append(f.name()).append(";\n");
        }
        for (Field f : s.fields()) {
            String t = f.type().kind().java;
            sb.append("\n    public ").append(t).append(' ').append(f.name()).append("() {\n        return ").append(f.name())
                    .append(";\n    }\n\n    public ").append(cls).append(' ').append(f.name()).append('(').append(t)
                    .append(" v) {\n        ").append(f.name()).append(" = v;\n        return this;\n    }\n");
        }
        sb.append("\n    /** Writes the struct's bytes into {@code b} at byte {@code at}, in {@code b}'s byte order. */\n")
                .append("    public void write(ByteBuffer b, int at) {\n");
        for (Field f : s.fields()) sb.append("        ").append(put(f)).append(";\n");
        sb.append("    }\n\n    /** Reads the struct's bytes from {@code b} at byte {@code at}, in {@code b}'s byte order. */\n")
                .append("    public ").append(cls).append(" read(ByteBuffer b, int at) {\n");
        for (Field f : s.fields()) sb.append("        ").append(get(f)).append(";\n");
        sb.append("        return this;\n    }\n");
        if (hasChars(s)) sb.append(CHAR_HELPERS);
        return sb.append("}\n").toString();
    }

    private static final String CHAR_HELPERS = """

                /** A NUL-terminated UTF-8 string in {@code length} bytes, cut to fit. */
                private static void putChars(ByteBuffer b, int at, int length, String s) {
                    byte[] bytes = s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
                    int n = Math.min(bytes.length, length - 1);
                    for (int i = 0; i < length; i++) b.put(at + i, i < n ? bytes[i] : 0);
                }

                private static String getChars(ByteBuffer b, int at, int length) {
                    int n = 0;
                    while (n < length && b.get(at + n) != 0) n++;
                    byte[] bytes = new byte[n];
                    b.get(at, bytes);
                    return new String(bytes, StandardCharsets.UTF_8);
                }
            """;

    private static boolean hasChars(Struct s) {
        return s.fields().stream().anyMatch(f -> f.type().kind() == CType.Kind.CHARS);
    }

    private static String put(Field f) {
        String at = "at + " + f.offset();
        return switch (f.type().kind()) {
            case INT -> "b.putInt(" + at + ", " + f.name() + ")";
            case LONG, POINTER -> "b.putLong(" + at + ", " + f.name() + ")";
            case FLOAT -> "b.putFloat(" + at + ", " + f.name() + ")";
            case DOUBLE -> "b.putDouble(" + at + ", " + f.name() + ")";
            case CHARS -> "putChars(b, " + at + ", " + f.type().arrayLength() + ", " + f.name() + ")";
            case VOID -> throw new IllegalStateException(f.toString());
        };
    }

    private static String get(Field f) {
        String at = "at + " + f.offset();
        return f.name() + " = " + switch (f.type().kind()) {
            case INT -> "b.getInt(" + at + ")";
            case LONG, POINTER -> "b.getLong(" + at + ")";
            case FLOAT -> "b.getFloat(" + at + ")";
            case DOUBLE -> "b.getDouble(" + at + ")";
            case CHARS -> "getChars(b, " + at + ", " + f.type().arrayLength() + ")";
            case VOID -> throw new IllegalStateException(f.toString());
        };
    }

    private static String signature(Function f) {
        return f.returns().kind().java + " " + f.name() + "("
                + f.params().stream().map(p -> p.type().kind().java + " " + name(p)).collect(Collectors.joining(", ")) + ")";
    }

    /** The parameter's name in Java (a C name that is a Java keyword gets a trailing underscore). */
    static String name(Param p) {
        return KEYWORDS.contains(p.name()) ? p.name() + "_" : p.name();
    }

    private static StringBuilder preamble(String imports) {
        return new StringBuilder("// ").append(HEADER_NOTE).append("\npackage ").append(PACKAGE).append(";\n\n").append(imports);
    }

    private static void trimBlankLine(StringBuilder sb) {
        if (sb.length() >= 2 && sb.charAt(sb.length() - 1) == '\n' && sb.charAt(sb.length() - 2) == '\n') sb.setLength(sb.length() - 1);
    }
}
