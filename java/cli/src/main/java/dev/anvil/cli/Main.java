package dev.anvil.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code anvil} command. */
@Command(name = "anvil", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Train neural networks on Anvil's native kernels.",
        subcommands = {TrainCommand.class, PredictCommand.class, ExportCommand.class, LaunchCommand.class, InfoCommand.class, BenchCommand.class, RlCommand.class, TuneCommand.class, FederateCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (0 success, 1 failure, 2 usage error). */
    public static int run(String... args) {
        return execute(new CommandLine(new Main()), args);
    }

    /** As {@link #run(String...)}, writing to {@code out} and {@code err} instead of the console. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        return execute(cl, args);
    }

    /**
     * The exit code of a rank that failed because a collective lost its peers: the failure began
     * elsewhere, so {@code anvil launch} reports another rank's if there is one.
     */
    static final int PEER_FAILED = 3;

    private static int execute(CommandLine cl, String[] args) {
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("anvil: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (Boolean.getBoolean("anvil.stacktrace")) e.printStackTrace(commandLine.getErr());
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof dev.anvil.distributed.CollectiveException) return PEER_FAILED;
            }
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"anvil " + dev.anvil.Anvil.version()};
        }
    }
}
