package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.anvil.AnvilException;
import dev.anvil.Device;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import dev.anvil.ext.Plugin;
import dev.anvil.ext.PluginLayer;
import dev.anvil.io.Checkpoint;
import dev.anvil.optim.Adam;
import dev.anvil.optim.Optimizer;
import dev.anvil.optim.SGD;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference network moved to a GPU computes what it computes on the CPU (forward, every
 * parameter gradient, SGD steps; Adam's normalised steps amplify rounding, and its kernel is
 * compared with the CPU's in OptimizerOpTest) within float rounding of other summation orders; devices
 * that do not match fail with a message that says how to fix it. Skipped, with the reason, where
 * CUDA is not usable.
 */
class CudaLayerTest {
    /** Relative to the largest magnitude of each compared tensor; float sums in other orders differ by ~1e-6. */
    private static final double RTOL = 2e-4;

    private Device gpu;

    @BeforeEach
    void needsCuda() {
        String why = Device.cudaUnavailableReason();
        Assumptions.assumeTrue(why == null, () -> "no usable CUDA: " + why);
        gpu = Device.cuda(0);
    }

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    private static Tensor random(Device d, long seed, long... shape) {
        Tensor t = Tensor.empty(d, shape);
        Init.uniform(t, -1, 1, new SplittableRandom(seed));
        return t;
    }

    @Test
    void forwardBackwardAndStepsMatchTheCpu() {
        Init.manualSeed(3);
        try (Sequential cpuModel = Models.fashionMnistCnn(); Scope s = Scope.open()) {
            Init.manualSeed(3);
            Sequential gpuModel = Models.fashionMnistCnn().to(gpu);
            try (gpuModel;
                    Optimizer cpuOpt = SGD.builder().lr(0.01).momentum(0.9).build(cpuModel.parameters());
                    Optimizer gpuOpt = SGD.builder().lr(0.01).momentum(0.9).build(gpuModel.parameters());
                    CrossEntropyLoss cpuLoss = new CrossEntropyLoss();
                    CrossEntropyLoss gpuLoss = new CrossEntropyLoss()) {
                assertEquals(gpu, gpuModel.device());
                Tensor x = random(Device.cpu(), 1, 8, 1, 28, 28);
                int[] y = {0, 1, 2, 3, 4, 5, 6, 7};
                Tensor labels = Tensor.ofInts(y, 8);
                Tensor xg = x.to(gpu), labelsG = labels.to(gpu);
                for (int step = 0; step < 3; step++) {
                    cpuOpt.zeroGrad();
                    gpuOpt.zeroGrad();
                    Tensor lc = cpuModel.forward(x), lg = gpuModel.forward(xg);
                    assertEquals(gpu, lg.device());
                    assertClose("logits, step " + step, lc.toFloatArray(), lg.toFloatArray());
                    float a = cpuLoss.forward(lc, labels), b = gpuLoss.forward(lg, labelsG);
                    assertEquals(a, b, 1e-4 * Math.abs(a), "loss, step " + step);
                    cpuModel.backward(cpuLoss.backward(), false);
                    gpuModel.backward(gpuLoss.backward(), false);
                    List<Parameter> pc = cpuModel.parameters(), pg = gpuModel.parameters();
                    for (int i = 0; i < pc.size(); i++) {
                        assertEquals(gpu, pg.get(i).device());
                        assertClose("gradient of parameter " + i + ", step " + step, pc.get(i).grad().toFloatArray(),
                                pg.get(i).grad().toFloatArray());
                    }
                    cpuOpt.step();
                    gpuOpt.step();
                }
                List<Parameter> pc = cpuModel.parameters(), pg = gpuModel.parameters();
                for (int i = 0; i < pc.size(); i++) {
                    assertClose("parameter " + i + " after 3 SGD steps", pc.get(i).value().toFloatArray(),
                            pg.get(i).value().toFloatArray());
                }
            }
        }
    }

    @Test
    void inputOnAnotherDeviceIsRefusedSayingHowToFixIt() {
        try (Linear gpuLayer = new Linear(4, 3); Linear cpuLayer = new Linear(4, 3); Scope s = Scope.open()) {
            gpuLayer.to(gpu);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> gpuLayer.forward(Tensor.zeros(2, 4)));
            assertTrue(e.getMessage().contains("is on cpu") && e.getMessage().contains("to(cpu)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cpuLayer.forward(Tensor.zeros(gpu, 2, 4)));
            assertTrue(e.getMessage().contains("cuda:0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> new CrossEntropyLoss().forward(Tensor.zeros(gpu, 2, 3), Tensor.ofInts(new int[] {0, 1}, 2)));
            assertTrue(e.getMessage().contains("labels on cpu"), e.getMessage());
        }
    }

    @Test
    void optimizerStateFollowsTheModel() {
        try (Linear layer = new Linear(5, 2); Scope s = Scope.open()) {
            Optimizer opt = Adam.builder().lr(0.1).build(layer.parameters());
            try (opt) {
                Tensor x = random(Device.cpu(), 2, 3, 5);
                layer.forward(x);
                layer.backward(Tensor.zeros(3, 2).fill(1f), false);
                opt.step(); // state on the CPU
                float[] m = opt.stateOf(0).get("exp_avg").toFloatArray();
                layer.to(gpu);
                opt.zeroGrad();
                layer.forward(x.to(gpu));
                layer.backward(Tensor.zeros(gpu, 3, 2).fill(1f), false);
                opt.step();
                Tensor moved = opt.stateOf(0).get("exp_avg");
                assertEquals(gpu, moved.device());
                assertTrue(moved.toFloatArray()[0] != m[0], "the moment kept changing on the GPU");
            }
        }
    }

    @Test
    void checkpointsMoveBetweenDevices(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gpu.ckpt");
        Init.manualSeed(11);
        try (Sequential onGpu = Models.fashionMnistCnn().to(gpu); Sequential onCpu = Models.fashionMnistCnn()) {
            Checkpoint.save(file, onGpu, null, Map.of());
            Checkpoint.load(file, onCpu, null);
            for (int i = 0; i < onGpu.parameters().size(); i++) {
                assertClose("parameter " + i, onGpu.parameters().get(i).value().toFloatArray(),
                        onCpu.parameters().get(i).value().toFloatArray());
            }
        }
    }

    @Test
    void aPluginWithoutCudaCodeFailsClearlyOnTheGpu() {
        Path lib = Path.of(System.getProperty("anvil.examplesDir", "bindings/javacpp/target/cmake/examples"))
                .resolve("libanvil_leaky_relu.so");
        Assumptions.assumeTrue(Files.exists(lib), "example plug-in not built: " + lib);
        try (Plugin p = Plugin.load(lib); PluginLayer layer = p.layer("leaky_relu", 0.1f); Tensor x = Tensor.zeros(gpu, 4)) {
            AnvilException e = assertThrows(AnvilException.class, () -> layer.forward(x));
            assertEquals(AnvilException.Status.UNSUPPORTED, e.status());
            assertTrue(e.getMessage().contains("leaky_relu") && e.getMessage().contains("no CUDA code"), e.getMessage());
        }
    }

    private static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (float f : expected) scale = Math.max(scale, Math.abs(f));
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= RTOL * scale + 1e-7)) {
                fail(what + ": element " + i + " is " + actual[i] + " on the GPU, " + expected[i] + " on the CPU (scale " + scale + ")");
            }
        }
    }
}
