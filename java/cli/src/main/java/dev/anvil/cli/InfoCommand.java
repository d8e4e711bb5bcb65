package dev.anvil.cli;

import dev.anvil.Anvil;
import dev.anvil.Device;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code anvil info}: versions, binding, CPU features, threads and CUDA availability. */
@Command(name = "info", description = "Print versions, CPU features, thread count and whether CUDA is usable.")
final class InfoCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("anvil        %s (native library)%n", Anvil.version());
        out.printf("binding      %s (-Danvil.binding=jni|ffm)%n", Anvil.binding());
        out.printf("java         %s (%s)%n", System.getProperty("java.version"), System.getProperty("java.vm.name"));
        out.printf("os           %s %s %s%n", System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("os.arch"));
        out.printf("cpu features %s%n", Anvil.cpuFeatures());
        out.printf("gemm kernel  %s%n", Anvil.gemmKernel());
        out.printf("threads      %d (of %d CPUs; set with --threads or ANVIL_NUM_THREADS)%n", Anvil.numThreads(),
                Runtime.getRuntime().availableProcessors());
        for (String gpu : Anvil.cudaDevices()) out.printf("gpu          %s%n", gpu);
        String why = Device.cudaUnavailableReason();
        out.printf("cuda         %s%n", why == null ? "usable" : "not usable: " + why);
        out.flush();
    }
}
