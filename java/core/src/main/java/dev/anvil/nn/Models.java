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
        return fashionMnistCnn(1, 0.4);
    }

    /**
     * The reference CNN with its channel and hidden widths scaled by {@code width} (32, 64 and 1024
     * times width, rounded, at least 1) and dropout probability {@code dropout}; (1, 0.4) is the
     * reference.
     */
    public static Sequential fashionMnistCnn(double width, double dropout) {
        if (!(width > 0 && Double.isFinite(width))) throw new IllegalArgumentException("width must be positive, got " + width);
        int c1 = scaled(32, width), c2 = scaled(64, width), hidden = scaled(1024, width);
        return new Sequential()
                .add("conv1", Conv2d.builder(1, c1, 5).padding(2).build())
                .add("relu1", new ReLU())
                .add("pool1", new MaxPool2d(2))
                .add("conv2", Conv2d.builder(c1, c2, 5).padding(2).build())
                .add("relu2", new ReLU())
                .add("pool2", new MaxPool2d(2))
                .add("flatten", new Flatten())
                .add("fc1", new Linear(c2 * 7 * 7, hidden))
                .add("relu3", new ReLU())
                .add("drop", new Dropout(dropout))
                .add("fc2", new Linear(hidden, 10));
    }

    private static int scaled(int base, double width) {
        return Math.max(1, (int) Math.round(base * width));
    }

    /**
     * fmnist-resnet: ResNet-20 of He et al. 2016 (CIFAR variant) for 1x28x28 input, 10 classes, as
     * {@code FmnistResNet} of the PyTorch reference: stem conv3x3 1->16 + BatchNorm + ReLU, three
     * stages of three basic blocks with widths 16, 32 and 64 (stride 2 and a 1x1 conv + BatchNorm
     * projection shortcut at the first block of stages 2 and 3), global average pooling, fc 64->10;
     * 272,186 parameters. Its state dict has PyTorch's keys ("stem.0.weight", "stages.3.shortcut.0.weight",
     * "stages.0.bn1.running_mean", "fc.bias").
     */
    public static Sequential fmnistResNet() {
        int[] widths = {16, 32, 64};
        Sequential stages = new Sequential();
        int in = widths[0];
        for (int stage = 0; stage < widths.length; stage++) {
            for (int block = 0; block < 3; block++) {
                stages.add(basicBlock(in, widths[stage], stage > 0 && block == 0 ? 2 : 1));
                in = widths[stage];
            }
        }
        return new Sequential()
                .add("stem", new Sequential(conv(1, widths[0], 3, 1), new BatchNorm2d(widths[0]), new ReLU()))
                .add("stages", stages)
                .add("pool", new AdaptiveAvgPool2d(1))
                .add("flatten", new Flatten())
                .add("fc", new Linear(in, 10));
    }

    /** A ResNet basic block: two 3x3 convolutions with BatchNorm, a projection shortcut where the shape changes. */
    public static Residual basicBlock(int in, int out, int stride) {
        Residual.Builder b = Residual.builder()
                .add("conv1", conv(in, out, 3, stride)).add("bn1", new BatchNorm2d(out)).add("relu1", new ReLU())
                .add("conv2", conv(out, out, 3, 1)).add("bn2", new BatchNorm2d(out));
        if (stride != 1 || in != out) b.shortcut("shortcut", new Sequential(conv(in, out, 1, stride), new BatchNorm2d(out)));
        return b.after("relu", new ReLU()).build();
    }

    /** A bias-free convolution with "same" padding for odd kernels. */
    private static Conv2d conv(int in, int out, int kernel, int stride) {
        return Conv2d.builder(in, out, kernel).stride(stride).padding(kernel / 2).bias(false).build();
    }
}
