// SGD and Adam/AdamW over several steps against double-precision transcriptions of
// torch.optim.SGD, Adam and AdamW, and bit-identical results for 1 and 2 threads.
#include <cmath>
#include <vector>

#include "test_support.h"

using test::Contexts;
using test::Rng;

namespace {

const int kSteps = 6;
// The last two split across threads; on 99999 a split at the middle (49999) put 15 elements that
// one thread updates in its vector loop into the first thread's scalar tail, which rounds Adam's
// update differently: 2 threads gave other results than 1.
const int64_t kSizes[] = {1, 37, 99999, 100003};

// torch.optim.SGD, one tensor, in double.
struct SgdReference {
    anvil_sgd_desc d;
    std::vector<double> p, buf;
    void step(int t, const std::vector<float>& grad) {
        for (size_t i = 0; i < p.size(); ++i) {
            double g = grad[i] + static_cast<double>(d.weight_decay) * p[i];
            if (d.momentum != 0.0f) {
                buf[i] = t == 1 ? g : d.momentum * buf[i] + (1.0 - d.dampening) * g;
                g = d.nesterov ? g + d.momentum * buf[i] : buf[i];
            }
            p[i] -= d.lr * g;
        }
    }
};

// torch.optim.Adam (decoupled == 0) and AdamW (decoupled == 1), one tensor, in double.
struct AdamReference {
    anvil_adam_desc d;
    std::vector<double> p, m, v;
    void step(int t, const std::vector<float>& grad) {
        const double bc1 = 1.0 - std::pow(static_cast<double>(d.beta1), t);
        const double bc2 = 1.0 - std::pow(static_cast<double>(d.beta2), t);
        for (size_t i = 0; i < p.size(); ++i) {
            double g = grad[i];
            if (d.decoupled) {
                p[i] *= 1.0 - static_cast<double>(d.lr) * d.weight_decay;
            } else {
                g += d.weight_decay * p[i];
            }
            m[i] = d.beta1 * m[i] + (1.0 - d.beta1) * g;
            v[i] = d.beta2 * v[i] + (1.0 - d.beta2) * g * g;
            double denom = std::sqrt(v[i]) / std::sqrt(bc2) + d.eps;
            p[i] -= d.lr / bc1 * m[i] / denom;
        }
    }
};

anvil_sgd_desc sgd(float lr, float momentum, float dampening, float weight_decay, int32_t nesterov) {
    anvil_sgd_desc d{};
    d.lr = lr;
    d.momentum = momentum;
    d.dampening = dampening;
    d.weight_decay = weight_decay;
    d.nesterov = nesterov;
    return d;
}

anvil_adam_desc adam(float lr, float weight_decay, int32_t decoupled) {
    anvil_adam_desc d{};
    d.lr = lr;
    d.beta1 = 0.9f;
    d.beta2 = 0.999f;
    d.eps = 1e-8f;
    d.weight_decay = weight_decay;
    d.decoupled = decoupled;
    return d;
}

void test_sgd(const Contexts& ctxs) {
    for (const anvil_sgd_desc& d : {sgd(0.1f, 0.0f, 0.0f, 0.0f, 0), sgd(0.05f, 0.0f, 0.0f, 0.01f, 0),
                                    sgd(0.1f, 0.9f, 0.0f, 0.0f, 0), sgd(0.1f, 0.9f, 0.3f, 0.001f, 0),
                                    sgd(0.02f, 0.9f, 0.0f, 0.0f, 1), sgd(0.02f, 0.8f, 0.0f, 0.05f, 1)}) {
        for (int64_t n : kSizes) {
            Rng rng(static_cast<uint64_t>(n));
            std::vector<float> init = rng.vector(n);
            SgdReference ref{d, std::vector<double>(init.begin(), init.end()), std::vector<double>(n)};
            std::vector<float> p1, p2;
            for (anvil_context* ctx : {ctxs.one, ctxs.two}) {
                Rng grads(5);
                std::vector<float> p = init;
                // Velocity starts as garbage: step 1 must overwrite it without reading it.
                std::vector<float> velocity(n, NAN);
                float* vel = d.momentum != 0.0f ? velocity.data() : nullptr;
                for (int t = 1; t <= kSteps; ++t) {
                    std::vector<float> g = grads.vector(n);
                    EXPECT_OK(anvil_sgd_step(ctx, &d, t, n, p.data(), g.data(), vel));
                    if (ctx == ctxs.one) ref.step(t, g);
                }
                EXPECT(test::all_close(p, ref.p, 1e-5, 1e-6, "sgd param"));
                if (d.momentum != 0.0f) EXPECT(test::all_close(velocity, ref.buf, 1e-5, 1e-6, "sgd velocity"));
                (ctx == ctxs.one ? p1 : p2) = p;
            }
            EXPECT(p1 == p2);
        }
    }
}

void test_adam(const Contexts& ctxs) {
    for (const anvil_adam_desc& d : {adam(1e-3f, 0.0f, 0), adam(1e-2f, 0.1f, 0), adam(1e-2f, 0.1f, 1),
                                     adam(3e-4f, 0.01f, 1)}) {
        for (int64_t n : kSizes) {
            Rng rng(static_cast<uint64_t>(n) + 1);
            std::vector<float> init = rng.vector(n);
            AdamReference ref{d, std::vector<double>(init.begin(), init.end()), std::vector<double>(n),
                              std::vector<double>(n)};
            std::vector<float> p1, p2;
            for (anvil_context* ctx : {ctxs.one, ctxs.two}) {
                Rng grads(6);
                std::vector<float> p = init, m(n, 0.0f), v(n, 0.0f);
                for (int t = 1; t <= kSteps; ++t) {
                    std::vector<float> g = grads.vector(n);
                    EXPECT_OK(anvil_adam_step(ctx, &d, t, n, p.data(), g.data(), m.data(), v.data()));
                    if (ctx == ctxs.one) ref.step(t, g);
                }
                // Each step moves a parameter by about lr, so compare the displacement tightly.
                EXPECT(test::all_close(p, ref.p, 1e-5, 1e-6, "adam param"));
                EXPECT(test::all_close(m, ref.m, 1e-4, 1e-6, "adam m"));
                EXPECT(test::all_close(v, ref.v, 1e-4, 1e-8, "adam v"));
                (ctx == ctxs.one ? p1 : p2) = p;
            }
            EXPECT(p1 == p2);
        }
    }
}

// Known values: the first Adam step moves every parameter by lr * g / (|g| + eps), i.e. by lr
// against the sign of its gradient; AdamW first scales the parameter by 1 - lr * wd.
void test_adam_first_step(const Contexts& ctxs) {
    anvil_adam_desc d = adam(0.1f, 0.5f, 1);
    std::vector<float> p = {1.0f, -2.0f}, g = {0.3f, -4.0f}, m(2, 0.0f), v(2, 0.0f);
    EXPECT_OK(anvil_adam_step(ctxs.one, &d, 1, 2, p.data(), g.data(), m.data(), v.data()));
    EXPECT(test::close(p[0], 1.0 * 0.95 - 0.1, 1e-6, 1e-7));
    EXPECT(test::close(p[1], -2.0 * 0.95 + 0.1, 1e-6, 1e-7));
}

}  // namespace

int main() {
    {
        Contexts ctxs;
        test_sgd(ctxs);
        test_adam(ctxs);
        test_adam_first_step(ctxs);
    }
    return test::finish();
}
