package dev.anvil.abigen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parser reads the header's subset of C, lays structs out as C does, and refuses the rest. */
class HeaderTest {
    private static final String SAMPLE = """
            #ifndef X_H
            #define X_H
            #include <stdint.h>
            #ifdef __cplusplus
            extern "C" {
            #endif
            #define ANVIL_API __attribute__((visibility("default")))
            #define ANVIL_ABI_VERSION 7
            /* a comment; with a semicolon */
            typedef enum anvil_status { ANVIL_OK = 0, ANVIL_ERR_X = 0x10 } anvil_status;
            typedef struct anvil_thing anvil_thing;
            typedef struct anvil_mixed {
                int32_t a;          // 4 bytes, then 4 of padding
                int64_t b, c;
                char name[5];       // then 3 of padding before d
                float d;
                double e;
            } anvil_mixed;
            ANVIL_API ANVIL_LEAF int64_t anvil_count(void);
            ANVIL_API anvil_status anvil_do(anvil_thing* t, const anvil_mixed *m,
                                            uint64_t seed, float* out, const char** name);
            ANVIL_API const char* anvil_name(int32_t native);
            #ifdef __cplusplus
            }
            #endif
            #endif
            """;

    @Test
    void readsVersionConstantsStructsAndFunctions() {
        Header h = Header.parse(SAMPLE);
        assertEquals(7, h.abiVersion());
        assertEquals(0x10, h.constants().get("ANVIL_ERR_X"));
        Header.Struct s = h.structs().get(0);
        assertEquals("anvil_mixed", s.name());
        // C's layout: natural alignment, struct size a multiple of the largest member's alignment.
        assertEquals(List.of("a@0", "b@8", "c@16", "name@24", "d@32", "e@40"),
                s.fields().stream().map(f -> f.name() + "@" + f.offset()).toList());
        assertEquals(48, s.size());
        assertEquals(3, h.functions().size());
        Header.Function f = h.functions().get(1);
        assertEquals("anvil_do", f.name());
        assertFalse(f.leaf());
        assertTrue(h.functions().get(0).leaf());
        assertEquals(List.of("anvil_thing*", "const anvil_mixed*", "uint64_t", "float*", "const char**"),
                f.params().stream().map(p -> p.type().c()).toList());
        assertEquals(CType.Kind.INT, f.returns().kind(), "an enum is an int");
    }

    @Test
    void javaKeywordsAreRenamedAndEveryFunctionGetsGlue() {
        Header h = Header.parse(SAMPLE);
        String abi = JavaSources.java17(h).get("Abi.java");
        assertTrue(abi.contains("long anvil_name(int native_);"), abi);
        assertTrue(abi.contains("int anvil_do(long t, long m, long seed, long out, long name);"), abi);
        String glue = CSources.jniGlue(h);
        assertTrue(glue.contains("Java_dev_anvil_abi_JniAbi_anvil_1do(JNIEnv* env, jobject self, jlong t, jlong m, jlong seed, "
                + "jlong out, jlong name)"), glue);
        assertTrue(glue.contains("(const anvil_mixed*)(intptr_t)m"), glue);
        String ffm = JavaSources.java22(h).get("FfmAbi.java");
        assertTrue(ffm.contains("downcall(\"anvil_count\", true, FunctionDescriptor.of(JAVA_LONG))"), ffm);
        assertTrue(CSources.layoutTest(h).contains("FIELD(anvil_mixed, d, 32, 4);"));
    }

    @Test
    void whatTheBindingsCannotCarryIsRefusedWithTheDeclaration() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Header.parse("#define ANVIL_ABI_VERSION 1\nANVIL_API anvil_status anvil_f(long double x);"));
        assertTrue(e.getMessage().contains("unsupported type 'long double'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Header.parse("#define ANVIL_ABI_VERSION 1\nstatic int helper(void);"));
        assertTrue(e.getMessage().contains("unsupported declaration: static int helper(void)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Header.parse("ANVIL_API int32_t anvil_f(void);"));
        assertTrue(e.getMessage().contains("no ANVIL_ABI_VERSION"), e.getMessage());
    }

    @Test
    void theRealHeaderParses() throws IOException {
        Path header = Path.of("../include/anvil.h");
        Header h = Header.parse(Files.readString(header));
        assertTrue(h.functions().stream().anyMatch(f -> f.name().equals("anvil_conv2d_forward")));
        assertEquals(112, h.structs().stream().filter(s -> s.name().equals("anvil_conv2d_desc")).findFirst().orElseThrow().size());
    }
}
