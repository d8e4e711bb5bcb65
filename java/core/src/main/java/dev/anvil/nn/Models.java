package dev.anvil.nn;

/** Ready-made networks. */
public final class Models {
    private Models() {}

    /**
     * The "2 Conv + pooling" convnet of the Fashion-MNIST benchmark for 1x28x28 input, 10 classes:
     * conv 1->32 5x5 pad 2 + ReLU, max-pool 2, conv 32->64 5x5 pad 2 + ReLU, max-pool 2, flatten,
     * linear 3136->1024 + ReLU, dropout 0.4, linear 1024->10 (3,274,634 parameters).
     */
    public static Sequential fashionMnistCnn() {
        return new Sequential(
                Conv2d.builder(1, 32, 5).padding(2).build(),
                new ReLU(),
                new MaxPool2d(2),
                Conv2d.builder(32, 64, 5).padding(2).build(),
                new ReLU(),
                new MaxPool2d(2),
                new Flatten(),
                new Linear(64 * 7 * 7, 1024),
                new ReLU(),
                new Dropout(0.4),
                new Linear(1024, 10));
    }
}
