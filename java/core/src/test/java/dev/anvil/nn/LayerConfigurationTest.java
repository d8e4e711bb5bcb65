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
            assertFalse(mp.ceilMode());
            assertTrue(new MaxPool2d(2, 2, 0, true).ceilMode());
            assertTrue(new AvgPool2d(2).countIncludePad());
            assertArrayEquals(new int[] {2, 3}, ad.outputSize());
        }
    }

    @Test
    void activationsAndNormsReportTheirParameters() {
        try (LeakyReLU l = new LeakyReLU(0.2); ELU e = new ELU(0.5); GELU g = new GELU("tanh"); GELU exact = new GELU();
                Softmax sm = new Softmax(1); LogSoftmax lsm = new LogSoftmax(); GroupNorm gn = new GroupNorm(2, 6, 1e-4, true);
                BatchNorm2d bn = new BatchNorm2d(3, 1e-3, 0.25, true, true)) {
            assertEquals(0.2, l.negativeSlope(), 1e-7);
            assertEquals(0.5, e.alpha(), 1e-7);
            assertEquals("tanh", g.approximate());
            assertEquals("none", exact.approximate());
            assertEquals(1, sm.dim());
            assertEquals(-1, lsm.dim());
            assertEquals(2, gn.numGroups());
            assertEquals(6, gn.numChannels());
            assertEquals(1e-4, gn.eps());
            assertEquals(0.25, bn.momentum());
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
