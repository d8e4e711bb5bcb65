package dev.anvil.nn;

/** Ready-made networks. */
public final class Models {
    private Models() {}

    /**
     * The "2 Conv + pooling" convnet of the Fashion-MNIST benchmark for 1x28x28 input, 10 classes:
     * conv 1->32 5x5 pad 2 + ReLU, max-pool 2, conv 32->64 5x5 pad 2 + ReLU, max-pool 2, flatten,
     * linear 3136->1024 + ReLU, dropout 0.4, linear 1024->10 (3,274,634 parameters). Its children
     * carry the attribute names of the PyTorch reference ({@code FmnistCnn}: conv1, conv2, fc1, fc2),
     * so that their state dicts have the same keys.
     */
    public static Sequential fashionMnistCnn() {
        return new Sequential()
                .add("conv1", Conv2d.builder(1, 32, 5).padding(2).build())
                .add("relu1", new ReLU())
                .add("pool1", new MaxPool2d(2))
                .add("conv2", Conv2d.builder(32, 64, 5).padding(2).build())
                .add("relu2", new ReLU())
                .add("pool2", new MaxPool2d(2))
                .add("flatten", new Flatten())
                .add("fc1", new Linear(64 * 7 * 7, 1024))
                .add("relu3", new ReLU())
                .add("drop", new Dropout(0.4))
                .add("fc2", new Linear(1024, 10));
    }
}
