package dev.anvil.optim;

import dev.anvil.internal.Native;
import dev.anvil.abi.SgdDesc;
import dev.anvil.nn.Parameter;
import java.util.List;

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay,
 * with the semantics of PyTorch's {@code torch.optim.SGD}:
 * {@code SGD.builder().lr(0.01).momentum(0.9).build(model.parameters())}.
 */
public final class SGD extends Optimizer {
    private final float momentum, dampening, weightDecay;
    private final boolean nesterov;
    private final SgdDesc desc = new SgdDesc();

    private SGD(List<Parameter> params, Builder b) {
        super(params, b.lr);
        this.momentum = (float) b.momentum;
        this.dampening = (float) b.dampening;
        this.weightDecay = (float) b.weightDecay;
        this.nesterov = b.nesterov;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected void update(Parameter p, int index, long step) {
        desc.lr(lr).momentum(momentum).dampening(dampening).weight_decay(weightDecay).nesterov(nesterov ? 1 : 0);
        long velocity = momentum == 0f ? 0 : state(index, "momentum_buffer").address();
        Native.sgdStep(p.value().device(), desc, step, p.numel(), p.value().address(), p.grad().address(), velocity);
    }

    @Override
    public List<String> stateKeys() {
        return momentum == 0f ? List.of() : List.of("momentum_buffer");
    }

    @Override
    public String toString() {
        return "SGD(lr=" + lr + ", momentum=" + momentum + (dampening != 0 ? ", dampening=" + dampening : "")
                + (nesterov ? ", nesterov" : "") + (weightDecay != 0 ? ", weightDecay=" + weightDecay : "") + ")";
    }

    /** Options of {@link SGD}, with PyTorch's defaults (lr 0.01 here, since PyTorch requires one). */
    public static final class Builder {
        private double lr = 0.01, momentum, dampening, weightDecay;
        private boolean nesterov;

        public Builder lr(double v) {
            lr = v;
            return this;
        }

        public Builder momentum(double v) {
            momentum = v;
            return this;
        }

        public Builder dampening(double v) {
            dampening = v;
            return this;
        }

        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Builder nesterov(boolean v) {
            nesterov = v;
            return this;
        }

        public SGD build(List<Parameter> params) {
            if (!(momentum >= 0 && Double.isFinite(momentum))) throw new IllegalArgumentException("SGD: momentum must be >= 0, got " + momentum);
            if (!(dampening >= 0 && dampening <= 1)) throw new IllegalArgumentException("SGD: dampening must be in [0, 1], got " + dampening);
            if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
                throw new IllegalArgumentException("SGD: weight decay must be >= 0, got " + weightDecay);
            }
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                throw new IllegalArgumentException("SGD: Nesterov momentum requires momentum > 0 and zero dampening");
            }
            return new SGD(params, this);
        }
    }
}
