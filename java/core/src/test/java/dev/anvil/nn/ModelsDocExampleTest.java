package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The examples of docs/models.md, as written there: the ResNet-20 and the Inception-style block. */
class ModelsDocExampleTest {
    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    // ---- docs/models.md, "A ResNet in 25 lines"
    static Residual basicBlock(int in, int out, int stride) {
        Residual.Builder b = Residual.builder()
                .add("conv1", conv(in, out, 3, stride)).add("bn1", new BatchNorm2d(out)).add("relu1", new ReLU())
                .add("conv2", conv(out, out, 3, 1)).add("bn2", new BatchNorm2d(out));
        if (stride != 1 || in != out) b.shortcut("shortcut", new Sequential(conv(in, out, 1, stride), new BatchNorm2d(out)));
        return b.after("relu", new ReLU()).build();
    }

    static Conv2d conv(int in, int out, int kernel, int stride) {
        return Conv2d.builder(in, out, kernel).stride(stride).padding(kernel / 2).bias(false).build();
    }

    static Sequential resNet20() {
        int[] widths = {16, 32, 64};
        Sequential stages = new Sequential();
        int in = widths[0];
        for (int stage = 0; stage < 3; stage++) {
            for (int block = 0; block < 3; block++) {
                stages.add(basicBlock(in, widths[stage], stage > 0 && block == 0 ? 2 : 1));
                in = widths[stage];
            }
        }
        return new Sequential()
                .add("stem", new Sequential(conv(1, 16, 3, 1), new BatchNorm2d(16), new ReLU()))
                .add("stages", stages)
                .add("pool", new AdaptiveAvgPool2d(1)).add("flatten", new Flatten()).add("fc", new Linear(64, 10));
    }
    // ----

    private static List<String> shapes(Map<String, Tensor> state) {
        List<String> out = new ArrayList<>();
        state.forEach((k, v) -> out.add(k + v.shapeString()));
        return out;
    }

    @Test
    void theResNetOfTheDocsIsFmnistResNet() {
        try (Sequential doc = resNet20(); Sequential reference = Models.fmnistResNet()) {
            assertEquals(272_186, doc.parameterCount());
            assertEquals(shapes(reference.stateDict()), shapes(doc.stateDict()));
            assertTrue(doc.stateDict().containsKey("stages.3.shortcut.0.weight"));
            assertArrayEquals(new long[] {2, 10}, doc.outputShape(new long[] {2, 1, 28, 28}));
        }
    }

    @Test
    void theInceptionBlockOfTheDocsConcatenatesItsBranches() {
        try (Concat inception = Concat.builder()
                .add("branch1", Conv2d.builder(64, 32, 1).build())
                .add("branch3", new Sequential(Conv2d.builder(64, 16, 1).build(), new ReLU(), Conv2d.builder(16, 32, 3).padding("same").build()))
                .add("pool", new Sequential(new MaxPool2d(3, 1, 1), Conv2d.builder(64, 16, 1).build()))
                .build()) {
            assertArrayEquals(new long[] {2, 80, 7, 7}, inception.outputShape(new long[] {2, 64, 7, 7}));
            try (Tensor x = Tensor.zeros(2, 64, 7, 7)) {
                assertArrayEquals(new long[] {2, 80, 7, 7}, inception.forward(x).shape());
            }
        }
    }
}
