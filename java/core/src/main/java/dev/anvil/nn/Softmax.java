package dev.anvil.nn;

/** exp(x_i) / sum_j exp(x_j) along the last dimension (PyTorch's {@code nn.Softmax(dim=-1)}), computed without overflow. */
public final class Softmax extends SoftmaxFamily {
    /** Along the last dimension. */
    public Softmax() {
        this(-1);
    }

    /** Along {@code dim}, which must turn out to be the input's last (e.g. 1 for [batch, classes]). */
    public Softmax(int dim) {
        super("Softmax", false, dim);
    }
}
