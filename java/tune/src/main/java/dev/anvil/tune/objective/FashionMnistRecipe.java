package dev.anvil.tune.objective;

import dev.anvil.nn.Models;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.Adam;
import dev.anvil.optim.LrSchedule;
import dev.anvil.optim.Optimizer;
import dev.anvil.optim.SGD;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A training recipe for the reference Fashion-MNIST CNN, read from a trial's parameters; every
 * parameter is optional and defaults to {@code anvil train}'s value: lr 0.01, momentum 0.9,
 * weight_decay 0, batch 64, optimizer sgd (or adam, adamw), dropout 0.4, schedule constant (or
 * cosine, linear: decay to 0 over the run, onecycle: PyTorch's OneCycleLR with max_lr = lr and
 * pct_start 0.3), width 1 (multiplies the channels, 32 and 64, and the hidden units, 1024),
 * label_smoothing 0 (cross-entropy's, as PyTorch's).
 */
public record FashionMnistRecipe(double lr, double momentum, double weightDecay, int batch, String optimizer, double dropout,
        String schedule, double width, double labelSmoothing) {
    /** The parameter names a space may use. */
    public static final Set<String> PARAMS = Set.of("lr", "momentum", "weight_decay", "batch", "optimizer", "dropout", "schedule", "width",
            "label_smoothing");
    /** OneCycleLR's pct_start for the onecycle schedule. */
    private static final double ONE_CYCLE_PCT_START = 0.3;

    public FashionMnistRecipe {
        if (!(lr > 0) || !Double.isFinite(lr)) throw new IllegalArgumentException("lr must be positive, got " + lr);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight_decay must be >= 0, got " + weightDecay);
        if (batch <= 0) throw new IllegalArgumentException("batch must be positive, got " + batch);
        if (!Set.of("sgd", "adam", "adamw").contains(optimizer)) throw new IllegalArgumentException("optimizer must be sgd, adam or adamw, got " + optimizer);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        if (!Set.of("constant", "cosine", "linear", "onecycle").contains(schedule)) {
            throw new IllegalArgumentException("schedule must be constant, cosine, linear or onecycle, got " + schedule);
        }
        if (!(width > 0 && width <= 8)) throw new IllegalArgumentException("width must be in (0, 8], got " + width);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new IllegalArgumentException("label_smoothing must be in [0, 1], got " + labelSmoothing);
    }

    /** The recipe of {@code params}; an unknown parameter name is an error. */
    public static FashionMnistRecipe of(Map<String, Object> params) {
        for (String k : params.keySet()) {
            if (!PARAMS.contains(k)) throw new IllegalArgumentException("fmnist-cnn recipe has no parameter '" + k + "' (known: " + PARAMS + ")");
        }
        return new FashionMnistRecipe(num(params, "lr", 0.01), num(params, "momentum", 0.9), num(params, "weight_decay", 0),
                (int) num(params, "batch", 64), str(params, "optimizer", "sgd"), num(params, "dropout", 0.4), str(params, "schedule", "constant"),
                num(params, "width", 1), num(params, "label_smoothing", 0));
    }

    private static double num(Map<String, Object> p, String k, double fallback) {
        Object v = p.get(k);
        if (v == null) return fallback;
        if (v instanceof Number n) return n.doubleValue();
        try {
            return Double.parseDouble(v.toString());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("recipe parameter " + k + " = " + v + " is not a number");
        }
    }

    private static String str(Map<String, Object> p, String k, String fallback) {
        Object v = p.get(k);
        return v == null ? fallback : v.toString();
    }

    /** The reference CNN with this recipe's width and dropout (width 1, dropout 0.4: {@code Models.fashionMnistCnn()}). */
    public Sequential model() {
        return Models.fashionMnistCnn(width, dropout);
    }

    public Optimizer optimizer(Sequential model) {
        return switch (optimizer) {
            case "sgd" -> SGD.builder().lr(lr).momentum(momentum).weightDecay(weightDecay).build(model.parameters());
            case "adam" -> Adam.builder().lr(lr).weightDecay(weightDecay).build(model.parameters());
            default -> Adam.adamW().lr(lr).weightDecay(weightDecay).build(model.parameters());
        };
    }

    /** The learning rate for step {@code t} (from 0) of {@code total}. */
    public double lrAt(long t, long total) {
        double frac = Math.min(1.0, (double) t / Math.max(1, total));
        return switch (schedule) {
            case "cosine" -> LrSchedule.cosine(Math.max(1, total)).lr(lr, t);
            case "onecycle" -> LrSchedule.oneCycle(Math.max(2, total), ONE_CYCLE_PCT_START).lr(lr, Math.min(t, Math.max(2, total) - 1));
            case "linear" -> lr * (1 - frac);
            default -> lr;
        };
    }

    /** Whether {@code anvil train} can run this recipe: default dropout and width, constant or cosine schedule. */
    public boolean fitsAnvilTrain() {
        return dropout == 0.4 && width == 1 && (schedule.equals("constant") || schedule.equals("cosine"));
    }

    /**
     * The command that trains this recipe on the whole training set and prints test accuracy:
     * {@code anvil train ...} when it can, else {@code anvil tune train --param ...}, which also
     * takes dropout, width and every schedule.
     */
    public String command(int epochs) {
        if (fitsAnvilTrain()) {
            String cmd = String.format(Locale.ROOT, "anvil train --epochs %d --lr %s --batch %d --optimizer %s --weight-decay %s", epochs, fmt(lr), batch,
                    optimizer, fmt(weightDecay));
            if (optimizer.equals("sgd")) cmd += " --momentum " + fmt(momentum);
            if (schedule.equals("cosine")) cmd += " --schedule cosine";
            return labelSmoothing != 0 ? cmd + " --label-smoothing " + fmt(labelSmoothing) : cmd;
        }
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, String> e : params().entrySet()) args.add("--param " + e.getKey() + "=" + e.getValue());
        return "anvil tune train --epochs " + epochs + " " + String.join(" ", args);
    }

    /** Every parameter of the recipe as text (momentum only for SGD). */
    public Map<String, String> params() {
        Map<String, String> p = new java.util.LinkedHashMap<>();
        p.put("optimizer", optimizer);
        p.put("lr", fmt(lr));
        if (optimizer.equals("sgd")) p.put("momentum", fmt(momentum));
        p.put("weight_decay", fmt(weightDecay));
        p.put("batch", Integer.toString(batch));
        p.put("dropout", fmt(dropout));
        p.put("schedule", schedule);
        p.put("width", fmt(width));
        p.put("label_smoothing", fmt(labelSmoothing));
        return p;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6g", v).replaceAll("\\.?0+$", "").replaceAll("\\.?0+e", "e");
    }
}
