package dev.anvil.distributed;

import dev.anvil.Tensor;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.optim.Optimizer;
import java.util.Objects;

/**
 * The classification training step of {@link dev.anvil.train.Trainer} for data-parallel
 * training: forward, cross-entropy loss, a backward pass that synchronises gradients weighted by
 * each rank's batch size, and the optimizer step. Each step therefore equals one step of a single
 * process on the union of the ranks' batches.
 *
 * <pre>{@code
 * try (DdpTrainer trainer = new DdpTrainer(ddp, optimizer)) {
 *     for (Batch b : loader) trainer.step(b.images(), b.labels());
 * }
 * }</pre>
 */
public final class DdpTrainer implements AutoCloseable {
    private final DistributedDataParallel ddp;
    private final Optimizer optimizer;
    private final CrossEntropyLoss loss = new CrossEntropyLoss();

    /** A trainer of {@code ddp}'s model with {@code optimizer}, which must update that model's parameters. */
    public DdpTrainer(DistributedDataParallel ddp, Optimizer optimizer) {
        this.ddp = Objects.requireNonNull(ddp, "ddp");
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
    }

    /** One training step on this rank's batch; returns the batch's mean loss (on this rank). */
    public float step(Tensor images, Tensor labels) {
        optimizer.zeroGrad();
        float value = computeGradients(images, labels);
        optimizer.step();
        return value;
    }

    /**
     * Forward and backward on one batch without an optimizer step: gradients accumulate, and are
     * synchronised unless inside {@link DistributedDataParallel#noSync()}. Returns the mean loss.
     */
    public float computeGradients(Tensor images, Tensor labels) {
        ddp.model().train(true);
        float value = loss.forward(ddp.forward(images), labels);
        ddp.backward(loss.backward(), images.size(0));
        return value;
    }

    @Override
    public void close() {
        loss.close();
    }
}
