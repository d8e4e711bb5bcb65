package dev.anvil.tune.sampler;

import org.apache.commons.math3.analysis.MultivariateFunction;
import org.apache.commons.math3.exception.TooManyEvaluationsException;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;

/**
 * Gaussian-process regression with an ARD Matérn-5/2 kernel (Rasmussen and Williams, "Gaussian
 * Processes for Machine Learning", 2006, eq. 4.17), as in Optuna's GPSampler: numerical inputs in
 * [0, 1] contribute ((x - y) / l)^2 to the squared distance, categorical ones 1 / l^2 when they
 * differ. Kernel hyperparameters (one length scale per input, the signal variance and the noise
 * variance) maximise the log marginal likelihood (eq. 5.8) plus weak log-normal priors that keep
 * them away from degenerate fits, by BOBYQA (commons-math3) in log space. Targets are
 * standardised before fitting.
 */
final class GaussianProcess {
    private static final double JITTER = 1e-8;
    private static final double SQRT5 = Math.sqrt(5);
    /** Bounds (natural log) of length scales, signal and noise variance. */
    static final double LOG_L_MIN = Math.log(0.01), LOG_L_MAX = Math.log(20);
    static final double LOG_S_MIN = Math.log(0.05), LOG_S_MAX = Math.log(20);
    static final double LOG_N_MIN = Math.log(1e-6), LOG_N_MAX = Math.log(1);

    private final boolean[] categorical;
    private double[][] x;
    private double[] lengthScales;
    private double signal;
    private double noise;
    private double[][] chol;
    private double[] alpha;

    GaussianProcess(boolean[] categorical) {
        this.categorical = categorical.clone();
    }

    double kernel(double[] a, double[] b, double[] ls, double s2) {
        double r2 = 0;
        for (int i = 0; i < a.length; i++) {
            if (categorical[i]) {
                if (a[i] != b[i]) r2 += 1 / (ls[i] * ls[i]);
            } else {
                double d = (a[i] - b[i]) / ls[i];
                r2 += d * d;
            }
        }
        double r = Math.sqrt(r2);
        return s2 * (1 + SQRT5 * r + 5.0 / 3.0 * r2) * Math.exp(-SQRT5 * r);
    }

    /** Default starting hyperparameters: length scale 0.5, signal 1, noise 1e-3 (log). */
    double[] defaultTheta() {
        int d = categorical.length;
        double[] t = new double[d + 2];
        for (int i = 0; i < d; i++) t[i] = Math.log(0.5);
        t[d] = 0;
        t[d + 1] = Math.log(1e-3);
        return t;
    }

    /**
     * Fits hyperparameters to (x, y) from {@code start} (e.g. the previous fit), then conditions on
     * the data. Returns the fitted log hyperparameters.
     */
    double[] fit(double[][] x, double[] y, double[] start, int maxEval) {
        int d = categorical.length;
        MultivariateFunction objective = theta -> {
            double v = logMarginal(x, y, theta) + logPrior(theta);
            return Double.isFinite(v) ? v : -1e12;
        };
        double[] lo = new double[d + 2], hi = new double[d + 2];
        for (int i = 0; i < d; i++) {
            lo[i] = LOG_L_MIN;
            hi[i] = LOG_L_MAX;
        }
        lo[d] = LOG_S_MIN;
        hi[d] = LOG_S_MAX;
        lo[d + 1] = LOG_N_MIN;
        hi[d + 1] = LOG_N_MAX;
        double[] s = start.clone();
        for (int i = 0; i < s.length; i++) s[i] = Math.min(hi[i] - 1e-6, Math.max(lo[i] + 1e-6, s[i]));
        double[] best = s;
        try {
            BOBYQAOptimizer opt = new BOBYQAOptimizer(2 * (d + 2) + 1, 0.5, 1e-3);
            PointValuePair p = opt.optimize(new MaxEval(maxEval), new ObjectiveFunction(objective), GoalType.MAXIMIZE,
                    new InitialGuess(s), new SimpleBounds(lo, hi));
            if (p.getValue() >= objective.value(s)) best = p.getPoint();
        } catch (TooManyEvaluationsException e) {
            best = s; // keep the start: the budget is a bound on cost, not a failure
        }
        condition(x, y, best);
        return best;
    }

    /** Weak priors: length scales log-normal around 0.5 (sd 1.5 in log), noise log-normal around 1e-3 (sd 3). */
    private double logPrior(double[] theta) {
        int d = categorical.length;
        double lp = 0;
        for (int i = 0; i < d; i++) {
            double z = (theta[i] - Math.log(0.5)) / 1.5;
            lp -= 0.5 * z * z;
        }
        double zn = (theta[d + 1] - Math.log(1e-3)) / 3;
        return lp - 0.5 * zn * zn;
    }

    private RealMatrix gram(double[][] x, double[] ls, double s2, double n2) {
        int n = x.length;
        double[][] k = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = kernel(x[i], x[j], ls, s2);
                k[i][j] = v;
                k[j][i] = v;
            }
            k[i][i] += n2 + JITTER;
        }
        return MatrixUtils.createRealMatrix(k);
    }

    private double[] lengthScales(double[] theta) {
        double[] ls = new double[categorical.length];
        for (int i = 0; i < ls.length; i++) ls[i] = Math.exp(theta[i]);
        return ls;
    }

    /** Log marginal likelihood, eq. 5.8 of Rasmussen and Williams. */
    double logMarginal(double[][] x, double[] y, double[] theta) {
        int d = categorical.length;
        CholeskyDecomposition c;
        try {
            c = new CholeskyDecomposition(gram(x, lengthScales(theta), Math.exp(theta[d]), Math.exp(theta[d + 1])), 1e-12, 1e-14);
        } catch (NonPositiveDefiniteMatrixException e) {
            return Double.NEGATIVE_INFINITY;
        }
        double[] a = c.getSolver().solve(MatrixUtils.createRealVector(y)).toArray();
        double fit = 0;
        for (int i = 0; i < y.length; i++) fit += y[i] * a[i];
        double logDet = 0;
        RealMatrix l = c.getL();
        for (int i = 0; i < y.length; i++) logDet += Math.log(l.getEntry(i, i));
        return -0.5 * fit - logDet - 0.5 * y.length * Math.log(2 * Math.PI);
    }

    /** Conditions on (x, y) with fixed log hyperparameters. */
    void condition(double[][] x, double[] y, double[] theta) {
        int d = categorical.length;
        this.x = x;
        this.lengthScales = lengthScales(theta);
        this.signal = Math.exp(theta[d]);
        this.noise = Math.exp(theta[d + 1]);
        CholeskyDecomposition c = new CholeskyDecomposition(gram(x, lengthScales, signal, noise), 1e-12, 1e-14);
        this.chol = c.getL().getData();
        this.alpha = c.getSolver().solve(MatrixUtils.createRealVector(y)).toArray();
    }

    /** Posterior mean and variance of the latent function at {@code p}. */
    double[] predict(double[] p) {
        int n = x.length;
        double[] k = new double[n];
        for (int i = 0; i < n; i++) k[i] = kernel(p, x[i], lengthScales, signal);
        double mean = 0;
        for (int i = 0; i < n; i++) mean += k[i] * alpha[i];
        // v = L^-1 k by forward substitution
        double[] v = new double[n];
        double vv = 0;
        for (int i = 0; i < n; i++) {
            double s = k[i];
            for (int j = 0; j < i; j++) s -= chol[i][j] * v[j];
            v[i] = s / chol[i][i];
            vv += v[i] * v[i];
        }
        return new double[] {mean, Math.max(signal - vv, 1e-12)};
    }
}
