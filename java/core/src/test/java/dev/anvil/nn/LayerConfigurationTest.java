package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The read-only configuration accessors that exporters (ONNX) use. */
class LayerConfigurationTest {
    @Test
    void convolutionAndPoolingReportTheirGeometry() {
        try (Conv2d c = Conv2d.builder(4, 6, 3, 2).stride(2, 1).padding(1, 0).dilation(1, 2).groups(2).build();
                MaxPool2d mp = new MaxPool2d(3, 2, 1);
                AvgPool2d ap = new AvgPool2d(2, 1, 1, false);
                AdaptiveAvgPool2d ad = new AdaptiveAvgPool2d(2, 3)) {
            assertArrayEquals(new int[] {3, 2}, c.kernelSize());
            assertArrayEquals(new int[] {2, 1}, c.stride());
            assertArrayEquals(new int[] {1, 0}, c.padding());
            assertArrayEquals(new int[] {1, 2}, c.dilation());
            assertEquals(2, c.groups());
            assertArrayEquals(new int[] {3, 3}, mp.kernelSize());
            assertArrayEquals(new int[] {2, 2}, mp.stride());
            assertArrayEquals(new int[] {1, 1}, mp.padding());
            assertFalse(ap.countIncludePad());
            assertTrue(new AvgPool2d(2).countIncludePad());
            assertArrayEquals(new int[] {2, 3}, ad.outputSize());
        }
    }

    @Test
    void batchNormAndResidualReportTheirParts() {
        try (BatchNorm2d bn = new BatchNorm2d(3, 1e-3, 0.1, true, true); BatchNorm1d plain = new BatchNorm1d(2)) {
            assertEquals(1e-3, bn.eps());
            assertEquals(1e-5, plain.eps());
        }
        try (Residual block = Models.basicBlock(16, 32, 2); Residual plain = Residual.builder().add("fc", new Linear(2, 2)).build()) {
            assertEquals(List.of("conv1", "bn1", "relu1", "conv2", "bn2"), block.mainPath().stream().map(Layer.Child::name).toList());
            assertEquals("shortcut", block.shortcut().name());
            assertEquals("relu", block.after().name());
            assertNull(plain.shortcut());
            assertNull(plain.after());
        }
    }
}
