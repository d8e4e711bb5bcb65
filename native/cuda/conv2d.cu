// 2-D convolution on CUDA as implicit GEMMs on the tiled GEMM of gemm.cuh: the im2col matrix
// is never built in global memory; its elements are gathered from x (or dy) as the GEMM loads
// its tiles, with padding read as zero. Groups are the GEMM's independent problems (z).
//   forward:         y[z]  [Og, N*OH*OW]     = w[z] [Og, Cg*KH*KW] * col(x)[z]
//   backward data:   dx[z] [Cg, N*H*W]       = w[z]^T [Cg, Og*KH*KW] * spread(dy)[z]
//   backward weight: dw[z] [Og, Cg*KH*KW]   (+)= dy[z] [Og, N*OH*OW] * col(x)[z]^T
// where col(x) holds, for each kernel tap (c, kh, kw) and output position (n, oh, ow), the input
// element the tap reads there, and spread(dy) holds for each tap (o, kh, kw) and input position
// (n, h, w) the output gradient of the position that reads (n, h, w) through that tap, if any.
// Backward data thus gathers instead of scattering: no atomics, deterministic results.
#include <algorithm>

#include "cuda/block_sum.cuh"
#include "cuda/check.cuh"
#include "cuda/gemm.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"
#include "shapes.h"

namespace anvil::cuda {

namespace {

// The sizes of a convolution in index type I: int32_t when every tensor has fewer than 2^31
// elements (the common case: 32-bit division is several times cheaper than 64-bit on the GPU,
// and the gathers below divide for every element they load), int64_t otherwise.
template <class I>
struct Geometry {
    using Index = I;
    I batch, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
    I cg, og;  // channels per group in and out
    __host__ __device__ I taps() const { return kh * kw; }
    __host__ __device__ I in_plane() const { return h * w; }
    __host__ __device__ I out_plane() const { return oh * ow; }

    // Element (tap (c, i, j) = ct, output position (n, y, x) = pos) of group z's col(x).
    __device__ float col(const float* x, I z, I ct, I pos) const {
        const I ci = ct / taps(), t = ct % taps();
        const I n = pos / out_plane(), s = pos % out_plane();
        const I ih = (s / ow) * sh - ph + (t / kw) * dh, iw = (s % ow) * sw - pw + (t % kw) * dw;
        if (ih < 0 || ih >= h || iw < 0 || iw >= w) return 0.0f;
        return x[((n * c + z * cg + ci) * h + ih) * w + iw];
    }
};

template <class I>
Geometry<I> geometry(const anvil_conv2d_desc& d) {
    return {I(d.batch),    I(d.in_channels), I(d.in_h),  I(d.in_w),  I(d.out_channels), I(d.kernel_h),
            I(d.kernel_w), I(d.stride_h),    I(d.stride_w), I(d.pad_h), I(d.pad_w),      I(d.dilation_h),
            I(d.dilation_w), I(conv2d_out_h(d)), I(conv2d_out_w(d)), I(d.in_channels / d.groups),
            I(d.out_channels / d.groups)};
}

// Calls launch(geometry) with 32-bit indices where every tensor of the convolution allows them.
template <class F>
void with_geometry(const anvil_conv2d_desc& d, F launch) {
    const int64_t nx = d.batch * d.in_channels * d.in_h * d.in_w;
    const int64_t ny = d.batch * d.out_channels * conv2d_out_h(d) * conv2d_out_w(d);
    const int64_t nw = d.out_channels * (d.in_channels / d.groups) * d.kernel_h * d.kernel_w;
    if (std::max({nx, ny, nw}) < (int64_t{1} << 31)) {
        launch(geometry<int32_t>(d));
    } else {
        launch(geometry<int64_t>(d));
    }
}

// ---------------------------------------------------------------- forward

// w[z]: row m is output channel z*og + m, its Cg*KH*KW taps contiguous.
template <class G>
struct WeightA {
    static constexpr bool k_contiguous = true, can_load4 = false;
    using I = typename G::Index;
    const float* w;
    G g;
    __device__ float operator()(int64_t z, int64_t m, int64_t k) const {
        return w[(I(z) * g.og + I(m)) * g.cg * g.taps() + I(k)];
    }
};

template <class G>
struct ColB {
    static constexpr bool n_contiguous = true, can_load4 = false;
    using I = typename G::Index;
    const float* x;
    G g;
    __device__ float operator()(int64_t z, int64_t k, int64_t n) const { return g.col(x, I(z), I(k), I(n)); }
};

template <class G>
struct StoreY {
    using I = typename G::Index;
    float* y;
    const float* bias;
    G g;
    __device__ void operator()(int64_t z, int64_t m, int64_t n, float sum) const {
        const I o = I(z) * g.og + I(m);
        const I b = I(n) / g.out_plane(), s = I(n) % g.out_plane();
        y[(b * g.o + o) * g.out_plane() + s] = bias != nullptr ? sum + bias[o] : sum;
    }
};

// ---------------------------------------------------------------- backward data

// w[z]^T: row m is input channel m of the group, column k the tap (o, i, j) of output channel
// z*og + o.
template <class G>
struct WeightTA {
    static constexpr bool k_contiguous = true, can_load4 = false;
    using I = typename G::Index;
    const float* w;
    G g;
    __device__ float operator()(int64_t z, int64_t m, int64_t k) const {
        const I o = I(k) / g.taps(), t = I(k) % g.taps();
        return w[((I(z) * g.og + o) * g.cg + I(m)) * g.taps() + t];
    }
};

// spread(dy): tap (o, i, j) reads input (h, w) from output (y, x) where y*sh - ph + i*dh = h,
// i.e. where h + ph - i*dh is a non-negative multiple of the stride below OH*sh.
template <class G>
struct SpreadB {
    static constexpr bool n_contiguous = true, can_load4 = false;
    using I = typename G::Index;
    const float* dy;
    G g;
    __device__ float operator()(int64_t z, int64_t k, int64_t n) const {
        const I o = I(k) / g.taps(), t = I(k) % g.taps();
        const I b = I(n) / g.in_plane(), s = I(n) % g.in_plane();
        const I th = s / g.w + g.ph - (t / g.kw) * g.dh, tw = s % g.w + g.pw - (t % g.kw) * g.dw;
        if (th < 0 || tw < 0 || th % g.sh != 0 || tw % g.sw != 0) return 0.0f;
        const I y = th / g.sh, x = tw / g.sw;
        if (y >= g.oh || x >= g.ow) return 0.0f;
        return dy[((b * g.o + I(z) * g.og + o) * g.oh + y) * g.ow + x];
    }
};

template <class G>
struct StoreDx {
    using I = typename G::Index;
    float* dx;
    G g;
    __device__ void operator()(int64_t z, int64_t m, int64_t n, float sum) const {
        const I b = I(n) / g.in_plane(), s = I(n) % g.in_plane();
        dx[(b * g.c + I(z) * g.cg + I(m)) * g.in_plane() + s] = sum;
    }
};

// ---------------------------------------------------------------- backward weight

// dy[z]: row m is output channel z*og + m, column k the output position (n, y, x).
template <class G>
struct GradOutA {
    static constexpr bool k_contiguous = true, can_load4 = false;
    using I = typename G::Index;
    const float* dy;
    G g;
    __device__ float operator()(int64_t z, int64_t m, int64_t k) const {
        const I b = I(k) / g.out_plane(), s = I(k) % g.out_plane();
        return dy[(b * g.o + I(z) * g.og + I(m)) * g.out_plane() + s];
    }
};

// col(x)^T: row k the output position, column n the tap.
template <class G>
struct ColTB {
    static constexpr bool n_contiguous = false, can_load4 = false;
    using I = typename G::Index;
    const float* x;
    G g;
    __device__ float operator()(int64_t z, int64_t k, int64_t n) const { return g.col(x, I(z), I(n), I(k)); }
};

template <class G>
struct StoreDw {
    using I = typename G::Index;
    float* dw;
    G g;
    bool accumulate;
    __device__ void operator()(int64_t z, int64_t m, int64_t n, float sum) const {
        float* at = dw + (I(z) * g.og + I(m)) * g.cg * g.taps() + I(n);
        *at = accumulate ? *at + sum : sum;
    }
};

// db[o] (+)= the sum of dy over batch and positions: block o, each thread summing a fixed
// stride of the channel in double, then a tree in shared memory, so the result is deterministic
// and close to the CPU's.
template <class G>
__global__ void __launch_bounds__(kThreads) bias_grad_kernel(G g, const float* dy, float* db, bool accumulate) {
    __shared__ double partial[kThreads];
    using I = typename G::Index;
    const I o = blockIdx.x, plane = g.out_plane();
    double total = 0.0;
    for (I b = 0; b < g.batch; ++b) {
        const float* channel = dy + (b * g.o + o) * plane;
        for (I i = threadIdx.x; i < plane; i += kThreads) total += channel[i];
    }
    partial[threadIdx.x] = total;
    __syncthreads();
    for (int half = kThreads / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) db[o] = static_cast<float>(accumulate ? db[o] + partial[0] : partial[0]);
}

// "conv2d_forward, x 8x3x32x32, w 16x3x5x5, stride 1x1, pad 2x2, dilation 1x1, groups 1"
std::string describe(const char* op, const anvil_conv2d_desc& d) {
    return format("%s, x %lldx%lldx%lldx%lld, w %lldx%lldx%lldx%lld, stride %lldx%lld, pad %lldx%lld, dilation "
                  "%lldx%lld, groups %lld",
                  op, static_cast<long long>(d.batch), static_cast<long long>(d.in_channels),
                  static_cast<long long>(d.in_h), static_cast<long long>(d.in_w),
                  static_cast<long long>(d.out_channels), static_cast<long long>(d.in_channels / d.groups),
                  static_cast<long long>(d.kernel_h), static_cast<long long>(d.kernel_w),
                  static_cast<long long>(d.stride_h), static_cast<long long>(d.stride_w),
                  static_cast<long long>(d.pad_h), static_cast<long long>(d.pad_w),
                  static_cast<long long>(d.dilation_h), static_cast<long long>(d.dilation_w),
                  static_cast<long long>(d.groups));
}

// A convolution's geometry on the device: the input value of column-matrix row k (channel of the group,
// tap) at output position p, zero in the padding.
struct ConvTaps {
    anvil_conv2d_desc d;
    int64_t out_h, out_w, group_in, group_out, k, p;

    __device__ float at(const float* xg, int64_t row, int64_t pos) const {
        const int64_t c = row / (d.kernel_h * d.kernel_w), kh = row / d.kernel_w % d.kernel_h, kw = row % d.kernel_w;
        const int64_t ih = pos / out_w * d.stride_h - d.pad_h + kh * d.dilation_h;
        const int64_t iw = pos % out_w * d.stride_w - d.pad_w + kw * d.dilation_w;
        if (ih < 0 || ih >= d.in_h || iw < 0 || iw >= d.in_w) return 0.0f;
        return xg[(c * d.in_h + ih) * d.in_w + iw];
    }
};

// One block per sample: method 0 sums the squares of the weight gradient's entries (o, k), each a dot product over
// the positions; method 1 sums (col^T col)[p, q] (dy^T dy)[p, q] over the pairs of positions.
__global__ void __launch_bounds__(kThreads) per_sample_sq_norms_kernel(ConvTaps t, const float* x, const float* dy, bool bias,
                                                                       int32_t method, float* sq) {
    __shared__ double partial[kThreads];
    const int64_t i = blockIdx.x;
    double local = 0.0;
    for (int64_t g = 0; g < t.d.groups; ++g) {
        const float* xg = x + (i * t.d.in_channels + g * t.group_in) * t.d.in_h * t.d.in_w;
        const float* dyg = dy + (i * t.d.out_channels + g * t.group_out) * t.p;
        if (method == 0) {
            for (int64_t e = threadIdx.x; e < t.group_out * t.k; e += kThreads) {
                const int64_t o = e / t.k, row = e % t.k;
                double w = 0.0;
                for (int64_t pos = 0; pos < t.p; ++pos) w += static_cast<double>(dyg[o * t.p + pos]) * t.at(xg, row, pos);
                local += w * w;
            }
        } else {
            for (int64_t e = threadIdx.x; e < t.p * t.p; e += kThreads) {
                const int64_t pa = e / t.p, pb = e % t.p;
                double a = 0.0, b = 0.0;
                for (int64_t row = 0; row < t.k; ++row) a += static_cast<double>(t.at(xg, row, pa)) * t.at(xg, row, pb);
                for (int64_t o = 0; o < t.group_out; ++o) b += static_cast<double>(dyg[o * t.p + pa]) * dyg[o * t.p + pb];
                local += a * b;
            }
        }
        if (bias) {
            for (int64_t o = threadIdx.x; o < t.group_out; o += kThreads) {
                double db = 0.0;
                for (int64_t pos = 0; pos < t.p; ++pos) db += dyg[o * t.p + pos];
                local += db * db;
            }
        }
    }
    const double total = block_sum(local, partial);
    if (threadIdx.x == 0) sq[i] = static_cast<float>(sq[i] + total);
}

}  // namespace

void conv2d_forward(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* w,
                    const float* bias, float* y) {
    with_geometry(d, [&](auto g) {
        using G = decltype(g);
        gemm(ctx, d.groups, g.og, int64_t{g.batch} * g.out_plane(), int64_t{g.cg} * g.taps(), WeightA<G>{w, g},
             ColB<G>{x, g}, StoreY<G>{y, bias, g}, describe("conv2d_forward", d).c_str());
    });
}

void conv2d_backward_data(anvil_context& ctx, const anvil_conv2d_desc& d, const float* dy, const float* w,
                          float* dx) {
    with_geometry(d, [&](auto g) {
        using G = decltype(g);
        gemm(ctx, d.groups, g.cg, int64_t{g.batch} * g.in_plane(), int64_t{g.og} * g.taps(), WeightTA<G>{w, g},
             SpreadB<G>{dy, g}, StoreDx<G>{dx, g}, describe("conv2d_backward_data", d).c_str());
    });
}

void conv2d_backward_weight(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* dy,
                            float* dw, float* db, bool accumulate) {
    with_geometry(d, [&](auto g) {
        using G = decltype(g);
        gemm(ctx, d.groups, g.og, int64_t{g.cg} * g.taps(), int64_t{g.batch} * g.out_plane(), GradOutA<G>{dy, g},
             ColTB<G>{x, g}, StoreDw<G>{dw, g, accumulate}, describe("conv2d_backward_weight", d).c_str());
        if (db == nullptr) return;
        bias_grad_kernel<<<static_cast<unsigned>(g.o), kThreads, 0, enter(ctx)>>>(g, dy, db, accumulate);
        ANVIL_CUDA_LAUNCHED("%s bias kernel", describe("conv2d_backward_weight", d).c_str());
    });
}

void conv2d_per_sample_sq_norms(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* dy, bool bias,
                                int32_t method, float* sq) {
    ConvTaps t{d, conv2d_out_h(d), conv2d_out_w(d), d.in_channels / d.groups, d.out_channels / d.groups, 0, 0};
    t.k = t.group_in * d.kernel_h * d.kernel_w;
    t.p = t.out_h * t.out_w;
    per_sample_sq_norms_kernel<<<static_cast<unsigned>(d.batch), kThreads, 0, enter(ctx)>>>(t, x, dy, bias, method, sq);
    ANVIL_CUDA_LAUNCHED("conv2d_per_sample_sq_norms kernel, batch %lld, method %d", static_cast<long long>(d.batch), method);
}

}  // namespace anvil::cuda
