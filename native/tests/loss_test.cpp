// Softmax cross-entropy (with label smoothing, class weights and ignore_index), argmax,
// softmax/log-softmax and the element-wise losses against double-precision references: values, stability with large inputs, bit-identical results for 1 and
// 2 threads, argument errors, finite differences.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "test_support.h"

using test::Contexts;
using test::Rng;

namespace {

// A cross-entropy problem with its options (anvil_cross_entropy_desc) and optional class weights.
struct Problem {
    anvil_cross_entropy_desc desc;
    std::vector<float> logits;
    std::vector<int32_t> labels;
    std::vector<float> weight;  // empty: none
    const float* w() const { return weight.empty() ? nullptr : weight.data(); }
};

Problem make_problem(Rng& rng, int64_t batch, int64_t classes, float spread) {
    Problem p{{batch, classes, 0.0f, -100}, rng.vector(batch * classes, -spread, spread), std::vector<int32_t>(batch), {}};
    for (int32_t& l : p.labels) l = static_cast<int32_t>(rng.next() % classes);
    return p;
}

// Row softmax in double with the maximum subtracted.
std::vector<double> softmax_row(const float* row, int64_t classes) {
    double m = row[0];
    for (int64_t k = 1; k < classes; ++k) m = std::max(m, static_cast<double>(row[k]));
    std::vector<double> s(classes);
    double sum = 0.0;
    for (int64_t k = 0; k < classes; ++k) sum += s[k] = std::exp(row[k] - m);
    for (double& v : s) v /= sum;
    return s;
}

// Row log-softmax in double: x - max - log(sum exp(x - max)), finite where the softmax underflows.
std::vector<double> log_softmax_row(const float* row, int64_t classes) {
    double m = row[0];
    for (int64_t k = 1; k < classes; ++k) m = std::max(m, static_cast<double>(row[k]));
    double sum = 0.0;
    for (int64_t k = 0; k < classes; ++k) sum += std::exp(row[k] - m);
    std::vector<double> out(classes);
    for (int64_t k = 0; k < classes; ++k) out[k] = row[k] - m - std::log(sum);
    return out;
}

// PyTorch's definition transcribed (torch.nn.functional.cross_entropy, reduction 'mean'): the
// weighted mean of (1 - s) * -logp[label] + (s / K) * sum_k w[k] * -logp[k] over the samples
// not ignored, divided by the sum of their weights.
double loss_reference(const Problem& p) {
    const int64_t K = p.desc.classes;
    const double s = p.desc.label_smoothing;
    double total = 0.0, weight = 0.0;
    for (int64_t b = 0; b < p.desc.batch; ++b) {
        const int32_t label = p.labels[b];
        if (label == p.desc.ignore_index) continue;
        std::vector<double> logp = log_softmax_row(p.logits.data() + b * K, K);
        auto w = [&](int64_t k) { return p.weight.empty() ? 1.0 : p.weight[k]; };
        double smooth = 0.0;
        for (int64_t k = 0; k < K; ++k) smooth += w(k) * -logp[k];
        total += (1.0 - s) * w(label) * -logp[label] + s / K * smooth;
        weight += w(label);
    }
    return total / weight;
}

// The gradient of scale * loss_reference, derived by hand: per sample not ignored,
// scale / W * [(1 - s) w[y] (p_k - [k = y]) + (s / K) (p_k sum_j w[j] - w[k])].
std::vector<double> grad_reference(const Problem& p, double scale) {
    const int64_t K = p.desc.classes;
    const double s = p.desc.label_smoothing;
    auto w = [&](int64_t k) { return p.weight.empty() ? 1.0 : p.weight[k]; };
    double W = 0.0, wsum = 0.0;
    for (int64_t b = 0; b < p.desc.batch; ++b) W += p.labels[b] == p.desc.ignore_index ? 0.0 : w(p.labels[b]);
    for (int64_t k = 0; k < K; ++k) wsum += w(k);
    std::vector<double> g(p.desc.batch * K, 0.0);
    for (int64_t b = 0; b < p.desc.batch; ++b) {
        const int32_t y = p.labels[b];
        if (y == p.desc.ignore_index) continue;
        std::vector<double> sm = softmax_row(p.logits.data() + b * K, K);
        for (int64_t k = 0; k < K; ++k) {
            g[b * K + k] = scale / W * ((1.0 - s) * w(y) * (sm[k] - (k == y)) + s / K * (sm[k] * wsum - w(k)));
        }
    }
    return g;
}

std::vector<int32_t> argmax_reference(const Problem& p) {
    std::vector<int32_t> out(p.desc.batch);
    for (int64_t b = 0; b < p.desc.batch; ++b) {
        const float* row = p.logits.data() + b * p.desc.classes;
        int64_t best = 0;
        for (int64_t k = 1; k < p.desc.classes; ++k) {
            if (row[k] > row[best]) best = k;
        }
        out[b] = static_cast<int32_t>(best);
    }
    return out;
}

// Forward and backward against the references on both thread counts (bit-identical), in place too.
void check_problem(const Contexts& ctxs, const Problem& p) {
    const double loss_ref = loss_reference(p);
    const std::vector<double> grad_ref = grad_reference(p, 1.5);
    float loss1 = 0.0f;
    std::vector<float> grad1;
    for (anvil_context* ctx : {ctxs.one, ctxs.two}) {
        float loss = -1.0f;
        std::vector<float> grad(p.logits.size());
        EXPECT_OK(anvil_softmax_cross_entropy_forward(ctx, &p.desc, p.logits.data(), p.labels.data(), p.w(), &loss));
        EXPECT(test::close(loss, loss_ref, 1e-5, 1e-6));
        EXPECT_OK(anvil_softmax_cross_entropy_backward(ctx, &p.desc, p.logits.data(), p.labels.data(), p.w(), 1.5f, grad.data()));
        EXPECT(test::all_close(grad, grad_ref, 1e-5, 1e-7, "cross-entropy dlogits"));
        std::vector<float> inplace = p.logits;  // dlogits over logits
        EXPECT_OK(anvil_softmax_cross_entropy_backward(ctx, &p.desc, inplace.data(), p.labels.data(), p.w(), 1.5f, inplace.data()));
        EXPECT(inplace == grad);
        if (ctx == ctxs.one) {
            loss1 = loss;
            grad1 = grad;
        } else {
            EXPECT(std::memcmp(&loss, &loss1, sizeof loss) == 0);
            EXPECT(grad == grad1);
        }
    }
}

void test_against_reference(const Contexts& ctxs) {
    Rng rng(1);
    struct Case {
        int64_t batch, classes;
        float spread;
    };
    // The last cases are large enough for two threads to split the rows; spread 1000 would
    // overflow exp() without the maximum subtracted.
    for (const Case& c : {Case{1, 1, 1.0f}, Case{1, 10, 3.0f}, Case{7, 3, 1.0f}, Case{64, 10, 5.0f},
                          Case{33, 1000, 2.0f}, Case{300, 17, 1000.0f}, Case{5000, 10, 4.0f},
                          Case{100, 1000, 1.0f}}) {
        Problem p = make_problem(rng, c.batch, c.classes, c.spread);
        check_problem(ctxs, p);
        std::vector<int32_t> pred(p.desc.batch, -1);
        for (anvil_context* ctx : {ctxs.one, ctxs.two}) {
            EXPECT_OK(anvil_argmax(ctx, p.desc.batch, p.desc.classes, p.logits.data(), pred.data()));
            EXPECT(pred == argmax_reference(p));
        }
    }
}

// Label smoothing, class weights and ignore_index, alone and together; every sample ignored.
void test_options(const Contexts& ctxs) {
    Rng rng(5);
    for (auto [batch, classes] : std::vector<std::pair<int64_t, int64_t>>{{9, 4}, {3000, 10}}) {
        for (float smoothing : {0.0f, 0.1f, 1.0f}) {
            for (bool weighted : {false, true}) {
                for (int32_t ignore : {-100, 2}) {
                    Problem p = make_problem(rng, batch, classes, 3.0f);
                    p.desc.label_smoothing = smoothing;
                    p.desc.ignore_index = ignore;
                    if (weighted) p.weight = rng.vector(classes, 0.1f, 2.0f);
                    if (ignore == -100) p.labels[1] = -100;  // PyTorch's default ignore_index
                    check_problem(ctxs, p);
                }
            }
        }
    }
    Problem p = make_problem(rng, 3, 4, 1.0f);
    std::fill(p.labels.begin(), p.labels.end(), -100);
    float loss = 0.0f;
    std::vector<float> grad(12, 7.0f);
    EXPECT_OK(anvil_softmax_cross_entropy_forward(ctxs.two, &p.desc, p.logits.data(), p.labels.data(), nullptr, &loss));
    EXPECT(std::isnan(loss));  // 0 / 0, as PyTorch's mean over no sample
    EXPECT_OK(anvil_softmax_cross_entropy_backward(ctxs.two, &p.desc, p.logits.data(), p.labels.data(), nullptr, 1.0f, grad.data()));
    EXPECT(std::all_of(grad.begin(), grad.end(), [](float g) { return g == 0.0f; }));
    p.desc.label_smoothing = 1.5f;
    EXPECT_ERROR(anvil_softmax_cross_entropy_forward(ctxs.two, &p.desc, p.logits.data(), p.labels.data(), nullptr, &loss),
                 ANVIL_ERR_INVALID_ARGUMENT, "label_smoothing must be in [0, 1]");
    p.desc.label_smoothing = 0.0f;
    EXPECT_ERROR(anvil_softmax_cross_entropy_backward(ctxs.two, &p.desc, p.logits.data(), p.labels.data(), grad.data() + 2, 1.0f,
                                                      grad.data()),
                 ANVIL_ERR_INVALID_ARGUMENT, "overlap");
}

void test_bad_labels(const Contexts& ctxs) {
    std::vector<float> logits(5 * 4, 0.0f), grad(20);
    float loss = 0.0f;
    const anvil_cross_entropy_desc d{5, 4, 0.0f, -100};
    for (int32_t bad : {-1, 4, 1000}) {
        std::vector<int32_t> labels = {0, 1, 2, bad, 3};
        EXPECT(anvil_softmax_cross_entropy_forward(ctxs.two, &d, logits.data(), labels.data(), nullptr, &loss) ==
               ANVIL_ERR_INVALID_ARGUMENT);
        std::string message = anvil_last_error();
        EXPECT(message.find("sample 3") != std::string::npos);
        EXPECT(message.find("label " + std::to_string(bad)) != std::string::npos);
        EXPECT(message.find("4)") != std::string::npos);  // the class count
        EXPECT(anvil_softmax_cross_entropy_backward(ctxs.two, &d, logits.data(), labels.data(), nullptr, 1.0f, grad.data()) ==
               ANVIL_ERR_INVALID_ARGUMENT);
        EXPECT(std::string(anvil_last_error()).find("sample 3") != std::string::npos);
    }
}

void test_argmax_ties_and_nan(const Contexts& ctxs) {
    std::vector<float> logits = {1.0f, 3.0f, 3.0f, 2.0f,   // tie: the first maximum
                                 0.0f, NAN, 5.0f, NAN,     // NaN wins, the first one
                                 -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    std::vector<int32_t> pred(3, -1);
    EXPECT_OK(anvil_argmax(ctxs.one, 3, 4, logits.data(), pred.data()));
    EXPECT(pred[0] == 1 && pred[1] == 1 && pred[2] == 0);
}

// d(scale * loss)/dlogits by central differences in double of the float forward pass, with every option on.
void test_gradient(const Contexts& ctxs) {
    Rng rng(2);
    for (float scale : {1.0f, 2.5f}) {
        Problem p = make_problem(rng, 4, 5, 2.0f);
        p.desc.label_smoothing = scale > 1.0f ? 0.2f : 0.0f;
        p.weight = rng.vector(5, 0.5f, 1.5f);
        p.labels[2] = p.desc.ignore_index;
        std::vector<float> grad(p.logits.size());
        EXPECT_OK(anvil_softmax_cross_entropy_backward(ctxs.two, &p.desc, p.logits.data(), p.labels.data(), p.w(), scale,
                                                       grad.data()));
        auto loss = [&] {
            float l = 0.0f;
            EXPECT_OK(anvil_softmax_cross_entropy_forward(ctxs.two, &p.desc, p.logits.data(), p.labels.data(), p.w(), &l));
            return static_cast<double>(scale) * l;
        };
        EXPECT(test::all_close(grad, test::numeric_gradient(p.logits, loss), 1e-2, 1e-4, "cross-entropy gradient"));
    }
}

void test_softmax(const Contexts& ctxs) {
    Rng rng(3);
    for (auto [rows, cols, spread] : std::vector<std::tuple<int64_t, int64_t, float>>{
             {1, 1, 1.0f}, {3, 7, 2.0f}, {300, 17, 1000.0f}, {5000, 10, 4.0f}}) {
        std::vector<float> x = rng.vector(rows * cols, -spread, spread), dy = rng.vector(rows * cols);
        for (int32_t log : {0, 1}) {
            std::vector<double> y_ref(x.size()), dx_ref(x.size());
            for (int64_t r = 0; r < rows; ++r) {
                const float* row = x.data() + r * cols;
                std::vector<double> s = softmax_row(row, cols);
                // log(s) would lose the far tail to underflow: (x - max) - log(sum exp(x - max))
                const double m = *std::max_element(row, row + cols);
                double sum = 0.0;
                for (int64_t k = 0; k < cols; ++k) sum += std::exp(row[k] - m);
                double dot = 0.0;
                for (int64_t k = 0; k < cols; ++k) dot += log ? dy[r * cols + k] : dy[r * cols + k] * s[k];
                for (int64_t k = 0; k < cols; ++k) {
                    const int64_t i = r * cols + k;
                    y_ref[i] = log ? (row[k] - m) - std::log(sum) : s[k];
                    dx_ref[i] = log ? dy[i] - s[k] * dot : s[k] * (dy[i] - dot);
                }
            }
            std::vector<float> first;
            for (anvil_context* ctx : {ctxs.one, ctxs.two}) {
                std::vector<float> y(x.size()), dx(x.size());
                EXPECT_OK(anvil_softmax_forward(ctx, rows, cols, log, x.data(), y.data()));
                // log-softmax of spread 1000 reaches -2000: its float spacing there is about 1e-4
                EXPECT(test::all_close(y, y_ref, 1e-5, log ? 1e-5 : 1e-7, log ? "log_softmax y" : "softmax y"));
                EXPECT_OK(anvil_softmax_backward(ctx, rows, cols, log, y.data(), dy.data(), dx.data()));
                EXPECT(test::all_close(dx, dx_ref, 1e-4, 1e-6, log ? "log_softmax dx" : "softmax dx"));
                std::vector<float> inplace = x, grad = dy;  // y over x, dx over dy
                EXPECT_OK(anvil_softmax_forward(ctx, rows, cols, log, inplace.data(), inplace.data()));
                EXPECT(inplace == y);
                EXPECT_OK(anvil_softmax_backward(ctx, rows, cols, log, y.data(), grad.data(), grad.data()));
                EXPECT(grad == dx);
                if (first.empty()) first = dx;
                else EXPECT(dx == first);
            }
        }
    }
    // Finite differences of sum(y * r) through the forward pass.
    for (int32_t log : {0, 1}) {
        std::vector<float> x = rng.vector(4 * 6, -2.0f, 2.0f), r = rng.vector(4 * 6), y(24), dx(24);
        EXPECT_OK(anvil_softmax_forward(ctxs.two, 4, 6, log, x.data(), y.data()));
        EXPECT_OK(anvil_softmax_backward(ctxs.two, 4, 6, log, y.data(), r.data(), dx.data()));
        auto loss = [&] {
            std::vector<float> out(24);
            EXPECT_OK(anvil_softmax_forward(ctxs.two, 4, 6, log, x.data(), out.data()));
            return test::weighted_sum(out, r);
        };
        EXPECT(test::all_close(dx, test::numeric_gradient(x, loss), 1e-2, 1e-3, "softmax gradient"));
    }
    std::vector<float> a(12), b(12);
    EXPECT_ERROR(anvil_softmax_forward(ctxs.one, 3, 4, 2, a.data(), b.data()), ANVIL_ERR_INVALID_ARGUMENT, "log must be 0 or 1");
    EXPECT_ERROR(anvil_softmax_forward(ctxs.one, 3, 4, 0, a.data(), a.data() + 1), ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    EXPECT_ERROR(anvil_softmax_backward(ctxs.one, 3, 4, 0, a.data(), b.data(), a.data()), ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    EXPECT_ERROR(anvil_softmax_forward(ctxs.one, 0, 4, 0, a.data(), b.data()), ANVIL_ERR_INVALID_ARGUMENT, "rows");
}

// PyTorch's definitions of the element-wise losses (torch.nn.MSELoss ... BCEWithLogitsLoss), in double.
double pointwise_reference(int32_t kind, double p, double x, double t) {
    const double d = x - t;
    switch (kind) {
        case ANVIL_LOSS_MSE: return d * d;
        case ANVIL_LOSS_L1: return std::fabs(d);
        case ANVIL_LOSS_SMOOTH_L1: return std::fabs(d) < p ? 0.5 * d * d / p : std::fabs(d) - 0.5 * p;
        case ANVIL_LOSS_HUBER: return std::fabs(d) < p ? 0.5 * d * d : p * (std::fabs(d) - 0.5 * p);
        default: {
            const double s = 1.0 / (1.0 + std::exp(-x));  // only for moderate x in this reference
            return -(t * std::log(s) + (1.0 - t) * std::log(1.0 - s));
        }
    }
}

void test_pointwise_losses(const Contexts& ctxs) {
    Rng rng(4);
    for (int32_t kind = ANVIL_LOSS_MSE; kind <= ANVIL_LOSS_BCE_WITH_LOGITS; ++kind) {
        const bool bce = kind == ANVIL_LOSS_BCE_WITH_LOGITS;
        const float param = kind == ANVIL_LOSS_SMOOTH_L1 ? 0.5f : kind == ANVIL_LOSS_HUBER ? 1.5f : 0.0f;
        for (int64_t n : {1, 7, 1000, 100003}) {
            std::vector<float> x = rng.vector(n, -3.0f, 3.0f), t = rng.vector(n, bce ? 0.0f : -3.0f, bce ? 1.0f : 3.0f);
            double ref = 0.0;
            for (int64_t i = 0; i < n; ++i) ref += pointwise_reference(kind, param, x[i], t[i]);
            ref /= n;
            float first = 0.0f;
            std::vector<float> first_dx;
            for (anvil_context* ctx : {ctxs.one, ctxs.two}) {
                float loss = -1.0f;
                std::vector<float> dx(n);
                EXPECT_OK(anvil_loss_forward(ctx, kind, param, n, x.data(), t.data(), &loss));
                EXPECT(test::close(loss, ref, 1e-5, 1e-7));
                EXPECT_OK(anvil_loss_backward(ctx, kind, param, n, x.data(), t.data(), 2.0f, dx.data()));
                if (ctx == ctxs.one) {
                    first = loss;
                    first_dx = dx;
                } else {
                    EXPECT(loss == first && dx == first_dx);
                }
            }
            if (n == 7) {  // finite differences of 2 * loss; no point sits at L1's kink
                auto loss = [&] {
                    float l = 0.0f;
                    EXPECT_OK(anvil_loss_forward(ctxs.one, kind, param, n, x.data(), t.data(), &l));
                    return 2.0 * l;
                };
                EXPECT(test::all_close(first_dx, test::numeric_gradient(x, loss, 1e-3f), 1e-2, 1e-4, "loss gradient"));
            }
        }
    }
    // BCE with logits stays finite where sigmoid saturates: log(1 + e^-100) + 0 for x = 100, t = 1.
    std::vector<float> x = {100.0f, -100.0f, 100.0f}, t = {1.0f, 0.0f, 0.0f};
    float loss = 0.0f;
    EXPECT_OK(anvil_loss_forward(ctxs.one, ANVIL_LOSS_BCE_WITH_LOGITS, 0.0f, 3, x.data(), t.data(), &loss));
    EXPECT(test::close(loss, 100.0 / 3, 1e-6, 0));
    std::vector<float> dx(3);
    EXPECT_OK(anvil_loss_backward(ctxs.one, ANVIL_LOSS_BCE_WITH_LOGITS, 0.0f, 3, x.data(), t.data(), 3.0f, dx.data()));
    EXPECT(dx[0] == 0.0f && dx[1] == 0.0f && dx[2] == 1.0f);
    EXPECT_ERROR(anvil_loss_forward(ctxs.one, 5, 0.0f, 3, x.data(), t.data(), &loss), ANVIL_ERR_INVALID_ARGUMENT, "anvil_loss");
    EXPECT_ERROR(anvil_loss_forward(ctxs.one, ANVIL_LOSS_HUBER, 0.0f, 3, x.data(), t.data(), &loss), ANVIL_ERR_INVALID_ARGUMENT,
                 "delta must be finite and > 0");
    EXPECT_ERROR(anvil_loss_forward(ctxs.one, ANVIL_LOSS_SMOOTH_L1, NAN, 3, x.data(), t.data(), &loss), ANVIL_ERR_INVALID_ARGUMENT,
                 "beta");
    EXPECT_ERROR(anvil_loss_backward(ctxs.one, ANVIL_LOSS_MSE, 0.0f, 3, x.data(), t.data(), 1.0f, x.data()),
                 ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    EXPECT_ERROR(anvil_loss_backward(ctxs.one, ANVIL_LOSS_MSE, 0.0f, 3, x.data(), t.data(), INFINITY, dx.data()),
                 ANVIL_ERR_INVALID_ARGUMENT, "scale");
}

}  // namespace

int main() {
    {
        Contexts ctxs;
        test_against_reference(ctxs);
        test_options(ctxs);
        test_bad_labels(ctxs);
        test_argmax_ties_and_nan(ctxs);
        test_gradient(ctxs);
        test_softmax(ctxs);
        test_pointwise_losses(ctxs);
    }
    return test::finish();
}
