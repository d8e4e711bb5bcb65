// conv2d on the CPU (NCHW). On CPUs with AVX-512, "same" 5x5 and 3x3 layers with many channels go
// to the Winograd transforms of conv2d_winograd.cpp and other stride-1
// layers to the direct kernels of conv2d_direct.cpp; everything else (other strides, other CPUs)
// is computed here as GEMMs over im2col column matrices, one image and group at a time.
// For group g of image n, with K = (C/groups)*KH*KW rows and P = OH*OW columns:
//   forward          y_g [O/g, P]  = w_g [O/g, K] * col [K, P]          (+ bias)
//   backward-data    col [K, P]    = w_g^T * dy_g [O/g, P]; then col2im adds col into dx
//   backward-weight  dw_g [O/g, K] += dy_g * col^T                       (summed over images)
// A 1x1 kernel with stride 1 and no padding needs no column matrix: the image is one already.
//
// Threads: with at least as many images as threads, each thread takes a contiguous range of
// images and runs serial GEMMs on its own scratch; with fewer images, images go one by one and
// each GEMM uses the whole pool. Either way the work split depends only on the thread count, so
// results are deterministic for a given thread count. Workspace slots: see gemm.h.
#include <immintrin.h>

#include <algorithm>

#include "cpu/conv2d_direct.h"
#include "cpu/conv2d_winograd.h"
#include "cpu/gemm.h"
#include "cpu/kernels.h"
#include "cpu/lanes.h"
#include "cpu/prefetch.h"
#include "cpu_features.h"
#include "shapes.h"

namespace anvil::cpu {

namespace {

constexpr size_t kPackSlot = 16;
constexpr size_t kColSlot = 17;
constexpr size_t kPartialSlot = 18;

struct Geometry {
    int64_t batch, channels, height, width;  // input
    int64_t out_channels, out_h, out_w;
    int64_t groups, group_in, group_out;      // channels per group, in and out
    int64_t k;                               // rows of the column matrix: group_in * KH * KW
    int64_t p;                               // columns: OH * OW
    bool direct;                             // the image itself is the column matrix
};

Geometry geometry(const anvil_conv2d_desc& d) {
    Geometry s;
    s.batch = d.batch;
    s.channels = d.in_channels;
    s.height = d.in_h;
    s.width = d.in_w;
    s.out_channels = d.out_channels;
    s.out_h = conv2d_out_h(d);
    s.out_w = conv2d_out_w(d);
    s.groups = d.groups;
    s.group_in = d.in_channels / d.groups;
    s.group_out = d.out_channels / d.groups;
    s.k = s.group_in * d.kernel_h * d.kernel_w;
    s.p = s.out_h * s.out_w;
    s.direct = d.kernel_h == 1 && d.kernel_w == 1 && d.stride_h == 1 && d.stride_w == 1 && d.pad_h == 0 &&
               d.pad_w == 0;
    return s;
}

// The output positions o in [lo, hi) for which o * stride + offset lies inside [0, size).
struct Range {
    int64_t lo, hi;
};

Range inside(int64_t offset, int64_t stride, int64_t size, int64_t out) {
    const int64_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    const int64_t hi = size - 1 - offset < 0 ? 0 : std::min(out, (size - 1 - offset) / stride + 1);
    return {std::min(lo, hi), hi};
}

// Calls row_fn(row, plane, dh_offset, dw_offset) for every row of the column matrix: row index,
// the input plane it reads and the offsets of its window tap relative to the output position.
template <class RowFn>
void for_each_col_row(const anvil_conv2d_desc& d, const Geometry& s, RowFn&& row_fn) {
    int64_t row = 0;
    for (int64_t c = 0; c < s.group_in; ++c) {
        for (int64_t kh = 0; kh < d.kernel_h; ++kh) {
            for (int64_t kw = 0; kw < d.kernel_w; ++kw, ++row) {
                row_fn(row, c, kh * d.dilation_h - d.pad_h, kw * d.dilation_w - d.pad_w);
            }
        }
    }
}

// Stride-2 rows of up to 32 floats (the downsampling layers of a ResNet on small images) on
// AVX-512: the element loop below reads every other float, one at a time, for each tap of a
// row. Here each input row is split once, in registers, into its even and odd columns; the
// outputs of a tap at column offset 2e (or 2e + 1) are then the even (odd) columns moved e lanes,
// one masked permute, with zeros for the columns outside the row.
bool stride2_rows(const anvil_conv2d_desc& d, const Geometry& s) {
    return d.stride_w == 2 && d.dilation_w == 1 && s.width <= 32 && s.out_w <= 16 && d.kernel_w <= 16 &&
           cpu_features().avx512f;
}

// Tap kw reads input column 2 ow + off, off = kw - pad: column ow + e of the even columns for an
// even off = 2e, of the odd columns for an odd off = 2e + 1 (e rounded down).
bool odd_tap(const anvil_conv2d_desc& d, int64_t kw) { return ((kw - d.pad_w) & 1) != 0; }

int64_t tap_shift(const anvil_conv2d_desc& d, int64_t kw) {
    const int64_t off = kw - d.pad_w;
    return (off - (off & 1)) / 2;
}

__attribute__((target("avx512f"))) void im2col_stride2(const anvil_conv2d_desc& d, const Geometry& s, const float* x,
                                                       float* col) {
    const __m512i even_lanes = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd_lanes = _mm512_add_epi32(even_lanes, _mm512_set1_epi32(1));
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    // Output lane l of tap kw is lane l + e of the even or odd columns; lanes whose column falls
    // outside [0, 16) read zero.
    __m512i from[16];
    __mmask16 keep[16];
    for (int64_t kw = 0; kw < d.kernel_w; ++kw) {
        const int64_t e = tap_shift(d, kw);
        from[kw] = _mm512_add_epi32(lane, _mm512_set1_epi32(static_cast<int>(e)));
        keep[kw] = static_cast<__mmask16>(lanes(16 - e) & ~lanes(-e));
    }
    const __mmask16 row_lanes = lanes(s.out_w), lo_lanes = lanes(s.width), hi_lanes = lanes(s.width - 16);
    const int64_t plane_floats = s.height * s.width, per_row = (plane_floats + s.out_h - 1) / s.out_h;
    for (int64_t c = 0; c < s.group_in; ++c) {
        const float* plane = x + c * plane_floats;
        for (int64_t kh = 0; kh < d.kernel_h; ++kh) {
            float* rows = col + (c * d.kernel_h + kh) * d.kernel_w * s.p;
            for (int64_t oh = 0; oh < s.out_h; ++oh) {
                // The first tap row reads every other input row: the next plane is asked for
                // meanwhile, as the hardware prefetcher does not follow.
                if (kh == 0 && c + 1 < s.group_in) {
                    const float* next = plane + plane_floats;
                    for (int64_t i = oh * per_row; i < std::min((oh + 1) * per_row, plane_floats); i += 16) fetch(next + i);
                }
                const int64_t ih = oh * d.stride_h + kh * d.dilation_h - d.pad_h;
                __m512 even = _mm512_setzero_ps(), odd = _mm512_setzero_ps();
                if (ih >= 0 && ih < s.height) {
                    const float* src = plane + ih * s.width;
                    const __m512 lo = _mm512_maskz_loadu_ps(lo_lanes, src), hi = _mm512_maskz_loadu_ps(hi_lanes, src + 16);
                    even = _mm512_permutex2var_ps(lo, even_lanes, hi);
                    odd = _mm512_permutex2var_ps(lo, odd_lanes, hi);
                }
                for (int64_t kw = 0; kw < d.kernel_w; ++kw) {
                    _mm512_mask_storeu_ps(rows + kw * s.p + oh * s.out_w, row_lanes,
                                          _mm512_maskz_permutexvar_ps(keep[kw], from[kw], odd_tap(d, kw) ? odd : even));
                }
            }
        }
    }
}

// col [K, P] from the group_in planes at x (one group of one image); zero where the window
// reaches into the padding.
void im2col(const anvil_conv2d_desc& d, const Geometry& s, const float* x, float* col) {
    if (stride2_rows(d, s)) {
        im2col_stride2(d, s, x, col);
        return;
    }
    for_each_col_row(d, s, [&](int64_t row, int64_t c, int64_t off_h, int64_t off_w) {
        const float* plane = x + c * s.height * s.width;
        const Range cols = inside(off_w, d.stride_w, s.width, s.out_w);
        float* out = col + row * s.p;
        for (int64_t oh = 0; oh < s.out_h; ++oh, out += s.out_w) {
            const int64_t ih = oh * d.stride_h + off_h;
            if (ih < 0 || ih >= s.height) {
                std::fill(out, out + s.out_w, 0.0f);
                continue;
            }
            const float* src = plane + ih * s.width + off_w;
            // Rows are short (often 10-30 floats): plain loops beat library calls here.
            for (int64_t ow = 0; ow < cols.lo; ++ow) out[ow] = 0.0f;
            if (d.stride_w == 1) {
                for (int64_t ow = cols.lo; ow < cols.hi; ++ow) out[ow] = src[ow];
            } else {
                for (int64_t ow = cols.lo; ow < cols.hi; ++ow) out[ow] = src[ow * d.stride_w];
            }
            for (int64_t ow = cols.hi; ow < s.out_w; ++ow) out[ow] = 0.0f;
        }
    });
}

// The column matrix of one group of one image: the image itself when the layer needs none, else
// im2col into col.
const float* columns(const anvil_conv2d_desc& d, const Geometry& s, const float* xg, float* col) {
    if (s.direct) return xg;
    im2col(d, s, xg, col);
    return col;
}

// col2im of the same rows, the other way round from im2col_stride2: the taps of an input row are
// moved into place and summed in its even and odd columns, which are interleaved and added into
// the row once.
__attribute__((target("avx512f"))) void col2im_stride2(const anvil_conv2d_desc& d, const Geometry& s, const float* col,
                                                       float* dx) {
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i first_half = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i second_half = _mm512_add_epi32(first_half, _mm512_set1_epi32(8));
    // Even (odd) column j takes output j - e of a tap at offset 2e (2e + 1), for 0 <= j - e < out_w.
    __m512i from[16];
    __mmask16 keep[16];
    for (int64_t kw = 0; kw < d.kernel_w; ++kw) {
        const int64_t e = tap_shift(d, kw);
        from[kw] = _mm512_sub_epi32(lane, _mm512_set1_epi32(static_cast<int>(e)));
        keep[kw] = static_cast<__mmask16>(lanes(s.out_w + e) & ~lanes(e));
    }
    const __mmask16 row_lanes = lanes(s.out_w), lo_lanes = lanes(s.width), hi_lanes = lanes(s.width - 16);
    for (int64_t c = 0; c < s.group_in; ++c) {
        float* plane = dx + c * s.height * s.width;
        for (int64_t kh = 0; kh < d.kernel_h; ++kh) {
            const float* rows = col + (c * d.kernel_h + kh) * d.kernel_w * s.p;
            for (int64_t oh = 0; oh < s.out_h; ++oh) {
                const int64_t ih = oh * d.stride_h + kh * d.dilation_h - d.pad_h;
                if (ih < 0 || ih >= s.height) continue;
                __m512 even = _mm512_setzero_ps(), odd = _mm512_setzero_ps();
                for (int64_t kw = 0; kw < d.kernel_w; ++kw) {
                    const __m512 tap = _mm512_maskz_permutexvar_ps(
                        keep[kw], from[kw], _mm512_maskz_loadu_ps(row_lanes, rows + kw * s.p + oh * s.out_w));
                    if (odd_tap(d, kw)) {
                        odd = _mm512_add_ps(odd, tap);
                    } else {
                        even = _mm512_add_ps(even, tap);
                    }
                }
                float* dst = plane + ih * s.width;
                _mm512_mask_storeu_ps(dst, lo_lanes, _mm512_add_ps(_mm512_maskz_loadu_ps(lo_lanes, dst),
                                                                   _mm512_permutex2var_ps(even, first_half, odd)));
                _mm512_mask_storeu_ps(dst + 16, hi_lanes, _mm512_add_ps(_mm512_maskz_loadu_ps(hi_lanes, dst + 16),
                                                                        _mm512_permutex2var_ps(even, second_half, odd)));
            }
        }
    }
}

// Adds every entry of col [K, P] into the input position it was gathered from (the adjoint of
// im2col). Padding positions are dropped.
void col2im(const anvil_conv2d_desc& d, const Geometry& s, const float* col, float* dx) {
    if (stride2_rows(d, s)) {
        col2im_stride2(d, s, col, dx);
        return;
    }
    for_each_col_row(d, s, [&](int64_t row, int64_t c, int64_t off_h, int64_t off_w) {
        float* plane = dx + c * s.height * s.width;
        const Range cols = inside(off_w, d.stride_w, s.width, s.out_w);
        const float* in = col + row * s.p;
        for (int64_t oh = 0; oh < s.out_h; ++oh, in += s.out_w) {
            const int64_t ih = oh * d.stride_h + off_h;
            if (ih < 0 || ih >= s.height) continue;
            float* dst = plane + ih * s.width + off_w;
            for (int64_t ow = cols.lo; ow < cols.hi; ++ow) dst[ow * d.stride_w] += in[ow];
        }
    });
}

// Runs a GEMM either on the calling thread with its own packing buffer or across the pool.
class GemmRunner {
public:
    GemmRunner(anvil_context* pooled, float* pack) : pooled_(pooled), pack_(pack) {}

    void operator()(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                    int64_t ldb, float beta, float* c, int64_t ldc) const {
        if (pooled_ != nullptr) {
            gemm(*pooled_, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
        } else {
            gemm_serial(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc, pack_);
        }
    }

private:
    anvil_context* pooled_;
    float* pack_;
};

// Scratch of one worker: its GEMM runner and its column buffer.
struct WorkerScratch {
    GemmRunner gemm;
    float* col;
};

// Calls body(worker, first_image, end_image, scratch) for each worker (see the file comment for
// the split). gemm_m/n/k is the largest GEMM the body runs; col_floats the column buffer it needs.
template <class Body>
void for_image_ranges(anvil_context& ctx, const Geometry& s, int64_t gemm_m, int64_t gemm_n, int64_t gemm_k,
                      int64_t col_floats, Body&& body) {
    const int threads = ctx.pool.size();
    // Scratch parts are rounded to 16 floats so that every one stays 64-byte aligned.
    const int64_t col_part = (std::max<int64_t>(col_floats, 1) + 15) / 16 * 16;
    if (s.batch < threads) {
        float* col = ctx.workspace.get<float>(kColSlot, static_cast<size_t>(col_part));
        body(0, int64_t{0}, s.batch, WorkerScratch{GemmRunner(&ctx, nullptr), col});
        return;
    }
    const int64_t pack_part = (gemm_pack_floats(gemm_m, gemm_n, gemm_k) + 15) / 16 * 16;
    float* packs = ctx.workspace.get<float>(kPackSlot, static_cast<size_t>(pack_part * threads));
    float* cols = ctx.workspace.get<float>(kColSlot, static_cast<size_t>(col_part * threads));
    ctx.pool.run([&](int tid, int nthreads) {
        const int64_t begin = s.batch * tid / nthreads, end = s.batch * (tid + 1) / nthreads;
        body(tid, begin, end, WorkerScratch{GemmRunner(nullptr, packs + pack_part * tid), cols + col_part * tid});
    });
}

// Number of workers for_image_ranges will use (one partial weight gradient each).
int image_workers(anvil_context& ctx, const Geometry& s) { return s.batch < ctx.pool.size() ? 1 : ctx.pool.size(); }

// Output channels per parallel chunk of the bias gradient.
constexpr int64_t kBiasGrain = 8;

}  // namespace

void conv2d_forward(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* w,
                    const float* bias, float* y) {
    if (conv2d_winograd_forward(ctx, d, x, w, bias, y) || conv2d_direct_forward(ctx, d, x, w, bias, y)) return;
    const Geometry s = geometry(d);
    const int64_t col_floats = s.direct ? 0 : s.k * s.p;
    for_image_ranges(ctx, s, s.group_out, s.p, s.k, col_floats, [&](int, int64_t begin, int64_t end, WorkerScratch sc) {
        for (int64_t n = begin; n < end; ++n) {
            for (int64_t g = 0; g < s.groups; ++g) {
                const float* xg = x + (n * s.channels + g * s.group_in) * s.height * s.width;
                float* yg = y + (n * s.out_channels + g * s.group_out) * s.p;
                const float* cols = columns(d, s, xg, sc.col);
                float beta = 0.0f;
                if (bias != nullptr) {
                    // Start each output plane at its bias; the GEMM adds the convolution on top.
                    for (int64_t o = 0; o < s.group_out; ++o) {
                        std::fill(yg + o * s.p, yg + (o + 1) * s.p, bias[g * s.group_out + o]);
                    }
                    beta = 1.0f;
                }
                sc.gemm(false, false, s.group_out, s.p, s.k, w + g * s.group_out * s.k, s.k, cols, s.p, beta, yg, s.p);
            }
        }
    });
}

void conv2d_backward_data(anvil_context& ctx, const anvil_conv2d_desc& d, const float* dy, const float* w,
                          float* dx) {
    if (conv2d_winograd_backward_data(ctx, d, dy, w, dx) || conv2d_direct_backward_data(ctx, d, dy, w, dx)) return;
    const Geometry s = geometry(d);
    const int64_t col_floats = s.direct ? 0 : s.k * s.p;
    const int64_t plane = s.height * s.width;
    for_image_ranges(ctx, s, s.k, s.p, s.group_out, col_floats, [&](int, int64_t begin, int64_t end, WorkerScratch sc) {
        for (int64_t n = begin; n < end; ++n) {
            for (int64_t g = 0; g < s.groups; ++g) {
                const float* dyg = dy + (n * s.out_channels + g * s.group_out) * s.p;
                const float* wg = w + g * s.group_out * s.k;
                float* dxg = dx + (n * s.channels + g * s.group_in) * plane;
                if (s.direct) {
                    sc.gemm(true, false, s.k, s.p, s.group_out, wg, s.k, dyg, s.p, 0.0f, dxg, s.p);
                    continue;
                }
                sc.gemm(true, false, s.k, s.p, s.group_out, wg, s.k, dyg, s.p, 0.0f, sc.col, s.p);
                std::fill(dxg, dxg + s.group_in * plane, 0.0f);
                col2im(d, s, sc.col, dxg);
            }
        }
    });
}

namespace {

// The weight gradient through im2col + GEMM.
void weight_gradient_gemm(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* dy, float* dw,
                          bool accumulate) {
    const Geometry s = geometry(d);
    const int64_t col_floats = s.direct ? 0 : s.k * s.p;
    const int64_t w_size = s.out_channels * s.k;
    const int workers = image_workers(ctx, s);
    // With one worker the gradient is summed straight into dw; otherwise each worker sums its
    // images into its own partial and the partials are added in worker order afterwards.
    float* partials = workers > 1 ? ctx.workspace.get<float>(kPartialSlot, static_cast<size_t>(w_size * workers))
                                  : nullptr;
    for_image_ranges(ctx, s, s.group_out, s.k, s.p, col_floats,
                     [&](int worker, int64_t begin, int64_t end, WorkerScratch sc) {
        float* target = partials != nullptr ? partials + w_size * worker : dw;
        bool overwrite = partials != nullptr || !accumulate;
        for (int64_t n = begin; n < end; ++n, overwrite = false) {
            for (int64_t g = 0; g < s.groups; ++g) {
                const float* xg = x + (n * s.channels + g * s.group_in) * s.height * s.width;
                const float* dyg = dy + (n * s.out_channels + g * s.group_out) * s.p;
                const float* cols = columns(d, s, xg, sc.col);
                sc.gemm(false, true, s.group_out, s.k, s.p, dyg, s.p, cols, s.p, overwrite ? 0.0f : 1.0f,
                        target + g * s.group_out * s.k, s.k);
            }
        }
    });
    if (partials != nullptr) {
        parallel_for(ctx.pool, w_size, 1 << 12, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
                float sum = accumulate ? dw[i] : 0.0f;
                for (int t = 0; t < workers; ++t) sum += partials[t * w_size + i];
                dw[i] = sum;
            }
        });
    }
}

}  // namespace

void conv2d_backward_weight(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* dy,
                            float* dw, float* db, bool accumulate) {
    if (conv2d_winograd_backward_weight(ctx, d, x, dy, dw, db, accumulate) ||
        conv2d_direct_backward_weight(ctx, d, x, dy, dw, db, accumulate)) {
        return;
    }
    weight_gradient_gemm(ctx, d, x, dy, dw, accumulate);
    if (db == nullptr) return;
    const Geometry s = geometry(d);
    // Each channel is summed by one thread over images in order: deterministic.
    parallel_for(ctx.pool, s.out_channels, kBiasGrain, [&](int64_t begin, int64_t end) {
        for (int64_t o = begin; o < end; ++o) {
            double total = 0.0;
            for (int64_t n = 0; n < s.batch; ++n) total += channel_sum(dy + (n * s.out_channels + o) * s.p, s.p);
            db[o] = static_cast<float>(accumulate ? db[o] + total : total);
        }
    });
}

void conv2d_per_sample_sq_norms(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* dy, bool bias,
                                int32_t method, float* sq) {
    const Geometry s = geometry(d);
    const bool ghost = method == 1;
    // Per worker: the column matrix [K, P], then the sample's weight gradient [O/g, K] (method 0) or
    // the two P x P Gram matrices (method 1).
    const int64_t col_floats = s.k * s.p, extra = ghost ? 2 * s.p * s.p : s.group_out * s.k;
    const int64_t m = ghost ? s.p : s.group_out, n = ghost ? s.p : s.k, k = ghost ? std::max(s.k, s.group_out) : s.p;
    for_image_ranges(ctx, s, m, n, k, col_floats + extra, [&](int, int64_t begin, int64_t end, WorkerScratch sc) {
        float* scratch = sc.col + col_floats;
        for (int64_t i = begin; i < end; ++i) {
            double total = 0.0;
            for (int64_t g = 0; g < s.groups; ++g) {
                const float* xg = x + (i * s.channels + g * s.group_in) * s.height * s.width;
                const float* dyg = dy + (i * s.out_channels + g * s.group_out) * s.p;
                const float* cols = columns(d, s, xg, sc.col);
                if (ghost) {
                    float *a = scratch, *b = scratch + s.p * s.p;
                    sc.gemm(true, false, s.p, s.p, s.k, cols, s.p, cols, s.p, 0.0f, a, s.p);
                    sc.gemm(true, false, s.p, s.p, s.group_out, dyg, s.p, dyg, s.p, 0.0f, b, s.p);
                    for (int64_t e = 0; e < s.p * s.p; ++e) total += static_cast<double>(a[e]) * b[e];
                } else {
                    sc.gemm(false, true, s.group_out, s.k, s.p, dyg, s.p, cols, s.p, 0.0f, scratch, s.k);
                    for (int64_t e = 0; e < s.group_out * s.k; ++e) total += static_cast<double>(scratch[e]) * scratch[e];
                }
                if (bias) {
                    for (int64_t o = 0; o < s.group_out; ++o) {
                        const double db = channel_sum(dyg + o * s.p, s.p);
                        total += db * db;
                    }
                }
            }
            sq[i] = static_cast<float>(sq[i] + total);
        }
    });
}

}  // namespace anvil::cpu
