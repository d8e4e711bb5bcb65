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
        long[] memory = new long[2];
        double[] plain = run(false, batch, steps, x, y, memory, 0);
        double[] priv = run(true, batch, steps, x, y, memory, 1);
        double p = plain[steps / 2], d = priv[steps / 2];
        System.out.printf(Locale.ROOT, "batch %d, %d threads, %d steps: non-private %.2f ms/step (%.0f images/s), "
                + "DP-SGD %.2f ms/step (%.0f images/s), ratio %.2fx; memory beyond the parameters: non-private %d bytes, "
                + "DP-SGD %d bytes (%+.1f bytes per sample)%n", batch, Anvil.numThreads(), steps, p, batch / p * 1e3, d,
                batch / d * 1e3, p / d, memory[0], memory[1], (double) (memory[1] - memory[0]) / batch);
    }

    /** Sorted step times in ms of one kind of step; memory[slot] gets the bytes held after the steps beyond the model's. */
    private static double[] run(boolean dp, int batch, int steps, float[] x, int[] y, long[] memory, int slot) {
        Init.manualSeed(1);
        try (Sequential model = DpModels.papernotCnn(10, true); CrossEntropyLoss loss = new CrossEntropyLoss();
             Tensor images = Tensor.of(x, batch, 1, 28, 28); Tensor labels = Tensor.ofInts(y, batch);
             SGD sgd = SGD.builder().lr(0.01).momentum(0.9).build(model.parameters());
             PerSampleClipper clipper = new PerSampleClipper(model)) {
            long withModel = Tensor.liveBytes();
            DPOptimizer opt = new DPOptimizer(sgd, 1.0, 1.0, batch, 0.01, GaussianNoise.seeded(1, 0), new RdpAccountant());
            double[] times = new double[steps];
            for (int s = -3; s < steps; s++) {
                long t0 = System.nanoTime();
                sgd.zeroGrad();
                if (dp) {
                    loss.forward(clipper.forward(images), labels);
                    clipper.clipAndAccumulate(loss.backward().scale(batch), 1.0);
                    opt.step();
                } else {
                    loss.forward(model.forward(images), labels);
                    model.backward(loss.backward(), false);
                    sgd.step();
                }
                if (s >= 0) times[s] = (System.nanoTime() - t0) / 1e6;
            }
            memory[slot] = Tensor.liveBytes() - withModel;
            Arrays.sort(times);
            return times;
        }
    }
}
