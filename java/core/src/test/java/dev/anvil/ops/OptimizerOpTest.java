package dev.anvil.ops;

import static dev.anvil.ops.Check.assertClose;
import static dev.anvil.ops.Check.uniform;

import dev.anvil.Device;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import dev.anvil.abi.AdamDesc;
import dev.anvil.internal.Native;
import dev.anvil.abi.SgdDesc;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SGD and Adam/AdamW over {@link #STEPS} steps, each with a fresh gradient, against torch.optim's
 * update rules in {@link Reference}. Parameters and optimizer state are compared after every step
 * with tolerance {@link #RTOL} relative to their largest magnitude: each step rounds a few float
 * operations per element, so the error stays within a few ulps per step.
 */
class OptimizerOpTest {
    private static final int STEPS = 6;
    private static final int N = 1037; // not a multiple of any vector width
    private static final double RTOL = 1e-5;

    private static final List<Reference.Sgd> SGD = List.of(
            new Reference.Sgd(0.1f, 0f, 0f, 0f, false),
            new Reference.Sgd(0.05f, 0.9f, 0f, 0f, false),
            new Reference.Sgd(0.05f, 0.9f, 0.1f, 0f, false),
            new Reference.Sgd(0.05f, 0.9f, 0f, 0f, true),
            new Reference.Sgd(0.1f, 0f, 0f, 0.01f, false),
            new Reference.Sgd(0.05f, 0.9f, 0f, 0.01f, true),
            new Reference.Sgd(0.05f, 0.8f, 0.5f, 0.1f, false));

    private static final List<Reference.Adam> ADAM = List.of(
            new Reference.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false),
            new Reference.Adam(1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, false),
            new Reference.Adam(1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, true),
            new Reference.Adam(1e-1f, 0.5f, 0.9f, 1e-3f, 0f, false),
            new Reference.Adam(1e-1f, 0.5f, 0.9f, 1e-3f, 0.05f, true));

    @AfterEach
    void nothingLeaked() {
        Check.assertNoLiveTensors();
    }

    static Stream<Arguments> sgd() {
        return Backends.cross(SGD);
    }

    static Stream<Arguments> adam() {
        return Backends.cross(ADAM);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("sgd")
    void sgdStepsMatchTorch(String backend, Reference.Sgd h) {
        Device dev = Backends.use(backend);
        float[] p0 = uniform(1, N);
        double[] p = Check.toDouble(p0), v = new double[N];
        SgdDesc d = h.desc();
        try (Scope scope = Scope.open()) {
            Tensor param = Tensor.of(dev, p0, N), grad = Tensor.empty(dev, N), velocity = Tensor.zeros(dev, N);
            long velocityAddress = h.momentum() == 0 ? 0 : velocity.address(); // NULL is allowed without momentum
            for (int step = 1; step <= STEPS; step++) {
                float[] g = uniform(100 + step, N);
                grad.copyFrom(g);
                Native.sgdStep(dev, d, step, N, param.address(), grad.address(), velocityAddress);
                Reference.sgdStep(h, step, p, g, v);
                assertClose("param after step " + step, p, param.toFloatArray(), RTOL * Check.maxAbs(p));
                if (h.momentum() != 0) {
                    assertClose("velocity after step " + step, v, velocity.toFloatArray(), RTOL * Check.maxAbs(v));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("adam")
    void adamStepsMatchTorch(String backend, Reference.Adam h) {
        Device dev = Backends.use(backend);
        float[] p0 = uniform(1, N);
        double[] p = Check.toDouble(p0), m = new double[N], v = new double[N];
        AdamDesc d = h.desc();
        try (Scope scope = Scope.open()) {
            Tensor param = Tensor.of(dev, p0, N), grad = Tensor.empty(dev, N), tm = Tensor.zeros(dev, N), tv = Tensor.zeros(dev, N);
            for (int step = 1; step <= STEPS; step++) {
                float[] g = uniform(100 + step, N);
                grad.copyFrom(g);
                Native.adamStep(dev, d, step, N, param.address(), grad.address(), tm.address(), tv.address());
                Reference.adamStep(h, step, p, g, m, v);
                assertClose("param after step " + step, p, param.toFloatArray(), RTOL * Check.maxAbs(p));
                assertClose("m after step " + step, m, tm.toFloatArray(), RTOL * Check.maxAbs(m));
                assertClose("v after step " + step, v, tv.toFloatArray(), RTOL * Check.maxAbs(v));
            }
        }
    }
}
