package dev.anvil.abi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both generated bindings reach libanvil the same way: strings, output parameters, structs written
 * in C's layout and read back, memory views. The FFM binding runs where the JDK has it (22+).
 */
class AbiTest {
    static Stream<Abi> bindings() throws ReflectiveOperationException {
        List<Abi> all = new ArrayList<>(List.of(new JniAbi()));
        if (Bindings.ffmAvailable()) {
            all.add((Abi) Class.forName("dev.anvil.abi.FfmAbi").getDeclaredConstructor().newInstance());
        }
        return all.stream();
    }

    private static ByteBuffer scratch(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    @ParameterizedTest
    @MethodSource("bindings")
    void versionsAndStrings(Abi abi) {
        assertEquals(Abi.ABI_VERSION, abi.anvil_abi_version());
        assertTrue(abi.string(abi.anvil_version()).matches("\\d+\\.\\d+\\.\\d+"), abi.string(abi.anvil_version()));
        assertNull(abi.string(0));
    }

    @ParameterizedTest
    @MethodSource("bindings")
    void structsTravelInTheirCLayout(Abi abi) {
        ByteBuffer b = scratch(Conv2dDesc.SIZEOF + 16);
        long at = abi.address(b);
        new Conv2dDesc().batch(2).in_channels(3).in_h(11).in_w(9).out_channels(4).kernel_h(3).kernel_w(5).stride_h(2)
                .stride_w(1).pad_h(1).pad_w(2).dilation_h(1).dilation_w(1).groups(1).write(b, 0);
        assertEquals(Abi.ANVIL_OK, abi.anvil_conv2d_output_size(at, at + Conv2dDesc.SIZEOF, at + Conv2dDesc.SIZEOF + 8));
        // (11 + 2 - 3) / 2 + 1 = 6 rows, (9 + 4 - 5) / 1 + 1 = 9 columns: every field landed where C reads it.
        assertEquals(6, b.getLong(Conv2dDesc.SIZEOF));
        assertEquals(9, b.getLong(Conv2dDesc.SIZEOF + 8));

        Conv2dDesc back = new Conv2dDesc().read(b, 0);
        assertArrayEquals(new long[] {2, 3, 11, 9, 4, 3, 5, 2, 1, 1, 2, 1, 1, 1}, new long[] {back.batch(), back.in_channels(),
                back.in_h(), back.in_w(), back.out_channels(), back.kernel_h(), back.kernel_w(), back.stride_h(), back.stride_w(),
                back.pad_h(), back.pad_w(), back.dilation_h(), back.dilation_w(), back.groups()});
    }

    @ParameterizedTest
    @MethodSource("bindings")
    void failuresReportAStatusAndAMessage(Abi abi) {
        ByteBuffer b = scratch(Conv2dDesc.SIZEOF + 16);
        long at = abi.address(b);
        new Conv2dDesc().batch(1).in_channels(1).in_h(4).in_w(4).out_channels(1).kernel_h(3).kernel_w(3).stride_h(0)
                .stride_w(1).dilation_h(1).dilation_w(1).groups(1).write(b, 0);
        assertEquals(Abi.ANVIL_ERR_INVALID_ARGUMENT, abi.anvil_conv2d_output_size(at, at + 112, at + 120));
        assertEquals("anvil_conv2d_output_size: stride_h must be positive, got 0", abi.string(abi.anvil_last_error()));
    }

    @ParameterizedTest
    @MethodSource("bindings")
    void memoryIsReachableThroughViews(Abi abi) {
        ByteBuffer out = scratch(8);
        assertEquals(Abi.ANVIL_OK, abi.anvil_malloc(64, abi.address(out)));
        long p = out.getLong(0);
        long before = abi.anvil_live_bytes();
        try {
            ByteBuffer view = abi.view(p, 64).order(ByteOrder.nativeOrder());
            assertEquals(64, view.capacity());
            view.putFloat(12, 2.5f);
            assertEquals(p, abi.address(view));
            assertEquals(2.5f, abi.view(p + 12, 4).order(ByteOrder.nativeOrder()).getFloat(0));
        } finally {
            assertEquals(Abi.ANVIL_OK, abi.anvil_free(p));
        }
        assertTrue(abi.anvil_live_bytes() <= before - 64, "anvil_free returned the bytes");
    }

    @Test
    void charArraysAreStrings() {
        ByteBuffer b = scratch(CudaDeviceProps.SIZEOF);
        String longName = "x".repeat(300);
        new CudaDeviceProps().name(longName).major(9).write(b, 0);
        CudaDeviceProps back = new CudaDeviceProps().read(b, 0);
        assertEquals(255, back.name().length(), "cut to fit 256 bytes with the NUL");
        assertEquals(9, back.major());
    }

    @ParameterizedTest
    @MethodSource("bindings")
    void theBindingNamesItself(Abi abi) {
        assertTrue(List.of("jni", "ffm").contains(abi.name()));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.bytedeco.javacpp.Loader"),
                "the bindings need no JavaCPP class");
    }
}
