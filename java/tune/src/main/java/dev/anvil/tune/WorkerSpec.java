package dev.anvil.tune;

import dev.anvil.tune.objective.Objectives;
import dev.anvil.tune.pruner.Pruner;
import dev.anvil.tune.pruner.Pruners;
import dev.anvil.tune.sampler.Samplers;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a worker does: work on the study in {@code journal} (which must exist) with the named
 * objective, sampler and pruner, until the study counts {@code trials}. It travels to worker
 * processes as command-line arguments ({@link #toArgs}, {@link #parse}).
 *
 * @param journal          the study's journal
 * @param trials           the study's budget
 * @param sampler          a name of {@link Samplers#NAMES}
 * @param constantLiar     TPE's constant liar (parallel workers)
 * @param pruner           a name of {@link Pruners#NAMES}
 * @param warmupSteps      median pruner: steps never pruned
 * @param minResource      ASHA: the first rung's step
 * @param reductionFactor  ASHA: reduction factor
 * @param objective        a name {@link Objectives#create} knows
 * @param options          the objective's options
 * @param trialTimeout     a trial without report for this long fails (zero: no limit)
 * @param heartbeat        heartbeat interval
 * @param staleAfter       another host's trial without heartbeat for this long is lost
 */
public record WorkerSpec(Path journal, int trials, String sampler, boolean constantLiar, String pruner, long warmupSteps, long minResource,
        int reductionFactor, String objective, Map<String, String> options, Duration trialTimeout, Duration heartbeat, Duration staleAfter) {
    public WorkerSpec {
        Objects.requireNonNull(journal, "journal");
        if (trials <= 0) throw new IllegalArgumentException("trials must be positive, got " + trials);
        Samplers.create(sampler, constantLiar); // fails early, naming the choices
        Pruners.create(pruner, warmupSteps, minResource, reductionFactor);
        Objects.requireNonNull(objective, "objective");
        options = Map.copyOf(options);
    }

    public Pruner createPruner() {
        return Pruners.create(pruner, warmupSteps, minResource, reductionFactor);
    }

    /** Opens the study of the journal with this spec's sampler, pruner and timings. */
    public Study openStudy() throws IOException {
        return Study.builder(null).journal(journal).loadIfExists(true).sampler(Samplers.create(sampler, constantLiar)).pruner(createPruner())
                .trialTimeout(trialTimeout).heartbeat(heartbeat).staleAfter(staleAfter).open();
    }

    /** Runs trials in this thread until the budget is reached. */
    public void runWorker() throws IOException {
        Objective o = Objectives.create(objective, options);
        try (Study study = openStudy()) {
            study.optimize(o, trials);
        }
    }

    public List<String> toArgs() {
        List<String> a = new ArrayList<>(List.of("--journal", journal.toString(), "--trials", Integer.toString(trials), "--sampler", sampler,
                "--pruner", pruner, "--warmup", Long.toString(warmupSteps), "--min-resource", Long.toString(minResource), "--reduction-factor",
                Integer.toString(reductionFactor), "--objective", objective, "--trial-timeout", Long.toString(trialTimeout.toMillis()), "--heartbeat",
                Long.toString(heartbeat.toMillis()), "--stale-after", Long.toString(staleAfter.toMillis())));
        if (constantLiar) a.add("--constant-liar");
        options.forEach((k, v) -> {
            a.add("--option");
            a.add(k + "=" + v);
        });
        return a;
    }

    /** Parses {@link #toArgs}; other flags (e.g. --exit-with-parent) are left to the caller. */
    public static WorkerSpec parse(List<String> args) {
        Map<String, String> v = new LinkedHashMap<>();
        Map<String, String> options = new LinkedHashMap<>();
        boolean liar = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--constant-liar")) {
                liar = true;
            } else if (a.equals("--exit-with-parent")) {
                continue;
            } else if (a.startsWith("--") && i + 1 < args.size()) {
                String value = args.get(++i);
                if (a.equals("--option")) {
                    int eq = value.indexOf('=');
                    if (eq <= 0) throw new IllegalArgumentException("--option takes KEY=VALUE, got " + value);
                    options.put(value.substring(0, eq), value.substring(eq + 1));
                } else {
                    v.put(a.substring(2), value);
                }
            } else {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
        }
        for (String k : List.of("journal", "trials", "sampler", "pruner", "objective")) {
            if (!v.containsKey(k)) throw new IllegalArgumentException("missing --" + k);
        }
        return new WorkerSpec(Path.of(v.get("journal")), Integer.parseInt(v.get("trials")), v.get("sampler"), liar, v.get("pruner"),
                Long.parseLong(v.getOrDefault("warmup", "0")), Long.parseLong(v.getOrDefault("min-resource", "1")),
                Integer.parseInt(v.getOrDefault("reduction-factor", "3")), v.get("objective"), options,
                Duration.ofMillis(Long.parseLong(v.getOrDefault("trial-timeout", "0"))), Duration.ofMillis(Long.parseLong(v.getOrDefault("heartbeat", "10000"))),
                Duration.ofMillis(Long.parseLong(v.getOrDefault("stale-after", "60000"))));
    }
}
