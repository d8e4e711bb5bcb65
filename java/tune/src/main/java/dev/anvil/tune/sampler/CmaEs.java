package dev.anvil.tune.sampler;

import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The state of a (mu/mu_w, lambda)-CMA-ES and its update, with the default parameters of Hansen,
 * "The CMA Evolution Strategy: A Tutorial" (arXiv:1604.00772, 2016), Table 1 (positive weights
 * only). Solutions live in [0, 1]^n; out-of-box draws are redrawn up to 100 times, then clipped
 * (as the cmaes library that Optuna uses does). The eigendecomposition is commons-math3's.
 */
final class CmaEs {
    final int n;
    final int lambda;
    private final int mu;
    private final double[] weights;
    private final double muEff, cSigma, dSigma, cC, c1, cMu, chiN;
    private double[] mean;
    private double sigma;
    private double[][] c;
    private double[] pSigma, pC;
    private double[][] b;
    private double[] dDiag;
    private int generation;

    CmaEs(int n, double sigma0) {
        this(n, sigma0, 4 + (int) Math.floor(3 * Math.log(n)));
    }

    CmaEs(int n, double sigma0, int lambda) {
        if (n < 1) throw new IllegalArgumentException("CMA-ES needs at least one dimension");
        if (lambda < 2) throw new IllegalArgumentException("population size must be >= 2, got " + lambda);
        this.n = n;
        this.lambda = lambda;
        this.mu = lambda / 2;
        double[] w = new double[mu];
        double sum = 0;
        for (int i = 0; i < mu; i++) {
            w[i] = Math.log((lambda + 1) / 2.0) - Math.log(i + 1);
            sum += w[i];
        }
        double sq = 0;
        for (int i = 0; i < mu; i++) {
            w[i] /= sum;
            sq += w[i] * w[i];
        }
        this.weights = w;
        this.muEff = 1 / sq;
        this.cSigma = (muEff + 2) / (n + muEff + 5);
        this.dSigma = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cSigma;
        this.cC = (4 + muEff / n) / (n + 4 + 2 * muEff / n);
        this.c1 = 2 / ((n + 1.3) * (n + 1.3) + muEff);
        this.cMu = Math.min(1 - c1, 2 * (muEff - 2 + 1 / muEff) / ((n + 2) * (n + 2) + muEff));
        this.chiN = Math.sqrt(n) * (1 - 1.0 / (4 * n) + 1.0 / (21.0 * n * n));
        this.mean = new double[n];
        java.util.Arrays.fill(mean, 0.5);
        this.sigma = sigma0;
        this.c = new double[n][n];
        this.b = new double[n][n];
        for (int i = 0; i < n; i++) {
            c[i][i] = 1;
            b[i][i] = 1;
        }
        this.dDiag = new double[n];
        java.util.Arrays.fill(dDiag, 1);
        this.pSigma = new double[n];
        this.pC = new double[n];
    }

    int generation() {
        return generation;
    }

    double sigma() {
        return sigma;
    }

    double[] mean() {
        return mean.clone();
    }

    /** One draw m + sigma B D z, redrawn while outside the unit box (100 times), then clipped. */
    double[] sample(SplittableRandom rng) {
        double[] x = new double[n];
        for (int attempt = 0; attempt < 100; attempt++) {
            draw(rng, x);
            if (inBox(x)) return x;
        }
        for (int i = 0; i < n; i++) x[i] = Math.min(1, Math.max(0, x[i]));
        return x;
    }

    private void draw(SplittableRandom rng, double[] x) {
        double[] z = new double[n];
        for (int i = 0; i < n; i++) z[i] = gaussian(rng) * dDiag[i];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < n; j++) s += b[i][j] * z[j];
            x[i] = mean[i] + sigma * s;
        }
    }

    private static boolean inBox(double[] x) {
        for (double v : x) if (v < 0 || v > 1) return false;
        return true;
    }

    static double gaussian(SplittableRandom rng) {
        // Box-Muller: SplittableRandom has no nextGaussian on JDK 17.
        double u1 = 1 - rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /**
     * Updates from one generation: {@code xs} sorted best first (at least lambda of them; the best
     * mu count).
     */
    void tell(List<double[]> xs) {
        if (xs.size() < lambda) throw new IllegalArgumentException("a generation needs " + lambda + " solutions, got " + xs.size());
        double[] old = mean.clone();
        double[][] y = new double[mu][n];
        double[] yw = new double[n];
        for (int k = 0; k < mu; k++) {
            for (int i = 0; i < n; i++) {
                y[k][i] = (xs.get(k)[i] - old[i]) / sigma;
                yw[i] += weights[k] * y[k][i];
            }
        }
        for (int i = 0; i < n; i++) mean[i] = old[i] + sigma * yw[i];
        // C^-1/2 yw = B D^-1 B^T yw
        double[] t = new double[n];
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += b[i][j] * yw[i];
            t[j] = s / dDiag[j];
        }
        double cs = Math.sqrt(cSigma * (2 - cSigma) * muEff);
        double norm = 0;
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < n; j++) s += b[i][j] * t[j];
            pSigma[i] = (1 - cSigma) * pSigma[i] + cs * s;
            norm += pSigma[i] * pSigma[i];
        }
        norm = Math.sqrt(norm);
        generation++;
        double hSigmaBound = (1.4 + 2.0 / (n + 1)) * chiN * Math.sqrt(1 - Math.pow(1 - cSigma, 2 * generation));
        double hSigma = norm < hSigmaBound ? 1 : 0;
        double cc = Math.sqrt(cC * (2 - cC) * muEff);
        for (int i = 0; i < n; i++) pC[i] = (1 - cC) * pC[i] + hSigma * cc * yw[i];
        double decay = 1 - c1 - cMu + (1 - hSigma) * c1 * cC * (2 - cC);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double rankMu = 0;
                for (int k = 0; k < mu; k++) rankMu += weights[k] * y[k][i] * y[k][j];
                c[i][j] = decay * c[i][j] + c1 * pC[i] * pC[j] + cMu * rankMu;
            }
        }
        sigma *= Math.exp(cSigma / dSigma * (norm / chiN - 1));
        sigma = Math.min(sigma, 1.0); // a wider search than the box is meaningless
        decompose();
    }

    private void decompose() {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                double s = 0.5 * (c[i][j] + c[j][i]);
                c[i][j] = s;
                c[j][i] = s;
            }
        }
        RealMatrix m = MatrixUtils.createRealMatrix(c);
        EigenDecomposition e = new EigenDecomposition(m);
        double[] ev = e.getRealEigenvalues();
        RealMatrix v = e.getV();
        for (int j = 0; j < n; j++) {
            dDiag[j] = Math.sqrt(Math.max(ev[j], 1e-20));
            for (int i = 0; i < n; i++) b[i][j] = v.getEntry(i, j);
        }
    }
}
