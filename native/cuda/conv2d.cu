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
#include "cuda/check.cuh"
#include "cuda/gemm.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"
#include "shapes.h"

namespace anvil::cuda {

namespace {

struct Geometry {
    int64_t batch, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
    int64_t cg, og;  // channels per group in and out
    __host__ __device__ int64_t taps() const { return kh * kw; }
    __host__ __device__ int64_t in_plane() const { return h * w; }
    __host__ __device__ int64_t out_plane() const { return oh * ow; }

    // Element (tap (c, i, j) = ct, output position (n, y, x) = pos) of group z's col(x).
    __device__ float col(const float* x, int64_t z, int64_t ct, int64_t pos) const {
        const int64_t ci = ct / taps(), t = ct % taps();
        const int64_t n = pos / out_plane(), s = pos % out_plane();
        const int64_t ih = (s / ow) * sh - ph + (t / kw) * dh, iw = (s % ow) * sw - pw + (t % kw) * dw;
        if (ih < 0 || ih >= h || iw < 0 || iw >= w) return 0.0f;
        return x[((n * c + z * cg + ci) * h + ih) * w + iw];
    }
};

Geometry geometry(const anvil_conv2d_desc& d) {
    return {d.batch,      d.in_channels, d.in_h,  d.in_w,  d.out_channels,   d.kernel_h,        d.kernel_w,
            d.stride_h,   d.stride_w,    d.pad_h, d.pad_w, d.dilation_h,     d.dilation_w,      conv2d_out_h(d),
            conv2d_out_w(d), d.in_channels / d.groups, d.out_channels / d.groups};
}

// ---------------------------------------------------------------- forward

// w[z]: row m is output channel z*og + m, its Cg*KH*KW taps contiguous.
struct WeightA {
    static constexpr bool k_contiguous = true, can_load4 = false;
    const float* w;
    Geometry g;
    __device__ float operator()(int64_t z, int64_t m, int64_t k) const {
        return w[(z * g.og + m) * g.cg * g.taps() + k];
    }
};

struct ColB {
    static constexpr bool n_contiguous = true, can_load4 = false;
    const float* x;
    Geometry g;
    __device__ float operator()(int64_t z, int64_t k, int64_t n) const { return g.col(x, z, k, n); }
};

struct StoreY {
    float* y;
    const float* bias;
    Geometry g;
    __device__ void operator()(int64_t z, int64_t m, int64_t n, float sum) const {
        const int64_t o = z * g.og + m;
        const int64_t b = n / g.out_plane(), s = n % g.out_plane();
        y[(b * g.o + o) * g.out_plane() + s] = bias != nullptr ? sum + bias[o] : sum;
    }
};

// ---------------------------------------------------------------- backward data

// w[z]^T: row m is input channel m of the group, column k the tap (o, i, j) of output channel
// z*og + o.
struct WeightTA {
    static constexpr bool k_contiguous = true, can_load4 = false;
    const float* w;
    Geometry g;
    __device__ float operator()(int64_t z, int64_t m, int64_t k) const {
        const int64_t o = k / g.taps(), t = k % g.taps();
        return w[((z * g.og + o) * g.cg + m) * g.taps() + t];
    }
};

// spread(dy): tap (o, i, j) reads input (h, w) from output (y, x) where y*sh - ph + i*dh = h,
// i.e. where h + ph - i*dh is a non-negative multiple of the stride below OH*sh.
struct SpreadB {
    static constexpr bool n_contiguous = true, can_load4 = false;
    const float* dy;
    Geometry g;
    __device__ float operator()(int64_t z, int64_t k, int64_t n) const {
        const int64_t o = k / g.taps(), t = k % g.taps();
        const int64_t b = n / g.in_plane(), s = n % g.in_plane();
        const int64_t th = s / g.w + g.ph - (t / g.kw) * g.dh, tw = s % g.w + g.pw - (t % g.kw) * g.dw;
        if (th < 0 || tw < 0 || th % g.sh != 0 || tw % g.sw != 0) return 0.0f;
        const int64_t y = th / g.sh, x = tw / g.sw;
        if (y >= g.oh || x >= g.ow) return 0.0f;
        return dy[((b * g.o + z * g.og + o) * g.oh + y) * g.ow + x];
    }
};

struct StoreDx {
    float* dx;
    Geometry g;
    __device__ void operator()(int64_t z, int64_t m, int64_t n, float sum) const {
        const int64_t b = n / g.in_plane(), s = n % g.in_plane();
        dx[(b * g.c + z * g.cg + m) * g.in_plane() + s] = sum;
    }
};

// ---------------------------------------------------------------- backward weight

// dy[z]: row m is output channel z*og + m, column k the output position (n, y, x).
struct GradOutA {
    static constexpr bool k_contiguous = true, can_load4 = false;
    const float* dy;
    Geometry g;
    __device__ float operator()(int64_t z, int64_t m, int64_t k) const {
        const int64_t b = k / g.out_plane(), s = k % g.out_plane();
        return dy[(b * g.o + z * g.og + m) * g.out_plane() + s];
    }
};

// col(x)^T: row k the output position, column n the tap.
struct ColTB {
    static constexpr bool n_contiguous = false, can_load4 = false;
    const float* x;
    Geometry g;
    __device__ float operator()(int64_t z, int64_t k, int64_t n) const { return g.col(x, z, n, k); }
};

struct StoreDw {
    float* dw;
    Geometry g;
    bool accumulate;
    __device__ void operator()(int64_t z, int64_t m, int64_t n, float sum) const {
        float* at = dw + (z * g.og + m) * g.cg * g.taps() + n;
        *at = accumulate ? *at + sum : sum;
    }
};

// db[o] (+)= the sum of dy over batch and positions: block o, each thread summing a fixed
// stride of the channel in double, then a tree in shared memory, so the result is deterministic
// and close to the CPU's.
__global__ void __launch_bounds__(kThreads) bias_grad_kernel(Geometry g, const float* dy, float* db, bool accumulate) {
    __shared__ double partial[kThreads];
    const int64_t o = blockIdx.x, count = g.batch * g.out_plane();
    double total = 0.0;
    for (int64_t i = threadIdx.x; i < count; i += kThreads) {
        total += dy[(i / g.out_plane() * g.o + o) * g.out_plane() + i % g.out_plane()];
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

}  // namespace

void conv2d_forward(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* w,
                    const float* bias, float* y) {
    const Geometry g = geometry(d);
    gemm(ctx, d.groups, g.og, g.batch * g.out_plane(), g.cg * g.taps(), WeightA{w, g}, ColB{x, g},
         StoreY{y, bias, g}, describe("conv2d_forward", d).c_str());
}

void conv2d_backward_data(anvil_context& ctx, const anvil_conv2d_desc& d, const float* dy, const float* w,
                          float* dx) {
    const Geometry g = geometry(d);
    gemm(ctx, d.groups, g.cg, g.batch * g.in_plane(), g.og * g.taps(), WeightTA{w, g}, SpreadB{dy, g},
         StoreDx{dx, g}, describe("conv2d_backward_data", d).c_str());
}

void conv2d_backward_weight(anvil_context& ctx, const anvil_conv2d_desc& d, const float* x, const float* dy,
                            float* dw, float* db, bool accumulate) {
    const Geometry g = geometry(d);
    gemm(ctx, d.groups, g.og, g.cg * g.taps(), g.batch * g.out_plane(), GradOutA{dy, g}, ColTB{x, g},
         StoreDw{dw, g, accumulate}, describe("conv2d_backward_weight", d).c_str());
    if (db == nullptr) return;
    bias_grad_kernel<<<static_cast<unsigned>(g.o), kThreads, 0, enter(ctx)>>>(g, dy, db, accumulate);
    ANVIL_CUDA_LAUNCHED("%s bias kernel", describe("conv2d_backward_weight", d).c_str());
}

}  // namespace anvil::cuda
