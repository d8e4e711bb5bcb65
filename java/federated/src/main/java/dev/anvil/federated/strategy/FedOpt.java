package dev.anvil.federated.strategy;

/**
 * Adaptive server optimisers of Reddi et al. 2021 ("Adaptive Federated Optimization", Algorithm 2),
 * with the pseudo-gradient d = (sample-weighted mean of the clients' weights) - global:
 * m = beta1 m + (1 - beta1) d; FedAdam v = beta2 v + (1 - beta2) d^2, FedYogi
 * v = v - (1 - beta2) d^2 sign(v - d^2); global += eta m / (sqrt(v) + tau). As in the paper there is
 * no bias correction and v starts at tau^2.
 */
public final class FedOpt extends WeightedMeanStrategy {
    /** Which second-moment rule. */
    public enum Kind { ADAM, YOGI }

    private final Kind kind;
    private final double eta, beta1, beta2, tau;
    private double[] m, v;

    private FedOpt(Builder b) {
        this.kind = b.kind;
        this.eta = b.eta;
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.tau = b.tau;
    }

    /** FedAdam with eta 0.01, beta1 0.9, beta2 0.99, tau 0.001. */
    public static Builder adam() {
        return new Builder(Kind.ADAM);
    }

    /** FedYogi with eta 0.01, beta1 0.9, beta2 0.99, tau 0.001. */
    public static Builder yogi() {
        return new Builder(Kind.YOGI);
    }

    @Override
    public float[] fromMean(int round, float[] global, float[] mean) {
        int n = global.length;
        if (mean.length != n) throw new IllegalArgumentException("mean has " + mean.length + " values, global " + n);
        if (m == null || m.length != n) {
            m = new double[n];
            v = new double[n];
            java.util.Arrays.fill(v, tau * tau);
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double d = (double) mean[i] - global[i];
            m[i] = beta1 * m[i] + (1 - beta1) * d;
            double d2 = d * d;
            if (kind == Kind.ADAM) v[i] = beta2 * v[i] + (1 - beta2) * d2;
            else v[i] = v[i] - (1 - beta2) * d2 * Math.signum(v[i] - d2);
            out[i] = (float) (global[i] + eta * m[i] / (Math.sqrt(v[i]) + tau));
        }
        return out;
    }

    @Override
    public String name() {
        return kind == Kind.ADAM ? "fedadam" : "fedyogi";
    }

    @Override
    public String toString() {
        return name() + "(eta=" + eta + ", beta1=" + beta1 + ", beta2=" + beta2 + ", tau=" + tau + ")";
    }

    /** Options of {@link FedOpt}. */
    public static final class Builder {
        private final Kind kind;
        private double eta = 0.01, beta1 = 0.9, beta2 = 0.99, tau = 1e-3;

        private Builder(Kind kind) {
            this.kind = kind;
        }

        /** Server learning rate. */
        public Builder eta(double v) {
            if (!(v > 0 && Double.isFinite(v))) throw new IllegalArgumentException("eta must be positive and finite, got " + v);
            eta = v;
            return this;
        }

        public Builder beta1(double v) {
            if (!(v >= 0 && v < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), got " + v);
            beta1 = v;
            return this;
        }

        public Builder beta2(double v) {
            if (!(v >= 0 && v < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), got " + v);
            beta2 = v;
            return this;
        }

        /** Adaptivity (the epsilon of Adam). */
        public Builder tau(double v) {
            if (!(v > 0 && Double.isFinite(v))) throw new IllegalArgumentException("tau must be positive and finite, got " + v);
            tau = v;
            return this;
        }

        public FedOpt build() {
            return new FedOpt(this);
        }
    }
}
