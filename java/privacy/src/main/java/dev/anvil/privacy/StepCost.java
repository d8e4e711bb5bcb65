package dev.anvil.privacy;

import dev.anvil.Anvil;
import dev.anvil.Tensor;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Init;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.SGD;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Measures the cost of a DP-SGD step against an ordinary step of the same network at the same batch size:
 * {@code java -cp ... dev.anvil.privacy.StepCost [batch] [steps] [threads]}. Prints the median step time of each,
 * images per second and their ratio, and the extra memory the private step holds.
 */
public final class StepCost {
    private StepCost() {}

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        if (args.length > 2) Anvil.setNumThreads(Integer.parseInt(args[2]));
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[batch * 784];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) y[i] = r.nextInt(10);
        Init.manualSeed(1);
        try (Sequential model = DpModels.papernotCnn(10, true); CrossEntropyLoss loss = new CrossEntropyLoss();
             Tensor images = Tensor.of(x, batch, 1, 28, 28); Tensor labels = Tensor.ofInts(y, batch);
             SGD sgd = SGD.builder().lr(0.01).momentum(0.9).build(model.parameters());
             SGD sgd2 = SGD.builder().lr(0.01).momentum(0.9).build(model.parameters());
             PerSampleClipper clipper = new PerSampleClipper(model)) {
            DPOptimizer dp = new DPOptimizer(sgd2, 1.0, 1.0, batch, 0.01, GaussianNoise.seeded(1, 0), new RdpAccountant());
            sgd.zeroGrad();
            loss.forward(model.forward(images), labels);
            model.backward(loss.backward(), false);
            long before = Tensor.liveBytes(); // after an ordinary step: its activations and gradients are allocated
            double[] plain = new double[steps], priv = new double[steps];
            for (int s = -3; s < steps; s++) {
                long t0 = System.nanoTime();
                sgd.zeroGrad();
                loss.forward(model.forward(images), labels);
                model.backward(loss.backward(), false);
                sgd.step();
                long t1 = System.nanoTime();
                dp.zeroGrad();
                loss.forward(clipper.forward(images), labels);
                clipper.clipAndAccumulate(loss.backward().scale(batch), 1.0);
                dp.step();
                long t2 = System.nanoTime();
                if (s >= 0) {
                    plain[s] = (t1 - t0) / 1e6;
                    priv[s] = (t2 - t1) / 1e6;
                }
            }
            long extra = Tensor.liveBytes() - before;
            Arrays.sort(plain);
            Arrays.sort(priv);
            double p = plain[steps / 2], d = priv[steps / 2];
            System.out.printf(Locale.ROOT, "batch %d, %d threads, %d steps: non-private %.2f ms/step (%.0f images/s), "
                    + "DP-SGD %.2f ms/step (%.0f images/s), ratio %.2fx; extra memory held by the private step %d bytes (%.1f per sample)%n",
                    batch, Anvil.numThreads(), steps, p, batch / p * 1e3, d, batch / d * 1e3, p / d, extra, (double) extra / batch);
        }
    }
}
