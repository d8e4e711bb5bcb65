package dev.anvil.cli;

import dev.anvil.Anvil;
import dev.anvil.Device;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code anvil info}: versions, binding, CPU features and kernel variants, threads and CUDA availability. */
@Command(name = "info", description = "Print versions, CPU features and the kernel variant of each op family, thread count and whether CUDA is usable.")
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
        String[] dispatch = Anvil.cpuKernels().split("\n");
        out.printf("cpu level    %s (cap: ANVIL_CPU_ISA or -Danvil.cpu.isa=portable|avx2|avx512|avx512vbmi)%n",
                dispatch[0].replaceFirst("^level: ", ""));
        for (int i = 1; i < dispatch.length; i++) out.printf("cpu kernels  %s%n", dispatch[i]);
        out.printf("threads      %d (of %d CPUs; set with --threads or ANVIL_NUM_THREADS)%n", Anvil.numThreads(),
                Runtime.getRuntime().availableProcessors());
        for (String gpu : Anvil.cudaDevices()) out.printf("gpu          %s%n", gpu);
        String why = Device.cudaUnavailableReason();
        out.printf("cuda         %s%n", why == null ? "usable" : "not usable: " + why);
        out.flush();
    }
}
