// Plug-ins of ABI version 2: the example fused add + ReLU (two inputs) against double references
// and finite differences of every input; weights (test plug-in row_scale) with shapes from the
// input shapes; bad arguments (input counts, shapes, overlapping gradients); malformed version-2
// tables; and a version-1 op through the general calls. Ops with weights of hyper-parameter
// shapes, and buffers, are in plugin_v3_test.
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

// ------------------------------------------------------------------------- add_relu

void test_add_relu(const anvil_plugin* p, const Contexts& ctxs) {
    int32_t inputs = 0, weights = -1, params = -1;
    EXPECT_OK(anvil_plugin_op_num_inputs(p, 0, &inputs));
    EXPECT_OK(anvil_plugin_op_num_weights(p, 0, &weights));
    EXPECT_OK(anvil_plugin_op_num_params(p, 0, &params));
    EXPECT(inputs == 2 && weights == 0 && params == 0);

    Rng rng(3);
    const Shapes shapes{{4, 3, 5}, {4, 3, 5}};
    const int64_t n = 60;
    std::vector<float> a = rng.vector(n), b = rng.vector(n), dy = rng.vector(n);
    b[0] = -a[0];  // a + b == 0: the gradient takes the zero side, like PyTorch's ReLU
    std::vector<double> y_ref(n), g_ref(n);
    for (int64_t i = 0; i < n; ++i) {
        const float s = a[i] + b[i];
        y_ref[i] = s > 0.0f ? s : 0.0;
        g_ref[i] = s > 0.0f ? dy[i] : 0.0;
    }
    int64_t out[8];
    int32_t out_rank = 0;
    EXPECT_OK(anvil_plugin_op_output_shape_n(p, 0, nullptr, 0, 2, shapes.dims.data(), shapes.ranks.data(), 0, nullptr,
                                             nullptr, out, &out_rank));
    EXPECT(out_rank == 3 && out[0] == 4 && out[1] == 3 && out[2] == 5);
    for (anvil_context* ctx : {ctxs.one, ctxs.two}) {
        std::vector<float> y(n, NAN), da(n, NAN), db(n, NAN);
        const float* ins[2] = {a.data(), b.data()};
        float* grads[2] = {da.data(), db.data()};
        EXPECT_OK(anvil_plugin_op_forward_n(ctx, p, 0, nullptr, 0, 2, shapes.dims.data(), shapes.ranks.data(), ins, 0,
                                            nullptr, nullptr, nullptr, y.data()));
        EXPECT(test::all_close(y, y_ref, 0, 0, "add_relu y"));
        EXPECT_OK(anvil_plugin_op_backward_n(ctx, p, 0, nullptr, 0, 2, shapes.dims.data(), shapes.ranks.data(), ins, 0,
                                             nullptr, nullptr, nullptr, y.data(), dy.data(), grads, nullptr));
        EXPECT(test::all_close(da, g_ref, 0, 0, "add_relu da"));
        EXPECT(test::all_close(db, g_ref, 0, 0, "add_relu db"));
    }
    // The same buffer as both inputs: y = max(2a, 0).
    std::vector<float> y(n);
    const float* twice[2] = {a.data(), a.data()};
    EXPECT_OK(anvil_plugin_op_forward_n(ctxs.one, p, 0, nullptr, 0, 2, shapes.dims.data(), shapes.ranks.data(), twice, 0,
                                        nullptr, nullptr, nullptr, y.data()));
    EXPECT(y[1] == std::max(2.0f * a[1], 0.0f));
}

// Central differences of L = sum(r * y) for each input, away from a + b = 0.
void test_add_relu_finite_differences(const anvil_plugin* p, anvil_context* ctx) {
    Rng rng(5);
    const Shapes shapes{{2, 7}, {2, 7}};
    std::vector<float> a = rng.vector(14), b = rng.vector(14), r = rng.vector(14), y(14), da(14), db(14);
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::fabs(a[i] + b[i]) < 0.1f) a[i] += 0.3f;
    }
    auto loss = [&] {
        std::vector<float> out(14);
        const float* ins[2] = {a.data(), b.data()};
        EXPECT_OK(anvil_plugin_op_forward_n(ctx, p, 0, nullptr, 0, 2, shapes.dims.data(), shapes.ranks.data(), ins, 0,
                                            nullptr, nullptr, nullptr, out.data()));
        return test::weighted_sum(out, r);
    };
    const std::vector<double> num_a = test::numeric_gradient(a, loss), num_b = test::numeric_gradient(b, loss);
    const float* ins[2] = {a.data(), b.data()};
    float* grads[2] = {da.data(), db.data()};
    EXPECT_OK(anvil_plugin_op_forward_n(ctx, p, 0, nullptr, 0, 2, shapes.dims.data(), shapes.ranks.data(), ins, 0,
                                        nullptr, nullptr, nullptr, y.data()));
    EXPECT_OK(anvil_plugin_op_backward_n(ctx, p, 0, nullptr, 0, 2, shapes.dims.data(), shapes.ranks.data(), ins, 0,
                                         nullptr, nullptr, nullptr, y.data(), r.data(), grads, nullptr));
    EXPECT(test::all_close(da, num_a, 1e-3, 1e-4, "add_relu da vs finite differences"));
    EXPECT(test::all_close(db, num_b, 1e-3, 1e-4, "add_relu db vs finite differences"));
}

void test_add_relu_bad_arguments(const anvil_plugin* p, anvil_context* ctx) {
    const Shapes good{{2, 3}, {2, 3}}, mismatched{{2, 3}, {3, 2}}, one{{2, 3}};
    float a[6] = {}, b[6] = {}, y[6] = {}, dy[6] = {}, da[6] = {}, db[6] = {};
    const float* ins[2] = {a, b};
    float* grads[2] = {da, db};
    int64_t out[8];
    int32_t out_rank = 0;
    EXPECT_ERROR(anvil_plugin_op_output_shape_n(p, 0, nullptr, 0, 2, mismatched.dims.data(), mismatched.ranks.data(), 0,
                                                nullptr, nullptr, out, &out_rank),
                 ANVIL_ERR_INVALID_ARGUMENT,
                 "plug-in add_relu op add_relu: the inputs must have the same shape, got [2, 3] and [3, 2]");
    EXPECT_ERROR(anvil_plugin_op_forward_n(ctx, p, 0, nullptr, 0, 1, one.dims.data(), one.ranks.data(), ins, 0, nullptr,
                                           nullptr, nullptr, y),
                 ANVIL_ERR_INVALID_ARGUMENT, "op add_relu takes 2 input(s), got num_inputs = 1");
    EXPECT_ERROR(anvil_plugin_op_forward_n(ctx, p, 0, nullptr, 0, 2, good.dims.data(), good.ranks.data(), ins, 1,
                                           good.dims.data(), good.ranks.data(), ins, y),
                 ANVIL_ERR_INVALID_ARGUMENT, "op add_relu has 0 weight(s), got num_weights = 1");
    EXPECT_ERROR(anvil_plugin_op_forward_n(ctx, p, 0, nullptr, 0, 2, good.dims.data(), good.ranks.data(), nullptr, 0,
                                           nullptr, nullptr, nullptr, y),
                 ANVIL_ERR_INVALID_ARGUMENT, "inputs is NULL");
    const float* half_null[2] = {a, nullptr};
    EXPECT_ERROR(anvil_plugin_op_forward_n(ctx, p, 0, nullptr, 0, 2, good.dims.data(), good.ranks.data(), half_null, 0,
                                           nullptr, nullptr, nullptr, y),
                 ANVIL_ERR_INVALID_ARGUMENT, "inputs[1] is NULL");
    EXPECT_ERROR(anvil_plugin_op_forward_n(ctx, p, 0, nullptr, 0, 2, good.dims.data(), good.ranks.data(), ins, 0, nullptr,
                                           nullptr, nullptr, b + 2),
                 ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    float* same_grads[2] = {da, da};
    EXPECT_ERROR(anvil_plugin_op_backward_n(ctx, p, 0, nullptr, 0, 2, good.dims.data(), good.ranks.data(), ins, 0,
                                            nullptr, nullptr, nullptr, y, dy, same_grads, nullptr),
                 ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    float* grad_on_dy[2] = {da, dy};
    EXPECT_ERROR(anvil_plugin_op_backward_n(ctx, p, 0, nullptr, 0, 2, good.dims.data(), good.ranks.data(), ins, 0,
                                            nullptr, nullptr, nullptr, y, dy, grad_on_dy, nullptr),
                 ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    EXPECT_ERROR(anvil_plugin_op_backward_n(ctx, p, 0, nullptr, 0, 2, good.dims.data(), good.ranks.data(), ins, 0,
                                            nullptr, nullptr, nullptr, y, dy, nullptr, nullptr),
                 ANVIL_ERR_INVALID_ARGUMENT, "input_grads is NULL");
    const std::vector<int32_t> bad_rank = {2, 9};
    EXPECT_ERROR(anvil_plugin_op_forward_n(ctx, p, 0, nullptr, 0, 2, good.dims.data(), bad_rank.data(), ins, 0, nullptr,
                                           nullptr, nullptr, y),
                 ANVIL_ERR_INVALID_ARGUMENT, "input shape 1: rank must be in [1, 8], got 9");
    // The one-input calls of version 1 refuse an op of two inputs, pointing to the general ones.
    EXPECT_ERROR(anvil_plugin_op_forward(ctx, p, 0, good.dims.data(), 2, nullptr, 0, a, y), ANVIL_ERR_INVALID_ARGUMENT,
                 "call it with the anvil_plugin_op_*_n or _state functions");
    EXPECT_OK(anvil_plugin_op_backward_n(ctx, p, 0, nullptr, 0, 2, good.dims.data(), good.ranks.data(), ins, 0, nullptr,
                                         nullptr, nullptr, y, dy, grads, nullptr));
}

// ------------------------------------------------------------------------- test plug-ins

void test_weight_shapes_from_inputs(anvil_context* ctx) {
    anvil_plugin* p = load(test_plugin("weights_v2"));
    if (p == nullptr) return;
    int32_t row_scale = -1, empty = -1;
    EXPECT_OK(anvil_plugin_op_find(p, "row_scale", &row_scale));
    EXPECT_OK(anvil_plugin_op_find(p, "empty_weight", &empty));
    int64_t shapes[8];
    int32_t ranks[1] = {};
    EXPECT_ERROR(anvil_plugin_op_weight_shapes(p, row_scale, nullptr, 0, 0, nullptr, nullptr, shapes, ranks),
                 ANVIL_ERR_INVALID_ARGUMENT, "plug-in weights_v2 op row_scale: the scale's size is the input's last dimension");
    const Shapes in{{2, 3}};
    EXPECT_OK(anvil_plugin_op_weight_shapes(p, row_scale, nullptr, 0, 1, in.dims.data(), in.ranks.data(), shapes, ranks));
    EXPECT(ranks[0] == 1 && shapes[0] == 3);
    const float x[6] = {1, 2, 3, 4, 5, 6}, scale[3] = {2, 0, -1};
    float y[6] = {};
    const float* ins[1] = {x};
    const float* weights[1] = {scale};
    const Shapes ws{{3}};
    EXPECT_OK(anvil_plugin_op_forward_n(ctx, p, row_scale, nullptr, 0, 1, in.dims.data(), in.ranks.data(), ins, 1,
                                        ws.dims.data(), ws.ranks.data(), weights, y));
    EXPECT(y[0] == 2 && y[1] == 0 && y[2] == -3 && y[3] == 8 && y[5] == -6);
    // A weight shape with a zero dimension is the plug-in's fault.
    EXPECT_ERROR(anvil_plugin_op_weight_shapes(p, empty, nullptr, 0, 0, nullptr, nullptr, shapes, ranks),
                 ANVIL_ERR_PLUGIN, "plug-in weights_v2 op empty_weight: weight_shapes() gave scale dimension 0");
    EXPECT_OK(anvil_plugin_unload(p));
}

void test_refused_tables() {
    anvil_plugin* p = reinterpret_cast<anvil_plugin*>(&p);
    EXPECT_ERROR(anvil_plugin_load(test_plugin("bad_v2_1").c_str(), &p), ANVIL_ERR_PLUGIN,
                 "op bad declares 0 inputs; an op takes 1 to 8");
    EXPECT_ERROR(anvil_plugin_load(test_plugin("bad_v2_2").c_str(), &p), ANVIL_ERR_PLUGIN,
                 "op bad: weight 0 has the name '1st'");
    EXPECT_ERROR(anvil_plugin_load(test_plugin("bad_v2_3").c_str(), &p), ANVIL_ERR_PLUGIN,
                 "op bad has two weights called scale");
    EXPECT_ERROR(anvil_plugin_load(test_plugin("bad_v2_4").c_str(), &p), ANVIL_ERR_PLUGIN,
                 "op bad: weight scale has the unknown initialiser 7");
    EXPECT_ERROR(anvil_plugin_load(test_plugin("bad_v2_5").c_str(), &p), ANVIL_ERR_UNSUPPORTED,
                 "anvil_plugin_entry_v2 returned a table of plug-in ABI version 1");
    EXPECT(p == nullptr);
}

// A version-1 op through the general calls: one input, no weights.
void test_v1_op_through_general_calls(anvil_context* ctx) {
    anvil_plugin* p = load(example("leaky_relu"));
    if (p == nullptr) return;
    int32_t inputs = 0, weights = -1;
    EXPECT_OK(anvil_plugin_op_num_inputs(p, 0, &inputs));
    EXPECT_OK(anvil_plugin_op_num_weights(p, 0, &weights));
    EXPECT(inputs == 1 && weights == 0);
    const Shapes in{{4}};
    const float slope = 0.5f, x[4] = {-2, -1, 1, 2}, dy[4] = {1, 1, 1, 1};
    float y[4] = {}, dx[4] = {};
    const float* ins[1] = {x};
    float* grads[1] = {dx};
    EXPECT_OK(anvil_plugin_op_forward_n(ctx, p, 0, &slope, 1, 1, in.dims.data(), in.ranks.data(), ins, 0, nullptr,
                                        nullptr, nullptr, y));
    EXPECT(y[0] == -1 && y[1] == -0.5f && y[2] == 1 && y[3] == 2);
    EXPECT_OK(anvil_plugin_op_backward_n(ctx, p, 0, &slope, 1, 1, in.dims.data(), in.ranks.data(), ins, 0, nullptr,
                                         nullptr, nullptr, y, dy, grads, nullptr));
    EXPECT(dx[0] == 0.5f && dx[3] == 1);
    const char* name = nullptr;
    int32_t init = 0;
    float arg = 0;
    EXPECT_ERROR(anvil_plugin_op_weight(p, 0, 0, &name, &init, &arg), ANVIL_ERR_INVALID_ARGUMENT,
                 "op leaky_relu has 0 weight(s)");
    EXPECT_OK(anvil_plugin_unload(p));
}

}  // namespace

int main() {
    {
        Contexts ctxs;
        if (anvil_plugin* p = load(example("add_relu"))) {
            test_add_relu(p, ctxs);
            test_add_relu_finite_differences(p, ctxs.one);
            test_add_relu_bad_arguments(p, ctxs.one);
            EXPECT_OK(anvil_plugin_unload(p));
        }
        test_weight_shapes_from_inputs(ctxs.one);
        test_refused_tables();
        test_v1_op_through_general_calls(ctxs.two);
    }
    return test::finish();
}
