// Softmax cross-entropy and argmax against double-precision references: values, stability with
// large logits, bit-identical results for 1 and 2 threads, label errors, finite differences.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "test_support.h"

using test::Contexts;
using test::Rng;

namespace {

struct Problem {
    int64_t batch, classes;
    std::vector<float> logits;
    std::vector<int32_t> labels;
};

Problem make_problem(Rng& rng, int64_t batch, int64_t classes, float spread) {
    Problem p{batch, classes, rng.vector(batch * classes, -spread, spread), std::vector<int32_t>(batch)};
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

double loss_reference(const Problem& p) {
    double total = 0.0;
    for (int64_t b = 0; b < p.batch; ++b) {
        const float* row = p.logits.data() + b * p.classes;
        double m = row[0];
        for (int64_t k = 1; k < p.classes; ++k) m = std::max(m, static_cast<double>(row[k]));
        double sum = 0.0;
        for (int64_t k = 0; k < p.classes; ++k) sum += std::exp(row[k] - m);
        total += std::log(sum) + m - row[p.labels[b]];
    }
    return total / p.batch;
}

std::vector<double> grad_reference(const Problem& p, double scale) {
    std::vector<double> g(p.batch * p.classes);
    for (int64_t b = 0; b < p.batch; ++b) {
        std::vector<double> s = softmax_row(p.logits.data() + b * p.classes, p.classes);
        s[p.labels[b]] -= 1.0;
        for (int64_t k = 0; k < p.classes; ++k) g[b * p.classes + k] = scale * s[k] / p.batch;
    }
    return g;
}

std::vector<int32_t> argmax_reference(const Problem& p) {
    std::vector<int32_t> out(p.batch);
    for (int64_t b = 0; b < p.batch; ++b) {
        const float* row = p.logits.data() + b * p.classes;
        int64_t best = 0;
        for (int64_t k = 1; k < p.classes; ++k) {
            if (row[k] > row[best]) best = k;
        }
        out[b] = static_cast<int32_t>(best);
    }
    return out;
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
        const double loss_ref = loss_reference(p);
        const std::vector<double> grad_ref = grad_reference(p, 1.5);
        const std::vector<int32_t> argmax_ref = argmax_reference(p);
        float loss1 = 0.0f;
        std::vector<float> grad1;
        for (anvil_context* ctx : {ctxs.one, ctxs.two}) {
            float loss = -1.0f;
            std::vector<float> grad(p.logits.size());
            std::vector<int32_t> pred(p.batch, -1);
            EXPECT_OK(anvil_softmax_cross_entropy_forward(ctx, p.batch, p.classes, p.logits.data(), p.labels.data(),
                                                          &loss));
            EXPECT(test::close(loss, loss_ref, 1e-5, 1e-6));
            EXPECT_OK(anvil_softmax_cross_entropy_backward(ctx, p.batch, p.classes, p.logits.data(), p.labels.data(),
                                                           1.5f, grad.data()));
            EXPECT(test::all_close(grad, grad_ref, 1e-5, 1e-7, "cross-entropy dlogits"));
            EXPECT_OK(anvil_argmax(ctx, p.batch, p.classes, p.logits.data(), pred.data()));
            EXPECT(pred == argmax_ref);
            // In place: dlogits over logits.
            std::vector<float> inplace = p.logits;
            EXPECT_OK(anvil_softmax_cross_entropy_backward(ctx, p.batch, p.classes, inplace.data(), p.labels.data(),
                                                           1.5f, inplace.data()));
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
}

void test_bad_labels(const Contexts& ctxs) {
    std::vector<float> logits(5 * 4, 0.0f), grad(20);
    float loss = 0.0f;
    for (int32_t bad : {-1, 4, 1000}) {
        std::vector<int32_t> labels = {0, 1, 2, bad, 3};
        EXPECT(anvil_softmax_cross_entropy_forward(ctxs.two, 5, 4, logits.data(), labels.data(), &loss) ==
               ANVIL_ERR_INVALID_ARGUMENT);
        std::string message = anvil_last_error();
        EXPECT(message.find("sample 3") != std::string::npos);
        EXPECT(message.find("label " + std::to_string(bad)) != std::string::npos);
        EXPECT(message.find("4)") != std::string::npos);  // the class count
        EXPECT(anvil_softmax_cross_entropy_backward(ctxs.two, 5, 4, logits.data(), labels.data(), 1.0f,
                                                    grad.data()) == ANVIL_ERR_INVALID_ARGUMENT);
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

// d(scale * loss)/dlogits by central differences in double of the float forward pass.
void test_gradient(const Contexts& ctxs) {
    Rng rng(2);
    for (float scale : {1.0f, 2.5f}) {
        Problem p = make_problem(rng, 3, 5, 2.0f);
        std::vector<float> grad(p.logits.size());
        EXPECT_OK(anvil_softmax_cross_entropy_backward(ctxs.two, p.batch, p.classes, p.logits.data(),
                                                       p.labels.data(), scale, grad.data()));
        auto loss = [&] {
            float l = 0.0f;
            EXPECT_OK(anvil_softmax_cross_entropy_forward(ctxs.two, p.batch, p.classes, p.logits.data(),
                                                          p.labels.data(), &l));
            return static_cast<double>(scale) * l;
        };
        EXPECT(test::all_close(grad, test::numeric_gradient(p.logits, loss), 1e-2, 1e-4, "cross-entropy gradient"));
    }
}

}  // namespace

int main() {
    {
        Contexts ctxs;
        test_against_reference(ctxs);
        test_bad_labels(ctxs);
        test_argmax_ties_and_nan(ctxs);
        test_gradient(ctxs);
    }
    return test::finish();
}
