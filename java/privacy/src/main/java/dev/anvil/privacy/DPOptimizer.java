package dev.anvil.privacy;

import dev.anvil.distributed.FlatParameters;
import dev.anvil.distributed.ProcessGroup;
import dev.anvil.distributed.ReduceOp;
import dev.anvil.nn.Parameter;
import dev.anvil.optim.Optimizer;
import java.util.List;

/**
 * Wraps an optimizer as Opacus's {@code DPOptimizer}: the parameter gradients must hold the sum of the clipped
 * per-sample gradients (from {@link PerSampleClipper}); {@link #step} adds Gaussian noise of standard deviation
 * {@code noiseMultiplier * maxGradNorm} to each, divides by the expected batch size (sample rate times data
 * set size, not the drawn batch size, so that the noise scale does not depend on the private batch size),
 * runs the wrapped optimizer and records the step in the accountant.
 *
 * <p>Data-parallel training (a {@link ProcessGroup}): every rank's gradients hold the clipped sum of its own
 * samples; rank 0 alone adds the noise, then one all-reduce (sum) of all gradients gives every rank the
 * clipped sum over all ranks' samples plus noise of standard deviation {@code noiseMultiplier * maxGradNorm},
 * drawn once, exactly as a single process on the union of the samples; each rank then divides by the expected
 * global batch size and steps its replica, and records the step in its own accountant (the same history on
 * every rank). Rank 0 draws the noise a single process with the same seed would draw.
 *
 * <p>The wrapped optimizer keeps its own state and options (momentum, Adam moments, learning rate); closing
 * this closes it (not the process group).
 */
public final class DPOptimizer implements AutoCloseable {
    private final Optimizer optimizer;
    private final double noiseMultiplier, maxGradNorm, sampleRate;
    private final double expectedBatchSize;
    private final GaussianNoise noise;
    private final PrivacyAccountant accountant;
    private final ProcessGroup group;
    private FlatParameters flat; // every gradient, flattened for the all-reduce (data-parallel only)
    private float[] noiseHost; // a step's noise for every parameter, drawn on the host
    private FlatParameters noiseFlat; // the same on the parameters' device
    private long step;

    /** A single process's optimizer. */
    public DPOptimizer(Optimizer optimizer, double noiseMultiplier, double maxGradNorm, double expectedBatchSize,
            double sampleRate, GaussianNoise noise, PrivacyAccountant accountant) {
        this(optimizer, noiseMultiplier, maxGradNorm, expectedBatchSize, sampleRate, noise, accountant, null);
    }

    /**
     * One rank's optimizer in data-parallel training over {@code group} (null: a single process);
     * {@code expectedBatchSize} is the expected batch of all ranks together.
     */
    public DPOptimizer(Optimizer optimizer, double noiseMultiplier, double maxGradNorm, double expectedBatchSize,
            double sampleRate, GaussianNoise noise, PrivacyAccountant accountant, ProcessGroup group) {
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
        this.group = group;
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

    /** The data-parallel process group, or null in a single process. */
    public ProcessGroup group() {
        return group;
    }

    /** Whether this process draws the noise: a single process, or rank 0 of a group. */
    public boolean drawsNoise() {
        return group == null || group.rank() == 0;
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
     * Adds the noise to the clipped-sum gradients (in data-parallel training: rank 0 adds it, then the ranks'
     * sums are all-reduced) and divides them by the expected batch size. A parameter without a gradient (an
     * empty batch) gets noise alone. Exposed for tests; {@link #step} calls it.
     */
    public void addNoise() {
        List<Parameter> params = optimizer.parameters();
        for (Parameter p : params) {
            if (!p.hasGrad()) {
                p.grad().zero();
                p.beginGradWrite();
            }
        }
        if (drawsNoise()) {
            if (noiseFlat == null) {
                noiseFlat = new FlatParameters(params, 0, "DPOptimizer");
                noiseHost = new float[Math.toIntExact(noiseFlat.parameterFloats())];
            }
            // Every parameter's noise in parameter order from the step's generator, then one copy to the device.
            noise.fill(noise.forStep(step), noiseHost, noiseMultiplier * maxGradNorm);
            noiseFlat.flat().copyFrom(noiseHost);
            for (int i = 0; i < params.size(); i++) params.get(i).grad().addScaled(1f, noiseFlat.slot(i));
        }
        if (group != null) allReduceGradients(params);
        float inv = (float) (1 / expectedBatchSize);
        for (Parameter p : params) p.grad().scale(inv);
    }

    /** Sums every rank's gradients with one all-reduce of a flat buffer made on the first call. */
    private void allReduceGradients(List<Parameter> params) {
        if (flat == null) flat = new FlatParameters(params, 0, "DPOptimizer");
        for (int i = 0; i < params.size(); i++) flat.slot(i).copyFrom(params.get(i).grad());
        group.allReduce(flat.flat(), ReduceOp.SUM);
        for (int i = 0; i < params.size(); i++) params.get(i).grad().copyFrom(flat.slot(i));
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
        if (flat != null) flat.close();
        if (noiseFlat != null) noiseFlat.close();
        flat = null;
        noiseFlat = null;
        optimizer.close();
    }
}
