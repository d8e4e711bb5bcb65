package dev.anvil.abigen;

import dev.anvil.abigen.Header.Field;
import dev.anvil.abigen.Header.Function;
import dev.anvil.abigen.Header.Param;
import dev.anvil.abigen.Header.Struct;
import java.util.stream.Collectors;

/**
 * The C side, generated from the header: the JNI glue of {@code JniAbi} (each native method casts its
 * primitives to the C types and calls the function; the C compiler checks every cast against the
 * header's prototype), and a test program that compares each struct member's offset and size as the
 * Java classes use them with what the C compiler lays out.
 */
final class CSources {
    private static final String JNI_CLASS = "Java_" + JavaSources.PACKAGE.replace('.', '_') + "_JniAbi_";

    private CSources() {}

    static String jniGlue(Header h) {
        StringBuilder sb = new StringBuilder("/* ").append(JavaSources.HEADER_NOTE).append(" */\n")
                .append("#include <jni.h>\n#include <stdint.h>\n\n#include \"anvil.h\"\n");
        for (Function f : h.functions()) {
            String params = f.params().stream().map(p -> ", " + p.type().kind().jni + " " + JavaSources.name(p))
                    .collect(Collectors.joining());
            String args = f.params().stream().map(CSources::argument).collect(Collectors.joining(", "));
            String call = f.name() + "(" + args + ")";
            String body = switch (f.returns().kind()) {
                case VOID -> call + ";";
                case POINTER -> "return (jlong)(intptr_t)" + call + ";";
                default -> "return (" + f.returns().kind().jni + ")" + call + ";";
            };
            sb.append("\nJNIEXPORT ").append(f.returns().kind().jni).append(" JNICALL ").append(JNI_CLASS)
                    .append(f.name().replace("_", "_1")).append("(JNIEnv* env, jobject self").append(params).append(") {\n")
                    .append("    (void)env;\n    (void)self;\n    ").append(body).append("\n}\n");
        }
        return sb.toString();
    }

    private static String argument(Param p) {
        String name = JavaSources.name(p);
        return p.type().kind() == CType.Kind.POINTER ? "(" + p.type().c() + ")(intptr_t)" + name : "(" + p.type().c() + ")" + name;
    }

    /** The names of the header's functions, for native tests that must cover every one (the fuzzer). */
    static String functionList(Header h) {
        StringBuilder sb = new StringBuilder("/* ").append(JavaSources.HEADER_NOTE).append(" */\n")
                .append("/* Every function of anvil.h, in the header's order. */\n")
                .append("static const char* const kAbiFunctions[] = {\n");
        for (Function f : h.functions()) sb.append("    \"").append(f.name()).append("\",\n");
        return sb.append("};\n").toString();
    }

    static String layoutTest(Header h) {
        StringBuilder sb = new StringBuilder("/* ").append(JavaSources.HEADER_NOTE).append("\n")
                .append(" * Every struct member's offset and size as the generated Java classes use them, against the C\n")
                .append(" * compiler's: a difference means the generator's layout rules are wrong for this compiler. */\n")
                .append("""
                        #include <stddef.h>
                        #include <stdio.h>

                        #include "anvil.h"

                        static int checked, failures;

                        static void check(const char* member, size_t c_offset, size_t c_size, size_t java_offset, size_t java_size) {
                            checked++;
                            if (c_offset == java_offset && c_size == java_size) return;
                            failures++;
                            printf("FAIL %s: Java offset %zu size %zu, C offset %zu size %zu\\n", member, java_offset, java_size,
                                   c_offset, c_size);
                        }

                        #define FIELD(s, f, offset, size) check(#s "." #f, offsetof(s, f), sizeof(((s*)0)->f), offset, size)

                        int main(void) {
                        """);
        for (Struct s : h.structs()) {
            for (Field f : s.fields()) {
                sb.append("    FIELD(").append(s.name()).append(", ").append(f.name()).append(", ").append(f.offset())
                        .append(", ").append(f.type().size()).append(");\n");
            }
            sb.append("    check(\"sizeof(").append(s.name()).append(")\", 0, sizeof(").append(s.name()).append("), 0, ")
                    .append(s.size()).append(");\n");
        }
        return sb.append("""
                    printf("%d struct members and sizes checked, %d differ\\n", checked, failures);
                    return failures != 0;
                }
                """).toString();
    }
}
