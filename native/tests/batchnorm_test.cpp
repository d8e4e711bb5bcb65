// Batch normalisation against a double-precision transcription of PyTorch's definition: outputs,
// running statistics (unbiased variance), evaluation mode, the fused ReLU and its mask, the fused residual
// addition + ReLU of a ResNet block's end, gradients against the reference and against finite
// differences, bit-identical results for 1 and 2 threads, the
// element-wise kernels around them (add and copy_rows for residual blocks and concatenation, clamp
// and the sum of squares for gradient clipping), and the arguments they refuse.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "test_support.h"

using test::Contexts;
using test::Rng;

namespace {

struct Case {
    int64_t batch, channels, spatial;
    bool training, relu, affine;
};

struct Buffers {
    std::vector<float> x, gamma, beta, running_mean, running_var, save_mean, save_invstd, y;
    std::vector<uint16_t> mask;  // the fused ReLU's
    // The mask, with the ReLU only.
    uint16_t* relu_mask(const Case& k) { return k.relu ? mask.data() : nullptr; }
};

anvil_batchnorm_desc desc(const Case& k) {
    return {k.batch, k.channels, k.spatial, 1e-5f, 0.1f, k.training ? 1 : 0, k.relu ? 1 : 0};
}

// 16-bit words of the fused ReLU's mask, as the library counts them.
size_t mask_words(const Case& k) {
    anvil_batchnorm_desc d = desc(k);
    d.training = 0;  // also for the cases made to be refused in training
    int64_t bytes = -1;
    EXPECT_OK(anvil_batchnorm_relu_mask_bytes(&d, &bytes));
    return static_cast<size_t>(bytes / 2);
}

Buffers make(const Case& k, Rng& rng) {
    const int64_t n = k.batch * k.channels * k.spatial;
    Buffers b{rng.vector(n, -2.0f, 3.0f), rng.vector(k.channels, 0.5f, 1.5f), rng.vector(k.channels, -0.5f, 0.5f),
              rng.vector(k.channels, -0.2f, 0.2f), rng.vector(k.channels, 0.5f, 2.0f), std::vector<float>(k.channels),
              std::vector<float>(k.channels), std::vector<float>(n), std::vector<uint16_t>(mask_words(k), 0xAAAA)};
    return b;
}

anvil_status forward(anvil_context* ctx, const Case& k, Buffers& b) {
    const anvil_batchnorm_desc d = desc(k);
    return anvil_batchnorm_forward(ctx, &d, b.x.data(), k.affine ? b.gamma.data() : nullptr, k.affine ? b.beta.data() : nullptr,
                                   b.running_mean.data(), b.running_var.data(), b.save_mean.data(), b.save_invstd.data(),
                                   b.y.data(), b.relu_mask(k));
}

// The mask against y: bit s % 16 of word (c * batch + n) * ceil(spatial / 16) + s / 16 is set
// where y > 0 or NaN, and the bits past a run's end are clear.
bool mask_matches(const Case& k, const std::vector<float>& y, const std::vector<uint16_t>& mask) {
    const int64_t words = (k.spatial + 15) / 16;
    if (mask.size() != static_cast<size_t>(k.batch * k.channels * words)) return false;
    for (int64_t n = 0; n < k.batch; ++n) {
        for (int64_t c = 0; c < k.channels; ++c) {
            for (int64_t s = 0; s < words * 16; ++s) {
                const bool bit = (mask[(c * k.batch + n) * words + s / 16] >> (s % 16) & 1u) != 0;
                const bool want = s < k.spatial && !(y[(n * k.channels + c) * k.spatial + s] <= 0.0f);
                if (bit != want) return false;
            }
        }
    }
    return true;
}

// y, and the running statistics after the update, in double.
struct Reference {
    std::vector<double> y, running_mean, running_var;
};

Reference reference(const Case& k, const Buffers& before) {
    const int64_t m = k.batch * k.spatial;
    Reference r{std::vector<double>(before.x.size()), {}, {}};
    for (int64_t c = 0; c < k.channels; ++c) {
        double mean = 0.0, var = 0.0;
        auto at = [&](int64_t e) { return (e / k.spatial) * k.channels * k.spatial + c * k.spatial + e % k.spatial; };
        for (int64_t e = 0; e < m; ++e) mean += before.x[at(e)];
        mean /= static_cast<double>(m);
        for (int64_t e = 0; e < m; ++e) var += (before.x[at(e)] - mean) * (before.x[at(e)] - mean);
        var /= static_cast<double>(m);
        double rm = before.running_mean[c], rv = before.running_var[c];
        if (k.training) {
            rm = 0.9 * rm + 0.1 * mean;
            rv = 0.9 * rv + 0.1 * var * m / (m - 1.0);
        } else {
            mean = before.running_mean[c];
            var = before.running_var[c];
        }
        r.running_mean.push_back(rm);
        r.running_var.push_back(rv);
        const double g = k.affine ? before.gamma[c] : 1.0, bt = k.affine ? before.beta[c] : 0.0;
        for (int64_t e = 0; e < m; ++e) {
            double v = g * (before.x[at(e)] - mean) / std::sqrt(var + 1e-5) + bt;
            r.y[at(e)] = k.relu ? std::max(v, 0.0) : v;
        }
    }
    return r;
}

void test_forward(const Contexts& ctxs) {
    Rng rng(11);
    // Runs of 16 floats and more take the vector passes where the CPU has AVX-512: whole vectors,
    // and a masked tail.
    for (const Case& k : {Case{4, 3, 5, true, false, true}, Case{2, 5, 1, true, false, true}, Case{3, 2, 9, true, true, true},
                          Case{2, 3, 4, false, false, true}, Case{2, 3, 4, false, true, false}, Case{5, 2, 3, true, false, false},
                          Case{3, 3, 37, true, true, true}, Case{2, 2, 32, false, true, true}, Case{4, 3, 20, true, false, false}}) {
        Buffers b = make(k, rng);
        const Buffers before = b;
        EXPECT_OK(forward(ctxs.two, k, b));
        const Reference r = reference(k, before);
        EXPECT(test::all_close(b.y, r.y, 1e-5, 1e-5, "batchnorm y"));
        if (k.relu) EXPECT(mask_matches(k, b.y, b.mask));
        EXPECT(test::all_close(b.running_mean, r.running_mean, 1e-6, 1e-6, "running_mean"));
        EXPECT(test::all_close(b.running_var, r.running_var, 1e-6, 1e-6, "running_var"));
        Buffers one = before;
        EXPECT_OK(forward(ctxs.one, k, one));
        EXPECT(one.y == b.y && one.running_var == b.running_var && one.mask == b.mask);  // the same bits for any thread count
    }
    // A NaN passes the fused ReLU, as in PyTorch, and so does its gradient: its bit is set.
    const Case k{2, 2, 20, false, true, true};
    Buffers b = make(k, rng);
    b.x[3] = std::nanf("");
    EXPECT_OK(forward(ctxs.two, k, b));
    EXPECT(std::isnan(b.y[3]) && (b.mask[0] >> 3 & 1u) != 0 && mask_matches(k, b.y, b.mask));
}

// d/dx, dgamma, dbeta of L = sum(y * r) against finite differences of the forward pass (the batch
// statistics depend on x too, which the check includes).
void test_gradients(const Contexts& ctxs) {
    Rng rng(12);
    for (const Case& k : {Case{3, 2, 4, true, false, true}, Case{4, 3, 1, true, true, true}, Case{2, 2, 5, false, false, true},
                          Case{3, 2, 3, true, false, false}, Case{2, 2, 19, true, true, true}}) {
        Buffers b = make(k, rng);
        // Away from the fused ReLU's kink: no output within the finite-difference step of 0.
        const std::vector<float> r = rng.vector(b.y.size(), -1.0f, 1.0f);
        const Buffers start = b;
        EXPECT_OK(forward(ctxs.two, k, b));
        const anvil_batchnorm_desc d = desc(k);
        std::vector<float> dx(b.x.size()), dgamma(k.channels), dbeta(k.channels);
        EXPECT_OK(anvil_batchnorm_backward(ctxs.two, &d, b.x.data(), b.relu_mask(k), r.data(), k.affine ? b.gamma.data() : nullptr,
                                           b.save_mean.data(), b.save_invstd.data(), dx.data(),
                                           k.affine ? dgamma.data() : nullptr, k.affine ? dbeta.data() : nullptr, 0));
        Buffers probe = start;
        auto loss = [&] {
            Buffers t = probe;
            t.running_mean = start.running_mean;
            t.running_var = start.running_var;
            EXPECT_OK(forward(ctxs.one, k, t));
            return test::weighted_sum(t.y, r);
        };
        EXPECT(test::all_close(dx, test::numeric_gradient(probe.x, loss, 1e-3f), 2e-2, 2e-3, "batchnorm dx"));
        if (k.affine) {
            EXPECT(test::all_close(dgamma, test::numeric_gradient(probe.gamma, loss, 1e-3f), 2e-2, 2e-3, "batchnorm dgamma"));
            EXPECT(test::all_close(dbeta, test::numeric_gradient(probe.beta, loss, 1e-3f), 2e-2, 2e-3, "batchnorm dbeta"));
            // accumulate adds to what is there.
            std::vector<float> dgamma2 = dgamma, dbeta2 = dbeta;
            EXPECT_OK(anvil_batchnorm_backward(ctxs.one, &d, b.x.data(), b.relu_mask(k), r.data(), b.gamma.data(), b.save_mean.data(),
                                               b.save_invstd.data(), dx.data(), dgamma2.data(), dbeta2.data(), 1));
            for (int64_t c = 0; c < k.channels; ++c) EXPECT(test::close(dgamma2[c], 2.0 * dgamma[c], 1e-5, 1e-6));
        }
    }
}

// dx, dgamma and dbeta against the closed form in double (training: g - mean(g) - xhat mean(g xhat),
// scaled by gamma invstd; evaluation: g gamma invstd), g being dy through the fused ReLU's mask.
void test_backward_reference(const Contexts& ctxs) {
    Rng rng(14);
    for (const Case& k : {Case{3, 2, 7, true, true, true}, Case{2, 3, 48, true, true, true}, Case{3, 2, 53, true, false, true},
                          Case{2, 2, 40, false, true, true}, Case{2, 2, 17, true, false, false}}) {
        Buffers b = make(k, rng);
        const Buffers start = b;
        EXPECT_OK(forward(ctxs.two, k, b));
        const std::vector<float> dy = rng.vector(b.y.size(), -1.0f, 1.0f);
        const anvil_batchnorm_desc d = desc(k);
        std::vector<float> dx(b.x.size()), dgamma(k.channels), dbeta(k.channels);
        EXPECT_OK(anvil_batchnorm_backward(ctxs.two, &d, b.x.data(), b.relu_mask(k), dy.data(), k.affine ? b.gamma.data() : nullptr,
                                           b.save_mean.data(), b.save_invstd.data(), dx.data(),
                                           k.affine ? dgamma.data() : nullptr, k.affine ? dbeta.data() : nullptr, 0));
        const int64_t m = k.batch * k.spatial;
        std::vector<double> want(dx.size()), want_dgamma(k.channels), want_dbeta(k.channels);
        for (int64_t c = 0; c < k.channels; ++c) {
            auto at = [&](int64_t e) { return (e / k.spatial) * k.channels * k.spatial + c * k.spatial + e % k.spatial; };
            double mean = 0.0, var = 0.0;
            for (int64_t e = 0; e < m; ++e) mean += start.x[at(e)];
            mean /= static_cast<double>(m);
            for (int64_t e = 0; e < m; ++e) var += (start.x[at(e)] - mean) * (start.x[at(e)] - mean);
            var /= static_cast<double>(m);
            if (!k.training) {
                mean = start.running_mean[c];
                var = start.running_var[c];
            }
            const double invstd = 1.0 / std::sqrt(var + 1e-5), gamma = k.affine ? start.gamma[c] : 1.0;
            double sum_g = 0.0, sum_gxhat = 0.0;
            for (int64_t e = 0; e < m; ++e) {
                const double g = k.relu && b.y[at(e)] <= 0.0f ? 0.0 : dy[at(e)];
                sum_g += g;
                sum_gxhat += g * (start.x[at(e)] - mean) * invstd;
            }
            want_dgamma[c] = sum_gxhat;
            want_dbeta[c] = sum_g;
            for (int64_t e = 0; e < m; ++e) {
                const double g = k.relu && b.y[at(e)] <= 0.0f ? 0.0 : dy[at(e)];
                const double xhat = (start.x[at(e)] - mean) * invstd;
                want[at(e)] = gamma * invstd * (k.training ? g - sum_g / m - xhat * sum_gxhat / m : g);
            }
        }
        EXPECT(test::all_close(dx, want, 1e-4, 1e-5, "batchnorm dx (closed form)"));
        if (k.affine) {
            EXPECT(test::all_close(dgamma, want_dgamma, 1e-4, 1e-5, "batchnorm dgamma (closed form)"));
            EXPECT(test::all_close(dbeta, want_dbeta, 1e-4, 1e-5, "batchnorm dbeta (closed form)"));
        }
        std::vector<float> dx_one(dx.size()), dgamma_one(k.channels), dbeta_one(k.channels);
        EXPECT_OK(anvil_batchnorm_backward(ctxs.one, &d, b.x.data(), b.relu_mask(k), dy.data(), k.affine ? b.gamma.data() : nullptr,
                                           b.save_mean.data(), b.save_invstd.data(), dx_one.data(),
                                           k.affine ? dgamma_one.data() : nullptr, k.affine ? dbeta_one.data() : nullptr, 0));
        EXPECT(dx_one == dx && dgamma_one == dgamma && dbeta_one == dbeta);  // the same bits for any thread count
    }
}

// y = max(batchnorm(x) + residual, 0) against the reference plus the residual, and its backward: dx
// as the plain backward with the ReLU's mask of this y, dresidual = dy through that mask, and every
// gradient (x, residual, gamma, beta) against finite differences.
void test_add_relu(const Contexts& ctxs) {
    Rng rng(15);
    for (const Case& k : {Case{3, 2, 9, true, true, true}, Case{2, 3, 37, true, true, true}, Case{2, 2, 32, false, true, true},
                          Case{4, 3, 20, true, true, false}}) {
        Buffers b = make(k, rng);
        const std::vector<float> residual = rng.vector(b.x.size(), -1.0f, 1.0f), w = rng.vector(b.x.size(), -1.0f, 1.0f);
        const Buffers start = b;
        const anvil_batchnorm_desc d = desc(k);
        auto fused = [&](anvil_context* ctx, Buffers& t, const std::vector<float>& r) {
            return anvil_batchnorm_add_relu_forward(ctx, &d, t.x.data(), r.data(), k.affine ? t.gamma.data() : nullptr,
                                                    k.affine ? t.beta.data() : nullptr, t.running_mean.data(),
                                                    t.running_var.data(), t.save_mean.data(), t.save_invstd.data(),
                                                    t.y.data(), t.mask.data());
        };
        EXPECT_OK(fused(ctxs.two, b, residual));
        Case plain = k;
        plain.relu = false;
        const Reference r = reference(plain, start);
        std::vector<double> want(r.y.size());
        for (size_t i = 0; i < want.size(); ++i) want[i] = std::max(r.y[i] + residual[i], 0.0);
        EXPECT(test::all_close(b.y, want, 1e-5, 1e-5, "batchnorm + residual + relu y"));
        EXPECT(test::all_close(b.running_var, r.running_var, 1e-6, 1e-6, "running_var of the fused pass"));
        Buffers one = start;
        EXPECT_OK(fused(ctxs.one, one, residual));
        EXPECT(one.y == b.y && one.mask == b.mask);
        EXPECT(mask_matches(k, b.y, b.mask));

        std::vector<float> dx(b.x.size()), dres(b.x.size()), dgamma(k.channels), dbeta(k.channels);
        std::vector<float> dx_plain(b.x.size()), dgamma_plain(k.channels), dbeta_plain(k.channels);
        float* dg = k.affine ? dgamma.data() : nullptr;
        float* db = k.affine ? dbeta.data() : nullptr;
        const float* gamma = k.affine ? b.gamma.data() : nullptr;
        EXPECT_OK(anvil_batchnorm_add_relu_backward(ctxs.two, &d, b.x.data(), b.mask.data(), w.data(), gamma, b.save_mean.data(),
                                                    b.save_invstd.data(), dx.data(), dres.data(), dg, db, 0));
        EXPECT_OK(anvil_batchnorm_backward(ctxs.two, &d, b.x.data(), b.mask.data(), w.data(), gamma, b.save_mean.data(),
                                           b.save_invstd.data(), dx_plain.data(), k.affine ? dgamma_plain.data() : nullptr,
                                           k.affine ? dbeta_plain.data() : nullptr, 0));
        EXPECT(dx == dx_plain && dgamma == dgamma_plain && dbeta == dbeta_plain);
        bool mask_ok = true;
        for (size_t i = 0; i < dres.size(); ++i) mask_ok = mask_ok && dres[i] == (b.y[i] > 0.0f ? w[i] : 0.0f);
        EXPECT(mask_ok);

        Buffers probe = start;
        std::vector<float> probe_residual = residual;
        auto loss = [&] {
            Buffers t = probe;
            t.running_mean = start.running_mean;
            t.running_var = start.running_var;
            EXPECT_OK(fused(ctxs.one, t, probe_residual));
            return test::weighted_sum(t.y, w);
        };
        EXPECT(test::all_close(dx, test::numeric_gradient(probe.x, loss, 1e-3f), 2e-2, 2e-3, "add + relu dx"));
        EXPECT(test::all_close(dres, test::numeric_gradient(probe_residual, loss, 1e-3f), 2e-2, 2e-3, "add + relu dresidual"));
        if (k.affine) {
            EXPECT(test::all_close(dgamma, test::numeric_gradient(probe.gamma, loss, 1e-3f), 2e-2, 2e-3, "add + relu dgamma"));
            EXPECT(test::all_close(dbeta, test::numeric_gradient(probe.beta, loss, 1e-3f), 2e-2, 2e-3, "add + relu dbeta"));
        }
    }
    // Refused: without the ReLU, without a residual or a residual gradient, and overlapping buffers.
    Case k{2, 2, 3, true, true, true};
    Buffers b = make(k, rng);
    std::vector<float> residual(b.x.size()), dx(b.x.size()), dres(b.x.size());
    anvil_batchnorm_desc d = desc(k);
    d.relu = 0;
    EXPECT_ERROR(anvil_batchnorm_add_relu_forward(ctxs.one, &d, b.x.data(), residual.data(), nullptr, nullptr, nullptr,
                                                  nullptr, b.save_mean.data(), b.save_invstd.data(), b.y.data(), nullptr),
                 ANVIL_ERR_INVALID_ARGUMENT, "relu must be 1, got 0");
    d = desc(k);
    EXPECT_ERROR(anvil_batchnorm_add_relu_forward(ctxs.one, &d, b.x.data(), nullptr, nullptr, nullptr, nullptr, nullptr,
                                                  b.save_mean.data(), b.save_invstd.data(), b.y.data(), b.mask.data()),
                 ANVIL_ERR_INVALID_ARGUMENT, "residual is NULL");
    EXPECT_ERROR(anvil_batchnorm_add_relu_forward(ctxs.one, &d, b.x.data(), b.y.data() + 1, nullptr, nullptr, nullptr,
                                                  nullptr, b.save_mean.data(), b.save_invstd.data(), b.y.data(), b.mask.data()),
                 ANVIL_ERR_INVALID_ARGUMENT, "y and residual overlap");
    EXPECT_ERROR(anvil_batchnorm_add_relu_forward(ctxs.one, &d, b.x.data(), residual.data(), nullptr, nullptr, nullptr,
                                                  nullptr, b.save_mean.data(), b.save_invstd.data(), b.y.data(),
                                                  b.y.data() + 2),
                 ANVIL_ERR_INVALID_ARGUMENT, "y and relu_mask overlap");
    EXPECT_OK(anvil_batchnorm_add_relu_forward(ctxs.one, &d, b.x.data(), residual.data(), nullptr, nullptr, nullptr, nullptr,
                                               b.save_mean.data(), b.save_invstd.data(), b.y.data(), b.mask.data()));
    EXPECT_ERROR(anvil_batchnorm_add_relu_backward(ctxs.one, &d, b.x.data(), b.mask.data(), residual.data(), nullptr,
                                                   b.save_mean.data(), b.save_invstd.data(), dx.data(), nullptr, nullptr,
                                                   nullptr, 0),
                 ANVIL_ERR_INVALID_ARGUMENT, "dresidual is NULL");
    EXPECT_ERROR(anvil_batchnorm_add_relu_backward(ctxs.one, &d, b.x.data(), b.mask.data(), residual.data(), nullptr,
                                                   b.save_mean.data(), b.save_invstd.data(), dx.data(), dx.data(), nullptr,
                                                   nullptr, 0),
                 ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    EXPECT_ERROR(anvil_batchnorm_add_relu_backward(ctxs.one, &d, b.x.data(), b.mask.data(), residual.data(), nullptr,
                                                   b.save_mean.data(), b.save_invstd.data(), dx.data(), residual.data(),
                                                   nullptr, nullptr, 0),
                 ANVIL_ERR_INVALID_ARGUMENT, "overlap");
}

void test_refusals(const Contexts& ctxs) {
    Rng rng(13);
    Case k{1, 2, 1, true, false, true};
    Buffers b = make(k, rng);
    EXPECT_ERROR(forward(ctxs.one, k, b), ANVIL_ERR_INVALID_ARGUMENT, "more than one value per channel");
    k = {2, 2, 3, false, false, true};
    b = make(k, rng);
    anvil_batchnorm_desc d = desc(k);
    EXPECT_ERROR(anvil_batchnorm_forward(ctxs.one, &d, b.x.data(), b.gamma.data(), b.beta.data(), nullptr, nullptr,
                                         b.save_mean.data(), b.save_invstd.data(), b.y.data(), nullptr),
                 ANVIL_ERR_INVALID_ARGUMENT, "evaluation needs running_mean");
    EXPECT_ERROR(anvil_batchnorm_forward(ctxs.one, &d, b.x.data(), b.gamma.data(), nullptr, b.running_mean.data(),
                                         b.running_var.data(), b.save_mean.data(), b.save_invstd.data(), b.y.data(), nullptr),
                 ANVIL_ERR_INVALID_ARGUMENT, "gamma and beta");
    EXPECT_ERROR(anvil_batchnorm_forward(ctxs.one, &d, b.x.data(), b.gamma.data(), b.beta.data(), b.running_mean.data(),
                                         b.running_var.data(), b.save_mean.data(), b.save_invstd.data(), b.x.data(), nullptr),
                 ANVIL_ERR_INVALID_ARGUMENT, "y and x overlap");
    EXPECT_ERROR(anvil_batchnorm_forward(ctxs.one, &d, b.x.data(), b.gamma.data(), b.beta.data(), b.running_mean.data(),
                                         b.running_var.data(), b.gamma.data(), b.save_invstd.data(), b.y.data(), nullptr),
                 ANVIL_ERR_INVALID_ARGUMENT, "save_mean and gamma overlap");
    d.momentum = 1.5f;
    EXPECT_ERROR(anvil_batchnorm_forward(ctxs.one, &d, b.x.data(), nullptr, nullptr, b.running_mean.data(), b.running_var.data(),
                                         b.save_mean.data(), b.save_invstd.data(), b.y.data(), nullptr),
                 ANVIL_ERR_INVALID_ARGUMENT, "momentum");
    d = desc(k);
    EXPECT_ERROR(anvil_batchnorm_forward(ctxs.one, &d, b.x.data(), nullptr, nullptr, b.running_mean.data(), b.running_var.data(),
                                         b.save_mean.data(), b.save_invstd.data(), b.y.data(), b.mask.data()),
                 ANVIL_ERR_INVALID_ARGUMENT, "relu_mask is the fused ReLU's: it must be NULL without relu");
    d.relu = 1;
    std::vector<float> dx(b.x.size());
    EXPECT_ERROR(anvil_batchnorm_backward(ctxs.one, &d, b.x.data(), nullptr, b.y.data(), nullptr, b.save_mean.data(),
                                          b.save_invstd.data(), dx.data(), nullptr, nullptr, 0),
                 ANVIL_ERR_INVALID_ARGUMENT, "relu_mask");
    EXPECT_ERROR(anvil_batchnorm_backward(ctxs.one, &d, b.x.data(), dx.data() + 1, b.y.data(), nullptr, b.save_mean.data(),
                                          b.save_invstd.data(), dx.data(), nullptr, nullptr, 0),
                 ANVIL_ERR_INVALID_ARGUMENT, "dx and relu_mask overlap");
    // Its size: 2 bytes per 16 elements of a run, rounded up per run.
    int64_t bytes = -1;
    const anvil_batchnorm_desc sized{3, 5, 17, 1e-5f, 0.1f, 1, 1, };
    EXPECT_OK(anvil_batchnorm_relu_mask_bytes(&sized, &bytes));
    EXPECT(bytes == 3 * 5 * 2 * 2);
    EXPECT_ERROR(anvil_batchnorm_relu_mask_bytes(&sized, nullptr), ANVIL_ERR_INVALID_ARGUMENT, "out");
    EXPECT_ERROR(anvil_batchnorm_relu_mask_bytes(nullptr, &bytes), ANVIL_ERR_INVALID_ARGUMENT, "descriptor");
    EXPECT_ERROR(anvil_batchnorm_backward(ctxs.one, nullptr, b.x.data(), nullptr, b.y.data(), nullptr, b.save_mean.data(),
                                          b.save_invstd.data(), dx.data(), nullptr, nullptr, 0),
                 ANVIL_ERR_INVALID_ARGUMENT, "descriptor");
}

// clamp (torch.clamp: NaN kept) and the sum of squares in double against a double loop, the same
// bits on one and two threads (sizes below, at and above the two-thread split).
void test_clamp_and_sum_squares(const Contexts& ctxs) {
    Rng rng(15);
    for (int64_t n : {int64_t{1}, int64_t{63}, int64_t{1001}, int64_t{200003}}) {
        std::vector<float> x = rng.vector(n, -3.0f, 3.0f);
        double want = 0.0;
        for (float v : x) want += static_cast<double>(v) * v;
        double one = -1.0, two = -1.0;
        EXPECT_OK(anvil_sum_squares(ctxs.one, n, x.data(), &one));
        EXPECT_OK(anvil_sum_squares(ctxs.two, n, x.data(), &two));
        EXPECT(test::close(one, want, 1e-12, 0.0));
        EXPECT(std::memcmp(&one, &two, sizeof one) == 0);
        x[0] = NAN;
        std::vector<float> y = x;
        EXPECT_OK(anvil_clamp(ctxs.two, n, -0.5f, 1.25f, y.data()));
        EXPECT(std::isnan(y[0]));
        for (int64_t i = 1; i < n; ++i) EXPECT(y[i] == std::min(std::max(x[i], -0.5f), 1.25f));
    }
    double out = -1.0;
    EXPECT_OK(anvil_sum_squares(ctxs.one, 0, nullptr, &out));
    EXPECT(out == 0.0);
    std::vector<float> x(4, 1.0f);
    EXPECT_ERROR(anvil_sum_squares(ctxs.one, 4, x.data(), nullptr), ANVIL_ERR_INVALID_ARGUMENT, "out is NULL");
    EXPECT_ERROR(anvil_sum_squares(ctxs.one, -1, x.data(), &out), ANVIL_ERR_INVALID_ARGUMENT, "n");
    EXPECT_ERROR(anvil_clamp(ctxs.one, 4, 1.0f, 0.0f, x.data()), ANVIL_ERR_INVALID_ARGUMENT, "lo <= hi");
    EXPECT_ERROR(anvil_clamp(ctxs.one, 4, NAN, 0.0f, x.data()), ANVIL_ERR_INVALID_ARGUMENT, "lo <= hi");
    EXPECT_ERROR(anvil_clamp(ctxs.one, 4, 0.0f, 1.0f, nullptr), ANVIL_ERR_INVALID_ARGUMENT, "x");
}

void test_add_and_copy_rows(const Contexts& ctxs) {
    Rng rng(14);
    std::vector<float> a = rng.vector(1001), b = rng.vector(1001), y(1001);
    EXPECT_OK(anvil_add(ctxs.two, 1001, a.data(), b.data(), y.data()));
    for (size_t i = 0; i < y.size(); ++i) EXPECT(y[i] == a[i] + b[i]);
    EXPECT_OK(anvil_add(ctxs.two, 1001, a.data(), b.data(), a.data()));  // in place
    EXPECT(a == y);
    EXPECT_ERROR(anvil_add(ctxs.one, 1000, a.data(), b.data(), a.data() + 1), ANVIL_ERR_INVALID_ARGUMENT, "a and y overlap");
    // copy_rows: a 3x4 block from rows of 6 into rows of 9 at column 2, as a channel concatenation does.
    std::vector<float> src(3 * 6), dst(3 * 9, -1.0f);
    for (size_t k = 0; k < src.size(); ++k) src[k] = static_cast<float>(k);
    EXPECT_OK(anvil_copy_rows(ctxs.two, 3, 4, src.data() + 1, 6, dst.data() + 2, 9));
    for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 9; ++c) EXPECT(dst[r * 9 + c] == (c >= 2 && c < 6 ? src[r * 6 + 1 + c - 2] : -1.0f));
    }
    EXPECT_ERROR(anvil_copy_rows(ctxs.one, 3, 4, src.data(), 3, dst.data(), 9), ANVIL_ERR_INVALID_ARGUMENT, "at least cols");
    EXPECT_ERROR(anvil_copy_rows(ctxs.one, 3, 4, src.data(), 6, src.data() + 4, 6), ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    EXPECT_OK(anvil_copy_rows(ctxs.one, 0, 4, nullptr, 6, nullptr, 9));
}

}  // namespace

int main() {
    {
        Contexts ctxs;
        test_forward(ctxs);
        test_gradients(ctxs);
        test_backward_reference(ctxs);
        test_add_relu(ctxs);
        test_refusals(ctxs);
        test_add_and_copy_rows(ctxs);
        test_clamp_and_sum_squares(ctxs);
    }
    return test::finish();
}
