package dev.anvil.infer;

import static org.junit.jupiter.api.Assertions.*;

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
import dev.anvil.nn.Models;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Residual;
import dev.anvil.nn.Sequential;
import dev.anvil.nn.SiLU;
import dev.anvil.nn.Sigmoid;
import dev.anvil.nn.Softmax;
import dev.anvil.nn.Tanh;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchitectureTest extends LeakChecked {
    @TempDir
    Path dir;

    /** Every built-in layer and composition, with settings other than the defaults. */
    static Sequential everything() {
        return new Sequential()
                .add("conv", Conv2d.builder(3, 6, 3, 2).stride(1, 1).padding(1, 1).dilation(1, 2).groups(3).bias(false).build())
                .add("bn", new BatchNorm2d(6, 1e-3, 0.2, true, true))
                .add("act", new LeakyReLU(0.2))
                .add("block", Residual.builder()
                        .add("conv", Conv2d.builder(6, 6, 3).padding(1).build()).add("gn", new GroupNorm(2, 6, 1e-4, false))
                        .add("elu", new ELU(0.7))
                        .shortcut("proj", new Sequential(new Conv2d(6, 6, 1), new BatchNorm2d(6, 1e-5, 0.1, false, true)))
                        .after("gelu", new GELU("tanh")).build())
                .add("branches", Concat.builder().add("a", new Sequential(new SiLU(), new MaxPool2d(3, 1, 1, true)))
                        .add("b", new Sequential(new Hardswish(), new AvgPool2d(3, 1, 1, false))).add("c", new Identity()).build())
                .add("pool", new AdaptiveAvgPool2d(2))
                .add("flatten", new Flatten())
                .add("drop", new Dropout(0.3))
                .add("fc", new Linear(72, 6, false))
                .add("bn1", new BatchNorm1d(6))
                .add("tanh", new Tanh())
                .add("fc2", new Linear(6, 5))
                .add("sig", new Sigmoid())
                .add("relu", new ReLU())
                .add("sm", new Softmax(1))
                .add("lsm", new LogSoftmax(-1));
    }

    private static Tensor input() {
        SplittableRandom rng = new SplittableRandom(4);
        float[] v = new float[3 * 3 * 6 * 6];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextDouble() * 2 - 1);
        return Tensor.of(v, 3, 3, 6, 6);
    }

    @Test
    void everyBuiltInLayerRoundTrips() {
        try (Sequential original = everything(); Tensor x = input()) {
            original.resetParameters(3);
            original.train(true);
            original.forward(x); // running statistics that are not the initial ones
            original.eval();
            String json = Architecture.describe(original);
            try (Layer rebuilt = Architecture.build(json)) {
                assertEquals(json, Architecture.describe(rebuilt), "the description of the rebuilt model is the same");
                assertEquals(original.stateDict().keySet(), rebuilt.stateDict().keySet());
                rebuilt.loadStateDict(original.stateDict(), true);
                rebuilt.eval();
                assertArrayEquals(original.forward(x).toFloatArray(), rebuilt.forward(x).toFloatArray());
                assertEquals(original.summary(3, 3, 6, 6), ((Sequential) rebuilt).summary(3, 3, 6, 6));
            }
            assertTrue(json.contains("\"kind\":\"GELU\",\"approximate\":\"tanh\""), json);
            assertTrue(json.contains("\"dilation\":[1,2],\"groups\":3,\"bias\":false"), json);
        }
    }

    @Test
    void aModelFileOfAnyBuiltInModelLoadsWithoutCode() throws Exception {
        Path file = dir.resolve("any.safetensors");
        try (Sequential original = everything(); Tensor x = input()) {
            original.resetParameters(5);
            original.eval();
            float[] expected = original.forward(x).toFloatArray();
            ModelFile.save(file, original, new ModelFile.Info(null, List.of("a", "b", "c", "d", "e"), 3, 6, 6, null, null));
            try (Layer loaded = ModelFile.loadModel(file)) {
                assertArrayEquals(expected, loaded.forward(x).toFloatArray());
            }
            assertNull(ModelFile.info(file).architecture());
        }
    }

    @Test
    void theResNetFixtureThroughADescribedModelFile() throws Exception {
        Path file = dir.resolve("resnet.safetensors");
        try (Sequential m = Models.fmnistResNet()) {
            SafeTensors.load(Fixtures.file("fmnist_resnet.safetensors"), m, true);
            ModelFile.save(file, m, new ModelFile.Info(null, ModelFile.FASHION_MNIST_CLASSES, 1, 28, 28, null, null));
        }
        try (Predictor p = ModelFile.load(file); SafeTensors.Contents in = SafeTensors.read(Fixtures.file("inputs.safetensors"));
                SafeTensors.Contents ref = SafeTensors.read(Fixtures.file("fmnist_resnet.logits.safetensors"))) {
            float[][] logits = p.logits(in.get("x"));
            float[] expected = ref.get("logits").toFloatArray();
            for (int i = 0; i < 16; i++) {
                for (int c = 0; c < 10; c++) assertEquals(expected[i * 10 + c], logits[i][c], 1e-4f * 13, "sample " + i + " class " + c);
            }
        }
    }

    @Test
    void badDescriptionsAndForeignLayersAreNamed() {
        IllegalArgumentException kind = assertThrows(IllegalArgumentException.class, () -> Architecture.build(
                "{\"kind\":\"Sequential\",\"children\":[{\"name\":\"x\",\"layer\":{\"kind\":\"Transformer\"}}]}"));
        assertEquals("architecture: model.x has unknown kind \"Transformer\"", kind.getMessage());
        IllegalArgumentException field = assertThrows(IllegalArgumentException.class, () -> Architecture.build(
                "{\"kind\":\"Linear\",\"in_features\":3,\"bias\":true}"));
        assertTrue(field.getMessage().contains("needs an integer \"out_features\""), field.getMessage());
        IllegalArgumentException value = assertThrows(IllegalArgumentException.class, () -> Architecture.build(
                "{\"kind\":\"Dropout\",\"p\":1.5}"));
        assertTrue(value.getMessage().startsWith("architecture: model (Dropout) cannot be built: "), value.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Architecture.build("{not json"));
        assertEquals(0, Tensor.liveBytes(), "a failed build leaks nothing");
        try (Sequential foreign = new Sequential().add("mine", new ForeignLayer())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Architecture.describe(foreign));
            assertTrue(e.getMessage().startsWith("architecture: model.mine (Mine"), e.getMessage());
        }
        // A Residual's merge is described (and refused) like any child: never dropped for the addition.
        try (Residual block = Residual.builder().add("fc", new Linear(3, 3)).merge("merge", new dev.anvil.ForeignMerge()).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Architecture.describe(block));
            assertTrue(e.getMessage().startsWith("architecture: model.merge (MyMerge"), e.getMessage());
        }
    }
}
