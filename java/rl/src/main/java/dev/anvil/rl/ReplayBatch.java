package dev.anvil.rl;

import dev.anvil.DType;
import dev.anvil.Tensor;
import java.nio.FloatBuffer;

/**
 * One sampled minibatch of transitions, filled in place by {@link ReplayBuffer#sample}:
 * observations and next observations as [batch, observationSize] tensors (the networks' inputs),
 * actions, rewards, terminal flags, buffer indices and importance-sampling weights as arrays.
 * Allocated once and reused for every update; {@link #close()} frees the tensors.
 */
public final class ReplayBatch implements AutoCloseable {
    final Tensor observations;
    final Tensor nextObservations;
    final FloatBuffer obsView;
    final FloatBuffer nextObsView;
    final int[] actions;
    final float[] rewards;
    final float[] terminated;
    final int[] indices;
    final float[] weights;

    public ReplayBatch(int batchSize, int observationSize) {
        if (batchSize < 1) throw new IllegalArgumentException("ReplayBatch: batch size must be >= 1, got " + batchSize);
        if (observationSize < 1) throw new IllegalArgumentException("ReplayBatch: observation size must be >= 1, got " + observationSize);
        observations = Tensor.emptyUnscoped(DType.FLOAT32, batchSize, observationSize);
        nextObservations = Tensor.emptyUnscoped(DType.FLOAT32, batchSize, observationSize);
        obsView = observations.floatBuffer();
        nextObsView = nextObservations.floatBuffer();
        actions = new int[batchSize];
        rewards = new float[batchSize];
        terminated = new float[batchSize];
        indices = new int[batchSize];
        weights = new float[batchSize];
    }

    public int size() {
        return actions.length;
    }

    /** [batch, observationSize]: the states in which the actions were taken. */
    public Tensor observations() {
        return observations;
    }

    /** [batch, observationSize]: the states the actions led to. */
    public Tensor nextObservations() {
        return nextObservations;
    }

    public int action(int i) {
        return actions[i];
    }

    public float reward(int i) {
        return rewards[i];
    }

    /** Whether transition i ended in a terminal state (1) or not (0). */
    public float terminated(int i) {
        return terminated[i];
    }

    /** Where transition i lies in the buffer (for priority updates). */
    public int index(int i) {
        return indices[i];
    }

    /** Importance-sampling weight of transition i (1 for uniform sampling). */
    public float weight(int i) {
        return weights[i];
    }

    @Override
    public void close() {
        observations.close();
        nextObservations.close();
    }
}
