package dev.anvil.tune.report;

import dev.anvil.tune.Direction;
import dev.anvil.tune.FrozenTrial;
import dev.anvil.tune.TrialState;
import dev.anvil.tune.Trials;
import dev.anvil.tune.objective.FashionMnistRecipe;
import dev.anvil.tune.objective.Objectives;
import dev.anvil.tune.space.CategoricalDistribution;
import dev.anvil.tune.space.FloatDistribution;
import dev.anvil.tune.space.IntDistribution;
import dev.anvil.tune.space.Param;
import dev.anvil.tune.space.SearchSpace;
import dev.anvil.tune.storage.Event;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A study as one self-contained HTML page (inline SVG, no script, nothing fetched): summary, the
 * best trial with its recipe as a ready command, optimisation history, intermediate values,
 * parallel coordinates, parameter importance ({@link Importance}) and the table of trials.
 */
public final class HtmlReport {
    private final Event.StudyCreated header;
    private final List<FrozenTrial> trials;
    private final String partialTail;

    public HtmlReport(Event.StudyCreated header, List<FrozenTrial> trials, String partialTail) {
        this.header = header;
        this.trials = List.copyOf(trials);
        this.partialTail = partialTail;
    }

    public void write(Path out) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(out, html(), StandardCharsets.UTF_8);
    }

    /** The ready command of a fmnist-cnn study's best trial, or null for other objectives. */
    public static String recipeCommand(Map<String, String> meta, Map<String, Object> params) {
        if (!Objectives.FMNIST.equals(meta.get("objective")) || !FashionMnistRecipe.PARAMS.containsAll(params.keySet())) return null;
        return FashionMnistRecipe.of(params).command(Integer.parseInt(meta.getOrDefault("epochs", "2")));
    }

    public String html() {
        Direction d = header.direction();
        Optional<FrozenTrial> best = Trials.best(trials, d);
        Map<TrialState, Integer> counts = Trials.counts(trials);
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(Svg.esc(header.name())).append(" - anvil tune</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse;font-size:12px}"
                        + "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}code,pre{background:#f4f4f4;padding:4px}"
                        + ".warn{color:#a00}</style></head><body>\n");
        h.append("<h1>Study ").append(Svg.esc(header.name())).append("</h1>\n<p>");
        h.append(d.name().toLowerCase()).append(" · seed ").append(header.seed()).append(" · created ").append(Instant.ofEpochMilli(header.time()));
        header.meta().forEach((k, v) -> h.append(" · ").append(Svg.esc(k)).append(" ").append(Svg.esc(v)));
        h.append("</p>\n<p>");
        counts.forEach((s, n) -> h.append(s.name().toLowerCase()).append(": ").append(n).append(" &nbsp; "));
        h.append(String.format(Locale.ROOT, "wall time: %.1f min", wallMinutes())).append("</p>\n");
        if (partialTail != null) {
            h.append("<p class=\"warn\">The journal ends with a partial line of ").append(partialTail.length())
                    .append(" characters (a writer died mid-write); it was ignored.</p>\n");
        }
        h.append("<p>Search space: <code>").append(Svg.esc(header.space().toString())).append("</code></p>\n");
        h.append("<h2>Best trial</h2>\n");
        if (best.isEmpty()) {
            h.append("<p>No trial has completed yet.</p>\n");
        } else {
            FrozenTrial b = best.get();
            h.append(String.format(Locale.ROOT, "<p>Trial %d: value <b>%.6g</b>", b.number(), b.value()));
            b.attrs().forEach((k, v) -> {
                if (!k.contains(":") && !k.equals("sampler")) h.append(" · ").append(Svg.esc(k)).append(" ").append(Svg.esc(v));
            });
            h.append("</p>\n<pre>").append(Svg.esc(Trials.params(b.params()))).append("</pre>\n");
            String cmd = recipeCommand(header.meta(), b.params());
            if (cmd != null) h.append("<p>Train this recipe on the whole training set:</p>\n<pre>").append(Svg.esc(cmd)).append("</pre>\n");
        }
        h.append("<h2>Optimisation history</h2>\n").append(history());
        h.append("<h2>Intermediate values</h2>\n").append(intermediate());
        h.append("<h2>Parallel coordinates</h2>\n<p>Complete trials; darker lines are better.</p>\n").append(parallel());
        h.append("<h2>Parameter importance</h2>\n").append(importance());
        h.append("<h2>Trials</h2>\n").append(table());
        h.append("</body></html>\n");
        return h.toString();
    }

    private double wallMinutes() {
        long start = Long.MAX_VALUE, end = 0;
        for (FrozenTrial t : trials) {
            start = Math.min(start, t.startMillis());
            end = Math.max(end, Math.max(t.endMillis(), t.lastSeenMillis()));
        }
        return trials.isEmpty() ? 0 : (end - start) / 60000.0;
    }

    private String history() {
        List<FrozenTrial> valued = new ArrayList<>();
        for (FrozenTrial t : trials) if (t.value() != null) valued.add(t);
        if (valued.isEmpty()) return "<p>No values yet.</p>\n";
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (FrozenTrial t : valued) {
            lo = Math.min(lo, t.value());
            hi = Math.max(hi, t.value());
        }
        Svg s = new Svg(Svg.WIDTH, Svg.HEIGHT);
        Svg.Scale x = Svg.Scale.of(0, Math.max(1, trials.size() - 1), Svg.LEFT, Svg.WIDTH - Svg.RIGHT, false);
        Svg.Scale y = Svg.Scale.of(lo, hi, Svg.HEIGHT - Svg.BOTTOM, Svg.TOP, false);
        axes(s, x, y, "trial", "value");
        List<Double> bx = new ArrayList<>(), by = new ArrayList<>();
        Double bestSoFar = null;
        for (FrozenTrial t : trials) {
            if (t.value() == null) continue;
            boolean complete = t.state() == TrialState.COMPLETE;
            s.circle(x.map(t.number()), y.map(t.value()), complete ? 3.5 : 2.5, complete ? "#1f77b4" : "#bbb",
                    "trial " + t.number() + " " + t.state() + " " + t.value() + " " + Trials.params(t.params()));
            if (complete && (bestSoFar == null || header.direction().better(t.value(), bestSoFar))) bestSoFar = t.value();
            if (bestSoFar != null) {
                bx.add(x.map(t.number()));
                by.add(y.map(bestSoFar));
            }
        }
        s.polyline(bx.stream().mapToDouble(Double::doubleValue).toArray(), by.stream().mapToDouble(Double::doubleValue).toArray(), "#d62728", 1.5, 1,
                "best so far");
        return s + "<p>Blue: complete trials; grey: pruned trials at their last report; red: best so far.</p>\n";
    }

    private String intermediate() {
        long maxStep = 0;
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (FrozenTrial t : trials) {
            for (Map.Entry<Long, Double> e : t.intermediate().entrySet()) {
                if (!Double.isFinite(e.getValue())) continue;
                maxStep = Math.max(maxStep, e.getKey());
                lo = Math.min(lo, e.getValue());
                hi = Math.max(hi, e.getValue());
            }
        }
        if (lo > hi) return "<p>No trial reported intermediate values.</p>\n";
        Svg s = new Svg(Svg.WIDTH, Svg.HEIGHT);
        Svg.Scale x = Svg.Scale.of(0, Math.max(1, maxStep), Svg.LEFT, Svg.WIDTH - Svg.RIGHT, false);
        Svg.Scale y = Svg.Scale.of(lo, hi, Svg.HEIGHT - Svg.BOTTOM, Svg.TOP, false);
        axes(s, x, y, "step", "reported value");
        for (FrozenTrial t : trials) {
            List<double[]> pts = new ArrayList<>();
            for (Map.Entry<Long, Double> e : t.intermediate().entrySet()) {
                if (Double.isFinite(e.getValue())) pts.add(new double[] {x.map(e.getKey()), y.map(e.getValue())});
            }
            if (pts.isEmpty()) continue;
            String color = t.state() == TrialState.PRUNED ? "#bbb" : t.state() == TrialState.COMPLETE ? "#1f77b4" : "#ff7f0e";
            s.polyline(pts.stream().mapToDouble(p -> p[0]).toArray(), pts.stream().mapToDouble(p -> p[1]).toArray(), color, 1.2, 0.8,
                    "trial " + t.number() + " " + t.state());
            double[] last = pts.get(pts.size() - 1);
            s.circle(last[0], last[1], 2, color, null);
        }
        return s + "<p>Blue: complete; grey: pruned; orange: running or failed.</p>\n";
    }

    private void axes(Svg s, Svg.Scale x, Svg.Scale y, String xLabel, String yLabel) {
        double x0 = Svg.LEFT, y0 = s.height() - Svg.BOTTOM;
        s.line(x0, y0, s.width() - Svg.RIGHT, y0, "#333", 1).line(x0, y0, x0, Svg.TOP, "#333", 1);
        for (int i = 0; i <= 4; i++) {
            double vx = x.lo() + (x.hi() - x.lo()) * i / 4, vy = y.lo() + (y.hi() - y.lo()) * i / 4;
            s.text(x.map(vx), y0 + 14, String.format(Locale.ROOT, "%.0f", vx), "middle"); // trials and steps are whole numbers
            s.text(x0 - 4, y.map(vy) + 4, y.label(vy), "end");
            s.line(x0, y.map(vy), s.width() - Svg.RIGHT, y.map(vy), "#eee", 1);
        }
        s.text((x0 + s.width() - Svg.RIGHT) / 2, y0 + 32, xLabel, "middle");
        s.text(12, Svg.TOP - 6, yLabel, "start");
    }

    private String parallel() {
        SearchSpace space = header.space();
        List<FrozenTrial> complete = new ArrayList<>();
        for (FrozenTrial t : trials) if (t.state() == TrialState.COMPLETE) complete.add(t);
        if (complete.isEmpty()) return "<p>No complete trials yet.</p>\n";
        List<Param> params = space.params();
        int axesCount = params.size() + 1;
        Svg s = new Svg(Math.max(Svg.WIDTH, 110 * axesCount), Svg.HEIGHT);
        double top = Svg.TOP + 10, bottom = s.height() - Svg.BOTTOM;
        double step = (s.width() - Svg.LEFT - Svg.RIGHT) / (double) Math.max(1, axesCount - 1);
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (FrozenTrial t : complete) {
            lo = Math.min(lo, t.value());
            hi = Math.max(hi, t.value());
        }
        Svg.Scale valueScale = Svg.Scale.of(lo, hi, bottom, top, false);
        List<FrozenTrial> ordered = new ArrayList<>(complete);
        Direction d = header.direction();
        ordered.sort((a, b) -> Double.compare(d.loss(b.value()), d.loss(a.value()))); // worst first, best drawn last
        for (int r = 0; r < ordered.size(); r++) {
            FrozenTrial t = ordered.get(r);
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                Object v = t.params().get(params.get(i).name());
                if (v == null) continue;
                xs.add(Svg.LEFT + i * step);
                ys.add(bottom + (top - bottom) * params.get(i).distribution().toUnit(v));
            }
            xs.add(Svg.LEFT + params.size() * step);
            ys.add(valueScale.map(t.value()));
            double quality = ordered.size() == 1 ? 1 : (double) r / (ordered.size() - 1);
            String color = String.format(Locale.ROOT, "rgb(%d,%d,%d)", (int) (200 - 170 * quality), (int) (210 - 120 * quality), 240);
            s.polyline(xs.stream().mapToDouble(Double::doubleValue).toArray(), ys.stream().mapToDouble(Double::doubleValue).toArray(), color, 1.2,
                    0.4 + 0.6 * quality, "trial " + t.number() + ": " + t.value());
        }
        for (int i = 0; i <= params.size(); i++) {
            double xx = Svg.LEFT + i * step;
            s.line(xx, top, xx, bottom, "#333", 1);
            if (i == params.size()) {
                s.text(xx, bottom + 16, "value", "middle").text(xx, top - 4, valueScale.label(hi), "middle").text(xx, bottom + 28, valueScale.label(lo), "middle");
            } else {
                Param p = params.get(i);
                s.text(xx, bottom + 16, p.name(), "middle");
                s.text(xx, top - 4, endLabel(p, 1), "middle").text(xx, bottom + 28, endLabel(p, 0), "middle");
            }
        }
        return s.toString();
    }

    private static String endLabel(Param p, double u) {
        if (p.distribution() instanceof CategoricalDistribution c) {
            return u == 0 ? c.choices().get(0).toString() : c.choices().get(c.size() - 1).toString();
        }
        if (p.distribution() instanceof FloatDistribution f) return String.format(Locale.ROOT, "%.3g", u == 0 ? f.low() : f.high());
        IntDistribution i = (IntDistribution) p.distribution();
        return Long.toString(u == 0 ? i.low() : i.high());
    }

    private String importance() {
        Map<String, Double> imp = Importance.of(header.space(), trials, header.direction(), 0.1);
        if (imp.isEmpty()) return "<p>Needs at least 10 finished trials.</p>\n";
        Svg s = new Svg(Svg.WIDTH, 30 + 24 * imp.size());
        int i = 0;
        for (Map.Entry<String, Double> e : imp.entrySet()) {
            double y = 10 + 24 * i++;
            s.text(140, y + 14, e.getKey(), "end");
            s.rect(150, y, 560 * e.getValue(), 18, "#1f77b4", String.format(Locale.ROOT, "%.3f", e.getValue()));
            s.text(155 + 560 * e.getValue(), y + 14, String.format(Locale.ROOT, "%.2f", e.getValue()), "start");
        }
        return s + "<p>PED-ANOVA (Watanabe et al., IJCAI 2023): how differently each parameter is distributed in the best 10% of finished "
                + "trials (complete ones first, then pruned ones by how far they got) than in all of them; normalised to sum to 1.</p>\n";
    }

    private String table() {
        StringBuilder t = new StringBuilder("<table><tr><th>#</th><th>state</th><th>value</th><th>last step</th><th>seconds</th><th>parameters</th>"
                + "<th>attributes</th><th>reason</th></tr>\n");
        for (FrozenTrial f : trials) {
            t.append("<tr><td>").append(f.number()).append("</td><td>").append(f.state().name().toLowerCase()).append("</td><td>")
                    .append(f.value() == null ? "" : String.format(Locale.ROOT, "%.6g", f.value())).append("</td><td>")
                    .append(f.lastStep() < 0 ? "" : f.lastStep()).append("</td><td>").append(String.format(Locale.ROOT, "%.1f", f.seconds()))
                    .append("</td><td>").append(Svg.esc(Trials.params(f.params()))).append("</td><td>").append(Svg.esc(f.attrs().toString()))
                    .append("</td><td>").append(f.reason() == null ? "" : Svg.esc(f.reason())).append("</td></tr>\n");
        }
        return t.append("</table>\n").toString();
    }
}
