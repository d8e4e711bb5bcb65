// The CUDA backend. Where CUDA cannot be used (no backend in this build, no driver, no device)
// the test checks that the failure is clean and that CPU contexts serve the device entry points,
// and says that the GPU checks were skipped. With a GPU it runs each CUDA op against the CPU op
// on the same data.
#include <cmath>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "test_support.h"

namespace {

void check_cpu_context_memory() {
    anvil_context* ctx = nullptr;
    EXPECT_OK(anvil_context_create(1, &ctx));
    int32_t type = -1, index = -1;
    EXPECT_OK(anvil_context_device(ctx, &type, &index));
    EXPECT(type == 0 && index == 0);
    EXPECT_OK(anvil_context_synchronize(ctx));

    void* a = nullptr;
    void* b = nullptr;
    EXPECT_OK(anvil_context_malloc(ctx, 1000, &a));
    EXPECT_OK(anvil_context_malloc(ctx, 24, &b));
    anvil_allocator_stats stats{};
    EXPECT_OK(anvil_context_allocator_stats(ctx, &stats));
    EXPECT(stats.allocated == 1024 && stats.peak_allocated == 1024 && stats.allocations == 2);
    std::vector<float> src = test::random_floats(250, 1);
    EXPECT_OK(anvil_memcpy(ctx, a, src.data(), 1000, 0));
    EXPECT(std::memcmp(a, src.data(), 1000) == 0);
    for (int32_t kind : {1, 2, 3}) EXPECT_ERROR(anvil_memcpy(ctx, b, a, 16, kind), ANVIL_ERR_INVALID_ARGUMENT, "CPU");
    EXPECT_ERROR(anvil_memcpy(ctx, b, a, 16, 4), ANVIL_ERR_INVALID_ARGUMENT, "kind");
    EXPECT_ERROR(anvil_memcpy(ctx, a, static_cast<char*>(a) + 8, 16, 0), ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    void* none = nullptr;
    EXPECT_ERROR(anvil_context_malloc(ctx, 0, &none), ANVIL_ERR_INVALID_ARGUMENT, "bytes");
    EXPECT_OK(anvil_context_free(ctx, a));
    EXPECT_OK(anvil_context_free(ctx, b));
    EXPECT_OK(anvil_context_free(ctx, nullptr));
    EXPECT_OK(anvil_context_allocator_stats(ctx, &stats));
    EXPECT(stats.allocated == 0 && stats.peak_allocated == 1024);
    EXPECT_OK(anvil_context_empty_cache(ctx));

    void* pinned = nullptr;
    EXPECT_OK(anvil_host_alloc_pinned(ctx, 4096, &pinned));
    EXPECT(pinned != nullptr);
    EXPECT_OK(anvil_host_free_pinned(ctx, pinned));
    EXPECT_OK(anvil_context_destroy(ctx));
}

// ---------------------------------------------------------------- with a GPU

// A device buffer holding `host`, freed with the context's allocator.
struct DeviceBuffer {
    anvil_context* ctx;
    void* ptr = nullptr;
    int64_t bytes;
    template <class T>
    DeviceBuffer(anvil_context* c, const std::vector<T>& host) : ctx(c), bytes(static_cast<int64_t>(host.size() * sizeof(T))) {
        EXPECT_OK(anvil_context_malloc(ctx, bytes, &ptr));
        EXPECT_OK(anvil_memcpy(ctx, ptr, host.data(), bytes, 1));
    }
    ~DeviceBuffer() { anvil_context_free(ctx, ptr); }
    float* f() { return static_cast<float*>(ptr); }
    int32_t* i() { return static_cast<int32_t*>(ptr); }
    template <class T>
    std::vector<T> read() {
        std::vector<T> out(static_cast<size_t>(bytes) / sizeof(T));
        EXPECT_OK(anvil_memcpy(ctx, out.data(), ptr, bytes, 2));
        return out;
    }
};

// Largest |a - b| / max(1, |b|).
double max_rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0.0;
    for (size_t i = 0; i < a.size(); ++i) {
        const double d = std::fabs(double(a[i]) - double(b[i])) / std::max(1.0, std::fabs(double(b[i])));
        if (!(d <= worst)) worst = d;  // a NaN counts as the worst
    }
    return worst;
}

// As max_rel_diff, but a NaN on both sides counts as a match (pooling passes NaNs through).
double max_rel_diff_nan(const std::vector<float>& a, const std::vector<float>& b) {
    std::vector<float> ca = a, cb = b;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::isnan(a[i]) && std::isnan(b[i])) ca[i] = cb[i] = 0.0f;
    }
    return max_rel_diff(ca, cb);
}

// Element-wise ops: the GPU contracts a*b+c into one FMA where the CPU may round twice, so the
// results may differ by a few ulps: 1e-6 relative.
constexpr double kElementwiseTol = 1e-6;
// Reductions over a row sum in another order than the CPU (which sums in double): 1e-5.
constexpr double kReductionTol = 1e-5;

void check_elementwise(anvil_context* gpu, anvil_context* cpu, int64_t n) {
    std::vector<float> x = test::random_floats(n, 2), y = test::random_floats(n, 3);
    DeviceBuffer dx(gpu, x), dy(gpu, y);
    std::vector<float> cx = x, cy = y;

    EXPECT_OK(anvil_axpy(gpu, n, 0.5f, dx.f(), dy.f()));
    EXPECT_OK(anvil_axpy(cpu, n, 0.5f, cx.data(), cy.data()));
    EXPECT(max_rel_diff(dy.read<float>(), cy) <= kElementwiseTol);
    EXPECT_OK(anvil_scale(gpu, n, -3.0f, dy.f()));
    EXPECT_OK(anvil_scale(cpu, n, -3.0f, cy.data()));
    EXPECT(max_rel_diff(dy.read<float>(), cy) == 0.0);
    EXPECT_OK(anvil_relu_forward(gpu, n, dy.f(), dx.f()));
    EXPECT_OK(anvil_relu_forward(cpu, n, cy.data(), cx.data()));
    EXPECT(max_rel_diff(dx.read<float>(), cx) == 0.0);
    EXPECT_OK(anvil_relu_backward(gpu, n, dx.f(), dy.f(), dy.f()));
    EXPECT_OK(anvil_relu_backward(cpu, n, cx.data(), cy.data(), cy.data()));
    EXPECT(max_rel_diff(dy.read<float>(), cy) == 0.0);
    // The same (seed, index) -> keep function on both devices: identical masks and values.
    EXPECT_OK(anvil_dropout_forward(gpu, n, 0.3f, 1234, dx.f(), dy.f()));
    EXPECT_OK(anvil_dropout_forward(cpu, n, 0.3f, 1234, cx.data(), cy.data()));
    EXPECT(max_rel_diff(dy.read<float>(), cy) == 0.0);
    EXPECT_OK(anvil_copy(gpu, n, dy.f(), dx.f()));
    EXPECT(max_rel_diff(dx.read<float>(), cy) == 0.0);
    // From the second element: a pointer that is not 16-byte aligned takes the scalar path.
    const int64_t skip = n > 1 ? 1 : 0;
    EXPECT_OK(anvil_fill(gpu, n - skip, 2.5f, dx.f() + skip));
    std::vector<float> filled = dx.read<float>();
    EXPECT(filled[n - 1] == 2.5f && (skip == 0 || filled[0] == cy[0]));
}

void check_loss(anvil_context* gpu, anvil_context* cpu, int64_t batch, int64_t classes) {
    std::vector<float> logits = test::random_floats(batch * classes, 4);
    for (float& v : logits) v *= 5.0f;
    std::vector<int32_t> labels(batch);
    for (int64_t b = 0; b < batch; ++b) labels[b] = static_cast<int32_t>((b * 7) % classes);
    DeviceBuffer dl(gpu, logits), dlab(gpu, labels), dgrad(gpu, logits);
    std::vector<int32_t> cpu_pred(batch);
    DeviceBuffer dpred(gpu, cpu_pred);

    float gpu_loss = 0.0f, cpu_loss = 0.0f;
    std::vector<float> weight = test::random_floats(classes, 11), cgrad(batch * classes);
    for (float& w : weight) w = std::fabs(w) + 0.1f;
    DeviceBuffer dw(gpu, weight);
    // Plain; then label smoothing, class weights and an ignored sample together.
    for (bool options : {false, true}) {
        const anvil_cross_entropy_desc d{batch, classes, options ? 0.1f : 0.0f, options ? 0 : -100};
        const float* gw = options ? dw.f() : nullptr;
        const float* cw = options ? weight.data() : nullptr;
        EXPECT_OK(anvil_softmax_cross_entropy_forward(gpu, &d, dl.f(), dlab.i(), gw, &gpu_loss));
        EXPECT_OK(anvil_softmax_cross_entropy_forward(cpu, &d, logits.data(), labels.data(), cw, &cpu_loss));
        test::expect(std::fabs(gpu_loss - cpu_loss) <= kReductionTol * std::max(1.0f, std::fabs(cpu_loss)) ||
                         (std::isnan(gpu_loss) && std::isnan(cpu_loss)),
                     "loss %lldx%lld options %d: gpu %.8g cpu %.8g", (long long)batch, (long long)classes, options, gpu_loss,
                     cpu_loss);
        EXPECT_OK(anvil_softmax_cross_entropy_backward(gpu, &d, dl.f(), dlab.i(), gw, 2.0f, dgrad.f()));
        EXPECT_OK(anvil_softmax_cross_entropy_backward(cpu, &d, logits.data(), labels.data(), cw, 2.0f, cgrad.data()));
        test::expect(max_rel_diff(dgrad.read<float>(), cgrad) <= kReductionTol, "cross-entropy gradient options %d", options);
    }
    EXPECT_OK(anvil_argmax(gpu, batch, classes, dl.f(), dpred.i()));
    EXPECT_OK(anvil_argmax(cpu, batch, classes, logits.data(), cpu_pred.data()));
    EXPECT(dpred.read<int32_t>() == cpu_pred);

    // A bad label: the first bad sample is named, as on the CPU.
    if (batch >= 3) {
        labels[batch - 1] = -1;
        labels[1] = static_cast<int32_t>(classes);
        DeviceBuffer bad(gpu, labels);
        const anvil_cross_entropy_desc d{batch, classes, 0.0f, -100};
        EXPECT_ERROR(anvil_softmax_cross_entropy_forward(gpu, &d, dl.f(), bad.i(), nullptr, &gpu_loss), ANVIL_ERR_INVALID_ARGUMENT,
                     "sample 1 ");
        EXPECT_ERROR(anvil_softmax_cross_entropy_backward(gpu, &d, dl.f(), bad.i(), nullptr, 1.0f, dgrad.f()),
                     ANVIL_ERR_INVALID_ARGUMENT, "sample 1 ");
    }
}

// The tensor API's ops: element-wise arithmetic, reductions (the same double sums as the CPU),
// top-k (the same total order) and matmul (another summation order: kReductionTol).
void check_tensor_ops(anvil_context* gpu, anvil_context* cpu) {
    std::vector<float> a = test::random_floats(3 * 7 * 5, 11), b = test::random_floats(3 * 7 * 5, 12), y(a.size());
    DeviceBuffer da(gpu, a), db(gpu, b), dy(gpu, y);
    for (int32_t op : {ANVIL_BINARY_ADD, ANVIL_BINARY_SUB, ANVIL_BINARY_MUL, ANVIL_BINARY_DIV}) {
        EXPECT_OK(anvil_binary(gpu, op, 105, da.f(), db.f(), dy.f()));
        EXPECT_OK(anvil_binary(cpu, op, 105, a.data(), b.data(), y.data()));
        test::expect(max_rel_diff(dy.read<float>(), y) <= kElementwiseTol, "binary op %d", op);
    }
    std::vector<float> r(3 * 5);
    DeviceBuffer dr(gpu, r);
    for (int32_t op : {ANVIL_REDUCE_SUM, ANVIL_REDUCE_MEAN, ANVIL_REDUCE_MAX}) {
        EXPECT_OK(anvil_reduce(gpu, op, 3, 7, 5, da.f(), dr.f()));
        EXPECT_OK(anvil_reduce(cpu, op, 3, 7, 5, a.data(), r.data()));
        test::expect(dr.read<float>() == r, "reduce op %d", op);
    }
    std::vector<float> v(15 * 3);
    std::vector<int32_t> idx(15 * 3), gidx_host(15 * 3);
    DeviceBuffer dv(gpu, v), di(gpu, gidx_host);
    EXPECT_OK(anvil_topk(gpu, 15, 7, 3, da.f(), dv.f(), di.i()));
    EXPECT_OK(anvil_topk(cpu, 15, 7, 3, a.data(), v.data(), idx.data()));
    EXPECT(dv.read<float>() == v && di.read<int32_t>() == idx);
    std::vector<float> c(15 * 5);
    DeviceBuffer dc(gpu, c);
    EXPECT_OK(anvil_matmul(gpu, 15, 7, 5, da.f(), db.f(), dc.f()));
    EXPECT_OK(anvil_matmul(cpu, 15, 7, 5, a.data(), b.data(), c.data()));
    EXPECT(max_rel_diff(dc.read<float>(), c) <= kReductionTol);
}

void check_optimizers(anvil_context* gpu, anvil_context* cpu, int64_t n) {
    std::vector<float> p = test::random_floats(n, 5), g = test::random_floats(n, 6), zeros(n, 0.0f);
    DeviceBuffer dp(gpu, p), dg(gpu, g), dv(gpu, zeros), dm(gpu, zeros);
    std::vector<float> cp = p, cv = zeros, cm = zeros;
    const anvil_sgd_desc sgd{0.1f, 0.9f, 0.0f, 1e-4f, 1, 0};  // Nesterov: no dampening
    for (int64_t step = 1; step <= 3; ++step) {
        EXPECT_OK(anvil_sgd_step(gpu, &sgd, step, n, dp.f(), dg.f(), dv.f()));
        EXPECT_OK(anvil_sgd_step(cpu, &sgd, step, n, cp.data(), g.data(), cv.data()));
    }
    EXPECT(max_rel_diff(dp.read<float>(), cp) <= kElementwiseTol * 10);
    EXPECT_OK(anvil_fill(gpu, n, 0.0f, dv.f()));
    cv = zeros;
    const anvil_adam_desc adam{1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, 1};
    for (int64_t step = 1; step <= 3; ++step) {
        EXPECT_OK(anvil_adam_step(gpu, &adam, step, n, dp.f(), dg.f(), dm.f(), dv.f()));
        EXPECT_OK(anvil_adam_step(cpu, &adam, step, n, cp.data(), g.data(), cm.data(), cv.data()));
    }
    EXPECT(max_rel_diff(dp.read<float>(), cp) <= kElementwiseTol * 10);
}

// Pooling forward passes reduce each window in the CPU's order: identical results. Max-pool
// backward with overlapping windows adds with atomics in scheduling order: kReductionTol.
void check_pool2d(anvil_context* gpu, anvil_context* cpu, const anvil_pool2d_desc& d) {
    int64_t oh = 0, ow = 0;
    EXPECT_OK(anvil_pool2d_output_size(&d, &oh, &ow));
    const int64_t nx = d.batch * d.channels * d.in_h * d.in_w, ny = d.batch * d.channels * oh * ow;
    std::vector<float> x = test::random_floats(nx, 7), dy = test::random_floats(ny, 8);
    // Ties and NaNs exercise the window rule: a NaN wins, ties keep the first element.
    for (int64_t i = 0; i < nx; i += 5) x[i] = 0.5f;
    if (nx > 40) x[37] = NAN;
    DeviceBuffer dx_in(gpu, x), ddy(gpu, dy), dout(gpu, std::vector<float>(ny)), dgrad(gpu, std::vector<float>(nx));
    int64_t index_bytes = 0;
    EXPECT_OK(anvil_maxpool2d_index_bytes(&d, &index_bytes));
    std::vector<uint8_t> carg(ny * index_bytes);
    DeviceBuffer darg(gpu, carg);
    std::vector<float> cy(ny), cdx(nx);
    char shape[160];
    std::snprintf(shape, sizeof shape, "%lldx%lldx%lldx%lld kernel %lldx%lld stride %lldx%lld pad %lldx%lld incl %d",
                  (long long)d.batch, (long long)d.channels, (long long)d.in_h, (long long)d.in_w,
                  (long long)d.kernel_h, (long long)d.kernel_w, (long long)d.stride_h, (long long)d.stride_w,
                  (long long)d.pad_h, (long long)d.pad_w, d.count_include_pad);

    EXPECT_OK(anvil_maxpool2d_forward(gpu, &d, dx_in.f(), dout.f(), darg.ptr));
    EXPECT_OK(anvil_maxpool2d_forward(cpu, &d, x.data(), cy.data(), carg.data()));
    test::expect(max_rel_diff_nan(dout.read<float>(), cy) == 0.0 && darg.read<uint8_t>() == carg,
                 "maxpool2d_forward %s", shape);
    EXPECT_OK(anvil_maxpool2d_backward(gpu, &d, ddy.f(), darg.ptr, dgrad.f()));
    EXPECT_OK(anvil_maxpool2d_backward(cpu, &d, dy.data(), carg.data(), cdx.data()));
    test::expect(max_rel_diff(dgrad.read<float>(), cdx) <= kReductionTol, "maxpool2d_backward %s", shape);

    EXPECT_OK(anvil_avgpool2d_forward(gpu, &d, dx_in.f(), dout.f()));
    EXPECT_OK(anvil_avgpool2d_forward(cpu, &d, x.data(), cy.data()));
    test::expect(max_rel_diff_nan(dout.read<float>(), cy) <= kElementwiseTol, "avgpool2d_forward %s", shape);
    EXPECT_OK(anvil_avgpool2d_backward(gpu, &d, ddy.f(), dgrad.f()));
    EXPECT_OK(anvil_avgpool2d_backward(cpu, &d, dy.data(), cdx.data()));
    test::expect(max_rel_diff(dgrad.read<float>(), cdx) <= kElementwiseTol, "avgpool2d_backward %s", shape);
}

// GEMMs (linear, conv2d) sum their K products in another order than the CPU's blocked GEMM (and
// split long sums across blocks): float rounding grows like sqrt(K) times the size of the terms,
// so a result passes within 1e-6 * sqrt(K) * max(1, max |CPU result|), as in the Java op
// harness; a wrong index or a missing term is off by the size of the result itself.
void gemm_close(const std::vector<float>& gpu, const std::vector<float>& cpu, int64_t K, const char* what,
                const char* shape) {
    double worst = 0.0, scale = 1.0;
    for (size_t i = 0; i < cpu.size(); ++i) {
        const double d = std::fabs(double(gpu[i]) - double(cpu[i]));
        if (!(d <= worst)) worst = d;  // a NaN counts as the worst
        scale = std::max(scale, std::fabs(double(cpu[i])));
    }
    const double tolerance = 1e-6 * std::sqrt(double(std::max<int64_t>(K, 1))) * scale;
    test::expect(worst <= tolerance, "%s %s: max error %g > tolerance %g (K %lld)", what, shape, worst, tolerance,
                        static_cast<long long>(K));
}

void check_linear(anvil_context* gpu, anvil_context* cpu, int64_t B, int64_t I, int64_t O) {
    const anvil_linear_desc d{B, I, O};
    std::vector<float> x = test::random_floats(B * I, 9), w = test::random_floats(O * I, 10),
                       bias = test::random_floats(O, 11), dy = test::random_floats(B * O, 12),
                       dw0 = test::random_floats(O * I, 13), db0 = test::random_floats(O, 14);
    DeviceBuffer gx(gpu, x), gw(gpu, w), gb(gpu, bias), gdy(gpu, dy), gy(gpu, std::vector<float>(B * O)),
        gdx(gpu, std::vector<float>(B * I)), gdw(gpu, dw0), gdb(gpu, db0);
    std::vector<float> y(B * O), dx(B * I), dw = dw0, db = db0;
    char shape[64];
    std::snprintf(shape, sizeof shape, "B=%lld I=%lld O=%lld", (long long)B, (long long)I, (long long)O);

    EXPECT_OK(anvil_linear_forward(gpu, &d, gx.f(), gw.f(), gb.f(), gy.f()));
    EXPECT_OK(anvil_linear_forward(cpu, &d, x.data(), w.data(), bias.data(), y.data()));
    gemm_close(gy.read<float>(), y, I, "linear_forward", shape);
    EXPECT_OK(anvil_linear_forward(gpu, &d, gx.f(), gw.f(), nullptr, gy.f()));
    EXPECT_OK(anvil_linear_forward(cpu, &d, x.data(), w.data(), nullptr, y.data()));
    gemm_close(gy.read<float>(), y, I, "linear_forward without bias", shape);
    EXPECT_OK(anvil_linear_backward_data(gpu, &d, gdy.f(), gw.f(), gdx.f()));
    EXPECT_OK(anvil_linear_backward_data(cpu, &d, dy.data(), w.data(), dx.data()));
    gemm_close(gdx.read<float>(), dx, O, "linear_backward_data", shape);
    // Accumulating onto the initial gradients, then overwriting them.
    for (int32_t accumulate : {1, 0}) {
        EXPECT_OK(anvil_linear_backward_weight(gpu, &d, gx.f(), gdy.f(), gdw.f(), gdb.f(), accumulate));
        EXPECT_OK(anvil_linear_backward_weight(cpu, &d, x.data(), dy.data(), dw.data(), db.data(), accumulate));
        gemm_close(gdw.read<float>(), dw, B + accumulate, accumulate ? "linear_backward_weight accumulating" : "linear_backward_weight", shape);
        test::expect(max_rel_diff(gdb.read<float>(), db) <= kReductionTol, "linear bias gradient %s accumulate %d",
                     shape, accumulate);
    }
}

void check_conv2d(anvil_context* gpu, anvil_context* cpu, const anvil_conv2d_desc& d) {
    int64_t oh = 0, ow = 0;
    EXPECT_OK(anvil_conv2d_output_size(&d, &oh, &ow));
    const int64_t nx = d.batch * d.in_channels * d.in_h * d.in_w, ny = d.batch * d.out_channels * oh * ow,
                  nw = d.out_channels * (d.in_channels / d.groups) * d.kernel_h * d.kernel_w, no = d.out_channels;
    std::vector<float> x = test::random_floats(nx, 15), w = test::random_floats(nw, 16),
                       bias = test::random_floats(no, 17), dy = test::random_floats(ny, 18),
                       dw0 = test::random_floats(nw, 19), db0 = test::random_floats(no, 20);
    DeviceBuffer gx(gpu, x), gw(gpu, w), gb(gpu, bias), gdy(gpu, dy), gy(gpu, std::vector<float>(ny)),
        gdx(gpu, std::vector<float>(nx)), gdw(gpu, dw0), gdb(gpu, db0);
    std::vector<float> y(ny), dx(nx), dw = dw0, db = db0;
    char shape[200];
    std::snprintf(shape, sizeof shape,
                  "x %lldx%lldx%lldx%lld o %lld kernel %lldx%lld stride %lldx%lld pad %lldx%lld dil %lldx%lld g %lld",
                  (long long)d.batch, (long long)d.in_channels, (long long)d.in_h, (long long)d.in_w,
                  (long long)d.out_channels, (long long)d.kernel_h, (long long)d.kernel_w, (long long)d.stride_h,
                  (long long)d.stride_w, (long long)d.pad_h, (long long)d.pad_w, (long long)d.dilation_h,
                  (long long)d.dilation_w, (long long)d.groups);

    EXPECT_OK(anvil_conv2d_forward(gpu, &d, gx.f(), gw.f(), gb.f(), gy.f()));
    EXPECT_OK(anvil_conv2d_forward(cpu, &d, x.data(), w.data(), bias.data(), y.data()));
    const int64_t taps = d.kernel_h * d.kernel_w;
    gemm_close(gy.read<float>(), y, d.in_channels / d.groups * taps, "conv2d_forward", shape);
    EXPECT_OK(anvil_conv2d_forward(gpu, &d, gx.f(), gw.f(), nullptr, gy.f()));
    EXPECT_OK(anvil_conv2d_forward(cpu, &d, x.data(), w.data(), nullptr, y.data()));
    gemm_close(gy.read<float>(), y, d.in_channels / d.groups * taps, "conv2d_forward without bias", shape);
    EXPECT_OK(anvil_conv2d_backward_data(gpu, &d, gdy.f(), gw.f(), gdx.f()));
    EXPECT_OK(anvil_conv2d_backward_data(cpu, &d, dy.data(), w.data(), dx.data()));
    gemm_close(gdx.read<float>(), dx, d.out_channels / d.groups * taps, "conv2d_backward_data", shape);
    // Accumulating onto the initial gradients, then overwriting them.
    for (int32_t accumulate : {1, 0}) {
        EXPECT_OK(anvil_conv2d_backward_weight(gpu, &d, gx.f(), gdy.f(), gdw.f(), gdb.f(), accumulate));
        EXPECT_OK(anvil_conv2d_backward_weight(cpu, &d, x.data(), dy.data(), dw.data(), db.data(), accumulate));
        gemm_close(gdw.read<float>(), dw, d.batch * oh * ow + accumulate,
                   accumulate ? "conv2d_backward_weight accumulating" : "conv2d_backward_weight", shape);
        test::expect(max_rel_diff(gdb.read<float>(), db) <= kReductionTol, "conv2d bias gradient %s accumulate %d",
                     shape, accumulate);
    }
}

// Activations, softmax, the element-wise losses, add and copy_rows: the GPU's expf/erff may differ
// from the CPU's libm by a few ulps, hence 1e-5 rather than kElementwiseTol.
void check_pointwise(anvil_context* gpu, anvil_context* cpu, int64_t n) {
    std::vector<float> x = test::random_floats(n, 4), t = test::random_floats(n, 5), dy = test::random_floats(n, 6);
    DeviceBuffer gx(gpu, x), gt(gpu, t), gdy(gpu, dy), gy(gpu, x), gdx(gpu, x);
    std::vector<float> y(n), dx(n);
    for (int32_t kind = ANVIL_ACT_LEAKY_RELU; kind <= ANVIL_ACT_HARDSWISH; ++kind) {
        EXPECT_OK(anvil_activation_forward(gpu, kind, 0.2f, n, gx.f(), gy.f()));
        EXPECT_OK(anvil_activation_forward(cpu, kind, 0.2f, n, x.data(), y.data()));
        test::expect(max_rel_diff(gy.read<float>(), y) <= 1e-5, "activation %d forward, n %lld", kind, (long long)n);
        EXPECT_OK(anvil_activation_backward(gpu, kind, 0.2f, n, gx.f(), gy.f(), gdy.f(), gdx.f()));
        EXPECT_OK(anvil_activation_backward(cpu, kind, 0.2f, n, x.data(), y.data(), dy.data(), dx.data()));
        test::expect(max_rel_diff(gdx.read<float>(), dx) <= 1e-5, "activation %d backward, n %lld", kind, (long long)n);
    }
    for (int32_t kind = ANVIL_LOSS_MSE; kind <= ANVIL_LOSS_BCE_WITH_LOGITS; ++kind) {
        float gl = 0.0f, cl = 0.0f;
        EXPECT_OK(anvil_loss_forward(gpu, kind, 0.7f, n, gx.f(), gt.f(), &gl));
        EXPECT_OK(anvil_loss_forward(cpu, kind, 0.7f, n, x.data(), t.data(), &cl));
        test::expect(std::fabs(gl - cl) <= kReductionTol * std::max(1.0f, std::fabs(cl)), "loss %d: gpu %.8g cpu %.8g", kind, gl, cl);
        EXPECT_OK(anvil_loss_backward(gpu, kind, 0.7f, n, gx.f(), gt.f(), 1.5f, gdx.f()));
        EXPECT_OK(anvil_loss_backward(cpu, kind, 0.7f, n, x.data(), t.data(), 1.5f, dx.data()));
        test::expect(max_rel_diff(gdx.read<float>(), dx) <= 1e-5, "loss %d backward", kind);
    }
    EXPECT_OK(anvil_add(gpu, n, gx.f(), gt.f(), gy.f()));
    EXPECT_OK(anvil_add(cpu, n, x.data(), t.data(), y.data()));
    EXPECT(max_rel_diff(gy.read<float>(), y) == 0.0);
    double gsum = -1.0, csum = -2.0;
    EXPECT_OK(anvil_sum_squares(gpu, n, gx.f(), &gsum));
    EXPECT_OK(anvil_sum_squares(cpu, n, x.data(), &csum));
    test::expect(std::fabs(gsum - csum) <= 1e-12 * std::fabs(csum), "sum_squares %.17g vs %.17g", gsum, csum);
    EXPECT_OK(anvil_clamp(gpu, n, -0.25f, 0.5f, gy.f()));
    EXPECT_OK(anvil_clamp(cpu, n, -0.25f, 0.5f, y.data()));
    EXPECT(max_rel_diff(gy.read<float>(), y) == 0.0);
    const int64_t cols = std::max<int64_t>(1, n / 7), rows = n / cols;  // a [rows, cols] block of each row's start
    if (rows > 0) {
        for (int32_t log : {0, 1}) {
            EXPECT_OK(anvil_softmax_forward(gpu, rows, cols, log, gx.f(), gy.f()));
            EXPECT_OK(anvil_softmax_forward(cpu, rows, cols, log, x.data(), y.data()));
            test::expect(max_rel_diff(gy.read<float>(), y) <= kReductionTol, "softmax log %d forward", log);
            EXPECT_OK(anvil_softmax_backward(gpu, rows, cols, log, gy.f(), gdy.f(), gdx.f()));
            EXPECT_OK(anvil_softmax_backward(cpu, rows, cols, log, y.data(), dy.data(), dx.data()));
            test::expect(max_rel_diff(gdx.read<float>(), dx) <= kReductionTol, "softmax log %d backward", log);
        }
        const int64_t half = (cols + 1) / 2;
        EXPECT_OK(anvil_copy_rows(gpu, rows, half, gx.f() + 1, cols, gy.f(), half));
        EXPECT_OK(anvil_copy_rows(cpu, rows, half, x.data() + 1, cols, y.data(), half));
        std::vector<float> got = gy.read<float>();
        got.resize(static_cast<size_t>(rows * half));
        EXPECT(max_rel_diff(got, std::vector<float>(y.begin(), y.begin() + rows * half)) == 0.0);
    }
}

// Whether the fused ReLU's mask (see anvil_batchnorm_relu_mask_bytes) has a bit set exactly where y
// passes the gradient (y > 0, or NaN).
bool mask_agrees(const std::vector<float>& y, const std::vector<uint16_t>& mask, int64_t batch, int64_t channels,
                 int64_t spatial) {
    const int64_t words = (spatial + 15) / 16;
    for (int64_t n = 0; n < batch; ++n) {
        for (int64_t c = 0; c < channels; ++c) {
            for (int64_t s = 0; s < words * 16; ++s) {
                const bool bit = (mask[(c * batch + n) * words + s / 16] >> (s % 16) & 1u) != 0;
                if (bit != (s < spatial && !(y[(n * channels + c) * spatial + s] <= 0.0f))) return false;
            }
        }
    }
    return true;
}

// Batch and group normalisation, training mode with the fused ReLU, and their gradients.
void check_normalization(anvil_context* gpu, anvil_context* cpu, int64_t batch, int64_t channels, int64_t spatial) {
    const int64_t n = batch * channels * spatial;
    std::vector<float> x = test::random_floats(n, 7), dy = test::random_floats(n, 8), gamma = test::random_floats(channels, 9),
                       beta = test::random_floats(channels, 10), ones(channels, 1.0f), zeros(channels, 0.0f);
    DeviceBuffer gx(gpu, x), gdy(gpu, dy), gg(gpu, gamma), gb(gpu, beta), grm(gpu, zeros), grv(gpu, ones),
        gmean(gpu, zeros), ginv(gpu, zeros), gy(gpu, x), gdx(gpu, x), gdg(gpu, zeros), gdb(gpu, zeros);
    std::vector<float> rm = zeros, rv = ones, mean(channels), inv(channels), y(n), dx(n), dg(channels), db(channels);
    const anvil_batchnorm_desc bn{batch, channels, spatial, 1e-5f, 0.1f, 1, 1};
    int64_t mask_bytes = 0;
    EXPECT_OK(anvil_batchnorm_relu_mask_bytes(&bn, &mask_bytes));
    std::vector<uint16_t> mask(static_cast<size_t>(mask_bytes / 2));
    DeviceBuffer gmask(gpu, mask);
    EXPECT_OK(anvil_batchnorm_forward(gpu, &bn, gx.f(), gg.f(), gb.f(), grm.f(), grv.f(), gmean.f(), ginv.f(), gy.f(), gmask.ptr));
    EXPECT_OK(anvil_batchnorm_forward(cpu, &bn, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(), mean.data(),
                                      inv.data(), y.data(), mask.data()));
    const char* shape = "batchnorm";
    test::expect(max_rel_diff(gy.read<float>(), y) <= 1e-4, "%s y", shape);
    test::expect(mask_agrees(gy.read<float>(), gmask.read<uint16_t>(), batch, channels, spatial), "%s relu mask", shape);
    test::expect(max_rel_diff(grv.read<float>(), rv) <= kReductionTol, "%s running_var", shape);
    EXPECT_OK(anvil_batchnorm_backward(gpu, &bn, gx.f(), gmask.ptr, gdy.f(), gg.f(), gmean.f(), ginv.f(), gdx.f(), gdg.f(),
                                       gdb.f(), 0));
    EXPECT_OK(anvil_batchnorm_backward(cpu, &bn, x.data(), mask.data(), dy.data(), gamma.data(), mean.data(), inv.data(),
                                       dx.data(), dg.data(), db.data(), 0));
    test::expect(max_rel_diff(gdx.read<float>(), dx) <= 1e-4, "%s dx", shape);
    test::expect(max_rel_diff(gdg.read<float>(), dg) <= 1e-4 && max_rel_diff(gdb.read<float>(), db) <= 1e-4, "%s dgamma/dbeta", shape);

    // The fused residual addition before the ReLU (a ResNet block's end), dy as the residual.
    std::vector<float> dres(n);
    DeviceBuffer gdres(gpu, x);
    EXPECT_OK(anvil_batchnorm_add_relu_forward(gpu, &bn, gx.f(), gdy.f(), gg.f(), gb.f(), grm.f(), grv.f(), gmean.f(), ginv.f(),
                                               gy.f(), gmask.ptr));
    EXPECT_OK(anvil_batchnorm_add_relu_forward(cpu, &bn, x.data(), dy.data(), gamma.data(), beta.data(), rm.data(), rv.data(),
                                               mean.data(), inv.data(), y.data(), mask.data()));
    test::expect(max_rel_diff(gy.read<float>(), y) <= 1e-4, "batchnorm + residual + relu y");
    test::expect(mask_agrees(gy.read<float>(), gmask.read<uint16_t>(), batch, channels, spatial), "batchnorm + residual relu mask");
    EXPECT_OK(anvil_batchnorm_add_relu_backward(gpu, &bn, gx.f(), gmask.ptr, gdy.f(), gg.f(), gmean.f(), ginv.f(), gdx.f(),
                                                gdres.f(), gdg.f(), gdb.f(), 0));
    EXPECT_OK(anvil_batchnorm_add_relu_backward(cpu, &bn, x.data(), mask.data(), dy.data(), gamma.data(), mean.data(), inv.data(),
                                                dx.data(), dres.data(), dg.data(), db.data(), 0));
    test::expect(max_rel_diff(gdx.read<float>(), dx) <= 1e-4 && max_rel_diff(gdres.read<float>(), dres) <= 1e-4,
                 "batchnorm + residual + relu dx/dresidual");

    const int64_t groups = channels % 4 == 0 ? 4 : 1;
    const anvil_groupnorm_desc gn{batch, channels, spatial, groups, 1e-5f, 0};
    std::vector<float> stats(batch * groups);
    DeviceBuffer gsm(gpu, stats), gsi(gpu, stats);
    std::vector<float> sm = stats, si = stats;
    EXPECT_OK(anvil_groupnorm_forward(gpu, &gn, gx.f(), gg.f(), gb.f(), gsm.f(), gsi.f(), gy.f()));
    EXPECT_OK(anvil_groupnorm_forward(cpu, &gn, x.data(), gamma.data(), beta.data(), sm.data(), si.data(), y.data()));
    test::expect(max_rel_diff(gy.read<float>(), y) <= 1e-4, "groupnorm y");
    EXPECT_OK(anvil_groupnorm_backward(gpu, &gn, gx.f(), gdy.f(), gg.f(), gsm.f(), gsi.f(), gdx.f(), gdg.f(), gdb.f(), 0));
    EXPECT_OK(anvil_groupnorm_backward(cpu, &gn, x.data(), dy.data(), gamma.data(), sm.data(), si.data(), dx.data(), dg.data(),
                                       db.data(), 0));
    test::expect(max_rel_diff(gdx.read<float>(), dx) <= 1e-4, "groupnorm dx");
    test::expect(max_rel_diff(gdg.read<float>(), dg) <= 1e-4 && max_rel_diff(gdb.read<float>(), db) <= 1e-4, "groupnorm dgamma/dbeta");
}

// Pageable host memory given to a CUDA op is refused before any kernel runs (a kernel reading it
// would fault and leave the device unusable), and the context keeps working afterwards; views
// into device blocks (offsets) and pinned host memory are accepted.
void check_host_pointers_refused(anvil_context* gpu) {
    std::vector<float> host(64, 1.0f);
    DeviceBuffer d(gpu, host);
    EXPECT_ERROR(anvil_relu_forward(gpu, 64, host.data(), d.f()), ANVIL_ERR_INVALID_ARGUMENT, "not memory the GPU can reach");
    EXPECT_ERROR(anvil_relu_forward(gpu, 64, d.f(), host.data()), ANVIL_ERR_INVALID_ARGUMENT, "y (");
    EXPECT_OK(anvil_relu_forward(gpu, 32, d.f() + 32, d.f()));
    void* pinned = nullptr;
    EXPECT_OK(anvil_host_alloc_pinned(gpu, 64 * sizeof(float), &pinned));
    EXPECT_OK(anvil_fill(gpu, 64, 2.0f, static_cast<float*>(pinned)));
    EXPECT_OK(anvil_context_synchronize(gpu));
    EXPECT(static_cast<float*>(pinned)[63] == 2.0f);
    EXPECT_OK(anvil_host_free_pinned(gpu, pinned));
}

void check_gpu(int32_t count) {
    anvil_cuda_device_props props{};
    EXPECT_OK(anvil_cuda_device_props_get(0, &props));
    std::printf("cuda_test: %d device(s); device 0: %s, sm_%d%d, %d SMs, driver %d, runtime %d\n", count, props.name,
                props.major, props.minor, props.multiprocessors, props.driver_version, props.runtime_version);
    anvil_context* bad = nullptr;
    EXPECT_ERROR(anvil_context_create_cuda(count, &bad), ANVIL_ERR_INVALID_ARGUMENT, "visible");

    anvil_context* gpu = nullptr;
    anvil_context* cpu = nullptr;
    EXPECT_OK(anvil_context_create_cuda(0, &gpu));
    EXPECT_OK(anvil_context_create(2, &cpu));
    int32_t type = -1, index = -1;
    EXPECT_OK(anvil_context_device(gpu, &type, &index));
    EXPECT(type == 1 && index == 0);

    check_host_pointers_refused(gpu);
    for (int64_t n : {1, 3, 1000, 4097, 1 << 20}) check_elementwise(gpu, cpu, n);
    for (int64_t n : {1, 7, 1000, 100003}) check_pointwise(gpu, cpu, n);
    for (auto [b, c, hw] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{{2, 3, 1}, {4, 8, 49}, {32, 64, 196}})
        check_normalization(gpu, cpu, b, c, hw);
    for (auto [b, k] : std::vector<std::pair<int64_t, int64_t>>{{1, 10}, {7, 3}, {64, 10}, {33, 1000}, {5, 4099}})
        check_loss(gpu, cpu, b, k);
    for (int64_t n : {1, 1001, 1 << 18}) check_optimizers(gpu, cpu, n);
    check_tensor_ops(gpu, cpu);
    // {batch, channels, in_h, in_w, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, count_include_pad, ceil_mode}
    for (const anvil_pool2d_desc& d : std::vector<anvil_pool2d_desc>{{2, 3, 8, 8, 2, 2, 2, 2, 0, 0, 0, 0},
                                                                     {3, 5, 13, 11, 3, 3, 2, 2, 1, 1, 0, 0},
                                                                     {3, 5, 13, 11, 3, 3, 2, 2, 1, 1, 1, 0},
                                                                     {1, 4, 9, 17, 3, 2, 1, 3, 1, 0, 1, 0},
                                                                     {8, 64, 28, 28, 2, 2, 2, 2, 0, 0, 0, 0},
                                                                     {2, 3, 20, 18, 17, 16, 3, 2, 8, 8, 0, 0},
                                                                     {3, 5, 7, 9, 2, 2, 2, 2, 0, 0, 0, 1},
                                                                     {2, 4, 14, 14, 3, 3, 2, 2, 1, 1, 1, 1}})
        check_pool2d(gpu, cpu, d);
    for (auto [b, i, o] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{
             {1, 1, 1}, {7, 13, 5}, {64, 784, 128}, {130, 65, 70}, {33, 1000, 10}, {67, 260, 132}, {64, 3136, 1024}})
        check_linear(gpu, cpu, b, i, o);
    // {batch, in_channels, in_h, in_w, out_channels, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w,
    //  dilation_h, dilation_w, groups}
    for (const anvil_conv2d_desc& d : std::vector<anvil_conv2d_desc>{
             {1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1},
             {2, 3, 17, 15, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1},
             {3, 6, 14, 13, 9, 3, 2, 2, 3, 1, 0, 1, 1, 3},
             {2, 4, 19, 18, 6, 3, 3, 2, 2, 2, 1, 2, 3, 2},
             {2, 16, 12, 12, 16, 3, 3, 1, 1, 1, 1, 1, 1, 16},
             {8, 32, 28, 28, 64, 5, 5, 1, 1, 2, 2, 1, 1, 1},
             {4, 64, 14, 14, 32, 1, 1, 2, 2, 0, 0, 1, 1, 1}})
        check_conv2d(gpu, cpu, d);
    EXPECT_OK(anvil_context_synchronize(gpu));

    anvil_allocator_stats stats{};
    EXPECT_OK(anvil_context_allocator_stats(gpu, &stats));
    EXPECT(stats.allocated == 0 && stats.reserved > 0 && stats.cache_hits > 0 && stats.peak_allocated > 0);
    EXPECT_OK(anvil_context_empty_cache(gpu));
    EXPECT_OK(anvil_context_allocator_stats(gpu, &stats));
    EXPECT(stats.allocated == 0 && stats.reserved == 0);
    int dummy = 0;
    EXPECT_ERROR(anvil_context_free(gpu, &dummy), ANVIL_ERR_INVALID_ARGUMENT, "not allocated");
    EXPECT_ERROR(anvil_conv2d_forward(gpu, nullptr, nullptr, nullptr, nullptr, nullptr), ANVIL_ERR_INVALID_ARGUMENT,
                 "NULL");
    EXPECT_OK(anvil_context_destroy(gpu));
    EXPECT_OK(anvil_context_destroy(cpu));
}

}  // namespace

int main() {
    check_cpu_context_memory();
    int32_t count = -1;
    if (anvil_cuda_available() != ANVIL_OK) {
        const std::string reason = anvil_last_error();
        EXPECT(!reason.empty());
        EXPECT_OK(anvil_cuda_device_count(&count));
        EXPECT(count == 0);
        anvil_context* ctx = nullptr;
        anvil_status s = anvil_context_create_cuda(0, &ctx);
        EXPECT(s == ANVIL_ERR_UNSUPPORTED && ctx == nullptr && std::string(anvil_last_error()).find(reason.substr(reason.find(": ") + 2)) != std::string::npos);
        anvil_cuda_device_props props{};
        EXPECT(anvil_cuda_device_props_get(0, &props) == ANVIL_ERR_UNSUPPORTED);
        std::printf("cuda_test: CUDA not usable here (%s): GPU checks skipped\n", reason.c_str());
    } else {
        EXPECT_OK(anvil_cuda_device_count(&count));
        EXPECT(count > 0);
        if (count > 0) check_gpu(count);
    }
    return test::finish();
}
