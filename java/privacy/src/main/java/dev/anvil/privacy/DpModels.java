package dev.anvil.privacy;

import dev.anvil.nn.Conv2d;
import dev.anvil.nn.Flatten;
import dev.anvil.nn.Layer;
import dev.anvil.nn.Linear;
import dev.anvil.nn.MaxPool2d;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Sequential;
import dev.anvil.nn.Tanh;

/** Networks for private training, built from layers {@link PerSampleClipper} supports. */
public final class DpModels {
    private DpModels() {}

    /**
     * The small CNN of Papernot et al. (AAAI 2021, "Tempered sigmoid activations for deep learning with
     * differential privacy") and Opacus's MNIST example, for 1x28x28 images: conv 16 8x8 stride 2 pad 3, pool 2
     * stride 1, conv 32 4x4 stride 2, pool 2 stride 1, fully connected 32, fully connected {@code classes}; tanh
     * activations (the tempered sigmoid that paper recommends) or ReLU. 26,010 parameters for 10 classes.
     */
    public static Sequential papernotCnn(int classes, boolean tanh) {
        if (classes < 2) throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        return new Sequential(
                Conv2d.builder(1, 16, 8).stride(2).padding(3).build(), act(tanh), new MaxPool2d(2, 1, 0),
                Conv2d.builder(16, 32, 4).stride(2).build(), act(tanh), new MaxPool2d(2, 1, 0),
                new Flatten(), new Linear(32 * 4 * 4, 32), act(tanh), new Linear(32, classes));
    }

    private static Layer act(boolean tanh) {
        return tanh ? new Tanh() : new ReLU();
    }
}
