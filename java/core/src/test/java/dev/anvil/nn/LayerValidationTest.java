package dev.anvil.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.DType;
import dev.anvil.Tensor;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad arguments fail with an exception that names the layer and the shapes, and leak nothing. */
class LayerValidationTest {
    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    /** Asserts {@code call} throws {@code type} with a message containing every fragment. */
    private static <T extends Throwable> T assertFails(Class<T> type, Executable call, String... fragments) {
        T e = assertThrows(type, call);
        for (String f : fragments) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
        }
        return e;
    }

    /** One of each layer kind, each of which accepts a [2, 4, 6, 6] input. */
    private static List<Supplier<Layer>> imageLayers() {
        return List.of(() -> Conv2d.builder(4, 2, 3).build(), () -> new MaxPool2d(2), () -> new AvgPool2d(2), ReLU::new,
                () -> new Dropout(0.5), Flatten::new);
    }

    @Test
    void channelMismatchNamesTheShape() {
        try (Conv2d conv = Conv2d.builder(3, 8, 3).build(); Tensor x = Tensor.zeros(2, 1, 8, 8)) {
            assertFails(IllegalArgumentException.class, () -> conv.forward(x), "Conv2d", "channel mismatch", "[2, 1, 8, 8]", "3");
        }
    }

    @Test
    void kernelLargerThanPaddedInput() {
        try (Conv2d conv = Conv2d.builder(1, 1, 5).padding(0).build(); Conv2d dilated = Conv2d.builder(1, 1, 3).dilation(3).build();
                MaxPool2d pool = new MaxPool2d(4); AvgPool2d avg = new AvgPool2d(6, 1, 1, true); Tensor x = Tensor.zeros(1, 1, 3, 3)) {
            assertFails(IllegalArgumentException.class, () -> conv.forward(x), "Conv2d", "larger than the padded input", "[1, 1, 3, 3]");
            assertFails(IllegalArgumentException.class, () -> dilated.forward(x), "Conv2d", "dilation 3x3", "[1, 1, 3, 3]");
            assertFails(IllegalArgumentException.class, () -> pool.forward(x), "MaxPool2d", "larger than the padded input", "[1, 1, 3, 3]");
            assertFails(IllegalArgumentException.class, () -> avg.forward(x), "AvgPool2d", "6x6", "[1, 1, 3, 3]");
        }
    }

    @Test
    void wrongRank() {
        try (Linear fc = new Linear(16, 4); Conv2d conv = Conv2d.builder(1, 1, 1).build(); MaxPool2d pool = new MaxPool2d(2);
                Flatten flatten = new Flatten(); Tensor image = Tensor.zeros(2, 1, 4, 4); Tensor flat = Tensor.zeros(2, 16);
                Tensor vector = Tensor.zeros(16)) {
            assertFails(IllegalArgumentException.class, () -> fc.forward(image), "Linear", "[batch, 16]", "[2, 1, 4, 4]", "Flatten");
            assertFails(IllegalArgumentException.class, () -> fc.forward(vector), "Linear", "[16]");
            assertFails(IllegalArgumentException.class, () -> conv.forward(flat), "Conv2d", "4-D", "[2, 16]");
            assertFails(IllegalArgumentException.class, () -> pool.forward(flat), "MaxPool2d", "4-D", "[2, 16]");
            assertFails(IllegalArgumentException.class, () -> flatten.forward(vector), "Flatten", "[16]");
        }
    }

    @Test
    void int32InputIsRejected() {
        try (Tensor x = Tensor.empty(DType.INT32, 2, 4, 6, 6); Linear fc = new Linear(6, 2); Tensor ints = Tensor.empty(DType.INT32, 3, 6)) {
            x.zero();
            for (Supplier<Layer> make : imageLayers()) {
                try (Layer layer = make.get()) {
                    assertFails(IllegalArgumentException.class, () -> layer.forward(x), layer.name(), "FLOAT32", "INT32[2, 4, 6, 6]");
                }
            }
            assertFails(IllegalArgumentException.class, () -> fc.forward(ints), "Linear", "INT32[3, 6]");
        }
    }

    @Test
    void closedInputIsRejected() {
        Tensor x = Tensor.zeros(2, 4, 6, 6);
        x.close();
        for (Supplier<Layer> make : imageLayers()) {
            try (Layer layer = make.get()) {
                assertFails(IllegalStateException.class, () -> layer.forward(x), "closed", "[2, 4, 6, 6]");
            }
        }
        try (Sequential model = new Sequential(new Flatten(), new Linear(144, 2))) {
            assertFails(IllegalStateException.class, () -> model.forward(x), "closed");
        }
    }

    @Test
    void backwardBeforeForward() {
        try (Tensor dy = Tensor.zeros(2, 2, 4, 4)) {
            for (Supplier<Layer> make : imageLayers()) {
                try (Layer layer = make.get()) {
                    assertFails(IllegalStateException.class, () -> layer.backward(dy), layer.name(), "without a forward()");
                }
            }
        }
        try (CrossEntropyLoss loss = new CrossEntropyLoss()) {
            assertFails(IllegalStateException.class, loss::backward, "CrossEntropyLoss", "before forward()");
        }
    }

    @Test
    void backwardAfterAnEvaluationForwardIsRejected() {
        try (Tensor x = Tensor.zeros(2, 4, 6, 6); Tensor dy = Tensor.zeros(2, 2, 4, 4)) {
            for (Supplier<Layer> make : imageLayers()) {
                try (Layer layer = make.get()) {
                    layer.eval();
                    layer.forward(x);
                    assertFails(IllegalStateException.class, () -> layer.backward(dy), layer.name(), "training mode");
                }
            }
        }
    }

    @Test
    void wrongGradientShape() {
        try (Tensor x = Tensor.zeros(2, 4, 6, 6); Tensor dy = Tensor.zeros(2, 4, 5, 5)) {
            for (Supplier<Layer> make : imageLayers()) {
                try (Layer layer = make.get()) {
                    Tensor y = layer.forward(x);
                    String outShape = y.shapeString();
                    assertFails(IllegalArgumentException.class, () -> layer.backward(dy), layer.name(), "[2, 4, 5, 5]", outShape);
                }
            }
        }
        try (Linear fc = new Linear(3, 2); Tensor x = Tensor.zeros(5, 3); Tensor dy = Tensor.zeros(5, 3)) {
            fc.forward(x);
            assertFails(IllegalArgumentException.class, () -> fc.backward(dy), "Linear", "[5, 3]", "[5, 2]");
        }
    }

    @Test
    void int32GradientIsRejected() {
        try (Tensor x = Tensor.zeros(2, 4, 6, 6); Tensor dy = Tensor.empty(DType.INT32, 2, 2, 4, 4);
                Conv2d conv = Conv2d.builder(4, 2, 3).build()) {
            dy.zero();
            conv.forward(x);
            assertFails(IllegalArgumentException.class, () -> conv.backward(dy), "Conv2d", "INT32");
        }
    }

    @Test
    void useAfterClose() {
        try (Tensor x = Tensor.zeros(2, 4, 6, 6); Tensor dy = Tensor.zeros(2, 2, 4, 4)) {
            for (Supplier<Layer> make : imageLayers()) {
                Layer layer = make.get();
                layer.close();
                layer.close(); // idempotent
                assertFails(IllegalStateException.class, () -> layer.forward(x), layer.name(), "closed");
                assertFails(IllegalStateException.class, () -> layer.backward(dy), layer.name(), "closed");
            }
            Sequential model = new Sequential(new Linear(2, 2));
            model.close();
            assertFails(IllegalStateException.class, () -> model.forward(x), "Sequential", "closed");
            assertFails(IllegalStateException.class, () -> model.backward(dy), "Sequential", "closed");
        }
    }

    @Test
    void builderArguments() {
        assertFails(IllegalArgumentException.class, () -> Conv2d.builder(0, 4, 3), "inChannels", "0");
        assertFails(IllegalArgumentException.class, () -> Conv2d.builder(1, 0, 3), "outChannels", "0");
        assertFails(IllegalArgumentException.class, () -> Conv2d.builder(1, 4, 0), "kernel", "0");
        assertFails(IllegalArgumentException.class, () -> Conv2d.builder(1, 4, 3).padding(-1), "padding", "-1");
        assertFails(IllegalArgumentException.class, () -> Conv2d.builder(1, 4, 3).stride(0), "stride", "0");
        assertFails(IllegalArgumentException.class, () -> Conv2d.builder(1, 4, 3).dilation(0), "dilation", "0");
        assertFails(IllegalArgumentException.class, () -> Conv2d.builder(3, 4, 3).groups(2).build(), "Conv2d", "groups 2", "3");
        assertFails(IllegalArgumentException.class, () -> Conv2d.builder(4, 6, 3).groups(4).build(), "Conv2d", "groups 4", "6");
        assertFails(IllegalArgumentException.class, () -> new Linear(0, 3), "inFeatures", "0");
        assertFails(IllegalArgumentException.class, () -> new Dropout(1.0), "Dropout", "[0, 1)", "1.0");
        assertFails(IllegalArgumentException.class, () -> new Dropout(-0.1), "Dropout", "-0.1");
        assertFails(IllegalArgumentException.class, () -> new Dropout(Double.NaN), "Dropout", "NaN");
        assertFails(IllegalArgumentException.class, () -> new MaxPool2d(2, 2, 2), "MaxPool2d", "padding 2x2", "half of the kernel 2x2");
        assertFails(IllegalArgumentException.class, () -> new AvgPool2d(3, 1, 2, true), "AvgPool2d", "padding 2x2", "3x3");
        assertFails(IllegalArgumentException.class, () -> new MaxPool2d(0), "kernel", "0");
    }

    @Test
    void sameLayerTwiceInASequential() {
        try (Linear fc = new Linear(2, 2)) {
            assertFails(IllegalArgumentException.class, () -> new Sequential(fc, fc), "Linear", "already part of this model");
        }
        try (Sequential model = new Sequential(new ReLU())) {
            assertFails(IllegalArgumentException.class, () -> model.add(model), "cannot contain itself");
            assertFails(IllegalArgumentException.class, () -> model.add(null), "null");
        }
    }

    @Test
    void sequentialNamesTheLayerThatDoesNotFitBeforeRunningAnyKernel() {
        try (Sequential model = Models.fashionMnistCnn(); Tensor x = Tensor.zeros(2, 1, 32, 32)) {
            assertFails(IllegalArgumentException.class, () -> model.forward(x), "fc1 (Linear)", "[2, 4096]", "3136");
        }
    }

    @Test
    void crossEntropyLossArguments() {
        try (CrossEntropyLoss loss = new CrossEntropyLoss(); Tensor logits = Tensor.zeros(3, 4);
                Tensor wrongCount = Tensor.ofInts(new int[] {0, 1}, 2); Tensor floatLabels = Tensor.zeros(3);
                Tensor outOfRange = Tensor.ofInts(new int[] {0, 4, 1}, 3); Tensor image = Tensor.zeros(3, 4, 1, 1)) {
            assertFails(IllegalArgumentException.class, () -> loss.forward(logits, wrongCount), "CrossEntropyLoss", "[3, 4]", "INT32[2]");
            assertFails(IllegalArgumentException.class, () -> loss.forward(logits, floatLabels), "CrossEntropyLoss", "FLOAT32[3]");
            assertFails(IllegalArgumentException.class, () -> loss.forward(image, outOfRange), "CrossEntropyLoss", "[3, 4, 1, 1]");
            assertFails(RuntimeException.class, () -> loss.forward(logits, outOfRange), "label 4", "out of range");
        }
    }

    @Test
    void aLayerStillWorksAfterARejectedCall() {
        try (Conv2d conv = Conv2d.builder(4, 2, 3).build(); Tensor bad = Tensor.zeros(2, 3, 6, 6); Tensor x = Tensor.zeros(2, 4, 6, 6);
                Tensor dy = Tensor.zeros(2, 2, 4, 4)) {
            assertThrows(IllegalArgumentException.class, () -> conv.forward(bad));
            assertArrayEquals(new long[] {2, 2, 4, 4}, conv.forward(x).shape());
            assertArrayEquals(new long[] {2, 4, 6, 6}, conv.backward(dy).shape());
        }
    }

    /** padding='same' and 'valid' as PyTorch resolves them, and the cases PyTorch refuses or that need uneven padding. */
    @Test
    void conv2dStringPadding() {
        try (Conv2d same = Conv2d.builder(3, 4, 5).padding("same").build();
                Conv2d dilated = Conv2d.builder(3, 4, 3).dilation(2).padding("same").build();
                Conv2d rect = Conv2d.builder(3, 4, 3, 5).padding("same").build();
                Conv2d valid = Conv2d.builder(3, 4, 5).padding(2).padding("valid").build()) {
            long[] in = {2, 3, 11, 9};
            assertArrayEquals(new long[] {2, 4, 11, 9}, same.outputShape(in));
            assertArrayEquals(new long[] {2, 4, 11, 9}, dilated.outputShape(in));
            assertArrayEquals(new long[] {2, 4, 11, 9}, rect.outputShape(in));
            assertArrayEquals(new long[] {2, 4, 7, 5}, valid.outputShape(in));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Conv2d.builder(3, 4, 3).stride(2).padding("same").build());
        assertTrue(e.getMessage().contains("not supported for strided convolutions"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv2d.builder(3, 4, 4).padding("same").build());
        assertTrue(e.getMessage().contains("needs uneven padding"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv2d.builder(3, 4, 3).padding("full"));
        assertTrue(e.getMessage().contains("'same', 'valid' or a number"), e.getMessage());
    }

    /** The functional gradients of Conv2d and Linear check their tensors as the layers do. */
    @Test
    void functionalGradientsRefuseMismatchedTensors() {
        try (Conv2d conv = Conv2d.builder(2, 3, 3).padding(1).build(); Linear lin = new Linear(4, 5);
                Tensor x = Tensor.zeros(1, 2, 5, 5); Tensor dy = Tensor.zeros(1, 3, 5, 5); Tensor wrongDy = Tensor.zeros(1, 3, 4, 4);
                Tensor dw = Tensor.zeros(3, 2, 3, 3); Tensor wrongDw = Tensor.zeros(3, 2, 3, 2); Tensor db = Tensor.zeros(3);
                Tensor dx = Tensor.zeros(1, 2, 5, 5); Tensor ly = Tensor.zeros(2, 5); Tensor lx = Tensor.zeros(2, 4)) {
            conv.weightGradient(x, dy, dw, db);
            conv.inputGradient(dy, dx);
            lin.inputGradient(ly, lx);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> conv.inputGradient(wrongDy, dx));
            assertTrue(e.getMessage().contains("Conv2d.inputGradient: expected an output gradient FLOAT32[1, 3, 5, 5]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> conv.weightGradient(x, dy, wrongDw, db));
            assertTrue(e.getMessage().contains("weightGradient: dw must be FLOAT32[3, 2, 3, 3]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> conv.weightGradient(x, dy, dw, dw));
            assertTrue(e.getMessage().contains("db must be FLOAT32 [3]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> lin.inputGradient(lx, lx));
            assertTrue(e.getMessage().contains("Linear.inputGradient: expected an output gradient FLOAT32[2, 5]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> conv.inputGradient(dy, ly));
            assertTrue(e.getMessage().contains("Conv2d"), e.getMessage());
        }
    }
}
