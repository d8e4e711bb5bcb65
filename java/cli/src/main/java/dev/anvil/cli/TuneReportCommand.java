package dev.anvil.cli;

import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.StudyWatcher;
import dev.anvil.tune.TrialState;
import dev.anvil.tune.Trials;
import dev.anvil.tune.report.HtmlReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code anvil tune report}: the study of a journal as an HTML page, and a summary on the console. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write an HTML report of a study: history, intermediate values, parallel coordinates, importance, best recipe.")
final class TuneReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--journal", required = true, description = "The study's journal.")
    Path journal;

    @Option(names = "--out", description = "The HTML file (default: the journal's name with .html).")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        Path target = out != null ? out : Path.of(journal.toString().replaceAll("\\.jsonl?$", "") + ".html");
        try (StudyWatcher study = StudyWatcher.open(journal)) {
            List<FrozenTrial> trials = study.trials();
            if (study.partialTail() != null) {
                w.printf(Locale.ROOT, "note: ignored a partial last line of %d characters (a writer died mid-write)%n", study.partialTail().length());
            }
            new HtmlReport(study.header(), trials, study.partialTail()).write(target);
            Map<TrialState, Integer> c = Trials.counts(trials);
            w.printf(Locale.ROOT, "study '%s': %d trials (%d complete, %d pruned, %d failed, %d lost, %d running)%n", study.name(), trials.size(),
                    c.get(TrialState.COMPLETE), c.get(TrialState.PRUNED), c.get(TrialState.FAILED), c.get(TrialState.LOST), c.get(TrialState.RUNNING));
            study.best().ifPresent(b -> {
                w.println("best: " + Trials.line(b, study.best()));
                String cmd = HtmlReport.recipeCommand(study.header().meta(), b.params());
                if (cmd != null) w.println("  " + cmd);
            });
            w.println("wrote " + target);
        }
        w.flush();
        return 0;
    }
}
