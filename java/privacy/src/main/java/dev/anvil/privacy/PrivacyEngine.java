package dev.anvil.privacy;

import dev.anvil.Device;
import dev.anvil.data.Dataset;
import dev.anvil.distributed.ProcessGroup;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.Optimizer;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The privacy settings of a training run, and what turns a model, an optimizer and a data set into a
 * {@link PrivateTrainer} (Opacus's {@code PrivacyEngine.make_private[_with_epsilon]}):
 *
 * <pre>{@code
 * PrivacyEngine engine = PrivacyEngine.builder().targetEpsilon(3).delta(1e-5).epochs(20).maxGradNorm(1.0).build();
 * try (PrivateTrainer t = engine.makePrivate(model, sgd, trainSet, 256)) { ... }
 * }</pre>
 *
 * Everything is checked before training: epsilon, delta (below 1/N), the clipping norm, the model's layers,
 * and that the target epsilon can be reached in the planned steps.
 *
 * <p>Data-parallel training: give every rank the same settings and {@link Builder#processGroup}; each rank then
 * calls {@code makePrivate} with the whole data set and the expected batch size of all ranks together. Rank 0's
 * parameters are broadcast, each rank Poisson-samples its part of the data set
 * ({@link PoissonDataLoader.Builder#shard}) and clips its own samples, and the noise is added once
 * ({@link DPOptimizer}); with a seed the ranks together take the steps a single process would.
 */
public final class PrivacyEngine {
    private static final Logger log = LoggerFactory.getLogger(PrivacyEngine.class);

    private final double targetEpsilon, delta, maxGradNorm, noiseMultiplier;
    private final int epochs;
    private final String accountant;
    private final boolean secureMode;
    private final long seed;
    private final ProcessGroup group;
    private final Device device;

    private PrivacyEngine(Builder b) {
        this.targetEpsilon = b.targetEpsilon;
        this.delta = b.delta;
        this.maxGradNorm = b.maxGradNorm;
        this.noiseMultiplier = b.noiseMultiplier;
        this.epochs = b.epochs;
        this.accountant = b.accountant;
        this.secureMode = b.secureMode;
        this.seed = b.seed;
        this.group = b.group;
        this.device = b.device;
    }

    public static Builder builder() {
        return new Builder();
    }

    public double delta() {
        return delta;
    }

    public double maxGradNorm() {
        return maxGradNorm;
    }

    /**
     * Wraps {@code model} (a Sequential of supported layers), {@code optimizer} (over the model's parameters) and
     * {@code train} (Poisson-sampled with expected batch size {@code expectedBatchSize}) for private training.
     * With a target epsilon, the noise multiplier is the smallest that spends it in {@code epochs} epochs.
     *
     * @throws IllegalArgumentException (or {@link UnsupportedLayerException}) for any setting that cannot train privately
     */
    public PrivateTrainer makePrivate(Sequential model, Optimizer optimizer, Dataset train, int expectedBatchSize) {
        if (model == null || optimizer == null || train == null) throw new IllegalArgumentException("model, optimizer and data set are required");
        int n = train.size();
        if (!(delta < 1.0 / n)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "delta %g must be below 1/N = %g for a data set of %d samples (a larger delta allows releasing a sample "
                            + "outright); use for example %g", delta, 1.0 / n, n, Math.pow(10, Math.floor(Math.log10(0.1 / n)))));
        }
        String problem = PerSampleClipper.check(model);
        if (problem != null) throw new UnsupportedLayerException("differentially private training cannot use " + problem);
        int rank = group == null ? 0 : group.rank(), worldSize = group == null ? 1 : group.worldSize();
        if (worldSize > 1 && !model.parameters().isEmpty()) {
            for (Parameter p : model.parameters()) group.broadcast(p.value(), 0); // the replicas start equal
        }
        PoissonDataLoader loader = PoissonDataLoader.builder(train).expectedBatchSize(expectedBatchSize).seed(seed)
                .secure(secureMode).device(device).shard(rank, worldSize).build();
        double q = loader.sampleRate();
        long steps = (long) epochs * loader.stepsPerEpoch();
        PrivacyAccountant acc = PrivacyAccountant.create(accountant);
        double sigma = noiseMultiplier;
        if (!Double.isNaN(targetEpsilon)) {
            sigma = Calibration.getNoiseMultiplier(targetEpsilon, delta, q, steps, acc, Calibration.DEFAULT_EPSILON_TOLERANCE);
        }
        PrivacyAccountant planned = acc.emptyCopy();
        planned.step(sigma, q, steps);
        log.info(String.format(Locale.ROOT, "DP-SGD: noise multiplier %.4f, max grad norm %g, sample rate %.6f (expected batch %d of %d), "
                + "%d steps in %d epochs: epsilon %.3f at delta %g (%s accountant)%s%s", sigma, maxGradNorm, q, expectedBatchSize, n,
                steps, epochs, planned.getEpsilon(delta), delta, accountant, secureMode ? ", secure mode" : "",
                worldSize > 1 ? ", rank " + rank + " of " + worldSize : ""));
        // The noise is drawn once per step, by rank 0: the stream a single process with this seed draws.
        GaussianNoise noise = secureMode ? GaussianNoise.secure() : GaussianNoise.seeded(seed, 0);
        DPOptimizer dp = new DPOptimizer(optimizer, sigma, maxGradNorm, loader.expectedBatchSize(), q, noise, acc,
                worldSize > 1 ? group : null);
        return new PrivateTrainer(model, dp, loader, delta, epochs);
    }

    /** Settings with Opacus's defaults where it has them (RDP accountant, no secure mode). */
    public static final class Builder {
        private double targetEpsilon = Double.NaN, delta = Double.NaN, maxGradNorm = Double.NaN, noiseMultiplier = Double.NaN;
        private int epochs = 1;
        private String accountant = "rdp";
        private boolean secureMode;
        private long seed = 42;
        private ProcessGroup group;
        private Device device = Device.cpu();

        /** The epsilon to spend by the end of {@link #epochs}; the noise multiplier is computed from it. */
        public Builder targetEpsilon(double eps) {
            if (!(eps > 0) || Double.isInfinite(eps)) throw new IllegalArgumentException("target epsilon must be finite and > 0, got " + eps);
            this.targetEpsilon = eps;
            return this;
        }

        /** A fixed noise multiplier instead of a target epsilon. */
        public Builder noiseMultiplier(double sigma) {
            if (!(sigma > 0) || Double.isInfinite(sigma)) throw new IllegalArgumentException("noise multiplier must be finite and > 0, got " + sigma);
            this.noiseMultiplier = sigma;
            return this;
        }

        public Builder delta(double delta) {
            if (!(delta > 0 && delta < 1)) throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
            this.delta = delta;
            return this;
        }

        /** The per-sample clipping norm C (Opacus's {@code max_grad_norm}). */
        public Builder maxGradNorm(double c) {
            if (!(c > 0) || Double.isInfinite(c)) throw new IllegalArgumentException("max_grad_norm must be finite and > 0, got " + c);
            this.maxGradNorm = c;
            return this;
        }

        public Builder epochs(int epochs) {
            if (epochs <= 0) throw new IllegalArgumentException("epochs must be > 0, got " + epochs);
            this.epochs = epochs;
            return this;
        }

        /** "rdp" (default) or "gdp". */
        public Builder accountant(String name) {
            PrivacyAccountant.create(name);
            this.accountant = name;
            return this;
        }

        /** Noise and sampling from {@link java.security.SecureRandom} (the seed is then ignored). */
        public Builder secureMode(boolean on) {
            this.secureMode = on;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Data-parallel training over {@code group}: this process is one rank (see the class comment). Every rank
         * must build the engine with the same settings and call {@link #makePrivate} with the same arguments.
         */
        public Builder processGroup(ProcessGroup group) {
            if (group == null) throw new IllegalArgumentException("process group is null");
            this.group = group;
            return this;
        }

        public Builder device(Device device) {
            if (device == null) throw new IllegalArgumentException("device is null");
            this.device = device;
            return this;
        }

        public PrivacyEngine build() {
            if (Double.isNaN(delta)) throw new IllegalArgumentException("delta is required (for example 1e-5, below 1/N)");
            if (Double.isNaN(maxGradNorm)) throw new IllegalArgumentException("maxGradNorm is required (for example 1.0)");
            if (Double.isNaN(targetEpsilon) == Double.isNaN(noiseMultiplier)) {
                throw new IllegalArgumentException("set exactly one of targetEpsilon and noiseMultiplier");
            }
            return new PrivacyEngine(this);
        }
    }
}
