package dev.anvil.ops;

import dev.anvil.abi.AdamDesc;
import dev.anvil.abi.SgdDesc;

/**
 * Straightforward double-precision loop implementations of every op, written from the semantics
 * in anvil.h and PyTorch's definitions, with no attempt at speed. Inputs are the float data the
 * kernels see; outputs are doubles, so the only rounding left is the kernel's.
 */
final class Reference {
    private Reference() {}

    // ------------------------------------------------------------------ conv2d

    /** Receives one multiply of a convolution: flat indices into x, w and y. */
    private interface Tap {
        void at(int xi, int wi, int yi);
    }

    /** Visits every (input, weight, output) product of the convolution, skipping padding. */
    private static void forEachTap(ConvGeom s, Tap tap) {
        int cg = s.c() / s.groups(), og = s.o() / s.groups(), oh = s.oh(), ow = s.ow();
        for (int b = 0; b < s.n(); b++) {
            for (int oc = 0; oc < s.o(); oc++) {
                int group = oc / og;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        int yi = ((b * s.o() + oc) * oh + oy) * ow + ox;
                        for (int ic = 0; ic < cg; ic++) {
                            int ci = group * cg + ic;
                            for (int ky = 0; ky < s.kh(); ky++) {
                                int iy = oy * s.sh() - s.ph() + ky * s.dh();
                                if (iy < 0 || iy >= s.h()) continue;
                                for (int kx = 0; kx < s.kw(); kx++) {
                                    int ix = ox * s.sw() - s.pw() + kx * s.dw();
                                    if (ix < 0 || ix >= s.w()) continue;
                                    tap.at(((b * s.c() + ci) * s.h() + iy) * s.w() + ix,
                                            ((oc * cg + ic) * s.kh() + ky) * s.kw() + kx, yi);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** y = conv2d(x, w) + bias (bias may be null). */
    static double[] conv2dForward(ConvGeom s, float[] x, float[] w, float[] bias) {
        double[] y = new double[s.ySize()];
        forEachTap(s, (xi, wi, yi) -> y[yi] += (double) x[xi] * w[wi]);
        if (bias != null) addPerChannel(y, bias, s.n(), s.o(), s.oh() * s.ow());
        return y;
    }

    static double[] conv2dBackwardData(ConvGeom s, float[] dy, float[] w) {
        double[] dx = new double[s.xSize()];
        forEachTap(s, (xi, wi, yi) -> dx[xi] += (double) dy[yi] * w[wi]);
        return dx;
    }

    static double[] conv2dBackwardWeight(ConvGeom s, float[] x, float[] dy) {
        double[] dw = new double[s.wSize()];
        forEachTap(s, (xi, wi, yi) -> dw[wi] += (double) x[xi] * dy[yi]);
        return dw;
    }

    /** db[c] = sum of dy over batch and plane, for dy [n, channels, plane]. */
    static double[] biasGradient(float[] dy, int n, int channels, int plane) {
        double[] db = new double[channels];
        for (int b = 0; b < n; b++) {
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < plane; i++) db[c] += dy[(b * channels + c) * plane + i];
            }
        }
        return db;
    }

    private static void addPerChannel(double[] y, float[] bias, int n, int channels, int plane) {
        for (int b = 0; b < n; b++) {
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < plane; i++) y[(b * channels + c) * plane + i] += bias[c];
            }
        }
    }

    // ------------------------------------------------------------------ pool2d

    /** Receives one pooling window: its output index, the flat input indices of its in-bounds part. */
    private interface Window {
        void at(int yi, int[] xis, int count);
    }

    private static void forEachWindow(PoolGeom s, Window window) {
        int oh = s.oh(), ow = s.ow();
        int[] xis = new int[s.kh() * s.kw()];
        for (int plane = 0; plane < s.n() * s.c(); plane++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int count = 0;
                    for (int ky = 0; ky < s.kh(); ky++) {
                        int iy = oy * s.sh() - s.ph() + ky;
                        if (iy < 0 || iy >= s.h()) continue;
                        for (int kx = 0; kx < s.kw(); kx++) {
                            int ix = ox * s.sw() - s.pw() + kx;
                            if (ix >= 0 && ix < s.w()) xis[count++] = (plane * s.h() + iy) * s.w() + ix;
                        }
                    }
                    window.at((plane * oh + oy) * ow + ox, xis, count);
                }
            }
        }
    }

    /** Max pooling as PyTorch: padding never wins; ties go to the first maximum in row-major order. */
    static double[] maxPoolForward(PoolGeom s, float[] x) {
        double[] y = new double[s.ySize()];
        forEachWindow(s, (yi, xis, count) -> y[yi] = x[xis[firstMax(x, xis, count)]]);
        return y;
    }

    /**
     * The argmax of each window as the position i*KW+j of its maximum in the window (row i, column
     * j, counting padding), as anvil.h specifies.
     */
    static int[] maxPoolArgmax(PoolGeom s, float[] x) {
        int[] argmax = new int[s.ySize()];
        forEachWindow(s, (yi, xis, count) -> {
            int xi = xis[firstMax(x, xis, count)];
            int oy = yi / s.ow() % s.oh(), ox = yi % s.ow();
            int i = xi / s.w() % s.h() - (oy * s.sh() - s.ph()), j = xi % s.w() - (ox * s.sw() - s.pw());
            argmax[yi] = i * s.kw() + j;
        });
        return argmax;
    }

    static double[] maxPoolBackward(PoolGeom s, float[] x, float[] dy) {
        double[] dx = new double[s.xSize()];
        forEachWindow(s, (yi, xis, count) -> dx[xis[firstMax(x, xis, count)]] += dy[yi]);
        return dx;
    }

    private static int firstMax(float[] x, int[] xis, int count) {
        int best = 0;
        for (int i = 1; i < count; i++) {
            if (x[xis[i]] > x[xis[best]]) best = i;
        }
        return best;
    }

    /**
     * Average pooling as PyTorch (ceil_mode off): the divisor is the whole window kh*kw with
     * count_include_pad, else the number of in-bounds elements.
     */
    static double[] avgPoolForward(PoolGeom s, float[] x) {
        double[] y = new double[s.ySize()];
        forEachWindow(s, (yi, xis, count) -> {
            double sum = 0;
            for (int i = 0; i < count; i++) sum += x[xis[i]];
            y[yi] = sum / avgDivisor(s, count);
        });
        return y;
    }

    static double[] avgPoolBackward(PoolGeom s, float[] dy) {
        double[] dx = new double[s.xSize()];
        forEachWindow(s, (yi, xis, count) -> {
            for (int i = 0; i < count; i++) dx[xis[i]] += dy[yi] / avgDivisor(s, count);
        });
        return dx;
    }

    private static int avgDivisor(PoolGeom s, int inBounds) {
        return s.countIncludePad() ? s.kh() * s.kw() : inBounds;
    }

    // ------------------------------------------------------------------ linear

    /** y [b,o] = x [b,i] w[o,i]^T + bias (bias may be null). */
    static double[] linearForward(int batch, int in, int out, float[] x, float[] w, float[] bias) {
        double[] y = new double[batch * out];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                double sum = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) sum += (double) x[b * in + i] * w[o * in + i];
                y[b * out + o] = sum;
            }
        }
        return y;
    }

    static double[] linearBackwardData(int batch, int in, int out, float[] dy, float[] w) {
        double[] dx = new double[batch * in];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                double g = dy[b * out + o];
                for (int i = 0; i < in; i++) dx[b * in + i] += g * w[o * in + i];
            }
        }
        return dx;
    }

    static double[] linearBackwardWeight(int batch, int in, int out, float[] x, float[] dy) {
        double[] dw = new double[out * in];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                double g = dy[b * out + o];
                for (int i = 0; i < in; i++) dw[o * in + i] += g * x[b * in + i];
            }
        }
        return dw;
    }

    // ------------------------------------------------------------------ activation

    static double[] reluForward(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = Math.max(x[i], 0.0);
        return y;
    }

    /** dx = dy where the forward output y > 0, else 0. */
    static double[] reluBackward(float[] y, float[] dy) {
        double[] dx = new double[y.length];
        for (int i = 0; i < y.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0.0;
        return dx;
    }

    // ------------------------------------------------------------------ loss

    /** Mean over the batch of -log softmax(logits[b])[labels[b]]. */
    static double crossEntropyForward(int batch, int classes, float[] logits, int[] labels) {
        double total = 0;
        for (int b = 0; b < batch; b++) total += logSumExp(logits, b * classes, classes) - logits[b * classes + labels[b]];
        return total / batch;
    }

    /** scale * (softmax(logits) - onehot(labels)) / batch. */
    static double[] crossEntropyBackward(int batch, int classes, float[] logits, int[] labels, double scale) {
        double[] d = new double[batch * classes];
        for (int b = 0; b < batch; b++) {
            double lse = logSumExp(logits, b * classes, classes);
            for (int k = 0; k < classes; k++) {
                double p = Math.exp(logits[b * classes + k] - lse);
                d[b * classes + k] = scale * (p - (k == labels[b] ? 1 : 0)) / batch;
            }
        }
        return d;
    }

    private static double logSumExp(float[] v, int from, int count) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < count; k++) max = Math.max(max, v[from + k]);
        double sum = 0;
        for (int k = 0; k < count; k++) sum += Math.exp(v[from + k] - max);
        return max + Math.log(sum);
    }

    /** Index of the first maximum of each row. */
    static int[] argmax(int batch, int classes, float[] logits) {
        int[] out = new int[batch];
        for (int b = 0; b < batch; b++) {
            for (int k = 1; k < classes; k++) {
                if (logits[b * classes + k] > logits[b * classes + out[b]]) out[b] = k;
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ optimizers

    /** Hyper-parameters of torch.optim.SGD. */
    record Sgd(float lr, float momentum, float dampening, float weightDecay, boolean nesterov) {
        SgdDesc desc() {
            return new SgdDesc().lr(lr).momentum(momentum).dampening(dampening).weight_decay(weightDecay)
                    .nesterov(nesterov ? 1 : 0);
        }
    }

    /** Hyper-parameters of torch.optim.Adam (decoupled false) or AdamW (decoupled true). */
    record Adam(float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled) {
        AdamDesc desc() {
            return new AdamDesc().lr(lr).beta1(beta1).beta2(beta2).eps(eps).weight_decay(weightDecay)
                    .decoupled(decoupled ? 1 : 0);
        }
    }

    /** One step of torch.optim.SGD on p, with its momentum buffer v; step counts from 1. */
    static void sgdStep(Sgd h, int step, double[] p, float[] grad, double[] v) {
        for (int i = 0; i < p.length; i++) {
            double g = grad[i] + (double) h.weightDecay() * p[i];
            if (h.momentum() != 0) {
                v[i] = step == 1 ? g : h.momentum() * v[i] + (1 - (double) h.dampening()) * g;
                g = h.nesterov() ? g + h.momentum() * v[i] : v[i];
            }
            p[i] -= h.lr() * g;
        }
    }

    /** One step of torch.optim.Adam / AdamW on p with moments m and v; step counts from 1. */
    static void adamStep(Adam h, int step, double[] p, float[] grad, double[] m, double[] v) {
        double bc1 = 1 - Math.pow(h.beta1(), step), bc2 = 1 - Math.pow(h.beta2(), step);
        for (int i = 0; i < p.length; i++) {
            double g = grad[i];
            if (h.decoupled()) {
                p[i] *= 1 - (double) h.lr() * h.weightDecay();
            } else {
                g += h.weightDecay() * p[i];
            }
            m[i] = h.beta1() * m[i] + (1 - (double) h.beta1()) * g;
            v[i] = h.beta2() * v[i] + (1 - (double) h.beta2()) * g * g;
            double denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + h.eps();
            p[i] -= h.lr() / bc1 * m[i] / denom;
        }
    }
}
