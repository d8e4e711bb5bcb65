package dev.anvil.optim;

import dev.anvil.internal.UseGuard;
import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters from their gradients. Per-parameter state (momentum, Adam moments) is
 * allocated on the first step on the parameters' device (and follows them when the model is
 * moved with {@code to(device)}), and is freed by {@link #close()}. Parameters without a gradient since the last {@link #zeroGrad()} are skipped,
 * as in PyTorch, and each parameter counts its own updates as PyTorch's per-parameter {@code step}
 * state does: a parameter whose first gradient arrives at step 5 starts its momentum buffer from
 * that gradient and its Adam bias correction at 1.
 */
public abstract class Optimizer implements AutoCloseable {
    private final UseGuard guard = new UseGuard();
    private final List<Parameter> params;
    private final List<Map<String, Tensor>> state = new ArrayList<>();
    protected float lr;
    private long steps;
    private final long[] updates;

    protected Optimizer(List<Parameter> params, double lr) {
        if (params == null || params.isEmpty()) throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters");
        if (!(lr >= 0 && Double.isFinite(lr))) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": learning rate must be finite and >= 0, got " + lr);
        }
        this.params = List.copyOf(params);
        this.lr = (float) lr;
        this.updates = new long[this.params.size()];
        for (int i = 0; i < this.params.size(); i++) state.add(new LinkedHashMap<>());
    }

    /**
     * Applies one update to every parameter that has a gradient. Like the layers, an optimizer serves
     * one thread at a time; a parameter's value and gradient stay allocated while its update runs,
     * even if another thread closes the model.
     */
    public void step() {
        guard.enter(getClass().getSimpleName(), "step");
        try {
            steps++;
            for (int i = 0; i < params.size(); i++) {
                Parameter p = params.get(i);
                if (!p.hasGrad()) continue;
                Tensor value = p.value(), grad = p.grad();
                value.retain();
                try {
                    grad.retain();
                    try {
                        update(p, i, ++updates[i]);
                    } finally {
                        grad.release();
                    }
                } finally {
                    value.release();
                }
            }
        } finally {
            guard.exit();
        }
    }

    /** Marks every gradient empty. */
    public void zeroGrad() {
        for (int i = 0; i < params.size(); i++) params.get(i).zeroGrad(); // by index: no iterator per step
    }

    /** Applies the update rule to parameter {@code index}; {@code step} counts its updates from 1. */
    protected abstract void update(Parameter p, int index, long step);

    /**
     * The state tensor {@code key} of parameter {@code index} on the parameter's device:
     * zero-filled when first asked for, moved there if the parameter has moved since.
     */
    protected final Tensor state(int index, String key) {
        Parameter p = params.get(index);
        Map<String, Tensor> s = state.get(index);
        Tensor t = s.get(key);
        if (t != null && !t.device().equals(p.device())) {
            Tensor moved = t.copyUnscoped(p.device());
            t.close();
            s.put(key, moved);
            t = moved;
        }
        if (t == null) {
            t = Tensor.emptyUnscoped(p.device(), DType.FLOAT32, p.value().shape()).zero();
            s.put(key, t);
        }
        return t;
    }

    public List<Parameter> parameters() {
        return params;
    }

    public float learningRate() {
        return lr;
    }

    public void setLearningRate(double lr) {
        if (!(lr >= 0 && Double.isFinite(lr))) throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
        this.lr = (float) lr;
    }

    /** Number of steps taken (the bias-correction clock of Adam). */
    public long steps() {
        return steps;
    }

    /** The names of the state tensors this optimizer keeps per parameter. */
    public abstract List<String> stateKeys();

    /** State of parameter {@code index} by key (allocated if absent), for checkpoints. */
    public Map<String, Tensor> stateOf(int index) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String k : stateKeys()) out.put(k, state(index, k));
        return out;
    }

    /**
     * Restores the step count (checkpoints), taking every parameter to have been updated at each of
     * those steps, as in training where every parameter receives a gradient.
     */
    public void setSteps(long steps) {
        if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        this.steps = steps;
        java.util.Arrays.fill(updates, steps);
    }

    @Override
    public void close() {
        guard.enter(getClass().getSimpleName(), "close");
        try {
            for (Map<String, Tensor> m : state) {
                m.values().forEach(Tensor::close);
                m.clear();
            }
        } finally {
            guard.exit();
        }
    }
}
