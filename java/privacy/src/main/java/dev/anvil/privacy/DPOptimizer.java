package dev.anvil.privacy;

import dev.anvil.Tensor;
import dev.anvil.nn.Parameter;
import dev.anvil.optim.Optimizer;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Wraps an optimizer as Opacus's {@code DPOptimizer}: the parameter gradients must hold the sum of the clipped
 * per-sample gradients (from {@link PerSampleClipper}); {@link #step} adds Gaussian noise of standard deviation
 * {@code noiseMultiplier * maxGradNorm} to each, divides by the expected batch size (sample rate times data
 * set size, not the drawn batch size, so that the noise scale does not depend on the private batch size),
 * runs the wrapped optimizer and records the step in the accountant.
 *
 * <p>The wrapped optimizer keeps its own state and options (momentum, Adam moments, learning rate); closing
 * this closes it.
 */
public final class DPOptimizer implements AutoCloseable {
    private final Optimizer optimizer;
    private final double noiseMultiplier, maxGradNorm, sampleRate;
    private final double expectedBatchSize;
    private final GaussianNoise noise;
    private final PrivacyAccountant accountant;
    private long step;

    public DPOptimizer(Optimizer optimizer, double noiseMultiplier, double maxGradNorm, double expectedBatchSize,
            double sampleRate, GaussianNoise noise, PrivacyAccountant accountant) {
        if (optimizer == null) throw new IllegalArgumentException("optimizer is null");
        PrivacyAccountant.checkNoiseMultiplier(noiseMultiplier);
        if (!(maxGradNorm > 0) || Double.isInfinite(maxGradNorm)) {
            throw new IllegalArgumentException("max_grad_norm must be finite and > 0, got " + maxGradNorm);
        }
        if (!(expectedBatchSize > 0) || Double.isInfinite(expectedBatchSize)) {
            throw new IllegalArgumentException("expected batch size must be > 0, got " + expectedBatchSize);
        }
        PrivacyAccountant.checkSampleRate(sampleRate);
        if (noise == null) throw new IllegalArgumentException("noise source is null");
        if (accountant == null) throw new IllegalArgumentException("accountant is null");
        this.optimizer = optimizer;
        this.noiseMultiplier = noiseMultiplier;
        this.maxGradNorm = maxGradNorm;
        this.expectedBatchSize = expectedBatchSize;
        this.sampleRate = sampleRate;
        this.noise = noise;
        this.accountant = accountant;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public double noiseMultiplier() {
        return noiseMultiplier;
    }

    public double maxGradNorm() {
        return maxGradNorm;
    }

    public double expectedBatchSize() {
        return expectedBatchSize;
    }

    public PrivacyAccountant accountant() {
        return accountant;
    }

    /** Steps taken (noise drawn) so far, including those before a resume. */
    public long steps() {
        return step;
    }

    /** Restores the step counter from a checkpoint (the noise of the next step depends on it). */
    public void setSteps(long steps) {
        if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        this.step = steps;
    }

    /**
     * Adds the noise to the clipped-sum gradients and divides them by the expected batch size. A parameter
     * without a gradient (an empty batch) gets noise alone. Exposed for tests; {@link #step} calls it.
     */
    public void addNoise() {
        RandomGenerator r = noise.forStep(step);
        double std = noiseMultiplier * maxGradNorm;
        float inv = (float) (1 / expectedBatchSize);
        for (Parameter p : optimizer.parameters()) {
            Tensor grad = p.grad();
            if (!p.hasGrad()) {
                grad.zero();
                p.beginGradWrite();
            }
            int n = Math.toIntExact(p.numel());
            float[] z = new float[n];
            noise.fill(r, z, std);
            try (Tensor zt = Tensor.of(grad.device(), z, grad.shape())) {
                grad.addScaled(1f, zt);
            }
            grad.scale(inv);
        }
    }

    /** Noise, averaging, the wrapped optimizer's step, and one step recorded in the accountant. */
    public void step() {
        addNoise();
        optimizer.step();
        accountant.step(noiseMultiplier, sampleRate);
        step++;
    }

    public void zeroGrad() {
        optimizer.zeroGrad();
    }

    @Override
    public void close() {
        optimizer.close();
    }
}
