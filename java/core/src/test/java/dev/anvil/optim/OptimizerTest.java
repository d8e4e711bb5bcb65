package dev.anvil.optim;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.Tensor;
import dev.anvil.nn.Parameter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * SGD and Adam(W) through the Optimizer API against plain-Java references of PyTorch's update
 * rules ({@code torch.optim.SGD}, {@code Adam}, {@code AdamW}), three steps each with a new
 * hand-set gradient per step.
 */
class OptimizerTest {
    private static final float[] START = {0.5f, -1.25f, 2f, 0f, -0.3f};
    private static final float[][] GRADS = {{0.1f, -0.2f, 0.3f, 1.5f, -0.05f}, {-0.4f, 0.25f, 0f, 0.5f, 0.2f},
            {0.3f, 0.3f, -1f, -0.1f, 0.7f}};

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, Tensor.liveBytes(), "tensor bytes leaked");
    }

    /** One parameter's reference update: param, gradient, state arrays and the 1-based step. */
    private interface Rule {
        void step(double[] p, double[] g, double[][] state, int t);
    }

    private static Parameter parameter(String name, float[] values) {
        Parameter p = new Parameter(name, values.length);
        p.value().copyFrom(values);
        return p;
    }

    /** Gives {@code p} the gradient {@code g}, as a backward pass that overwrites would. */
    private static void setGrad(Parameter p, float[] g) {
        p.beginGradWrite();
        p.grad().copyFrom(g);
    }

    /** Runs three steps of {@code opt} and of {@code rule} from the same start and compares after each. */
    private static void assertMatchesReference(Optimizer opt, Parameter p, Rule rule, int stateCount) {
        double[] ref = new double[START.length];
        for (int i = 0; i < ref.length; i++) ref[i] = START[i];
        double[][] state = new double[stateCount][START.length];
        for (int t = 1; t <= GRADS.length; t++) {
            opt.zeroGrad();
            setGrad(p, GRADS[t - 1]);
            opt.step();
            double[] g = new double[START.length];
            for (int i = 0; i < g.length; i++) g[i] = GRADS[t - 1][i];
            rule.step(ref, g, state, t);
            float[] actual = p.value().toFloatArray();
            for (int i = 0; i < ref.length; i++) {
                assertEquals(ref[i], actual[i], 1e-5 * (1 + Math.abs(ref[i])), opt + ", step " + t + ", element " + i);
            }
        }
        assertEquals(GRADS.length, opt.steps());
    }

    /** PyTorch's SGD: weight decay into the gradient, momentum buffer = g on the first step. */
    private static Rule sgd(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        return (p, g, state, t) -> {
            for (int i = 0; i < p.length; i++) {
                double d = g[i] + weightDecay * p[i];
                if (momentum != 0) {
                    double[] buf = state[0];
                    buf[i] = t == 1 ? d : momentum * buf[i] + (1 - dampening) * d;
                    d = nesterov ? d + momentum * buf[i] : buf[i];
                }
                p[i] -= lr * d;
            }
        };
    }

    /** PyTorch's Adam (coupled weight decay) or AdamW (decoupled). */
    private static Rule adam(double lr, double b1, double b2, double eps, double weightDecay, boolean decoupled) {
        return (p, g, state, t) -> {
            double[] m = state[0], v = state[1];
            for (int i = 0; i < p.length; i++) {
                double d = g[i];
                if (decoupled) p[i] *= 1 - lr * weightDecay;
                else d += weightDecay * p[i];
                m[i] = b1 * m[i] + (1 - b1) * d;
                v[i] = b2 * v[i] + (1 - b2) * d * d;
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                p[i] -= lr / (1 - Math.pow(b1, t)) * m[i] / denom;
            }
        };
    }

    @Test
    void plainSgd() {
        try (Parameter p = parameter("w", START); SGD opt = SGD.builder().lr(0.1).build(List.of(p))) {
            assertMatchesReference(opt, p, sgd(0.1, 0, 0, 0, false), 0);
        }
    }

    @Test
    void sgdWithMomentumAndDampening() {
        try (Parameter p = parameter("w", START); SGD opt = SGD.builder().lr(0.1).momentum(0.9).dampening(0.3).build(List.of(p))) {
            assertMatchesReference(opt, p, sgd(0.1, 0.9, 0.3, 0, false), 1);
        }
    }

    @Test
    void sgdWithNesterovMomentum() {
        try (Parameter p = parameter("w", START); SGD opt = SGD.builder().lr(0.05).momentum(0.8).nesterov(true).build(List.of(p))) {
            assertMatchesReference(opt, p, sgd(0.05, 0.8, 0, 0, true), 1);
        }
    }

    @Test
    void sgdWithWeightDecayAndMomentum() {
        try (Parameter p = parameter("w", START);
                SGD opt = SGD.builder().lr(0.1).momentum(0.9).weightDecay(0.01).build(List.of(p))) {
            assertMatchesReference(opt, p, sgd(0.1, 0.9, 0, 0.01, false), 1);
        }
    }

    @Test
    void adam() {
        try (Parameter p = parameter("w", START); Adam opt = Adam.builder().lr(0.01).build(List.of(p))) {
            assertFalse(opt.isAdamW());
            assertMatchesReference(opt, p, adam(0.01, 0.9, 0.999, 1e-8, 0, false), 2);
        }
    }

    @Test
    void adamWithCoupledWeightDecayAndOtherBetas() {
        try (Parameter p = parameter("w", START);
                Adam opt = Adam.builder().lr(0.02).betas(0.8, 0.99).eps(1e-6).weightDecay(0.1).build(List.of(p))) {
            assertMatchesReference(opt, p, adam(0.02, 0.8, 0.99, 1e-6, 0.1, false), 2);
        }
    }

    @Test
    void adamW() {
        try (Parameter p = parameter("w", START); Adam opt = Adam.adamW().lr(0.01).weightDecay(0.1).build(List.of(p))) {
            assertTrue(opt.isAdamW());
            assertMatchesReference(opt, p, adam(0.01, 0.9, 0.999, 1e-8, 0.1, true), 2);
        }
    }

    @Test
    void parametersWithoutAGradientAreSkipped() {
        try (Parameter a = parameter("a", START); Parameter b = parameter("b", START);
                SGD sgd = SGD.builder().lr(0.1).momentum(0.9).build(List.of(a, b));
                Adam adam = Adam.adamW().lr(0.1).build(List.of(a, b))) {
            for (Optimizer opt : List.of(sgd, adam)) {
                opt.zeroGrad();
                setGrad(a, GRADS[0]);
                assertFalse(b.hasGrad());
                float[] before = a.value().toFloatArray();
                opt.step();
                assertArrayEquals(START, b.value().toFloatArray(), opt + " changed a parameter without a gradient");
                assertFalse(Arrays.equals(before, a.value().toFloatArray()), opt + " did not update a");
            }
        }
    }

    /**
     * A parameter whose first gradient arrives at step 2 is updated as PyTorch updates it: SGD's
     * momentum buffer starts as that gradient (not (1 - dampening) times it) and Adam's bias
     * correction starts at step 1 for it.
     */
    @Test
    void aParameterFirstUpdatedLaterStartsItsOwnStateAsPyTorchDoes() {
        record Case(Optimizer opt, Rule rule, int stateCount) {}
        try (Parameter a = parameter("a", START); Parameter b = parameter("b", START)) {
            List<java.util.function.Supplier<Case>> cases = List.of(
                    () -> new Case(SGD.builder().lr(0.1).momentum(0.9).dampening(0.3).build(List.of(a, b)), sgd(0.1, 0.9, 0.3, 0, false), 1),
                    () -> new Case(Adam.builder().lr(0.01).build(List.of(a, b)), adam(0.01, 0.9, 0.999, 1e-8, 0, false), 2));
            for (var make : cases) {
                a.value().copyFrom(START);
                b.value().copyFrom(START);
                Case c = make.get();
                try (Optimizer opt = c.opt()) {
                    opt.zeroGrad();
                    setGrad(a, GRADS[0]);
                    opt.step();
                    double[] ref = new double[START.length];
                    for (int i = 0; i < ref.length; i++) ref[i] = START[i];
                    double[][] state = new double[c.stateCount()][START.length];
                    for (int t = 1; t <= 2; t++) {
                        opt.zeroGrad();
                        setGrad(b, GRADS[t]);
                        opt.step();
                        double[] g = new double[START.length];
                        for (int i = 0; i < g.length; i++) g[i] = GRADS[t][i];
                        c.rule().step(ref, g, state, t);
                        float[] actual = b.value().toFloatArray();
                        for (int i = 0; i < ref.length; i++) {
                            assertEquals(ref[i], actual[i], 1e-5 * (1 + Math.abs(ref[i])), opt + ", b's update " + t + ", element " + i);
                        }
                    }
                    assertEquals(3, opt.steps());
                }
            }
        }
    }

    @Test
    void stateIsAllocatedLazilyAndFreedOnClose() {
        try (Parameter a = parameter("a", START); Parameter b = parameter("b", START)) {
            long params = Tensor.liveBytes();
            long stateBytes = START.length * 4L;
            try (Adam opt = Adam.builder().build(List.of(a, b))) {
                assertEquals(params, Tensor.liveBytes(), "no state before the first step");
                setGrad(a, GRADS[0]);
                b.zeroGrad();
                opt.step();
                assertEquals(params + 2 * stateBytes, Tensor.liveBytes(), "exp_avg and exp_avg_sq of the updated parameter only");
            }
            assertEquals(params, Tensor.liveBytes(), "close frees the state");
            try (SGD opt = SGD.builder().build(List.of(a, b))) {
                setGrad(b, GRADS[0]);
                opt.step();
                assertEquals(List.of(), opt.stateKeys());
                assertEquals(params, Tensor.liveBytes(), "SGD without momentum keeps no state");
            }
        }
    }

    private static void assertRejected(Executable build, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void builderValidation() {
        try (Parameter p = parameter("w", START)) {
            List<Parameter> ps = List.of(p);
            assertRejected(() -> SGD.builder().lr(-0.1).build(ps), "learning rate");
            assertRejected(() -> SGD.builder().lr(Double.NaN).build(ps), "learning rate");
            assertRejected(() -> SGD.builder().nesterov(true).build(ps), "Nesterov");
            assertRejected(() -> SGD.builder().momentum(0.9).dampening(0.1).nesterov(true).build(ps), "Nesterov");
            assertRejected(() -> SGD.builder().momentum(-0.9).build(ps), "momentum");
            assertRejected(() -> SGD.builder().weightDecay(-1).build(ps), "weight decay");
            assertRejected(() -> SGD.builder().build(List.of()), "no parameters");
            assertRejected(() -> Adam.builder().lr(-1).build(ps), "learning rate");
            assertRejected(() -> Adam.builder().betas(1.0, 0.999).build(ps), "beta1");
            assertRejected(() -> Adam.builder().betas(0.9, 1.0).build(ps), "beta2");
            assertRejected(() -> Adam.builder().betas(-0.1, 0.999).build(ps), "beta1");
            assertRejected(() -> Adam.builder().eps(0).build(ps), "eps");
            assertRejected(() -> Adam.builder().eps(-1e-8).build(ps), "eps");
            assertRejected(() -> Adam.adamW().weightDecay(-0.01).build(ps), "weight decay");
            try (SGD opt = SGD.builder().build(ps)) {
                assertRejected(() -> opt.setLearningRate(-1), "learning rate");
                opt.setLearningRate(0.5);
                assertEquals(0.5f, opt.learningRate());
            }
        }
    }
}
