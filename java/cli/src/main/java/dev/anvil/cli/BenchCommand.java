package dev.anvil.cli;

import dev.anvil.Anvil;
import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.nn.BatchNorm2d;
import dev.anvil.nn.Conv2d;
import dev.anvil.nn.Init;
import dev.anvil.nn.Layer;
import dev.anvil.nn.Linear;
import dev.anvil.nn.MaxPool2d;
import dev.anvil.nn.Parameter;
import dev.anvil.nn.Models;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.SGD;
import dev.anvil.train.Trainer;
import java.io.PrintWriter;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code anvil bench}: median time of each layer of the reference network on its training shapes
 * and of a whole training step, with GFLOP/s where the FLOP count is defined. One JSON line per
 * result with --json (the format of the PyTorch reference script, for side-by-side runs).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time a reference network's layers and training step on random data (--model cnn or resnet).")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--batch", split = ",", defaultValue = "64,256", description = "Batch sizes of the step benchmark (default: ${DEFAULT-VALUE}).")
    int[] batches;

    @Option(names = "--warmup", defaultValue = "5", description = "Untimed runs first, at least (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--warmup-ms", defaultValue = "200",
            description = "Keep running untimed for at least this many milliseconds, and until the JIT compiler has been "
                    + "idle for 100 ms (at most 10 s): on 2 cores a compiler thread at work stalls the kernels' second "
                    + "thread, and short ops would time the compiler (default: ${DEFAULT-VALUE}).")
    int warmupMs;

    @Option(names = "--iters", defaultValue = "30", description = "Timed runs (default: ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--threads", defaultValue = "0", description = "Compute threads, 0 = every CPU (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", description = "One JSON object per result instead of a table.")
    boolean json;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--model", defaultValue = "cnn", description = "cnn (fmnist-cnn) or resnet (fmnist-resnet) (default: ${DEFAULT-VALUE}).")
    TrainCommand.ModelKind model;

    private PrintWriter out;
    private Device dev;

    @Override
    public Integer call() {
        if (warmup < 0 || warmupMs < 0 || iters <= 0) {
            throw new IllegalArgumentException("--warmup and --warmup-ms must be >= 0 and --iters > 0");
        }
        out = spec.commandLine().getOut();
        dev = Device.parse(device);
        Anvil.setNumThreads(threads);
        if (!json) {
            out.printf("anvil %s, %d threads, gemm kernel %s, cpu %s, device %s%n", Anvil.version(), Anvil.numThreads(),
                    Anvil.gemmKernel(), Anvil.cpuFeatures(), dev);
            out.printf("%-12s %-40s %10s %10s %10s%n", "op", "shape", "median ms", "min ms", "GFLOP/s");
        }
        Init.manualSeed(0);
        if (model == TrainCommand.ModelKind.resnet) {
            resnetLayers();
        } else {
            cnnLayers();
        }
        for (int batch : batches) trainStep(batch);
        out.flush();
        return 0;
    }

    private void cnnLayers() {
        int b = 64;
        double conv1 = 2.0 * b * 32 * 28 * 28 * 1 * 25, conv2 = 2.0 * b * 64 * 14 * 14 * 32 * 25, fc1 = 2.0 * b * 3136 * 1024;
        try (Conv2d c1 = Conv2d.builder(1, 32, 5).padding(2).build(); Tensor x1 = random(b, 1, 28, 28)) {
            layer("conv1_fwd", "64x1x28x28 -> 32, 5x5 pad 2", c1, x1, conv1, false);
        }
        try (Conv2d c2 = Conv2d.builder(32, 64, 5).padding(2).build(); Tensor x2 = random(b, 32, 14, 14)) {
            layer("conv2_fwd", "64x32x14x14 -> 64, 5x5 pad 2", c2, x2, conv2, false);
            layer("conv2_bwd", "data + weight + bias", c2, x2, 2 * conv2, true);
        }
        try (MaxPool2d pool = new MaxPool2d(2); Tensor xp = random(b, 32, 28, 28)) {
            layer("maxpool_fwd", "64x32x28x28, 2x2/2", pool, xp, 0, false);
            layer("maxpool_bwd", "64x32x14x14 -> 64x32x28x28", pool, xp, 0, true);
        }
        try (Linear l = new Linear(3136, 1024); Tensor xf = random(b, 3136)) {
            layer("fc1_fwd", "64x3136 -> 1024", l, xf, fc1, false);
            layer("fc1_bwd", "data + weight + bias", l, xf, 2 * fc1, true);
        }
    }

    /** The layers fmnist-resnet spends its time in: 3x3 convolutions of each stage and BatchNorm(+ReLU). */
    private void resnetLayers() {
        int b = 64;
        int[][] stages = {{16, 28}, {32, 14}, {64, 7}};
        for (int[] st : stages) {
            int c = st[0], hw = st[1];
            double flops = 2.0 * b * c * hw * hw * c * 9;
            String shape = b + "x" + c + "x" + hw + "x" + hw + " -> " + c + ", 3x3 pad 1";
            try (Conv2d conv = Conv2d.builder(c, c, 3).padding(1).bias(false).build(); Tensor x = random(b, c, hw, hw)) {
                layer("conv3x3_" + c + "_fwd", shape, conv, x, flops, false);
                layer("conv3x3_" + c + "_bwd", "data + weight", conv, x, 2 * flops, true);
            }
        }
        try (Sequential bnRelu = new Sequential(new BatchNorm2d(16), new ReLU()); Tensor x = random(b, 16, 28, 28)) {
            layer("bn_relu_fwd", "64x16x28x28, training", bnRelu, x, 0, false);
            layer("bn_relu_bwd", "data + weight + bias", bnRelu, x, 0, true);
        }
    }

    private void layer(String op, String shape, Layer layer, Tensor x, double flops, boolean backward) {
        layer.to(dev);
        Tensor y = layer.forward(x);
        List<Parameter> params = layer.parameters();
        try (Tensor dy = backward ? random(y.shape()) : null) {
            double[] ms = time(() -> {
                if (backward) {
                    // As in a training step after zeroGrad: the parameter gradients are
                    // overwritten, not added to (the PyTorch reference times plain products).
                    params.forEach(Parameter::zeroGrad);
                    layer.backward(dy, true);
                } else {
                    layer.forward(x);
                }
            });
            report(op, shape, ms, flops, 0);
        }
    }

    private void trainStep(int batch) {
        Init.manualSeed(0);
        boolean resnet = model == TrainCommand.ModelKind.resnet;
        try (Sequential net = (resnet ? Models.fmnistResNet() : Models.fashionMnistCnn()).to(dev);
                SGD opt = SGD.builder().lr(resnet ? 0.1 : 0.01).momentum(0.9).weightDecay(resnet ? 5e-4 : 0).build(net.parameters());
                Trainer trainer = Trainer.builder(net, opt).build();
                Tensor x = random(batch, 1, 28, 28);
                Tensor y = labels(batch)) {
            double[] ms = time(() -> trainer.step(x, y));
            report("train_step", (resnet ? "fmnist-resnet" : "reference CNN") + ", batch " + batch + ", SGD momentum", ms, 0, batch);
        }
    }

    /** Times of {@code r}, each until the device has finished its work (GPU kernels run asynchronously). */
    private double[] time(Runnable r) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean watchJit = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime(), quietSince = start, compiled = watchJit ? jit.getTotalCompilationTime() : 0;
        for (int i = 0; ; i++) {
            long now = System.nanoTime();
            if (watchJit && jit.getTotalCompilationTime() != compiled) {
                compiled = jit.getTotalCompilationTime();
                quietSince = now;
            }
            boolean warm = i >= warmup && now - start >= warmupMs * 1_000_000L && now - quietSince >= 100_000_000L;
            if (warm || now - start >= 10_000_000_000L) break;
            r.run();
        }
        Anvil.synchronize(dev);
        double[] ms = new double[iters];
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            r.run();
            Anvil.synchronize(dev);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    private void report(String op, String shape, double[] sortedMs, double flops, int images) {
        double median = sortedMs[sortedMs.length / 2];
        double gflops = flops > 0 ? flops / (median / 1e3) / 1e9 : Double.NaN;
        if (json) {
            out.printf(Locale.ROOT, "{\"system\":\"anvil\",\"measure\":\"%s\",\"op\":\"%s\",\"shape\":\"%s\",\"threads\":%d,"
                    + "\"device\":\"%s\",\"median_ms\":%.4f,\"min_ms\":%.4f,\"n\":%d%s%s}%n",
                    images > 0 ? "train_step" : "op", op, shape, Anvil.numThreads(), dev, median, sortedMs[0], sortedMs.length,
                    flops > 0 ? String.format(Locale.ROOT, ",\"gflop_per_s\":%.2f", gflops) : "",
                    images > 0 ? String.format(Locale.ROOT, ",\"batch\":%d,\"img_per_s\":%.1f", images, images / (median / 1e3)) : "");
        } else {
            String rate = flops > 0 ? String.format(Locale.ROOT, "%10.1f", gflops)
                    : images > 0 ? String.format(Locale.ROOT, "%7.0f img/s", images / (median / 1e3)) : String.format("%10s", "-");
            out.printf(Locale.ROOT, "%-12s %-40s %10.3f %10.3f %s%n", op, shape, median, sortedMs[0], rate);
        }
        out.flush();
    }

    private Tensor random(long... shape) {
        Tensor t = Tensor.empty(dev, shape);
        Init.uniform(t, -1, 1, new SplittableRandom(shape.length));
        return t;
    }

    private Tensor labels(int batch) {
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) y[i] = i % 10;
        return Tensor.ofInts(dev, y, batch);
    }
}
