package dev.anvil.abigen;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A C type of anvil.h as the bindings carry it. Every value crosses the boundary as one of four
 * Java primitives: 32- and 64-bit integers, floats and doubles. A pointer of any type travels as its
 * 64-bit address ({@code long}), so that no call creates a Java object; a fixed-size char array (in
 * structs only) is a string.
 *
 * @param c the C spelling, for casts in the JNI glue ("const float*")
 * @param kind what the bindings make of it
 * @param arrayLength the length of a char array, else 0
 */
record CType(String c, Kind kind, int arrayLength) {
    enum Kind {
        VOID("void", "void", null, 0),
        INT("int", "jint", "JAVA_INT", 4),
        LONG("long", "jlong", "JAVA_LONG", 8),
        FLOAT("float", "jfloat", "JAVA_FLOAT", 4),
        DOUBLE("double", "jdouble", "JAVA_DOUBLE", 8),
        // Pointers cross FFM as 64-bit integers, as they do JNI: on the LP64 platforms the library
        // builds for, C passes and returns both in the same integer registers, and a long needs no
        // MemorySegment per argument (which would be an allocation per call where escape analysis fails).
        POINTER("long", "jlong", "JAVA_LONG", 8),
        CHARS("String", null, null, 1);

        final String java;
        final String jni;
        final String ffmLayout;
        final int size;

        Kind(String java, String jni, String ffmLayout, int size) {
            this.java = java;
            this.jni = jni;
            this.ffmLayout = ffmLayout;
            this.size = size;
        }
    }

    private static final Pattern ARRAY = Pattern.compile("char\\[(\\d+)]");

    /**
     * The type spelled {@code c} (whitespace normalised, pointers attached: "const float*");
     * {@code enums} are the enum type names of the header, which are ints.
     */
    static CType parse(String c, java.util.Set<String> enums) {
        if (c.endsWith("*")) return new CType(c, Kind.POINTER, 0);
        Matcher array = ARRAY.matcher(c);
        if (array.matches()) return new CType(c, Kind.CHARS, Integer.parseInt(array.group(1)));
        Kind kind = switch (c) {
            case "void" -> Kind.VOID;
            case "int32_t" -> Kind.INT;
            case "int64_t", "uint64_t" -> Kind.LONG;
            case "float" -> Kind.FLOAT;
            case "double" -> Kind.DOUBLE;
            default -> enums.contains(c) ? Kind.INT : null;
        };
        if (kind == null) {
            throw new IllegalArgumentException("unsupported type '" + c + "': the ABI carries int32_t, int64_t, uint64_t,"
                    + " float, double, enums, pointers and (in structs) char arrays");
        }
        return new CType(c, kind, 0);
    }

    /** Bytes the type takes in a struct. */
    int size() {
        return kind == Kind.CHARS ? arrayLength : kind.size;
    }

    /** Alignment in a struct on the LP64 platforms Anvil supports: natural alignment. */
    int alignment() {
        return kind == Kind.CHARS ? 1 : kind.size;
    }
}
