// The harness shared by the C++ kernel tests: pass/fail counting, seeded random data, tolerance
// checks against double-precision references and a context per thread count. Tests reach the
// library through anvil.h (gemm_test also through the internal gemm.h).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "anvil.h"

namespace test {

inline int passed = 0;
inline int failed = 0;

// Counts one check; on failure prints the printf-style message.
inline void expect(bool ok, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
inline void expect(bool ok, const char* fmt, ...) {
    if (ok) {
        ++passed;
        return;
    }
    ++failed;
    va_list args;
    va_start(args, fmt);
    std::fprintf(stderr, "FAIL: ");
    std::vfprintf(stderr, fmt, args);
    std::fprintf(stderr, "\n");
    va_end(args);
}

#define EXPECT(cond) ::test::expect((cond), "%s:%d: %s", __FILE__, __LINE__, #cond)
// The call must succeed; on failure print the library's message.
#define EXPECT_OK(call)                                                                                 \
    do {                                                                                                \
        anvil_status s_ = (call);                                                                       \
        ::test::expect(s_ == ANVIL_OK, "%s:%d: %s -> %s", __FILE__, __LINE__, #call, anvil_last_error()); \
    } while (0)

// The call failed with `status` and a message that mentions `word`.
#define EXPECT_ERROR(call, status, word)                                                                    \
    do {                                                                                                    \
        anvil_status s_ = (call);                                                                           \
        ::test::expect(s_ == (status) && std::strstr(anvil_last_error(), (word)) != nullptr,                \
                       "%s:%d: %s -> status %d, \"%s\"; expected status %d mentioning \"%s\"", __FILE__,    \
                       __LINE__, #call, s_, anvil_last_error(), (status), (word));                          \
    } while (0)

// Prints the summary line every test ends with and returns the process exit code.
inline int finish() {
    // Contexts are destroyed by now, so every workspace and buffer must have been released.
    EXPECT(anvil_live_bytes() == 0);
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

// Uniform values in [-1, 1), reproducible from the seed.
inline std::vector<float> random_floats(size_t n, uint32_t seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(gen);
    return v;
}

// Largest error of `got` against `want`, in units of the allowed error: a sum of `terms`
// products of values in [-1, 1] may be off by about 1e-4 * sqrt(terms), relative to the value
// when that is larger than 1. The check passes when the result is <= 1.
inline double error_ratio(const float* got, const std::vector<double>& want, int64_t terms) {
    const double tol = 1e-4 * std::sqrt(static_cast<double>(std::max<int64_t>(terms, 1)));
    double worst = 0.0;
    for (size_t i = 0; i < want.size(); ++i) {
        const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
        const double ratio = err / (tol * std::max(1.0, std::fabs(want[i])));
        if (std::isnan(ratio)) return INFINITY;
        worst = std::max(worst, ratio);
    }
    return worst;
}

// xorshift64*: deterministic data without depending on the standard library's generators.
class Rng {
public:
    explicit Rng(uint64_t seed) : state_(seed * 2 + 1) {}
    uint64_t next() {
        state_ ^= state_ >> 12;
        state_ ^= state_ << 25;
        state_ ^= state_ >> 27;
        return state_ * UINT64_C(2685821657736338717);
    }
    // Uniform in [lo, hi).
    float uniform(float lo, float hi) { return lo + (hi - lo) * static_cast<float>((next() >> 40) * 0x1p-24); }
    std::vector<float> vector(size_t n, float lo = -1.0f, float hi = 1.0f) {
        std::vector<float> v(n);
        for (float& x : v) x = uniform(lo, hi);
        return v;
    }

private:
    uint64_t state_;
};

// |got - want| <= atol + rtol * |want|; reports the first mismatch of a comparison by index.
inline bool close(double got, double want, double rtol, double atol) {
    return std::fabs(got - want) <= atol + rtol * std::fabs(want);
}

template <class Got, class Want>
bool all_close(const Got& got, const Want& want, double rtol, double atol, const char* what) {
    if (got.size() != want.size()) {
        std::fprintf(stderr, "  %s: size %zu vs %zu\n", what, got.size(), want.size());
        return false;
    }
    for (size_t i = 0; i < got.size(); ++i) {
        if (!close(got[i], want[i], rtol, atol)) {
            std::fprintf(stderr, "  %s: element %zu is %.9g, expected %.9g\n", what, i, static_cast<double>(got[i]),
                         static_cast<double>(want[i]));
            return false;
        }
    }
    return true;
}

// The gradient of loss() with respect to x by central differences, in double, of the float forward
// pass that loss() runs on x (step eps): the native tests' one finite-difference checker.
template <class Loss>
std::vector<double> numeric_gradient(std::vector<float>& x, Loss&& loss, float eps = 0.01f) {
    std::vector<double> numeric(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
        const float saved = x[i];
        x[i] = saved + eps;
        const double plus = loss();
        x[i] = saved - eps;
        const double minus = loss();
        x[i] = saved;
        numeric[i] = (plus - minus) / (2.0 * eps);
    }
    return numeric;
}

// sum_j y_j * r_j in double: the loss whose gradient is the backward pass applied to r.
inline double weighted_sum(const std::vector<float>& y, const std::vector<float>& r) {
    double l = 0.0;
    for (size_t j = 0; j < y.size(); ++j) l += static_cast<double>(y[j]) * r[j];
    return l;
}

// Every tap of a direct 2-D convolution (groups, stride, padding, dilation): f(x index, w index, y index)
// for each output position in NCHW order and each in-bounds window element of it, in (channel, kh, kw)
// order: the double-precision references of conv2d are sums over these.
template <class F>
void conv2d_taps(const anvil_conv2d_desc& d, int64_t oh_n, int64_t ow_n, F f) {
    const int64_t cg = d.in_channels / d.groups, og = d.out_channels / d.groups;
    for (int64_t n = 0; n < d.batch; ++n)
        for (int64_t o = 0; o < d.out_channels; ++o)
            for (int64_t oh = 0; oh < oh_n; ++oh)
                for (int64_t ow = 0; ow < ow_n; ++ow) {
                    const int64_t yi = ((n * d.out_channels + o) * oh_n + oh) * ow_n + ow, g = o / og;
                    for (int64_t ci = 0; ci < cg; ++ci)
                        for (int64_t kh = 0; kh < d.kernel_h; ++kh) {
                            const int64_t ih = oh * d.stride_h - d.pad_h + kh * d.dilation_h;
                            if (ih < 0 || ih >= d.in_h) continue;
                            for (int64_t kw = 0; kw < d.kernel_w; ++kw) {
                                const int64_t iw = ow * d.stride_w - d.pad_w + kw * d.dilation_w;
                                if (iw < 0 || iw >= d.in_w) continue;
                                const int64_t xi = ((n * d.in_channels + g * cg + ci) * d.in_h + ih) * d.in_w + iw;
                                const int64_t wi = ((o * cg + ci) * d.kernel_h + kh) * d.kernel_w + kw;
                                f(xi, wi, yi);
                            }
                        }
                }
}

// One context per thread count the tests compare: results must not depend on it.
struct Contexts {
    anvil_context* one = nullptr;
    anvil_context* two = nullptr;
    Contexts() {
        EXPECT_OK(anvil_context_create(1, &one));
        EXPECT_OK(anvil_context_create(2, &two));
    }
    ~Contexts() {
        anvil_context_destroy(one);
        anvil_context_destroy(two);
    }
    Contexts(const Contexts&) = delete;
    Contexts& operator=(const Contexts&) = delete;
};

}  // namespace test
