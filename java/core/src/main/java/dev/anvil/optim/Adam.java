package dev.anvil.optim;

import dev.anvil.abi.AdamDesc;
import dev.anvil.internal.Native;
import dev.anvil.nn.Parameter;
import java.util.List;

/**
 * Adam, and AdamW with decoupled weight decay, with the semantics of PyTorch's
 * {@code torch.optim.Adam} and {@code torch.optim.AdamW}:
 * {@code Adam.builder().lr(1e-3).build(params)} or {@code Adam.adamW().weightDecay(0.01).build(params)}.
 */
public final class Adam extends Optimizer {
    private final float beta1, beta2, eps, weightDecay;
    private final boolean decoupled;
    private final AdamDesc desc = new AdamDesc();

    private Adam(List<Parameter> params, Builder b) {
        super(params, b.lr);
        this.beta1 = (float) b.beta1;
        this.beta2 = (float) b.beta2;
        this.eps = (float) b.eps;
        this.weightDecay = (float) b.weightDecay;
        this.decoupled = b.decoupled;
    }

    /** Adam (weight decay, if any, added to the gradient). */
    public static Builder builder() {
        return new Builder(false, 0.0);
    }

    /** AdamW (decoupled weight decay, default 0.01 as in PyTorch). */
    public static Builder adamW() {
        return new Builder(true, 0.01);
    }

    public boolean isAdamW() {
        return decoupled;
    }

    @Override
    protected void update(Parameter p, int index, long step) {
        desc.lr(lr).beta1(beta1).beta2(beta2).eps(eps).weight_decay(weightDecay).decoupled(decoupled ? 1 : 0);
        Native.adamStep(p.value().device(), desc, step, p.numel(), p.value().address(), p.grad().address(),
                state(index, "exp_avg").address(), state(index, "exp_avg_sq").address());
    }

    @Override
    public List<String> stateKeys() {
        return List.of("exp_avg", "exp_avg_sq");
    }

    @Override
    public String toString() {
        return (decoupled ? "AdamW" : "Adam") + "(lr=" + lr + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps
                + ", weightDecay=" + weightDecay + ")";
    }

    /** Options of {@link Adam}, with PyTorch's defaults. */
    public static final class Builder {
        private final boolean decoupled;
        private double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay;

        private Builder(boolean decoupled, double weightDecay) {
            this.decoupled = decoupled;
            this.weightDecay = weightDecay;
        }

        public Builder lr(double v) {
            lr = v;
            return this;
        }

        public Builder betas(double b1, double b2) {
            beta1 = b1;
            beta2 = b2;
            return this;
        }

        public Builder eps(double v) {
            eps = v;
            return this;
        }

        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Adam build(List<Parameter> params) {
            if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("Adam: beta1 must be in [0, 1), got " + beta1);
            if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("Adam: beta2 must be in [0, 1), got " + beta2);
            if (!(eps > 0 && Double.isFinite(eps))) throw new IllegalArgumentException("Adam: eps must be > 0, got " + eps);
            if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
                throw new IllegalArgumentException("Adam: weight decay must be >= 0, got " + weightDecay);
            }
            return new Adam(params, this);
        }
    }
}
