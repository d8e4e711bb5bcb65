package dev.anvil.cli;

import dev.anvil.Anvil;
import dev.anvil.rl.DqnAgent;
import dev.anvil.rl.ReplayBuffer;
import dev.anvil.rl.Rng;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code anvil rl bench}: the median latency of one DQN update (4-120-84-2 MLP, batch 128, Huber
 * loss, Adam, targets from the target network, a uniform replay sample) and of one greedy action
 * (batch 1), and the bytes the JVM allocates for each. With {@code --pytorch CMD} the same two
 * operations run in a PyTorch process started once, and the rounds alternate between the two
 * systems, so that both see the same machine load.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Median latency of a DQN update (4-120-84-2, batch 128) and of a greedy action (batch 1), "
                + "alternating with PyTorch with --pytorch bench/pytorch_dqn.sh.")
final class RlBenchCommand implements Callable<Integer> {
    private static final int OBS = 4, ACTIONS = 2, BATCH = 128, CAPACITY = 10_000;
    private static final Pattern NUMBER = Pattern.compile("\"(\\w+)\":\\s*([-0-9.eE]+)");

    @Spec
    CommandSpec spec;

    @Option(names = "--rounds", defaultValue = "5", description = "Rounds per system (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--updates", defaultValue = "2000", description = "Timed updates per round (default: ${DEFAULT-VALUE}).")
    int updates;

    @Option(names = "--actions", defaultValue = "20000", description = "Timed greedy actions per round (default: ${DEFAULT-VALUE}).")
    int actions;

    @Option(names = "--threads", defaultValue = "1", description = "Compute threads of both systems (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--pytorch", description = "Command that starts the PyTorch side (bench/pytorch_dqn.sh).")
    String pytorch;

    /** Medians of one round of one system, in microseconds, and allocated bytes per operation (Anvil only). */
    record Round(double updateUs, double actionUs, double updateBytes, double actionBytes) {}

    @Override
    public Integer call() throws Exception {
        if (rounds < 1 || updates < 1 || actions < 1) throw new IllegalArgumentException("--rounds, --updates and --actions must be >= 1");
        Anvil.setNumThreads(threads);
        PrintWriter out = spec.commandLine().getOut();
        List<Round> anvil = new ArrayList<>(), torch = new ArrayList<>();
        try (DqnAgent agent = DqnAgent.builder().doubleDqn(false).maxGradNorm(0).batchSize(BATCH).bufferCapacity(CAPACITY)
                .learningStarts(BATCH).seed(1).build(OBS, ACTIONS);
             PyTorchSide py = pytorch == null ? null : new PyTorchSide(pytorch, threads)) {
            float[][] observations = fill(agent.replayBuffer());
            out.printf(Locale.ROOT, "DQN update (%s, batch %d, Huber, Adam, target network) and greedy action (batch 1), %d thread%s, %d rounds%n",
                    agent.architecture(), BATCH, threads, threads == 1 ? "" : "s", rounds);
            out.printf(Locale.ROOT, "%-6s %-8s %12s %12s %14s %14s%n", "round", "system", "update us", "action us", "update bytes", "action bytes");
            measure(agent, observations, Math.max(updates / 2, 200), Math.max(actions / 2, 2000)); // warm-up
            for (int r = 1; r <= rounds; r++) {
                Round a = measure(agent, observations, updates, actions);
                anvil.add(a);
                out.printf(Locale.ROOT, "%-6d %-8s %12.1f %12.2f %14.1f %14.1f%n", r, "anvil", a.updateUs(), a.actionUs(), a.updateBytes(), a.actionBytes());
                if (py != null) {
                    Round t = py.round(updates, actions);
                    torch.add(t);
                    out.printf(Locale.ROOT, "%-6d %-8s %12.1f %12.2f %14s %14s%n", r, "pytorch", t.updateUs(), t.actionUs(), "-", "-");
                }
                out.flush();
            }
        }
        double au = median(anvil.stream().mapToDouble(Round::updateUs).toArray()), aa = median(anvil.stream().mapToDouble(Round::actionUs).toArray());
        out.printf(Locale.ROOT, "median  anvil    update %.1f us, action %.2f us%n", au, aa);
        if (!torch.isEmpty()) {
            double tu = median(torch.stream().mapToDouble(Round::updateUs).toArray()), ta = median(torch.stream().mapToDouble(Round::actionUs).toArray());
            out.printf(Locale.ROOT, "median  pytorch  update %.1f us, action %.2f us%n", tu, ta);
            out.printf(Locale.ROOT, "pytorch / anvil: update %.2fx, action %.2fx%n", tu / au, ta / aa);
        }
        out.flush();
        return 0;
    }

    /** Fills the replay buffer with transitions of CartPole's scale; returns observations to act on. */
    private static float[][] fill(ReplayBuffer buffer) {
        Rng rng = new Rng(7);
        float[] obs = new float[OBS], next = new float[OBS];
        for (int i = 0; i < CAPACITY; i++) {
            for (int j = 0; j < OBS; j++) {
                obs[j] = (float) rng.nextDouble(-1, 1);
                next[j] = (float) rng.nextDouble(-1, 1);
            }
            buffer.add(obs, rng.nextInt(ACTIONS), 1.0, next, rng.nextInt(50) == 0);
        }
        float[][] acting = new float[64][OBS];
        for (float[] o : acting) for (int j = 0; j < OBS; j++) o[j] = (float) rng.nextDouble(-1, 1);
        return acting;
    }

    private static Round measure(DqnAgent agent, float[][] observations, int updates, int actions) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long[] u = new long[updates], a = new long[actions];
        long bytes0 = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < updates; i++) {
            long t = System.nanoTime();
            agent.update();
            u[i] = System.nanoTime() - t;
        }
        long bytes1 = threads.getThreadAllocatedBytes(id);
        int sink = 0;
        agent.greedyAction(observations[0]); // acting after an update first copies the new weights to the acting network
        long bytes2 = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < actions; i++) {
            long t = System.nanoTime();
            sink += agent.greedyAction(observations[i & 63]);
            a[i] = System.nanoTime() - t;
        }
        long bytes3 = threads.getThreadAllocatedBytes(id);
        if (sink < 0) throw new AssertionError();
        return new Round(median(u) / 1e3, median(a) / 1e3, (bytes1 - bytes0) / (double) updates, (bytes3 - bytes2) / (double) actions);
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }

    /** The PyTorch process: one line "round U A" in, one JSON line of medians out. */
    private static final class PyTorchSide implements AutoCloseable {
        private final Process process;
        private final Writer in;
        private final BufferedReader out;

        PyTorchSide(String command, int threads) throws IOException {
            process = new ProcessBuilder("sh", "-c", command + " --threads " + threads).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            read(); // "ready", after its own warm-up
        }

        Round round(int updates, int actions) throws IOException {
            in.write("round " + updates + " " + actions + "\n");
            in.flush();
            String line = read();
            return new Round(field(line, "update_us"), field(line, "action_us"), Double.NaN, Double.NaN);
        }

        private String read() throws IOException {
            String line = out.readLine();
            if (line == null) throw new IOException("the PyTorch side closed its output; see its messages above");
            return line;
        }

        private static double field(String json, String key) throws IOException {
            Matcher m = NUMBER.matcher(json);
            while (m.find()) if (m.group(1).equals(key)) return Double.parseDouble(m.group(2));
            throw new IOException("the PyTorch side answered without " + key + ": " + json);
        }

        /** Closing its input ends the PyTorch side; it is killed if it has not exited after 10 s. */
        @Override
        public void close() throws IOException {
            in.close();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroy();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroy();
            }
        }
    }
}
