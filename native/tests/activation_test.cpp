// ReLU and dropout: reference values, in-place use, NaN propagation, the dropout mask's keep rate
// and independence of the thread count, and finite-difference checks of the backward passes.
#include <algorithm>
#include <cmath>
#include <vector>

#include "test_support.h"

using test::Contexts;
using test::Rng;

namespace {

const std::vector<int64_t> kSizes = {1, 7, 33, 1000, 100003};  // the last one splits across threads

void test_relu(const Contexts& ctxs) {
    Rng rng(1);
    for (int64_t n : kSizes) {
        std::vector<float> x = rng.vector(n), dy = rng.vector(n);
        std::vector<double> y_ref(n), dx_ref(n);
        for (int64_t i = 0; i < n; ++i) {
            y_ref[i] = x[i] > 0 ? x[i] : 0.0;
            dx_ref[i] = x[i] > 0 ? dy[i] : 0.0;
        }
        for (anvil_context* ctx : {ctxs.one, ctxs.two}) {
            std::vector<float> y(n), dx(n, 5.0f);
            EXPECT_OK(anvil_relu_forward(ctx, n, x.data(), y.data()));
            EXPECT(test::all_close(y, y_ref, 0, 0, "relu y"));
            EXPECT_OK(anvil_relu_backward(ctx, n, y.data(), dy.data(), dx.data()));
            EXPECT(test::all_close(dx, dx_ref, 0, 0, "relu dx"));
            // In place: y over x, dx over dy.
            std::vector<float> inplace = x, grad = dy;
            EXPECT_OK(anvil_relu_forward(ctx, n, inplace.data(), inplace.data()));
            EXPECT(inplace == y);
            EXPECT_OK(anvil_relu_backward(ctx, n, inplace.data(), grad.data(), grad.data()));
            EXPECT(grad == dx);
        }
    }
    std::vector<float> x = {NAN, -1.0f, 2.0f, -INFINITY, INFINITY}, y(5);
    EXPECT_OK(anvil_relu_forward(ctxs.one, 5, x.data(), y.data()));
    EXPECT(std::isnan(y[0]) && y[1] == 0.0f && y[2] == 2.0f && y[3] == 0.0f && y[4] == INFINITY);
}

// The mask of a forward pass: 1/(1-p) where kept, 0 where dropped.
std::vector<float> dropout_of_ones(anvil_context* ctx, int64_t n, float p, uint64_t seed) {
    std::vector<float> ones(n, 1.0f), y(n);
    EXPECT_OK(anvil_dropout_forward(ctx, n, p, seed, ones.data(), y.data()));
    return y;
}

void test_dropout_mask(const Contexts& ctxs) {
    const int64_t n = 1000000;
    for (float p : {0.1f, 0.3f, 0.5f, 0.9f}) {
        std::vector<float> one = dropout_of_ones(ctxs.one, n, p, 42);
        std::vector<float> two = dropout_of_ones(ctxs.two, n, p, 42);
        EXPECT(one == two);
        const float scale = 1.0f / (1.0f - p);
        int64_t kept = 0;
        bool values_ok = true;
        for (float v : one) {
            kept += v != 0.0f;
            values_ok = values_ok && (v == 0.0f || v == scale);
        }
        EXPECT(values_ok);
        // Binomial standard deviation sqrt(p(1-p)/n) <= 5e-4; allow about six of them.
        double keep_rate = static_cast<double>(kept) / n;
        EXPECT(std::fabs(keep_rate - (1.0 - p)) < 3e-3);
        if (std::fabs(keep_rate - (1.0 - p)) >= 3e-3) std::fprintf(stderr, "  p=%g keep rate %g\n", p, keep_rate);
        // Another seed gives another mask; the same seed the same one.
        EXPECT(dropout_of_ones(ctxs.two, n, p, 43) != one);
        EXPECT(dropout_of_ones(ctxs.one, n, p, 42) == one);
        // A prefix of the tensor has the prefix of the mask: the decision depends on the index only.
        std::vector<float> prefix = dropout_of_ones(ctxs.two, 1000, p, 42);
        EXPECT(std::equal(prefix.begin(), prefix.end(), one.begin()));
    }
}

void test_dropout_values(const Contexts& ctxs) {
    Rng rng(2);
    for (int64_t n : kSizes) {
        for (float p : {0.0f, 0.25f, 0.6f}) {
            std::vector<float> x = rng.vector(n), dy = rng.vector(n);
            std::vector<float> mask = dropout_of_ones(ctxs.one, n, p, 7);
            for (anvil_context* ctx : {ctxs.one, ctxs.two}) {
                std::vector<float> y(n), dx(n);
                EXPECT_OK(anvil_dropout_forward(ctx, n, p, 7, x.data(), y.data()));
                EXPECT_OK(anvil_dropout_backward(ctx, n, p, 7, dy.data(), dx.data()));
                bool ok = true;
                for (int64_t i = 0; i < n; ++i) {
                    ok = ok && test::close(y[i], static_cast<double>(x[i]) * mask[i], 1e-6, 0);
                    ok = ok && test::close(dx[i], static_cast<double>(dy[i]) * mask[i], 1e-6, 0);
                }
                EXPECT(ok);
                if (p == 0.0f) EXPECT(y == x && dx == dy);
                std::vector<float> inplace = x;
                EXPECT_OK(anvil_dropout_forward(ctx, n, p, 7, inplace.data(), inplace.data()));
                EXPECT(inplace == y);
                inplace = dy;
                EXPECT_OK(anvil_dropout_backward(ctx, n, p, 7, inplace.data(), inplace.data()));
                EXPECT(inplace == dx);
            }
        }
    }
}

// L(x) = sum(f(x) * r) by central differences in double of the float forward pass, against the
// backward pass applied to r. ReLU inputs stay at least 0.05 from its kink at 0.
template <class Forward, class Backward>
void gradient_check(int64_t n, Forward&& forward, Backward&& backward, const char* what) {
    Rng rng(3);
    std::vector<float> x = rng.vector(n), r = rng.vector(n), y(n), dx(n);
    for (float& v : x) v = v < 0 ? v - 0.05f : v + 0.05f;
    auto loss = [&] {
        forward(x, y);
        return test::weighted_sum(y, r);
    };
    forward(x, y);
    backward(y, r, dx);
    EXPECT(test::all_close(dx, test::numeric_gradient(x, loss), 1e-2, 1e-3, what));
}

void test_gradients(const Contexts& ctxs) {
    anvil_context* ctx = ctxs.two;
    const int64_t n = 301;
    gradient_check(
        n, [&](const std::vector<float>& x, std::vector<float>& y) { EXPECT_OK(anvil_relu_forward(ctx, n, x.data(), y.data())); },
        [&](const std::vector<float>& y, const std::vector<float>& dy, std::vector<float>& dx) {
            EXPECT_OK(anvil_relu_backward(ctx, n, y.data(), dy.data(), dx.data()));
        },
        "relu gradient");
    gradient_check(
        n,
        [&](const std::vector<float>& x, std::vector<float>& y) {
            EXPECT_OK(anvil_dropout_forward(ctx, n, 0.4f, 99, x.data(), y.data()));
        },
        [&](const std::vector<float>&, const std::vector<float>& dy, std::vector<float>& dx) {
            EXPECT_OK(anvil_dropout_backward(ctx, n, 0.4f, 99, dy.data(), dx.data()));
        },
        "dropout gradient");
}

}  // namespace

// The other activations against double transcriptions of PyTorch's definitions, and their
// backward passes against finite differences (inputs kept away from the kinks of LeakyReLU, ELU
// and Hardswish), on 1 and 2 threads with the same bits.
double reference(int32_t kind, double alpha, double x) {
    switch (kind) {
        case ANVIL_ACT_LEAKY_RELU: return x > 0 ? x : alpha * x;
        case ANVIL_ACT_ELU: return x > 0 ? x : alpha * std::expm1(x);
        case ANVIL_ACT_GELU: return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
        case ANVIL_ACT_GELU_TANH: return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
        case ANVIL_ACT_SILU: return x / (1 + std::exp(-x));
        case ANVIL_ACT_SIGMOID: return 1 / (1 + std::exp(-x));
        case ANVIL_ACT_TANH: return std::tanh(x);
        default: return x * std::min(std::max(x + 3, 0.0), 6.0) / 6;
    }
}

void test_activations(const Contexts& ctxs) {
    Rng rng(21);
    const int64_t n = 1003;
    for (int32_t kind = ANVIL_ACT_LEAKY_RELU; kind <= ANVIL_ACT_HARDSWISH; ++kind) {
        const float alpha = kind == ANVIL_ACT_LEAKY_RELU ? 0.01f : 1.0f;
        std::vector<float> x = rng.vector(n, -5.0f, 5.0f), y(n), y1(n), r = rng.vector(n), dx(n);
        for (float& v : x) {
            if (std::fabs(v) < 0.05f) v += 0.1f;                 // LeakyReLU, ELU
            if (std::fabs(std::fabs(v) - 3.0f) < 0.05f) v += 0.1f;  // Hardswish
        }
        EXPECT_OK(anvil_activation_forward(ctxs.two, kind, alpha, n, x.data(), y.data()));
        EXPECT_OK(anvil_activation_forward(ctxs.one, kind, alpha, n, x.data(), y1.data()));
        EXPECT(y == y1);
        std::vector<double> want(n);
        for (int64_t i = 0; i < n; ++i) want[i] = reference(kind, alpha, x[i]);
        EXPECT(test::all_close(y, want, 2e-6, 2e-6, "activation"));
        EXPECT_OK(anvil_activation_backward(ctxs.two, kind, alpha, n, x.data(), y.data(), r.data(), dx.data()));
        std::vector<float> out(n);
        auto loss = [&] {
            EXPECT_OK(anvil_activation_forward(ctxs.one, kind, alpha, n, x.data(), out.data()));
            return test::weighted_sum(out, r);
        };
        EXPECT(test::all_close(dx, test::numeric_gradient(x, loss, 1e-2f), 1e-2, 2e-3, "activation gradient"));
        std::vector<float> in_place = r;  // dx may be dy
        EXPECT_OK(anvil_activation_backward(ctxs.one, kind, alpha, n, x.data(), y.data(), in_place.data(), in_place.data()));
        EXPECT(in_place == dx);
    }
    std::vector<float> x(8, 1.0f), y(8);
    EXPECT_ERROR(anvil_activation_forward(ctxs.one, 8, 0.0f, 8, x.data(), y.data()), ANVIL_ERR_INVALID_ARGUMENT, "kind");
    EXPECT_ERROR(anvil_activation_forward(ctxs.one, ANVIL_ACT_ELU, NAN, 8, x.data(), y.data()), ANVIL_ERR_INVALID_ARGUMENT, "alpha");
    EXPECT_ERROR(anvil_activation_backward(ctxs.one, ANVIL_ACT_TANH, 0.0f, 7, x.data(), y.data(), y.data(), x.data() + 1),
                 ANVIL_ERR_INVALID_ARGUMENT, "x and dx overlap");
}

int main() {
    {
        Contexts ctxs;
        test_relu(ctxs);
        test_dropout_mask(ctxs);
        test_dropout_values(ctxs);
        test_gradients(ctxs);
        test_activations(ctxs);
    }
    return test::finish();
}
