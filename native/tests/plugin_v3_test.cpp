// Plug-ins of ABI version 3: the example BatchNorm with running statistics (two weights, two
// buffers) against a double-precision reference in training (batch statistics, running statistics
// updated with the unbiased variance) and in evaluation (running statistics, buffers untouched),
// central finite differences of the input and both weights in each mode, weight and buffer
// metadata and shapes, bad arguments (counts, shapes, overlapping buffers, the mode, the calls
// without buffers), and malformed version-3 tables.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "anvil_plugin.h"
#include "plugin_test_support.h"

using plugin_test::example;
using plugin_test::load;
using plugin_test::Shapes;
using plugin_test::test_plugin;
using test::Contexts;
using test::Rng;

namespace {

constexpr double kEps = 1e-5, kMomentum = 0.1;

struct BatchNormRef {
    std::vector<double> y, dx, dweight, dbias, running_mean, running_var;
};

// In double, for x [n, c, s]: in training with the batch's statistics (biased variance), updating the
// running ones with the unbiased variance; in evaluation with the running statistics.
BatchNormRef batch_norm_reference(const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& b,
                                  const std::vector<float>& rm, const std::vector<float>& rv, const std::vector<float>& dy,
                                  int64_t n, int64_t c, int64_t s, bool training) {
    BatchNormRef r{std::vector<double>(x.size()), std::vector<double>(x.size()), std::vector<double>(c),
                   std::vector<double>(c), std::vector<double>(rm.begin(), rm.end()),
                   std::vector<double>(rv.begin(), rv.end())};
    const double m = static_cast<double>(n * s);
    for (int64_t ch = 0; ch < c; ++ch) {
        double mean = 0, var = 0;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < s; ++j) mean += x[(i * c + ch) * s + j];
        mean /= m;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < s; ++j) var += std::pow(x[(i * c + ch) * s + j] - mean, 2);
        var /= m;
        if (training) {
            r.running_mean[ch] = (1 - kMomentum) * rm[ch] + kMomentum * mean;
            r.running_var[ch] = (1 - kMomentum) * rv[ch] + kMomentum * var * m / (m - 1);
        } else {
            mean = rm[ch];
            var = rv[ch];
        }
        const double invstd = 1.0 / std::sqrt(var + kEps);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < s; ++j) {
                const int64_t k = (i * c + ch) * s + j;
                const double xhat = (x[k] - mean) * invstd;
                r.y[k] = xhat * w[ch] + b[ch];
                r.dbias[ch] += dy[k];
                r.dweight[ch] += dy[k] * xhat;
            }
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < s; ++j) {
                const int64_t k = (i * c + ch) * s + j;
                const double xhat = (x[k] - mean) * invstd;
                const double centred = training ? r.dbias[ch] / m + xhat * r.dweight[ch] / m : 0.0;
                r.dx[k] = w[ch] * invstd * (dy[k] - centred);
            }
    }
    return r;
}

// The example's calls for an input [n, c, s] with num_features = c, eps 1e-5 and momentum 0.1.
struct BatchNorm {
    const anvil_plugin* p;
    Shapes in, state;
    float options[3];

    BatchNorm(const anvil_plugin* plugin, int64_t n, int64_t c, int64_t s)
        : p(plugin), in{{n, c, s}}, state{{c}, {c}}, options{static_cast<float>(c), 1e-5f, 0.1f} {}

    anvil_status forward(anvil_context* ctx, const float* x, const float* w, const float* b, float* rm, float* rv,
                         int32_t training, float* y) const {
        const float* ins[1] = {x};
        const float* weights[2] = {w, b};
        float* buffers[2] = {rm, rv};
        return anvil_plugin_op_forward_state(ctx, p, 0, options, 3, 1, in.dims.data(), in.ranks.data(), ins, 2,
                                             state.dims.data(), state.ranks.data(), weights, 2, state.dims.data(),
                                             state.ranks.data(), buffers, training, y);
    }

    anvil_status backward(anvil_context* ctx, const float* x, const float* w, const float* b, const float* rm,
                          const float* rv, int32_t training, const float* y, const float* dy, float* dx, float* dw,
                          float* db) const {
        const float* ins[1] = {x};
        const float* weights[2] = {w, b};
        const float* buffers[2] = {rm, rv};
        float* in_grads[1] = {dx};
        float* w_grads[2] = {dw, db};
        return anvil_plugin_op_backward_state(ctx, p, 0, options, 3, 1, in.dims.data(), in.ranks.data(), ins, 2,
                                              state.dims.data(), state.ranks.data(), weights, 2, state.dims.data(),
                                              state.ranks.data(), buffers, training, y, dy, in_grads, w_grads);
    }
};

void test_metadata(const anvil_plugin* p) {
    int32_t inputs = 0, weights = 0, buffers = 0, params = 0;
    EXPECT_OK(anvil_plugin_op_num_inputs(p, 0, &inputs));
    EXPECT_OK(anvil_plugin_op_num_weights(p, 0, &weights));
    EXPECT_OK(anvil_plugin_op_num_buffers(p, 0, &buffers));
    EXPECT_OK(anvil_plugin_op_num_params(p, 0, &params));
    EXPECT(inputs == 1 && weights == 2 && buffers == 2 && params == 3);
    const char* name = nullptr;
    float init = NAN;
    EXPECT_OK(anvil_plugin_op_buffer(p, 0, 0, &name, &init));
    EXPECT(std::strcmp(name, "running_mean") == 0 && init == 0.0f);
    EXPECT_OK(anvil_plugin_op_buffer(p, 0, 1, &name, &init));
    EXPECT(std::strcmp(name, "running_var") == 0 && init == 1.0f);
    EXPECT_ERROR(anvil_plugin_op_buffer(p, 0, 2, &name, &init), ANVIL_ERR_INVALID_ARGUMENT,
                 "buffer index 2 is out of range: op batch_norm has 2 buffer(s)");
    EXPECT_ERROR(anvil_plugin_op_buffer(p, 0, 0, &name, nullptr), ANVIL_ERR_INVALID_ARGUMENT, "init");
    EXPECT_ERROR(anvil_plugin_op_buffer(p, 1, 0, &name, &init), ANVIL_ERR_INVALID_ARGUMENT, "op index 1 is out of range");
    int32_t winit = -1;
    float warg = NAN;
    EXPECT_OK(anvil_plugin_op_weight(p, 0, 1, &name, &winit, &warg));
    EXPECT(std::strcmp(name, "bias") == 0 && winit == ANVIL_PLUGIN_INIT_CONSTANT && warg == 0.0f);

    const float options[3] = {6.0f, 1e-5f, 0.1f};
    int64_t shapes[16];
    int32_t ranks[2] = {};
    EXPECT_OK(anvil_plugin_op_buffer_shapes(p, 0, options, 3, 0, nullptr, nullptr, shapes, ranks));
    EXPECT(ranks[0] == 1 && ranks[1] == 1 && shapes[0] == 6 && shapes[8] == 6);
    const float momentum_above_one[3] = {6.0f, 1e-5f, 1.5f};
    EXPECT_ERROR(anvil_plugin_op_buffer_shapes(p, 0, momentum_above_one, 3, 0, nullptr, nullptr, shapes, ranks),
                 ANVIL_ERR_INVALID_ARGUMENT, "plug-in batch_norm op batch_norm: momentum must be in [0, 1], got 1.5");
    EXPECT_ERROR(anvil_plugin_op_buffer_shapes(p, 0, options, 2, 0, nullptr, nullptr, shapes, ranks),
                 ANVIL_ERR_INVALID_ARGUMENT, "expects num_params = 3, got 2");
    EXPECT_ERROR(anvil_plugin_op_buffer_shapes(p, 0, options, 3, 0, nullptr, nullptr, nullptr, ranks),
                 ANVIL_ERR_INVALID_ARGUMENT, "buffer_shapes");
}

// Ops of the earlier versions have no buffers, and run through the _state calls too.
void test_earlier_versions_have_no_buffers(anvil_context* ctx) {
    anvil_plugin* p = load(example("leaky_relu"));
    if (p == nullptr) return;
    int32_t buffers = -1;
    EXPECT_OK(anvil_plugin_op_num_buffers(p, 0, &buffers));
    EXPECT(buffers == 0);
    const char* name = nullptr;
    float init = 0;
    EXPECT_ERROR(anvil_plugin_op_buffer(p, 0, 0, &name, &init), ANVIL_ERR_INVALID_ARGUMENT, "op leaky_relu has 0 buffer(s)");
    const Shapes in{{2}};
    const float slope = 0.25f, x[2] = {-4, 3};
    float y[2] = {};
    const float* ins[1] = {x};
    EXPECT_OK(anvil_plugin_op_forward_state(ctx, p, 0, &slope, 1, 1, in.dims.data(), in.ranks.data(), ins, 0, nullptr,
                                            nullptr, nullptr, 0, nullptr, nullptr, nullptr, 0, y));
    EXPECT(y[0] == -1 && y[1] == 3);
    EXPECT_OK(anvil_plugin_unload(p));
}

void test_training_and_evaluation(const anvil_plugin* p, const Contexts& ctxs) {
    Rng rng(9);
    const int64_t n = 3, c = 4, s = 5, total = n * c * s;
    const BatchNorm bn(p, n, c, s);
    const std::vector<float> x = rng.vector(total, -2.0f, 3.0f), w = rng.vector(c, 0.5f, 1.5f), b = rng.vector(c),
                             rm0 = rng.vector(c), rv0 = rng.vector(c, 0.5f, 2.0f), dy = rng.vector(total);
    for (bool training : {true, false}) {
        const BatchNormRef ref = batch_norm_reference(x, w, b, rm0, rv0, dy, n, c, s, training);
        const char* mode = training ? "training" : "evaluation";
        for (anvil_context* ctx : {ctxs.one, ctxs.two}) {
            std::vector<float> y(total, NAN), dx(total, NAN), dw(c, 0.0f), db(c, 0.0f), rm = rm0, rv = rv0;
            EXPECT_OK(bn.forward(ctx, x.data(), w.data(), b.data(), rm.data(), rv.data(), training, y.data()));
            EXPECT(test::all_close(y, ref.y, 1e-5, 1e-5, (std::string("y in ") + mode).c_str()));
            EXPECT(test::all_close(rm, ref.running_mean, 1e-6, 1e-6, (std::string("running_mean in ") + mode).c_str()));
            EXPECT(test::all_close(rv, ref.running_var, 1e-6, 1e-6, (std::string("running_var in ") + mode).c_str()));
            if (!training) EXPECT(rm == rm0 && rv == rv0);  // evaluation leaves the buffers bit for bit
            EXPECT_OK(bn.backward(ctx, x.data(), w.data(), b.data(), rm0.data(), rv0.data(), training, y.data(), dy.data(),
                                  dx.data(), dw.data(), db.data()));
            EXPECT(test::all_close(dx, ref.dx, 1e-4, 1e-5, (std::string("dx in ") + mode).c_str()));
            EXPECT(test::all_close(dw, ref.dweight, 1e-5, 1e-5, (std::string("dweight in ") + mode).c_str()));
            EXPECT(test::all_close(db, ref.dbias, 1e-5, 1e-5, (std::string("dbias in ") + mode).c_str()));
        }
    }
    // Weight gradients are added to, dx is overwritten.
    std::vector<float> y(total), dx(total), dw(c, 0.0f), db(c, 0.0f), rm = rm0, rv = rv0;
    EXPECT_OK(bn.forward(ctxs.one, x.data(), w.data(), b.data(), rm.data(), rv.data(), 1, y.data()));
    for (int round = 0; round < 2; ++round) {
        EXPECT_OK(bn.backward(ctxs.one, x.data(), w.data(), b.data(), rm.data(), rv.data(), 1, y.data(), dy.data(),
                              dx.data(), dw.data(), db.data()));
    }
    const BatchNormRef ref = batch_norm_reference(x, w, b, rm0, rv0, dy, n, c, s, true);
    std::vector<double> twice(c);
    for (int64_t i = 0; i < c; ++i) twice[i] = 2 * ref.dbias[i];
    EXPECT(test::all_close(db, twice, 1e-5, 1e-5, "dbias accumulated"));
    EXPECT(test::all_close(dx, ref.dx, 1e-4, 1e-5, "dx overwritten"));
    // Ten training steps on one batch: the running mean approaches the batch mean as 1 - 0.9^10.
    rm.assign(c, 0.0f);
    for (int step = 0; step < 10; ++step) {
        EXPECT_OK(bn.forward(ctxs.one, x.data(), w.data(), b.data(), rm.data(), rv.data(), 1, y.data()));
    }
    const double share = 1.0 - std::pow(0.9, 10);
    std::vector<double> expected(c);
    for (int64_t ch = 0; ch < c; ++ch) expected[ch] = share * (ref.running_mean[ch] - 0.9 * rm0[ch]) / kMomentum;
    EXPECT(test::all_close(rm, expected, 1e-5, 1e-5, "running_mean after 10 steps"));
}

// Central differences of L = sum(r * y) with respect to x, the weight and the bias, in each mode (the
// running statistics are put back before every evaluation of L, so that training's update does not
// move them between the two sides of a difference).
void test_finite_differences(const anvil_plugin* p, anvil_context* ctx) {
    Rng rng(13);
    const int64_t n = 2, c = 3, s = 4, total = n * c * s;
    const BatchNorm bn(p, n, c, s);
    std::vector<float> x = rng.vector(total, -1.0f, 2.0f), w = rng.vector(c, 0.5f, 1.5f), b = rng.vector(c),
                       r = rng.vector(total);
    const std::vector<float> rm0 = rng.vector(c), rv0 = rng.vector(c, 0.5f, 2.0f);
    for (int32_t training : {1, 0}) {
        std::vector<float> rm, rv;
        auto loss = [&] {
            std::vector<float> out(total);
            rm = rm0;
            rv = rv0;
            EXPECT_OK(bn.forward(ctx, x.data(), w.data(), b.data(), rm.data(), rv.data(), training, out.data()));
            return test::weighted_sum(out, r);
        };
        const std::vector<double> num_x = test::numeric_gradient(x, loss, 1e-2f), num_w = test::numeric_gradient(w, loss),
                                  num_b = test::numeric_gradient(b, loss);
        std::vector<float> y(total), dx(total), dw(c, 0.0f), db(c, 0.0f);
        rm = rm0;
        rv = rv0;
        EXPECT_OK(bn.forward(ctx, x.data(), w.data(), b.data(), rm.data(), rv.data(), training, y.data()));
        EXPECT_OK(bn.backward(ctx, x.data(), w.data(), b.data(), rm0.data(), rv0.data(), training, y.data(), r.data(),
                              dx.data(), dw.data(), db.data()));
        const std::string mode = training ? " in training" : " in evaluation";
        EXPECT(test::all_close(dx, num_x, 2e-2, 2e-3, ("dx vs finite differences" + mode).c_str()));
        EXPECT(test::all_close(dw, num_w, 1e-2, 1e-3, ("dweight vs finite differences" + mode).c_str()));
        EXPECT(test::all_close(db, num_b, 1e-2, 1e-3, ("dbias vs finite differences" + mode).c_str()));
    }
}

void test_bad_arguments(const anvil_plugin* p, anvil_context* ctx) {
    const BatchNorm bn(p, 2, 4, 3);
    float x[24] = {}, w[4] = {}, b[4] = {}, rm[4] = {}, rv[4] = {1, 1, 1, 1}, y[24] = {}, dy[24] = {}, dx[24] = {},
          dw[4] = {}, db[4] = {};
    const float* ins[1] = {x};
    const float* weights[2] = {w, b};
    float* buffers[2] = {rm, rv};
    const Shapes& in = bn.in;
    const Shapes& st = bn.state;
    const Shapes wrong{{4}, {3}};
    // The calls without buffers refuse an op that has them, naming the call to use.
    EXPECT_ERROR(anvil_plugin_op_forward_n(ctx, p, 0, bn.options, 3, 1, in.dims.data(), in.ranks.data(), ins, 2,
                                           st.dims.data(), st.ranks.data(), weights, y),
                 ANVIL_ERR_INVALID_ARGUMENT,
                 "anvil_plugin_op_forward_n: op batch_norm has 2 buffer(s), which this call has no place for: call "
                 "anvil_plugin_op_forward_state");
    float* in_grads[1] = {dx};
    float* w_grads[2] = {dw, db};
    EXPECT_ERROR(anvil_plugin_op_backward_n(ctx, p, 0, bn.options, 3, 1, in.dims.data(), in.ranks.data(), ins, 2,
                                            st.dims.data(), st.ranks.data(), weights, y, dy, in_grads, w_grads),
                 ANVIL_ERR_INVALID_ARGUMENT,
                 "anvil_plugin_op_backward_n: op batch_norm has 2 buffer(s), which this call has no place for: call "
                 "anvil_plugin_op_backward_state");
    EXPECT_ERROR(anvil_plugin_op_forward(ctx, p, 0, in.dims.data(), 3, bn.options, 3, x, y), ANVIL_ERR_INVALID_ARGUMENT,
                 "has 2 weights and 2 buffers");
    // Its output shape needs no buffers.
    int64_t out[8];
    int32_t out_rank = 0;
    EXPECT_OK(anvil_plugin_op_output_shape_n(p, 0, bn.options, 3, 1, in.dims.data(), in.ranks.data(), 2, st.dims.data(),
                                             st.ranks.data(), out, &out_rank));
    EXPECT(out_rank == 3 && out[1] == 4);

    auto forward = [&](int32_t num_buffers, const Shapes& buffer_shapes, float* const* bufs, int32_t training, float* out_y) {
        return anvil_plugin_op_forward_state(ctx, p, 0, bn.options, 3, 1, in.dims.data(), in.ranks.data(), ins, 2,
                                             st.dims.data(), st.ranks.data(), weights, num_buffers,
                                             buffer_shapes.dims.data(), buffer_shapes.ranks.data(), bufs, training, out_y);
    };
    EXPECT_OK(forward(2, st, buffers, 1, y));
    EXPECT_ERROR(forward(1, st, buffers, 1, y), ANVIL_ERR_INVALID_ARGUMENT, "op batch_norm has 2 buffer(s), got num_buffers = 1");
    EXPECT_ERROR(forward(2, wrong, buffers, 1, y), ANVIL_ERR_INVALID_ARGUMENT,
                 "plug-in batch_norm op batch_norm: buffer running_var has shape [3], but these inputs need [4]");
    EXPECT_ERROR(forward(2, st, nullptr, 1, y), ANVIL_ERR_INVALID_ARGUMENT, "buffers is NULL");
    float* missing[2] = {rm, nullptr};
    EXPECT_ERROR(forward(2, st, missing, 1, y), ANVIL_ERR_INVALID_ARGUMENT, "running_var is NULL");
    float* same[2] = {rm, rm};
    EXPECT_ERROR(forward(2, st, same, 1, y), ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    float* on_input[2] = {rm, x};
    EXPECT_ERROR(forward(2, st, on_input, 1, y), ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    float* on_y[2] = {rm, y + 4};
    EXPECT_ERROR(forward(2, st, on_y, 1, y), ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    EXPECT_ERROR(forward(2, st, buffers, 2, y), ANVIL_ERR_INVALID_ARGUMENT, "training must be 0 or 1, got 2");
    EXPECT_ERROR(forward(2, st, buffers, -1, y), ANVIL_ERR_INVALID_ARGUMENT, "training must be 0 or 1, got -1");
    // A gradient written over a buffer, which backward reads.
    float* grads_on_buffer[2] = {rm, db};
    const float* const_buffers[2] = {rm, rv};
    EXPECT_ERROR(anvil_plugin_op_backward_state(ctx, p, 0, bn.options, 3, 1, in.dims.data(), in.ranks.data(), ins, 2,
                                                st.dims.data(), st.ranks.data(), weights, 2, st.dims.data(),
                                                st.ranks.data(), const_buffers, 1, y, dy, in_grads, grads_on_buffer),
                 ANVIL_ERR_INVALID_ARGUMENT, "overlap");

    // One value per channel: refused in training (no batch variance), as PyTorch does; fine in evaluation.
    const BatchNorm single(p, 1, 4, 1);
    float one_y[4] = {};
    const float before[4] = {rm[0], rm[1], rm[2], rm[3]};
    EXPECT_ERROR(single.forward(ctx, x, w, b, rm, rv, 1, one_y), ANVIL_ERR_PLUGIN,
                 "plug-in batch_norm op batch_norm: needs more than one value per channel in training");
    EXPECT(std::memcmp(before, rm, sizeof before) == 0);
    EXPECT_OK(single.forward(ctx, x, w, b, rm, rv, 0, one_y));
}

void test_refused_tables() {
    anvil_plugin* p = reinterpret_cast<anvil_plugin*>(&p);
    EXPECT_ERROR(anvil_plugin_load(test_plugin("bad_v3_1").c_str(), &p), ANVIL_ERR_PLUGIN,
                 "op bad: buffer 0 has the name 'running mean'");
    EXPECT_ERROR(anvil_plugin_load(test_plugin("bad_v3_2").c_str(), &p), ANVIL_ERR_PLUGIN,
                 "op bad has a weight and a buffer called scale");
    EXPECT_ERROR(anvil_plugin_load(test_plugin("bad_v3_3").c_str(), &p), ANVIL_ERR_PLUGIN,
                 "op bad declares 1 buffers but no buffers table or buffer_shapes function");
    EXPECT_ERROR(anvil_plugin_load(test_plugin("bad_v3_4").c_str(), &p), ANVIL_ERR_PLUGIN,
                 "op bad: buffer running_mean starts at nan; it must be finite");
    EXPECT_ERROR(anvil_plugin_load(test_plugin("bad_v3_5").c_str(), &p), ANVIL_ERR_PLUGIN,
                 "exports more than one of anvil_plugin_entry, anvil_plugin_entry_v2 and anvil_plugin_entry_v3");
    EXPECT_ERROR(anvil_plugin_load(test_plugin("bad_v3_6").c_str(), &p), ANVIL_ERR_PLUGIN,
                 "op bad declares 9 buffers; an op has 0 to 8");
    EXPECT(p == nullptr);
}

}  // namespace

int main() {
    {
        Contexts ctxs;
        if (anvil_plugin* p = load(example("batch_norm"))) {
            test_metadata(p);
            test_training_and_evaluation(p, ctxs);
            test_finite_differences(p, ctxs.one);
            test_bad_arguments(p, ctxs.one);
            EXPECT_OK(anvil_plugin_unload(p));
        }
        test_earlier_versions_have_no_buffers(ctxs.two);
        test_refused_tables();
    }
    return test::finish();
}
