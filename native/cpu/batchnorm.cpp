// Batch normalisation over channels, forward and backward, as PyTorch's BatchNorm1d/2d. Each
// channel is independent, so the threads split the channels and every channel's sums run in one
// fixed order: the results do not depend on the thread count. Sums are kept in double, over eight
// lanes so that the adds do not wait on one another.
//
// With AVX-512 and runs of at least one vector (BatchNorm2d's planes), the same passes run on
// vectors: 16 floats at a time, widened to two vectors of 8 doubles for the sums, masked at the
// end of a run. One channel's data (batch x spatial floats) is read from memory by the first pass
// and, taken in the opposite order (see `behind`), mostly from the L2 cache by the second.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "cpu/kernels.h"
#include "cpu/lanes.h"
#include "cpu/prefetch.h"
#include "cpu_features.h"
#include "shapes.h"

namespace anvil::cpu {

namespace {

// The elements of channel c: `batch` runs of `spatial` floats, `stride` floats apart; the words
// of the fused ReLU's mask that belong to them (see anvil_batchnorm_relu_mask_bytes): the runs'
// words from `mask_offset`, `mask_stride` words apart; and how many runs ahead the passes
// prefetch (see runs_ahead).
struct Channel {
    int64_t batch, spatial, stride, offset, mask_stride, mask_offset, lead;
    int64_t count() const { return batch * spatial; }
};

// A channel's runs are short (a plane) and far apart (a whole image): too short for the hardware
// prefetcher to get ahead of the loads, so the passes that meet the channel's data in memory (the
// first one over each tensor) ask for the same cells a few runs (about 4 KiB) ahead, to read
// (`fetch`) or to write (`own`: the line without waiting to read it at the store). (Counted once
// a channel: a division in the loops cost the normalising pass 10%.)
int64_t runs_ahead(int64_t spatial) { return std::max<int64_t>(1, 1024 / spatial); }

Channel channel(const anvil_batchnorm_desc& d, int64_t c) {
    const int64_t words = relu_mask_words_per_run(d.spatial);
    return {d.batch, d.spatial, d.channels * d.spatial, c * d.spatial, words, c * d.batch * words, runs_ahead(d.spatial)};
}

// The mask word of element s of run n.
int64_t mask_word(const Channel& ch, int64_t n, int64_t s) { return ch.mask_offset + n * ch.mask_stride + s / 16; }

// sum_i f(i) over the channel's elements, in double, eight lanes per run.
template <class F>
double channel_sum(const Channel& ch, F&& f) {
    double lanes[8] = {};
    double tail = 0.0;
    for (int64_t n = 0; n < ch.batch; ++n) {
        const int64_t base = ch.offset + n * ch.stride;
        int64_t s = 0;
        for (; s + 8 <= ch.spatial; s += 8) {
            for (int l = 0; l < 8; ++l) lanes[l] += f(base + s + l);
        }
        for (; s < ch.spatial; ++s) tail += f(base + s);
    }
    double total = tail;
    for (double v : lanes) total += v;
    return total;
}

// Whether a channel's runs take the vector passes: AVX-512 and at least one vector per run.
bool vector_runs(const anvil_batchnorm_desc& d) { return d.spatial >= 16 && cpu_features().avx512f; }

int64_t ahead_run(const Channel& ch, int64_t n) { return std::min(n + ch.lead, ch.batch - 1); }

int64_t ahead(const Channel& ch, int64_t n, int64_t s) { return ch.offset + ahead_run(ch, n) * ch.stride + s; }

// The second pass over a channel (normalising it, or applying the backward sums) takes its runs
// from the last image back to the first: the runs the first pass read last are the ones still
// in the L2 cache. In the first pass's order, a channel larger than L2 (800 KB a stream at batch
// 256 on 28 x 28 planes) would have left it run by run just ahead of the second pass. Its reads
// that miss are asked for a few runs ahead in that order, as in `ahead`.
int64_t behind(const Channel& ch, int64_t n, int64_t s) {
    return ch.offset + std::max<int64_t>(n - ch.lead, 0) * ch.stride + s;
}

// The low and high 8 floats of v widened to double. (The zero-masked forms of the intrinsics:
// the plain ones, and the cast to 256 bits, pass an undefined vector that GCC 12 warns about.)
template <int Half>
__attribute__((target("avx512f"), always_inline)) inline __m512d widen(__m512 v) {
    return _mm512_maskz_cvtps_pd(0xFF, _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(v), Half)));
}

// acc += the 16 floats of v, widened to double.
__attribute__((target("avx512f"), always_inline)) inline void add_wide(__m512d (&acc)[2], __m512 v) {
    acc[0] = _mm512_add_pd(acc[0], widen<0>(v));
    acc[1] = _mm512_add_pd(acc[1], widen<1>(v));
}

// acc += a * b, lane by lane in double.
__attribute__((target("avx512f"), always_inline)) inline void fma_wide(__m512d (&acc)[2], __m512 a, __m512 b) {
    acc[0] = _mm512_fmadd_pd(widen<0>(a), widen<0>(b), acc[0]);
    acc[1] = _mm512_fmadd_pd(widen<1>(a), widen<1>(b), acc[1]);
}

// The sum of the 16 lanes, in a fixed order.
__attribute__((target("avx512f"))) double total(const __m512d (&acc)[2]) {
    alignas(64) double lanes[8];
    _mm512_store_pd(lanes, _mm512_add_pd(acc[0], acc[1]));
    double sum = 0.0;
    for (double v : lanes) sum += v;
    return sum;
}

// The batch mean and biased variance of one channel, on vectors, in one pass: the sums of d and
// d^2 for the deviations d = x - k from the channel's first element k, in double (exact for d,
// and for d^2 to a relative 1e-16). mean = k + E[d] and var = E[d^2] - E[d]^2, which cancels
// only when E[d]^2 is many orders of magnitude above the variance: k is one of the values, so
// |E[d]| is within the data's spread of its mean (a second pass over a channel that has left
// the L2 cache costs more than the sums).
__attribute__((target("avx512f"))) void batch_statistics_avx512(const Channel& ch, const float* x, double& mean,
                                                                 double& var) {
    const double m = static_cast<double>(ch.count()), k = x[ch.offset];
    const __m512d vk = _mm512_set1_pd(k);
    __m512d sum[2] = {_mm512_setzero_pd(), _mm512_setzero_pd()}, sq[2] = {_mm512_setzero_pd(), _mm512_setzero_pd()};
    for (int64_t n = 0; n < ch.batch; ++n) {
        for (int64_t s = 0; s < ch.spatial; s += 16) {
            const int64_t i = ch.offset + n * ch.stride + s;
            const __mmask16 mask = lanes(ch.spatial - s);
            fetch(x + ahead(ch, n, s));
            const __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
            // Lanes past the run read as k: a deviation of 0.
            const __m512d d0 = _mm512_mask_sub_pd(_mm512_setzero_pd(), static_cast<__mmask8>(mask), widen<0>(v), vk);
            const __m512d d1 = _mm512_mask_sub_pd(_mm512_setzero_pd(), static_cast<__mmask8>(mask >> 8), widen<1>(v), vk);
            sum[0] = _mm512_add_pd(sum[0], d0);
            sum[1] = _mm512_add_pd(sum[1], d1);
            sq[0] = _mm512_fmadd_pd(d0, d0, sq[0]);
            sq[1] = _mm512_fmadd_pd(d1, d1, sq[1]);
        }
    }
    const double e = total(sum) / m;
    mean = k + e;
    var = std::max(0.0, total(sq) / m - e * e);
}

// y = a x + b (+ residual), then max(., 0) with the fused ReLU, and its mask.
__attribute__((target("avx512f"))) void scale_shift_avx512(const Channel& ch, bool relu, float a, float b,
                                                            const float* x, const float* residual, float* y,
                                                            uint16_t* mask) {
    const __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b), zero = _mm512_setzero_ps();
    for (int64_t n = ch.batch - 1; n >= 0; --n) {
        for (int64_t s = 0; s < ch.spatial; s += 16) {
            const int64_t i = ch.offset + n * ch.stride + s, j = behind(ch, n, s);
            const __mmask16 k = lanes(ch.spatial - s);
            fetch(x + j);
            if (residual != nullptr) fetch(residual + j);
            own(y + j);
            __m512 v = _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(k, x + i), vb);
            if (residual != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(k, residual + i));
            // The ReLU passes the lanes that are not <= 0 (a NaN passes), in the run's lanes only.
            const __mmask16 pass = _mm512_mask_cmp_ps_mask(k, v, zero, _CMP_NLE_UQ);
            if (relu) v = _mm512_maskz_mov_ps(pass, v);
            _mm512_mask_storeu_ps(y + i, k, v);
            if (mask != nullptr) mask[mask_word(ch, n, s)] = pass;
        }
    }
}

// The backward sums of one channel on vectors: g (dy through the fused ReLU's mask, if any) into
// `kept` (see batchnorm_backward), sum g and sum g (x - mean).
__attribute__((target("avx512f"))) void backward_sums_avx512(const Channel& ch, float mean, const float* x,
                                                              const uint16_t* mask, const float* dy, float* kept,
                                                              double& sum_g, double& sum_gx) {
    const __m512 mu = _mm512_set1_ps(mean);
    __m512d acc_g[2] = {_mm512_setzero_pd(), _mm512_setzero_pd()}, acc_gx[2] = {_mm512_setzero_pd(), _mm512_setzero_pd()};
    for (int64_t n = 0; n < ch.batch; ++n) {
        for (int64_t s = 0; s < ch.spatial; s += 16) {
            const int64_t i = ch.offset + n * ch.stride + s, j = ahead(ch, n, s);
            const __mmask16 k = lanes(ch.spatial - s);
            fetch(dy + j);
            fetch(x + j);
            if (mask != nullptr) fetch(mask + mask_word(ch, ahead_run(ch, n), s));
            own(kept + j);
            const __mmask16 pass = mask != nullptr ? static_cast<__mmask16>(k & mask[mask_word(ch, n, s)]) : k;
            const __m512 g = _mm512_maskz_loadu_ps(pass, dy + i);
            _mm512_mask_storeu_ps(kept + i, k, g);
            add_wide(acc_g, g);
            fma_wide(acc_gx, g, _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, x + i), mu));
        }
    }
    sum_g = total(acc_g);
    sum_gx = total(acc_gx);
}

// dx = scale (g - k1 - (x - mean) k2), g read from `g` (dx itself, or dresidual).
__attribute__((target("avx512f"))) void backward_apply_avx512(const Channel& ch, float scale, float mean, float k1,
                                                               float k2, const float* x, const float* g, float* dx) {
    const __m512 vs = _mm512_set1_ps(scale), mu = _mm512_set1_ps(mean), v1 = _mm512_set1_ps(k1), v2 = _mm512_set1_ps(k2);
    for (int64_t n = ch.batch - 1; n >= 0; --n) {
        for (int64_t s = 0; s < ch.spatial; s += 16) {
            const int64_t i = ch.offset + n * ch.stride + s, j = behind(ch, n, s);
            const __mmask16 k = lanes(ch.spatial - s);
            fetch(x + j);
            fetch(g + j);
            if (g != dx) own(dx + j);  // dx meets memory here first
            const __m512 dev = _mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mu);
            const __m512 centred = _mm512_sub_ps(_mm512_maskz_loadu_ps(k, g + i), v1);
            _mm512_mask_storeu_ps(dx + i, k, _mm512_mul_ps(vs, _mm512_fnmadd_ps(dev, v2, centred)));
        }
    }
}

}  // namespace

void batchnorm_forward(anvil_context& ctx, const anvil_batchnorm_desc& d, const float* x, const float* residual,
                       const float* gamma, const float* beta, float* running_mean, float* running_var, float* save_mean,
                       float* save_invstd, float* y, uint16_t* relu_mask) {
    const bool vectors = vector_runs(d);
    parallel_for(ctx.pool, d.channels, 1, [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
            const Channel ch = channel(d, c);
            double mean, invstd;
            if (d.training) {
                const double m = static_cast<double>(ch.count());
                double var;
                if (vectors) {
                    batch_statistics_avx512(ch, x, mean, var);
                } else {
                    mean = channel_sum(ch, [&](int64_t i) { return static_cast<double>(x[i]); }) / m;
                    var = channel_sum(ch, [&](int64_t i) {
                        const double v = x[i] - mean;
                        return v * v;
                    }) / m;
                }
                invstd = 1.0 / std::sqrt(var + d.eps);
                if (running_mean != nullptr) {
                    running_mean[c] = static_cast<float>((1.0 - d.momentum) * running_mean[c] + d.momentum * mean);
                    running_var[c] = static_cast<float>((1.0 - d.momentum) * running_var[c] + d.momentum * var * m / (m - 1.0));
                }
            } else {
                mean = running_mean[c];
                invstd = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + d.eps);
            }
            save_mean[c] = static_cast<float>(mean);
            save_invstd[c] = static_cast<float>(invstd);
            // y = a * x + b with a = gamma * invstd and b = beta - mean * a.
            const float a = static_cast<float>((gamma != nullptr ? gamma[c] : 1.0) * invstd);
            const float b = static_cast<float>((beta != nullptr ? beta[c] : 0.0) - mean * a);
            if (vectors) {
                scale_shift_avx512(ch, d.relu != 0, a, b, x, residual, y, relu_mask);
                continue;
            }
            for (int64_t n = 0; n < ch.batch; ++n) {
                const int64_t base = ch.offset + n * ch.stride;
                const float* xs = x + base;
                float* ys = y + base;
                uint16_t word = 0;
                for (int64_t s = 0; s < ch.spatial; ++s) {
                    const float v = a * xs[s] + b + (residual != nullptr ? residual[base + s] : 0.0f);
                    ys[s] = d.relu ? std::max(v, 0.0f) : v;  // a NaN stays
                    if (relu_mask == nullptr) continue;
                    if (!(ys[s] <= 0.0f)) word = static_cast<uint16_t>(word | 1u << (s % 16));
                    if (s % 16 == 15 || s + 1 == ch.spatial) {
                        relu_mask[mask_word(ch, n, s)] = word;
                        word = 0;
                    }
                }
            }
        }
    });
}

void batchnorm_backward(anvil_context& ctx, const anvil_batchnorm_desc& d, const float* x, const uint16_t* relu_mask, const float* dy,
                        const float* gamma, const float* save_mean, const float* save_invstd, float* dx, float* dresidual,
                        float* dgamma, float* dbeta, bool accumulate) {
    const bool vectors = vector_runs(d);
    parallel_for(ctx.pool, d.channels, 1, [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
            const Channel ch = channel(d, c);
            const float mean = save_mean[c], invstd = save_invstd[c];
            // g: the gradient reaching the normalisation (through the fused ReLU's mask), kept for
            // the second pass in dresidual when there is one (it is g), else in dx; both sums in
            // one pass, in double over eight lanes.
            float* kept = dresidual != nullptr ? dresidual : dx;
            double total_g = 0.0, total_gx = 0.0;
            if (vectors) {
                backward_sums_avx512(ch, mean, x, relu_mask, dy, kept, total_g, total_gx);
            } else {
                double sum_g[8] = {}, sum_gx[8] = {};
                for (int64_t n = 0; n < ch.batch; ++n) {
                    const int64_t base = ch.offset + n * ch.stride;
                    for (int64_t s = 0; s < ch.spatial; ++s) {
                        const int64_t i = base + s;
                        const bool blocked = relu_mask != nullptr && (relu_mask[mask_word(ch, n, s)] >> (s % 16) & 1u) == 0;
                        const float g = blocked ? 0.0f : dy[i];
                        kept[i] = g;
                        sum_g[s & 7] += g;
                        sum_gx[s & 7] += static_cast<double>(g) * (x[i] - mean);
                    }
                }
                for (int l = 0; l < 8; ++l) {
                    total_g += sum_g[l];
                    total_gx += sum_gx[l];
                }
            }
            total_gx *= invstd;  // sum of g * xhat
            if (dgamma != nullptr) {
                dgamma[c] = static_cast<float>(total_gx + (accumulate ? dgamma[c] : 0.0));
                dbeta[c] = static_cast<float>(total_g + (accumulate ? dbeta[c] : 0.0));
            }
            // Training: dx = scale * (g - mean(g) - xhat * mean(g * xhat)); evaluation: dx = scale * g.
            const double m = static_cast<double>(ch.count());
            const float scale = static_cast<float>((gamma != nullptr ? gamma[c] : 1.0) * invstd);
            const float k1 = d.training ? static_cast<float>(total_g / m) : 0.0f;
            const float k2 = d.training ? static_cast<float>(total_gx / m * invstd) : 0.0f;  // per unit of (x - mean)
            if (vectors) {
                backward_apply_avx512(ch, scale, mean, k1, k2, x, kept, dx);
                continue;
            }
            for (int64_t n = 0; n < ch.batch; ++n) {
                const int64_t base = ch.offset + n * ch.stride;
                for (int64_t s = 0; s < ch.spatial; ++s) {
                    dx[base + s] = scale * (kept[base + s] - k1 - (x[base + s] - mean) * k2);
                }
            }
        }
    });
}

}  // namespace anvil::cpu
