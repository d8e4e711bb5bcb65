package dev.anvil.bench;

import dev.anvil.Anvil;
import java.util.Arrays;

/**
 * The benchmarks jar's entry point: JMH's own, except that where the FFM binding cannot run (JDK <
 * 22, or an anvil-core built without it) the ffm benchmarks are excluded, with a note, instead of
 * failing.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        String[] jmhArgs = args;
        if (!Anvil.ffmAvailable()) {
            System.err.println("bench: no FFM binding on this JVM (JDK " + Runtime.version().feature()
                    + "; it needs JDK 22+ and an anvil-core built there): skipping the ffm benchmarks");
            jmhArgs = Arrays.copyOf(args, args.length + 2);
            jmhArgs[args.length] = "-e";
            jmhArgs[args.length + 1] = "BindingOverheadBenchmark\\.ffm";
        }
        org.openjdk.jmh.Main.main(jmhArgs);
    }
}
