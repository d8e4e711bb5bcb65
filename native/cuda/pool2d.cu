// Max and average pooling over NCHW planes, the twins of cpu/pool2d.cpp. Forward passes run one
// thread per output element; the window rule and the reduction order are the CPU's, so forward
// results match it exactly.
#include <cmath>

#include "cuda/check.cuh"
#include "cuda/kernels.h"
#include "cuda/launch.cuh"
#include "cuda/state.cuh"
#include "pool_geometry.h"

namespace anvil::cuda {

namespace {

// Index is uint8_t or int32_t (anvil_maxpool2d_index_bytes): the maximum's position in its window.
template <class Index>
__global__ void maxpool_forward_kernel(PoolGeometry g, const float* x, float* y, Index* argmax) {
    ANVIL_GRID_STRIDE(i, g.planes * g.out_plane()) {
        const int64_t p = i / g.out_plane(), j = i % g.out_plane();
        const PoolWindow win = pool_window(g, j / g.out_w, j % g.out_w);
        const float* xp = x + p * g.in_plane();
        float best = -INFINITY;
        int64_t best_at = (win.h0 - win.top) * g.kw + (win.w0 - win.left);
        for (int64_t h = win.h0; h < win.h1; ++h) {
            for (int64_t w = win.w0; w < win.w1; ++w) {
                const float v = xp[h * g.in_w + w];
                if (beats(v, best)) {
                    best = v;
                    best_at = (h - win.top) * g.kw + (w - win.left);
                }
            }
        }
        y[i] = best;
        if (argmax != nullptr) argmax[i] = static_cast<Index>(best_at);
    }
}

// dx was zeroed; each output sends its gradient to its maximum. When windows overlap one input
// can be the maximum of several outputs, so the adds must be atomic, and their order (hence the
// rounding of the sum) then depends on scheduling: such results may differ from the CPU's, and
// from run to run, in the last bits. Without overlap every input receives at most one gradient
// and a plain store is exact and deterministic. A position outside its window (only a corrupted
// argmax holds one) is skipped, as on the CPU.
template <bool Overlap, class Index>
__global__ void maxpool_backward_kernel(PoolGeometry g, const float* dy, const Index* argmax, float* dx) {
    ANVIL_GRID_STRIDE(i, g.planes * g.out_plane()) {
        const int64_t j = i % g.out_plane(), at = argmax[i];
        const PoolWindow win = pool_window(g, j / g.out_w, j % g.out_w);
        const int64_t h = win.top + at / g.kw, w = win.left + at % g.kw;
        if (at < 0 || h < win.h0 || h >= win.h1 || w < win.w0 || w >= win.w1) continue;
        float* target = dx + (i / g.out_plane()) * g.in_plane() + h * g.in_w + w;
        if (Overlap) {
            atomicAdd(target, dy[i]);
        } else {
            *target = dy[i];
        }
    }
}

__global__ void avgpool_forward_kernel(PoolGeometry g, const float* x, float* y) {
    ANVIL_GRID_STRIDE(i, g.planes * g.out_plane()) {
        const int64_t p = i / g.out_plane(), j = i % g.out_plane();
        const int64_t oh = j / g.out_w, ow = j % g.out_w;
        const float* xp = x + p * g.in_plane();
        const PoolWindow win = pool_window(g, oh, ow);
        float sum = 0.0f;
        for (int64_t h = win.h0; h < win.h1; ++h) {
            for (int64_t w = win.w0; w < win.w1; ++w) sum += xp[h * g.in_w + w];
        }
        y[i] = sum / static_cast<float>(avg_divisor(g, win));
    }
}

// One thread per input element gathers the shares of the windows that contain it, in the
// row-major output order in which the CPU scatters them: no atomics, and the CPU's sums.
__global__ void avgpool_backward_kernel(PoolGeometry g, const float* dy, float* dx) {
    ANVIL_GRID_STRIDE(i, g.planes * g.in_plane()) {
        const int64_t p = i / g.in_plane(), j = i % g.in_plane();
        const int64_t h = j / g.in_w, w = j % g.in_w;
        // Output row oh covers input rows [oh*sh - ph, oh*sh - ph + kh): it contains h for
        // ceil((h + ph - kh + 1) / sh) <= oh <= floor((h + ph) / sh); likewise for columns.
        const int64_t oh0 = max(int64_t{0}, (h + g.ph - g.kh + g.sh) / g.sh);
        const int64_t oh1 = min(g.out_h - 1, (h + g.ph) / g.sh);
        const int64_t ow0 = max(int64_t{0}, (w + g.pw - g.kw + g.sw) / g.sw);
        const int64_t ow1 = min(g.out_w - 1, (w + g.pw) / g.sw);
        const float* dyp = dy + p * g.out_plane();
        float sum = 0.0f;
        for (int64_t oh = oh0; oh <= oh1; ++oh) {
            for (int64_t ow = ow0; ow <= ow1; ++ow) {
                sum += dyp[oh * g.out_w + ow] / static_cast<float>(avg_divisor(g, pool_window(g, oh, ow)));
            }
        }
        dx[i] = sum;
    }
}

template <class Index>
void launch_maxpool_backward(const PoolGeometry& g, const float* dy, const void* argmax, float* dx, cudaStream_t stream) {
    const int64_t n = g.planes * g.out_plane();
    const auto* at = static_cast<const Index*>(argmax);
    if (g.sh < g.kh || g.sw < g.kw) {
        maxpool_backward_kernel<true><<<blocks_for(n), kThreads, 0, stream>>>(g, dy, at, dx);
    } else {
        maxpool_backward_kernel<false><<<blocks_for(n), kThreads, 0, stream>>>(g, dy, at, dx);
    }
}

}  // namespace

void maxpool2d_forward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* x, float* y, void* argmax) {
    const PoolGeometry g = pool_geometry(d);
    const int64_t n = g.planes * g.out_plane();
    cudaStream_t stream = enter(ctx);
    if (maxpool2d_index_bytes(d) == 1) {
        maxpool_forward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(g, x, y, static_cast<uint8_t*>(argmax));
    } else {
        maxpool_forward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(g, x, y, static_cast<int32_t*>(argmax));
    }
    ANVIL_CUDA_LAUNCHED("maxpool2d_forward kernel, %lld planes of %lldx%lld -> %lldx%lld",
                        static_cast<long long>(g.planes), static_cast<long long>(g.in_h),
                        static_cast<long long>(g.in_w), static_cast<long long>(g.out_h),
                        static_cast<long long>(g.out_w));
}

void maxpool2d_backward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* dy, const void* argmax,
                        float* dx) {
    const PoolGeometry g = pool_geometry(d);
    cudaStream_t stream = enter(ctx);
    ANVIL_CUDA_CHECK(cudaMemsetAsync(dx, 0, static_cast<size_t>(g.planes * g.in_plane()) * sizeof(float), stream),
                     "zeroing dx of maxpool2d_backward");
    if (maxpool2d_index_bytes(d) == 1) {
        launch_maxpool_backward<uint8_t>(g, dy, argmax, dx, stream);
    } else {
        launch_maxpool_backward<int32_t>(g, dy, argmax, dx, stream);
    }
    ANVIL_CUDA_LAUNCHED("maxpool2d_backward kernel, %lld planes of %lldx%lld -> %lldx%lld",
                        static_cast<long long>(g.planes), static_cast<long long>(g.in_h),
                        static_cast<long long>(g.in_w), static_cast<long long>(g.out_h),
                        static_cast<long long>(g.out_w));
}

void avgpool2d_forward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* x, float* y) {
    const PoolGeometry g = pool_geometry(d);
    const int64_t n = g.planes * g.out_plane();
    avgpool_forward_kernel<<<blocks_for(n), kThreads, 0, enter(ctx)>>>(g, x, y);
    ANVIL_CUDA_LAUNCHED("avgpool2d_forward kernel, %lld planes of %lldx%lld -> %lldx%lld",
                        static_cast<long long>(g.planes), static_cast<long long>(g.in_h),
                        static_cast<long long>(g.in_w), static_cast<long long>(g.out_h),
                        static_cast<long long>(g.out_w));
}

void avgpool2d_backward(anvil_context& ctx, const anvil_pool2d_desc& d, const float* dy, float* dx) {
    const PoolGeometry g = pool_geometry(d);
    const int64_t n = g.planes * g.in_plane();
    avgpool_backward_kernel<<<blocks_for(n), kThreads, 0, enter(ctx)>>>(g, dy, dx);
    ANVIL_CUDA_LAUNCHED("avgpool2d_backward kernel, %lld planes of %lldx%lld -> %lldx%lld",
                        static_cast<long long>(g.planes), static_cast<long long>(g.in_h),
                        static_cast<long long>(g.in_w), static_cast<long long>(g.out_h),
                        static_cast<long long>(g.out_w));
}

}  // namespace anvil::cuda
