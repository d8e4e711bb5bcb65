package dev.anvil.onnx;

import static org.junit.jupiter.api.Assertions.*;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.anvil.ForeignLayer;
import dev.anvil.LeakChecked;
import dev.anvil.Tensor;
import dev.anvil.io.Fixtures;
import dev.anvil.io.SafeTensors;
import dev.anvil.nn.AdaptiveAvgPool2d;
import dev.anvil.nn.AvgPool2d;
import dev.anvil.nn.BatchNorm1d;
import dev.anvil.nn.BatchNorm2d;
import dev.anvil.nn.Concat;
import dev.anvil.nn.Conv2d;
import dev.anvil.nn.Dropout;
import dev.anvil.nn.ELU;
import dev.anvil.nn.Flatten;
import dev.anvil.nn.GELU;
import dev.anvil.nn.GroupNorm;
import dev.anvil.nn.Hardswish;
import dev.anvil.nn.Identity;
import dev.anvil.nn.Layer;
import dev.anvil.nn.LeakyReLU;
import dev.anvil.nn.Linear;
import dev.anvil.nn.LogSoftmax;
import dev.anvil.nn.MaxPool2d;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Residual;
import dev.anvil.nn.Sequential;
import dev.anvil.nn.SiLU;
import dev.anvil.nn.Sigmoid;
import dev.anvil.nn.Softmax;
import dev.anvil.nn.Tanh;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * Exported models run in ONNX Runtime (a reader and executor independent of Anvil) and must give
 * Anvil's evaluation-mode outputs within 1e-4 of the largest output; the two reference models
 * with PyTorch's weights must also give PyTorch's logits.
 */
class OnnxExportTest extends LeakChecked {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.anvil.io.Fixtures#referenceModels")
    void referenceModelRunsInOnnxRuntime(String name, Supplier<Layer> factory) throws Exception {
        try (Layer model = factory.get(); Fixtures.Reference ref = Fixtures.reference(name)) {
            SafeTensors.load(Fixtures.file(name + ".safetensors"), model, true);
            model.eval();
            Path file = dir.resolve(name + ".onnx");
            OnnxExport.export(model, file, 1, 28, 28);
            float[] ort = runOrt(Files.readAllBytes(file), ref.x().toFloatArray(), new long[] {16, 1, 28, 28});
            assertClose(model.forward(ref.x()).toFloatArray(), ort, name + ": ONNX Runtime against Anvil");
            assertClose(ref.expected(), ort, name + ": ONNX Runtime against PyTorch");
        }
    }

    @Test
    void everyExportableLayerAgreesWithOnnxRuntime() throws Exception {
        check("conv stride, padding, dilation, groups, no bias", new Sequential(
                Conv2d.builder(4, 6, 3, 2).stride(2, 1).padding(1, 0).dilation(1, 2).groups(2).bias(false).build()), 4, 9, 10);
        check("conv with bias", new Sequential(new Conv2d(3, 5, 3)), 3, 6, 6);
        check("linear without bias, sigmoid", new Sequential(new Linear(7, 4, false), new Sigmoid()), 7);
        check("linear, tanh, softmax", new Sequential(new Linear(5, 6), new Tanh(), new Softmax()), 5);
        check("linear, silu, log-softmax", new Sequential(new Linear(5, 6), new SiLU(), new LogSoftmax()), 5);
        check("batchnorm 1d", trained(new Sequential(new Linear(4, 3), new BatchNorm1d(3)), 4), 4);
        check("batchnorm 2d without affine", trained(new Sequential(new BatchNorm2d(3, 1e-3, 0.5, false, true)), 3, 4, 4), 3, 4, 4);
        check("max pool with padding", new Sequential(new MaxPool2d(3, 2, 1)), 2, 7, 7);
        check("max and average pool with ceil_mode", new Sequential(new MaxPool2d(2, 2, 0, true), new AvgPool2d(2, 2, 0, true, true)), 2, 7, 7);
        check("average pool with and without counting padding", new Sequential(new AvgPool2d(3, 2, 1, false), new AvgPool2d(2, 1, 1, true)),
                2, 8, 8);
        check("adaptive average pool 2x2, flatten", new Sequential(new AdaptiveAvgPool2d(2), new Flatten()), 3, 6, 4);
        check("dropout and identity", new Sequential(new Linear(3, 3), new Dropout(0.5), new Identity()), 3);
        check("only identity", new Sequential(new Identity()), 3);
        check("leaky relu, elu, hardswish", new Sequential(new Linear(5, 6), new LeakyReLU(0.2), new Linear(6, 6), new ELU(0.7),
                new Hardswish()), 5);
        check("gelu, exact and tanh", new Sequential(new Linear(5, 6), new GELU(), new Linear(6, 6), new GELU("tanh")), 5);
        check("concat of branches", new Sequential(Concat.builder().add("a", new Conv2d(2, 3, 1))
                .add("b", new Sequential(new MaxPool2d(3, 1, 1))).add("c", new Identity()).build()), 2, 4, 4);
        check("residual with identity shortcut", new Sequential(Residual.builder().add("conv", Conv2d.builder(2, 2, 3).padding(1).build())
                .add("relu", new ReLU()).build()), 2, 5, 5);
    }

    /** Runs a training step's forward passes so that BatchNorm's running statistics are not the initial 0 and 1. */
    private static Sequential trained(Sequential m, long... sample) {
        m.train(true);
        try (Tensor x = random(new SplittableRandom(3), prepend(8, sample))) {
            m.forward(x);
            m.forward(x);
        }
        return m;
    }

    private void check(String what, Sequential model, long... sample) throws Exception {
        try (model; Tensor x = random(new SplittableRandom(what.hashCode()), prepend(3, sample))) {
            model.resetParameters(what.length());
            model.eval();
            byte[] onnx = OnnxExport.toBytes(model, sample);
            float[] expected = model.forward(x).toFloatArray();
            assertClose(expected, runOrt(onnx, x.toFloatArray(), x.shape()), what);
        }
    }

    @Test
    void groupNormWithItsWeightsAgrees() throws Exception {
        Sequential m = new Sequential(new Conv2d(2, 6, 3), new GroupNorm(3, 6, 1e-4, true), new GroupNorm(2, 6, 1e-5, false));
        try (Tensor x = random(new SplittableRandom(8), 3, 2, 6, 6)) {
            m.resetParameters(2);
            m.stateDict().get("1.weight").copyFrom(new float[] {0.5f, 1.5f, -1f, 2f, 0.25f, 1f});
            m.stateDict().get("1.bias").copyFrom(new float[] {0.1f, -0.2f, 0.3f, 0f, 0.5f, -1f});
            m.eval();
            float[] expected = m.forward(x).toFloatArray();
            assertClose(expected, runOrt(OnnxExport.toBytes(m, 2, 6, 6), x.toFloatArray(), x.shape()), "group norm");
        } finally {
            m.close();
        }
    }

    @Test
    void layersWithoutMappingAreNamed() {
        try (Sequential m = new Sequential().add("fc", new Linear(3, 3)).add("act", new ForeignLayer())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.toBytes(m, 3));
            assertTrue(e.getMessage().contains("act (Mine) has no ONNX mapping"), e.getMessage());
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> OnnxExport.toBytes(m, 4));
            assertTrue(shape.getMessage().contains("does not take input [1, 4]: fc (Linear)"), shape.getMessage());
            assertThrows(IllegalArgumentException.class, () -> OnnxExport.toBytes(m, 0));
        }
        try (Sequential m = new Sequential().add("block",
                Residual.builder().add("fc", new Linear(3, 3)).merge("merge", new dev.anvil.ForeignMerge()).build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.toBytes(m, 3));
            assertTrue(e.getMessage().contains("block.merge (MyMerge), the merge of a Residual block, has no ONNX mapping"),
                    e.getMessage());
        }
        try (Sequential m = new Sequential(new BatchNorm2d(2, 1e-5, 0.1, true, false))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.toBytes(m, 2, 3, 3));
            assertTrue(e.getMessage().contains("keeps no running statistics"), e.getMessage());
        }
    }

    private static float[] runOrt(byte[] model, float[] x, long[] shape) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            opts.setIntraOpNumThreads(1);
            try (OrtSession s = env.createSession(model, opts);
                    OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                    OrtSession.Result r = s.run(Map.of("input", in))) {
                assertEquals("output", s.getOutputNames().iterator().next());
                OnnxTensor out = (OnnxTensor) r.get(0);
                FloatBuffer b = out.getFloatBuffer();
                float[] v = new float[b.remaining()];
                b.get(v);
                return v;
            }
        }
    }

    private static Tensor random(SplittableRandom rng, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextDouble() * 2 - 1);
        return Tensor.of(v, shape);
    }

    private static long[] prepend(long first, long[] rest) {
        long[] s = new long[rest.length + 1];
        s[0] = first;
        System.arraycopy(rest, 0, s, 1, rest.length);
        return s;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": output size");
        float largest = 0, worst = 0;
        for (float v : expected) largest = Math.max(largest, Math.abs(v));
        for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        LoggerFactory.getLogger(OnnxExportTest.class).info("{}: largest difference {} (largest value {})", what, worst, largest);
        assertTrue(worst <= 1e-4f * Math.max(largest, 1e-3f), what + ": largest difference " + worst + ", largest value " + largest
                + "; expected " + Arrays.toString(Arrays.copyOf(expected, 8)) + " got " + Arrays.toString(Arrays.copyOf(actual, 8)));
    }
}
