package dev.anvil.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The quick profile behind bench/profile.sh: runs the JMH suites with short iterations and
 * writes {@code <out>.json} (JMH's JSON) and {@code <out>.md}, a table with milliseconds, GFLOP/s
 * or GB/s, and the share of the machine's measured fp32 peak.
 *
 * <p>Usage: {@code Profile <out-prefix> <peak-gflops> [benchmark-regex...]}
 */
public final class Profile {
    /** The suites of a quick profile: ops, training step, binding overhead, plug-in op, all-reduce. */
    private static final List<Class<?>> SUITES = List.of(OpBenchmark.class, TrainStepBenchmark.class,
            BindingOverheadBenchmark.class, PluginBenchmark.class, AllReduceBenchmark.class);

    private Profile() {}

    public static void main(String[] args) throws RunnerException, IOException {
        if (args.length < 2) {
            System.err.println("usage: Profile <out-prefix> <peak-gflops> [benchmark-regex...]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        double peak = Double.parseDouble(args[1]);
        ChainedOptionsBuilder options = new OptionsBuilder()
                .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1))
                .forks(1);
        if (args.length > 2) {
            for (int i = 2; i < args.length; i++) options.include(args[i]);
        } else {
            for (Class<?> suite : SUITES) options.include(suite.getSimpleName());
        }
        if (!dev.anvil.Anvil.ffmAvailable()) {
            System.err.println("profile: no FFM binding on this JVM (it needs JDK 22+): skipping the ffm benchmarks");
            options.exclude("BindingOverheadBenchmark\\.ffm");
        }
        Collection<RunResult> results = new Runner(options.build()).run();

        if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
        try (PrintStream json = new PrintStream(Files.newOutputStream(Path.of(out + ".json")), true, "UTF-8")) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, json).writeOut(results);
        }
        Files.writeString(Path.of(out + ".md"), markdown(results, peak));
        System.out.println("wrote " + out + ".json and " + out + ".md");
    }

    static String markdown(Collection<RunResult> results, double peak) {
        StringBuilder md = new StringBuilder();
        md.append("# Anvil quick profile, ").append(LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME)).append("\n\n");
        md.append(String.format(Locale.ROOT, "Machine: %d CPUs, measured fp32 FMA peak %.1f GFLOP/s (bench/peak/fma_peak.c); JDK %s.%n%n",
                Runtime.getRuntime().availableProcessors(), peak, System.getProperty("java.version")));
        md.append("| benchmark | parameters | time/op | ± | rate | % of peak |\n|---|---|---:|---:|---:|---:|\n");
        List<RunResult> sorted = new ArrayList<>(results);
        for (RunResult r : sorted) {
            var params = r.getParams();
            String name = params.getBenchmark().replaceFirst(".*\\.bench\\.", "");
            StringBuilder p = new StringBuilder();
            for (String key : params.getParamsKeys()) p.append(key).append('=').append(params.getParam(key)).append(' ');
            double ms = toMillis(r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreUnit());
            double err = toMillis(r.getPrimaryResult().getScoreError(), r.getPrimaryResult().getScoreUnit());
            String op = params.getParamsKeys().contains("op") ? params.getParam("op") : "";
            String rate = "", share = "";
            if (Workload.FLOP.containsKey(op)) {
                double gflops = Workload.FLOP.get(op) / (ms / 1e3) / 1e9;
                rate = String.format(Locale.ROOT, "%.1f GFLOP/s", gflops);
                share = String.format(Locale.ROOT, "%.0f%%", 100 * gflops / peak);
            } else if (Workload.BYTES.containsKey(op)) {
                rate = String.format(Locale.ROOT, "%.1f GB/s", Workload.BYTES.get(op) / (ms / 1e3) / 1e9);
            } else if (params.getParamsKeys().contains("megabytes")) {
                rate = String.format(Locale.ROOT, "%.2f GB/s", Integer.parseInt(params.getParam("megabytes")) * (double) (1 << 20) / (ms / 1e3) / 1e9);
            } else if (params.getParamsKeys().contains("batch")) {
                rate = String.format(Locale.ROOT, "%.0f images/s", Integer.parseInt(params.getParam("batch")) / (ms / 1e3));
            }
            md.append(String.format(Locale.ROOT, "| %s | %s| %s | %s | %s | %s |%n", name, p, time(ms),
                    Double.isNaN(err) ? "" : time(err), rate, share));
        }
        return md.toString();
    }

    /** A duration given in milliseconds, in the unit that shows it best. */
    static String time(double ms) {
        if (ms >= 1) return String.format(Locale.ROOT, "%.3f ms", ms);
        if (ms >= 1e-3) return String.format(Locale.ROOT, "%.2f µs", ms * 1e3);
        return String.format(Locale.ROOT, "%.1f ns", ms * 1e6);
    }

    private static double toMillis(double score, String unit) {
        return switch (unit) {
            case "ms/op" -> score;
            case "us/op" -> score / 1e3;
            case "ns/op" -> score / 1e6;
            case "s/op" -> score * 1e3;
            default -> throw new IllegalArgumentException("unexpected JMH unit " + unit);
        };
    }
}
