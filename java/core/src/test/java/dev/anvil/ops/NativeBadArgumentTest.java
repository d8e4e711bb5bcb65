package dev.anvil.ops;

import static dev.anvil.ops.Check.assertInvalid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import dev.anvil.abi.AdamDesc;
import dev.anvil.abi.Conv2dDesc;
import dev.anvil.abi.CrossEntropyDesc;
import dev.anvil.abi.GroupnormDesc;
import dev.anvil.abi.LinearDesc;
import dev.anvil.internal.Native;
import dev.anvil.abi.Pool2dDesc;
import dev.anvil.abi.SgdDesc;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every Native entry point refuses bad arguments with INVALID_ARGUMENT and a message naming the
 * entry point and the problem, without crashing. The buffers are large enough for every geometry
 * used here, so that a check the library forgot would show as a wrong status, not as a crash.
 */
class NativeBadArgumentTest {
    private static final int BIG = 1 << 16;

    private Scope scope;
    private long a, b, c, d, ints;
    /** The device whose context the calls go to and whose memory the buffers are. */
    protected Device dev;

    /** The device under test; a subclass that needs an absent device aborts here (skipped, with the reason). */
    protected Device device() {
        return Device.cpu();
    }

    @BeforeEach
    void buffers() {
        dev = device();
        scope = Scope.open();
        a = Tensor.zeros(dev, BIG).address();
        b = Tensor.zeros(dev, BIG).address();
        c = Tensor.zeros(dev, BIG).address();
        d = Tensor.zeros(dev, BIG).address();
        ints = Tensor.empty(dev, DType.INT32, BIG).zero().address();
    }

    @AfterEach
    void nothingLeaked() {
        if (scope != null) scope.close(); // null: the device was unusable and the test skipped
        Check.assertNoLiveTensors();
    }

    // ------------------------------------------------------------------ library

    @Test
    void threadCountCanBeSetAndRead() {
        try {
            Native.setThreads(1);
            assertEquals(1, Native.threads());
            Native.setThreads(2);
            assertEquals(2, Native.threads());
            assertInvalid(() -> Native.setThreads(100_000), "anvil_context_set_num_threads", "num_threads");
            assertEquals(2, Native.threads(), "a refused setThreads keeps the old context");
            Native.setThreads(0);
            assertTrue(Native.threads() >= 1, "0 selects all online CPUs");
        } finally {
            Native.setThreads(0);
        }
    }

    @Test
    void mallocRefusesBadSizes() {
        assertInvalid(() -> Native.malloc(0), "anvil_malloc", "bytes");
        assertInvalid(() -> Native.malloc(-8), "anvil_malloc", "bytes");
        assertInvalid(() -> Native.malloc(Long.MAX_VALUE), "anvil_malloc", "bytes");
    }

    @Test
    void elementwiseRefusesBadArguments() {
        assertInvalid(() -> Native.fill(dev, -1, 0f, a), "anvil_fill", "n must be >= 0");
        assertInvalid(() -> Native.fill(dev, 4, 0f, 0), "anvil_fill", "y is NULL");
        assertInvalid(() -> Native.copy(dev, 4, 0, b), "anvil_copy", "x is NULL");
        assertInvalid(() -> Native.copy(dev, 8, a, a + 16), "anvil_copy", "overlap");
        assertInvalid(() -> Native.scale(dev, -3, 2f, a), "anvil_scale", "n");
        assertInvalid(() -> Native.scale(dev, 3, 2f, 0), "anvil_scale", "x is NULL");
        assertInvalid(() -> Native.axpy(dev, 4, 1f, a, 0), "anvil_axpy", "y is NULL");
        assertInvalid(() -> Native.axpy(dev, 4, 1f, a, a), "anvil_axpy", "overlap");
    }

    // ------------------------------------------------------------------ conv2d

    /** A valid geometry: 1x4x8x8 -> 4, 3x3, padding 1, groups 2. */
    private static final ConvGeom CONV = ConvGeom.of(1, 4, 8, 8, 4, 3, 1, 1, 1, 2);

    private void assertConvInvalid(UnaryOperator<Conv2dDesc> change, String... fragments) {
        Conv2dDesc desc = change.apply(CONV.desc());
        assertInvalid(() -> Native.conv2dOutputSize(desc), fragments);
        assertInvalid(() -> Native.conv2dForward(dev, desc, a, b, 0, c), fragments);
        assertInvalid(() -> Native.conv2dBackwardData(dev, desc, a, b, c), fragments);
        assertInvalid(() -> Native.conv2dBackwardWeight(dev, desc, a, b, c, d, false), fragments);
    }

    @Test
    void conv2dRefusesBadGeometry() {
        assertConvInvalid(x -> x.batch(0), "batch must be positive");
        assertConvInvalid(x -> x.in_channels(-4), "in_channels must be positive");
        assertConvInvalid(x -> x.out_channels(0), "out_channels must be positive");
        assertConvInvalid(x -> x.in_h(0), "in_h must be positive");
        assertConvInvalid(x -> x.kernel_w(0), "kernel_w must be positive");
        assertConvInvalid(x -> x.stride_h(0), "stride_h must be positive");
        assertConvInvalid(x -> x.pad_w(-1), "pad_w must be >= 0");
        assertConvInvalid(x -> x.dilation_h(0), "dilation_h must be positive");
        assertConvInvalid(x -> x.groups(0), "groups must be positive");
        assertConvInvalid(x -> x.groups(3), "divisible by groups");
        assertConvInvalid(x -> x.out_channels(6).groups(4), "divisible by groups");
        assertConvInvalid(x -> x.kernel_h(11), "larger than the padded input");
        assertConvInvalid(x -> x.dilation_w(5), "larger than the padded input");
    }

    @Test
    void conv2dRefusesNullAndOverlappingBuffers() {
        Conv2dDesc desc = CONV.desc();
        assertInvalid(() -> Native.conv2dForward(dev, desc, 0, b, 0, c), "anvil_conv2d_forward", "x is NULL");
        assertInvalid(() -> Native.conv2dForward(dev, desc, a, 0, 0, c), "w is NULL");
        assertInvalid(() -> Native.conv2dForward(dev, desc, a, b, 0, 0), "y is NULL");
        assertInvalid(() -> Native.conv2dForward(dev, desc, a, b, 0, a + 64), "x and y overlap");
        assertInvalid(() -> Native.conv2dBackwardData(dev, desc, 0, b, c), "anvil_conv2d_backward_data", "dy is NULL");
        assertInvalid(() -> Native.conv2dBackwardData(dev, desc, a, b, 0), "dx is NULL");
        assertInvalid(() -> Native.conv2dBackwardData(dev, desc, a, b, a), "dy and dx overlap");
        assertInvalid(() -> Native.conv2dBackwardWeight(dev, desc, a, b, 0, d, false), "anvil_conv2d_backward_weight",
                "dw is NULL");
        assertInvalid(() -> Native.conv2dBackwardWeight(dev, desc, a, b, a, d, true), "x and dw overlap");
        assertInvalid(() -> Native.conv2dBackwardWeight(dev, desc, a, b, b, d, true), "dy and dw overlap");
    }

    // ------------------------------------------------------------------ pool2d

    /** A valid geometry: 2x3x7x7, 3x3 window, stride 2, padding 1. */
    private static final PoolGeom POOL = PoolGeom.of(2, 3, 7, 7, 3, 2, 1, false);

    private void assertPoolInvalid(UnaryOperator<Pool2dDesc> change, String... fragments) {
        Pool2dDesc desc = change.apply(POOL.desc());
        assertInvalid(() -> Native.pool2dOutputSize(desc), fragments);
        assertInvalid(() -> Native.maxPool2dIndexBytes(desc), fragments);
        assertInvalid(() -> Native.maxPool2dForward(dev, desc, a, b, ints), fragments);
        assertInvalid(() -> Native.maxPool2dBackward(dev, desc, a, ints, b), fragments);
        assertInvalid(() -> Native.avgPool2dForward(dev, desc, a, b), fragments);
        assertInvalid(() -> Native.avgPool2dBackward(dev, desc, a, b), fragments);
    }

    @Test
    void poolRefusesBadGeometry() {
        assertPoolInvalid(x -> x.batch(0), "batch must be positive");
        assertPoolInvalid(x -> x.channels(-1), "channels must be positive");
        assertPoolInvalid(x -> x.in_w(0), "in_w must be positive");
        assertPoolInvalid(x -> x.kernel_h(0), "kernel_h must be positive");
        assertPoolInvalid(x -> x.stride_w(0), "stride_w must be positive");
        assertPoolInvalid(x -> x.pad_h(-1), "pad_h must be >= 0");
        assertPoolInvalid(x -> x.pad_w(2), "at most half of the kernel");
        assertPoolInvalid(x -> x.kernel_h(10).kernel_w(10).pad_h(0).pad_w(0), "larger than the padded input");
        assertPoolInvalid(x -> x.count_include_pad(2), "count_include_pad must be 0 or 1");
    }

    @Test
    void poolRefusesNullAndOverlappingBuffers() {
        Pool2dDesc desc = POOL.desc();
        assertInvalid(() -> Native.maxPool2dForward(dev, desc, 0, b, ints), "anvil_maxpool2d_forward", "x is NULL");
        assertInvalid(() -> Native.maxPool2dForward(dev, desc, a, a, ints), "x and y overlap");
        assertInvalid(() -> Native.maxPool2dBackward(dev, desc, a, 0, b), "anvil_maxpool2d_backward", "argmax is NULL");
        assertInvalid(() -> Native.maxPool2dBackward(dev, desc, a, ints, a + 4), "dy and dx overlap");
        // 2x3x4x4 outputs of one argmax byte each: 96 bytes, which may end at y but not inside it.
        assertInvalid(() -> Native.maxPool2dForward(dev, desc, a, b + 400, b + 305), "argmax and y overlap");
        Native.maxPool2dForward(dev, desc, a, b + 400, b + 304);
        assertInvalid(() -> Native.maxPool2dForward(dev, desc, a, b, a + 4), "argmax and x overlap");
        assertInvalid(() -> Native.avgPool2dForward(dev, desc, a, 0), "anvil_avgpool2d_forward", "y is NULL");
        assertInvalid(() -> Native.avgPool2dBackward(dev, desc, 0, b), "anvil_avgpool2d_backward", "dy is NULL");
        assertInvalid(() -> Native.avgPool2dBackward(dev, desc, a, a), "dy and dx overlap");
    }

    // ------------------------------------------------------------------ linear

    private void assertLinearInvalid(long batch, long in, long out, String... fragments) {
        LinearDesc desc = new LinearDesc().batch(batch).in_features(in).out_features(out);
        assertInvalid(() -> Native.linearForward(dev, desc, a, b, 0, c), fragments);
        assertInvalid(() -> Native.linearBackwardData(dev, desc, a, b, c), fragments);
        assertInvalid(() -> Native.linearBackwardWeight(dev, desc, a, b, c, d, false), fragments);
    }

    @Test
    void linearRefusesBadSizes() {
        assertLinearInvalid(0, 3, 4, "batch must be positive");
        assertLinearInvalid(2, -3, 4, "in_features must be positive");
        assertLinearInvalid(2, 3, 0, "out_features must be positive");
    }

    @Test
    void linearRefusesNullAndOverlappingBuffers() {
        LinearDesc desc = new LinearDesc().batch(2).in_features(3).out_features(4);
        assertInvalid(() -> Native.linearForward(dev, desc, 0, b, 0, c), "anvil_linear_forward", "x is NULL");
        assertInvalid(() -> Native.linearForward(dev, desc, a, b, 0, a), "x and y overlap");
        assertInvalid(() -> Native.linearForward(dev, desc, a, b, 0, b + 8), "w and y overlap");
        assertInvalid(() -> Native.linearBackwardData(dev, desc, a, 0, c), "anvil_linear_backward_data", "w is NULL");
        assertInvalid(() -> Native.linearBackwardData(dev, desc, a, b, b), "w and dx overlap");
        assertInvalid(() -> Native.linearBackwardWeight(dev, desc, a, b, 0, d, false), "anvil_linear_backward_weight",
                "dw is NULL");
        assertInvalid(() -> Native.linearBackwardWeight(dev, desc, a, b, a + 4, d, false), "x and dw overlap");
    }

    @Test
    void perSampleNormsRefuseBadArguments() {
        LinearDesc lin = new LinearDesc().batch(2).in_features(3).out_features(4);
        assertInvalid(() -> Native.linearPerSampleSqNorms(dev, new LinearDesc().batch(0).in_features(3).out_features(4), a, b, true, c),
                "anvil_linear_per_sample_sq_norms", "batch must be positive");
        assertInvalid(() -> Native.linearPerSampleSqNorms(dev, lin, 0, b, true, c), "anvil_linear_per_sample_sq_norms", "x is NULL");
        assertInvalid(() -> Native.linearPerSampleSqNorms(dev, lin, a, b, true, 0), "sq is NULL");
        assertInvalid(() -> Native.linearPerSampleSqNorms(dev, lin, a, b, true, a + 4), "sq and x overlap");
        Conv2dDesc conv = new Conv2dDesc().batch(2).in_channels(1).in_h(5).in_w(5).out_channels(2).kernel_h(3).kernel_w(3).stride_h(1)
                .stride_w(1).dilation_h(1).dilation_w(1).groups(1);
        assertInvalid(() -> Native.conv2dPerSampleSqNorms(dev, conv, a, b, true, false, 0), "anvil_conv2d_per_sample_sq_norms", "sq is NULL");
        assertInvalid(() -> Native.conv2dPerSampleSqNorms(dev, conv, a, b, true, true, b + 4), "sq and dy overlap");
        Conv2dDesc wide = new Conv2dDesc().batch(1).in_channels(1).in_h(200).in_w(200).out_channels(1).kernel_h(1).kernel_w(1)
                .stride_h(1).stride_w(1).dilation_h(1).dilation_w(1).groups(1);
        assertInvalid(() -> Native.conv2dPerSampleSqNorms(dev, wide, a, b, false, true, c), "ghost norm", "too many");
        GroupnormDesc bad = new GroupnormDesc().batch(2).channels(6).spatial(5).groups(4).eps(1e-5f);
        assertInvalid(() -> Native.groupNormPerSampleSqNorms(dev, bad, a, b, c), "anvil_groupnorm_per_sample_sq_norms", "divisible by groups");
        GroupnormDesc gn = new GroupnormDesc().batch(2).channels(6).spatial(5).groups(3).eps(1e-5f);
        assertInvalid(() -> Native.groupNormPerSampleSqNorms(dev, gn, a, 0, c), "dy is NULL");
        assertInvalid(() -> Native.groupNormPerSampleSqNorms(dev, gn, a, b, b + 8), "sq and dy overlap");
        assertInvalid(() -> Native.groupNormPerSampleSqNorms(dev, new GroupnormDesc().batch(2).channels(6).spatial(5).groups(3).eps(-1f),
                a, b, c), "eps");
    }

    // ------------------------------------------------------------------ activation

    @Test
    void reluRefusesBadArguments() {
        assertInvalid(() -> Native.reluForward(dev, -1, a, b), "anvil_relu_forward", "n must be >= 0");
        assertInvalid(() -> Native.reluForward(dev, 4, 0, b), "x is NULL");
        assertInvalid(() -> Native.reluForward(dev, 4, a, a + 4), "x and y overlap"); // in place is fine, shifted is not
        assertInvalid(() -> Native.reluBackward(dev, -1, a, b, c), "anvil_relu_backward", "n must be >= 0");
        assertInvalid(() -> Native.reluBackward(dev, 4, 0, b, c), "y is NULL");
        assertInvalid(() -> Native.reluBackward(dev, 4, a, b, a + 4), "y and dx overlap");
        assertInvalid(() -> Native.reluBackward(dev, 4, a, b, b + 8), "dy and dx overlap");
    }

    @Test
    void dropoutRefusesBadArguments() {
        for (float p : new float[] {1f, -0.1f, 1.5f, Float.NaN}) {
            assertInvalid(() -> Native.dropoutForward(dev, 4, p, 1, a, b), "anvil_dropout_forward", "p must be in [0, 1)");
            assertInvalid(() -> Native.dropoutBackward(dev, 4, p, 1, a, b), "anvil_dropout_backward", "p must be in [0, 1)");
        }
        assertInvalid(() -> Native.dropoutForward(dev, -2, 0.5f, 1, a, b), "n must be >= 0");
        assertInvalid(() -> Native.dropoutForward(dev, 4, 0.5f, 1, a, 0), "y is NULL");
        assertInvalid(() -> Native.dropoutForward(dev, 4, 0.5f, 1, a, a + 4), "x and y overlap");
        assertInvalid(() -> Native.dropoutBackward(dev, 4, 0.5f, 1, 0, b), "dy is NULL");
        assertInvalid(() -> Native.dropoutBackward(dev, 4, 0.5f, 1, a, a + 4), "dy and dx overlap");
    }

    // ------------------------------------------------------------------ loss

    @Test
    void crossEntropyRefusesBadArguments() {
        assertInvalid(() -> Native.softmaxCrossEntropyForward(dev, ce(0, 10), a, ints, 0), "anvil_softmax_cross_entropy_forward",
                "batch must be positive");
        assertInvalid(() -> Native.softmaxCrossEntropyForward(dev, ce(2, 0), a, ints, 0), "classes must be positive");
        assertInvalid(() -> Native.softmaxCrossEntropyForward(dev, ce(2, 10), 0, ints, 0), "logits is NULL");
        assertInvalid(() -> Native.softmaxCrossEntropyForward(dev, ce(2, 10), a, 0, 0), "labels is NULL");
        assertInvalid(() -> Native.softmaxCrossEntropyBackward(dev, ce(2, -1), a, ints, 0, 1f, b),
                "anvil_softmax_cross_entropy_backward", "classes must be positive");
        assertInvalid(() -> Native.softmaxCrossEntropyBackward(dev, ce(2, 10), a, ints, 0, 1f, 0), "dlogits is NULL");
        assertInvalid(() -> Native.softmaxCrossEntropyBackward(dev, ce(2, 10), a, ints, 0, 1f, a + 4), "logits and dlogits overlap");
        assertInvalid(() -> Native.softmaxCrossEntropyForward(dev, ce(2, 10).label_smoothing(1.5f), a, ints, 0),
                "label_smoothing must be in [0, 1]");
        assertInvalid(() -> Native.softmaxCrossEntropyForward(dev, ce(2, 10).label_smoothing(Float.NaN), a, ints, 0),
                "label_smoothing must be in [0, 1]");
        assertInvalid(() -> Native.softmaxCrossEntropyBackward(dev, ce(2, 10), a, ints, 0, Float.NaN, b), "scale must be finite");
        assertInvalid(() -> Native.softmaxCrossEntropyBackward(dev, ce(2, 10), a, ints, b + 8, 1f, b), "weight and dlogits overlap");
        assertInvalid(() -> Native.softmaxCrossEntropyBackward(dev, ce(2, 10), a, b + 4, 0, 1f, b), "labels and dlogits overlap");
        assertInvalid(() -> Native.argmax(dev, 0, 10, a, ints), "anvil_argmax", "batch must be positive");
        assertInvalid(() -> Native.argmax(dev, 2, 10, a, 0), "predictions is NULL");
    }

    private static CrossEntropyDesc ce(long batch, long classes) {
        return new CrossEntropyDesc().batch(batch).classes(classes).ignore_index(-100);
    }

    @Test
    void crossEntropyRefusesLabelsOutOfRange() {
        for (int bad : new int[] {10, -1, Integer.MAX_VALUE}) {
            try (Tensor labels = Tensor.ofInts(dev, new int[] {3, bad}, 2)) {
                assertInvalid(() -> Native.softmaxCrossEntropyForward(dev, ce(2, 10), a, labels.address(), 0),
                        "anvil_softmax_cross_entropy_forward", "label " + bad, "out of range");
                assertInvalid(() -> Native.softmaxCrossEntropyBackward(dev, ce(2, 10), a, labels.address(), 0, 1f, b),
                        "anvil_softmax_cross_entropy_backward", "label " + bad, "out of range");
            }
        }
    }

    // ------------------------------------------------------------------ optimizers

    private void assertSgdInvalid(Reference.Sgd h, long step, long n, long velocity, String... fragments) {
        SgdDesc desc = h.desc();
        assertInvalid(() -> Native.sgdStep(dev, desc, step, n, a, b, velocity), fragments);
    }

    @Test
    void sgdRefusesBadArguments() {
        Reference.Sgd ok = new Reference.Sgd(0.1f, 0.9f, 0f, 0f, false);
        assertSgdInvalid(new Reference.Sgd(-0.1f, 0f, 0f, 0f, false), 1, 4, c, "anvil_sgd_step", "lr must be finite");
        assertSgdInvalid(new Reference.Sgd(Float.NaN, 0f, 0f, 0f, false), 1, 4, c, "lr must be finite");
        assertSgdInvalid(new Reference.Sgd(0.1f, -0.9f, 0f, 0f, false), 1, 4, c, "momentum must be finite");
        assertSgdInvalid(new Reference.Sgd(0.1f, 0.9f, 1.5f, 0f, false), 1, 4, c, "dampening must be in [0, 1]");
        assertSgdInvalid(new Reference.Sgd(0.1f, 0.9f, 0f, -1f, false), 1, 4, c, "weight_decay must be finite");
        assertSgdInvalid(new Reference.Sgd(0.1f, 0f, 0f, 0f, true), 1, 4, c, "Nesterov momentum requires momentum > 0");
        assertSgdInvalid(new Reference.Sgd(0.1f, 0.9f, 0.5f, 0f, true), 1, 4, c, "Nesterov", "dampening 0");
        assertSgdInvalid(ok, 0, 4, c, "step must be positive");
        assertSgdInvalid(ok, 1, -4, c, "n must be >= 0");
        assertSgdInvalid(ok, 1, 4, 0, "velocity is NULL");
        assertSgdInvalid(ok, 1, 4, a + 8, "param and velocity overlap");
        assertSgdInvalid(ok, 1, 4, b, "grad and velocity overlap");
        SgdDesc desc = ok.desc();
        assertInvalid(() -> Native.sgdStep(dev, desc, 1, 4, 0, b, c), "param is NULL");
        assertInvalid(() -> Native.sgdStep(dev, desc, 1, 4, a, a, c), "param and grad overlap");
    }

    private void assertAdamInvalid(Reference.Adam h, long step, long m, long v, String... fragments) {
        AdamDesc desc = h.desc();
        assertInvalid(() -> Native.adamStep(dev, desc, step, 4, a, b, m, v), fragments);
    }

    @Test
    void adamRefusesBadArguments() {
        Reference.Adam ok = new Reference.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false);
        assertAdamInvalid(new Reference.Adam(-1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false), 1, c, d, "anvil_adam_step", "lr");
        assertAdamInvalid(new Reference.Adam(1e-3f, 1f, 0.999f, 1e-8f, 0f, false), 1, c, d, "beta1 must be in [0, 1)");
        assertAdamInvalid(new Reference.Adam(1e-3f, 0.9f, -0.5f, 1e-8f, 0f, false), 1, c, d, "beta2 must be in [0, 1)");
        assertAdamInvalid(new Reference.Adam(1e-3f, 0.9f, 0.999f, 0f, 0f, false), 1, c, d, "eps must be finite and > 0");
        assertAdamInvalid(new Reference.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, -0.1f, true), 1, c, d, "weight_decay");
        assertAdamInvalid(ok, 0, c, d, "step must be positive");
        assertAdamInvalid(ok, 1, 0, d, "m is NULL");
        assertAdamInvalid(ok, 1, c, 0, "v is NULL");
        assertAdamInvalid(ok, 1, c, c + 8, "m and v overlap");
        assertAdamInvalid(ok, 1, a, d, "param and m overlap");
        AdamDesc desc = ok.desc();
        assertInvalid(() -> Native.adamStep(dev, desc, 1, -4, a, b, c, d), "n must be >= 0");
        assertInvalid(() -> Native.adamStep(dev, desc, 1, 4, a, a + 4, c, d), "param and grad overlap");
    }
}
