package dev.anvil.privacy;

import dev.anvil.Anvil;
import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.nn.Conv2d;
import dev.anvil.nn.Init;
import dev.anvil.nn.Layer;
import dev.anvil.nn.Sequential;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Measures the per-sample gradient norms of the private CNN's convolutions three ways, interleaved so that all
 * see the same load: a native weight-gradient call and sum of squares per sample (what {@link PerSampleClipper}
 * did before the batched kernel), the batched native kernel forming each sample's gradient, and the batched ghost
 * norm. {@code java -cp ... dev.anvil.privacy.ConvNormCost [batch] [repetitions] [threads]}; prints the median
 * milliseconds of each per layer.
 */
public final class ConvNormCost {
    private ConvNormCost() {}

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        if (args.length > 2) Anvil.setNumThreads(Integer.parseInt(args[2]));
        SplittableRandom r = new SplittableRandom(1);
        Init.manualSeed(1);
        try (Sequential model = DpModels.papernotCnn(10, true); Tensor images = random(r, batch, 1, 28, 28)) {
            model.train(true);
            // Each convolution's input, from a forward pass; random output gradients of its output's shape.
            List<Conv2d> convs = new ArrayList<>();
            List<Tensor> inputs = new ArrayList<>(), grads = new ArrayList<>();
            Tensor x = images;
            for (Layer l : model.layers()) {
                if (l instanceof Conv2d c) {
                    convs.add(c);
                    inputs.add(x.copyUnscoped(x.device()));
                }
                x = l.forward(x);
                if (l instanceof Conv2d) grads.add(random(r, x.shape()));
            }
            for (int c = 0; c < convs.size(); c++) {
                Conv2d conv = convs.get(c);
                Tensor in = inputs.get(c), dy = grads.get(c);
                double[][] ms = new double[3][reps];
                double[][] results = new double[3][];
                try (Tensor sq = Tensor.emptyUnscoped(in.device(), DType.FLOAT32, batch);
                     Tensor dw = Tensor.emptyUnscoped(in.device(), DType.FLOAT32, conv.weight().value().shape());
                     Tensor db = Tensor.emptyUnscoped(in.device(), DType.FLOAT32, conv.outChannels())) {
                    for (int rep = -2; rep < reps; rep++) {
                        for (int m = 0; m < 3; m++) {
                            double[] norms = new double[batch];
                            long t0 = System.nanoTime();
                            if (m == 0) {
                                for (int i = 0; i < batch; i++) {
                                    conv.weightGradient(in.narrow(0, i, 1), dy.narrow(0, i, 1), dw, db);
                                    norms[i] = dw.sumOfSquares() + db.sumOfSquares();
                                }
                            } else {
                                sq.zero();
                                conv.perSampleSquaredNorms(in, dy, sq, m == 2);
                                float[] v = sq.toFloatArray();
                                for (int i = 0; i < batch; i++) norms[i] = v[i];
                            }
                            if (rep >= 0) ms[m][rep] = (System.nanoTime() - t0) / 1e6;
                            results[m] = norms;
                        }
                    }
                }
                for (int m = 1; m < 3; m++) {
                    for (int i = 0; i < batch; i++) {
                        if (Math.abs(results[m][i] - results[0][i]) > 1e-4 * results[0][i]) {
                            throw new IllegalStateException("method " + m + " disagrees at sample " + i + ": " + results[m][i] + " vs " + results[0][i]);
                        }
                    }
                }
                double[] med = new double[3];
                for (int m = 0; m < 3; m++) {
                    Arrays.sort(ms[m]);
                    med[m] = ms[m][reps / 2];
                }
                long[] out = grads.get(c).shape();
                System.out.printf(Locale.ROOT, "%s, P = %d, batch %d, %d threads: per-sample calls %.2f ms, batched gradients %.2f ms, "
                        + "ghost norm %.2f ms (ghost / batched gradients %.2fx); ghostNormWins: %b%n", conv, out[2] * out[3], batch,
                        Anvil.numThreads(), med[0], med[1], med[2], med[2] / med[1], conv.ghostNormWins(in));
            }
            inputs.forEach(Tensor::close);
            grads.forEach(Tensor::close);
        }
    }

    private static Tensor random(SplittableRandom r, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return Tensor.of(v, shape);
    }
}
