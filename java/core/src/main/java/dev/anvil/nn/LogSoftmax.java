package dev.anvil.nn;

/**
 * x_i - log(sum_j exp(x_j)) along the last dimension (PyTorch's {@code nn.LogSoftmax(dim=-1)}):
 * finite where the softmax underflows, the input of a negative-log-likelihood.
 */
public final class LogSoftmax extends SoftmaxFamily {
    /** Along the last dimension. */
    public LogSoftmax() {
        this(-1);
    }

    /** Along {@code dim}, which must turn out to be the input's last (e.g. 1 for [batch, classes]). */
    public LogSoftmax(int dim) {
        super("LogSoftmax", true, dim);
    }
}
