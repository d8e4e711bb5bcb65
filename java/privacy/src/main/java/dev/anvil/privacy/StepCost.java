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
 * images per second and their ratio, and the memory each kind of step holds beyond the model (activations,
 * gradients, optimizer state; for DP-SGD also its scratch buffers), measured on separate models.
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
        try (Sequential plainModel = DpModels.papernotCnn(10, true); CrossEntropyLoss plainLoss = new CrossEntropyLoss();
             Tensor images = Tensor.of(x, batch, 1, 28, 28); Tensor labels = Tensor.ofInts(y, batch);
             SGD plainSgd = SGD.builder().lr(0.01).momentum(0.9).build(plainModel.parameters())) {
            Init.manualSeed(1);
            try (Sequential dpModel = DpModels.papernotCnn(10, true); CrossEntropyLoss dpLoss = new CrossEntropyLoss();
                 PerSampleClipper clipper = new PerSampleClipper(dpModel)) {
                long m1 = Tensor.liveBytes();
                DPOptimizer dp = new DPOptimizer(SGD.builder().lr(0.01).momentum(0.9).build(dpModel.parameters()), 1.0, 1.0, batch,
                        0.01, GaussianNoise.seeded(1, 0), new RdpAccountant());
                // Interleaved, so that both kinds of step see the same load on a shared machine.
                double[] plain = new double[steps], priv = new double[steps];
                long plainHeld = 0;
                for (int s = -3; s < steps; s++) {
                    long t0 = System.nanoTime();
                    plainSgd.zeroGrad();
                    plainLoss.forward(plainModel.forward(images), labels);
                    plainModel.backward(plainLoss.backward(), false);
                    plainSgd.step();
                    long t1 = System.nanoTime();
                    if (s == -3) plainHeld = Tensor.liveBytes() - m1;
                    dp.zeroGrad();
                    dpLoss.forward(clipper.forward(images), labels);
                    clipper.clipAndAccumulate(dpLoss.backward().scale(batch), 1.0);
                    dp.step();
                    long t2 = System.nanoTime();
                    if (s >= 0) {
                        plain[s] = (t1 - t0) / 1e6;
                        priv[s] = (t2 - t1) / 1e6;
                    }
                }
                long dpHeld = Tensor.liveBytes() - m1 - plainHeld;
                Arrays.sort(plain);
                Arrays.sort(priv);
                double p = plain[steps / 2], d = priv[steps / 2];
                System.out.printf(Locale.ROOT, "batch %d, %d threads, %d steps: non-private %.2f ms/step (%.0f images/s), "
                        + "DP-SGD %.2f ms/step (%.0f images/s), ratio %.2fx; memory beyond the parameters: non-private %d bytes, "
                        + "DP-SGD %d bytes (%+.1f bytes per sample)%n", batch, Anvil.numThreads(), steps, p, batch / p * 1e3, d,
                        batch / d * 1e3, p / d, plainHeld, dpHeld, (double) (dpHeld - plainHeld) / batch);
                dp.close();
            }
        }
    }
}
