// Softmax cross-entropy, argmax and softmax, one block per row; the element-wise losses.
//
// The mean loss is deterministic: each block writes its row's loss, then one block sums the rows
// in a fixed order (per-thread strided sums, then a fixed tree), so the same inputs give the same
// bits whatever the scheduling. A label out of range is reported through the context's device
// flag: blocks atomicMin the sample index into it, and the host reads it back and throws with
// the first bad sample, as the CPU kernel does.
#include <algorithm>
#include <cfloat>

#include "cuda/check.cuh"
#include "cuda/kernels.h"
#include "cuda_backend.h"
#include "cuda/state.cuh"
#include "error.h"
#include "loss_math.h"

namespace anvil::cuda {

namespace {
constexpr int kRowThreads = 256;
constexpr unsigned long long kNoBadSample = ~0ull;

// Reduces v over the block with op, in a fixed order; every thread gets the result. identity is
// op's neutral value, which the lanes beyond the last warp contribute in the second stage.
template <class Op>
__device__ float block_reduce(float v, Op op, float identity, float* shared) {
    for (int offset = 16; offset > 0; offset /= 2) v = op(v, __shfl_down_sync(0xffffffffu, v, offset));
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    __syncthreads();  // shared may still be read by an earlier reduction
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < blockDim.x / 32 ? shared[lane] : identity;
        for (int offset = 16; offset > 0; offset /= 2) v = op(v, __shfl_down_sync(0xffffffffu, v, offset));
        if (lane == 0) shared[0] = v;
    }
    __syncthreads();
    return shared[0];
}

struct MaxOp {
    __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};
struct SumOp {
    __device__ float operator()(float a, float b) const { return a + b; }
};

// Row maximum and sum of exp(row - max), for the softmax of one row.
__device__ void row_stats(const float* row, int64_t classes, float* shared, float& m, float& sum) {
    float local = -FLT_MAX;
    for (int64_t k = threadIdx.x; k < classes; k += blockDim.x) local = fmaxf(local, row[k]);
    m = block_reduce(local, MaxOp{}, -FLT_MAX, shared);
    local = 0.0f;
    for (int64_t k = threadIdx.x; k < classes; k += blockDim.x) local += expf(row[k] - m);
    sum = block_reduce(local, SumOp{}, 0.0f, shared);
}

__device__ bool label_bad(const anvil_cross_entropy_desc& d, int32_t label) {
    return label != d.ignore_index && (label < 0 || label >= d.classes);
}

__device__ float class_weight(const float* weight, int64_t k) { return weight ? weight[k] : 1.0f; }

// Per row: terms[b], the row's share of the numerator (see anvil.h), and weights[b] = w[label] (0
// when ignored), the row's share of W.
__global__ void row_loss_kernel(anvil_cross_entropy_desc d, const float* logits, const int32_t* labels, const float* weight,
                                float* terms, float* weights, unsigned long long* flag) {
    __shared__ float shared[32];
    const int64_t b = blockIdx.x;
    const int32_t label = labels[b];
    if (label_bad(d, label)) {
        if (threadIdx.x == 0) atomicMin(flag, static_cast<unsigned long long>(b));
        return;
    }
    if (label == d.ignore_index) {
        if (threadIdx.x == 0) terms[b] = weights[b] = 0.0f;
        return;
    }
    const float* row = logits + b * d.classes;
    float m, sum;
    row_stats(row, d.classes, shared, m, sum);
    const float lse = logf(sum) + m;
    float smooth = 0.0f;
    if (d.label_smoothing > 0.0f) {
        float local = 0.0f;
        for (int64_t k = threadIdx.x; k < d.classes; k += blockDim.x) local += class_weight(weight, k) * (lse - row[k]);
        smooth = block_reduce(local, SumOp{}, 0.0f, shared) * d.label_smoothing / static_cast<float>(d.classes);
    }
    if (threadIdx.x == 0) {
        weights[b] = class_weight(weight, label);
        terms[b] = (1.0f - d.label_smoothing) * weights[b] * (lse - row[label]) + smooth;
    }
}

// out[0] = sum of a[0..n), out[1] = sum of b[0..n) (b may be null), in a fixed order.
__global__ void two_sums_kernel(int64_t n, const float* a, const float* b, float* out) {
    __shared__ float shared[32];
    float local = 0.0f;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) local += a[i];
    const float sa = block_reduce(local, SumOp{}, 0.0f, shared);
    local = 0.0f;
    if (b) {
        for (int64_t i = threadIdx.x; i < n; i += blockDim.x) local += b[i];
    }
    const float sb = block_reduce(local, SumOp{}, 0.0f, shared);
    if (threadIdx.x == 0) {
        out[0] = sa;
        out[1] = sb;
    }
}

__global__ void mean_kernel(const float* sums, float* mean) { *mean = sums[0] / sums[1]; }

// Flags the first bad label and writes each row's weight (0 when ignored), for W.
__global__ void check_labels_kernel(anvil_cross_entropy_desc d, const int32_t* labels, const float* weight, float* weights,
                                    unsigned long long* flag) {
    for (int64_t b = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; b < d.batch; b += int64_t{gridDim.x} * blockDim.x) {
        const int32_t label = labels[b];
        if (label_bad(d, label)) {
            atomicMin(flag, static_cast<unsigned long long>(b));
        } else {
            weights[b] = label == d.ignore_index ? 0.0f : class_weight(weight, label);
        }
    }
}

// totals[0] = W, totals[1] = sum_k w[k] (or K without weights).
__global__ void backward_kernel(anvil_cross_entropy_desc d, const float* logits, const int32_t* labels, const float* weight,
                                const float* totals, float scale, float* dlogits) {
    __shared__ float shared[32];
    const int64_t b = blockIdx.x, classes = d.classes;
    const float* row = logits + b * classes;
    float* out = dlogits + b * classes;  // may be the same row: every read is done before the writes
    const int32_t label = labels[b];
    if (label == d.ignore_index) {
        for (int64_t k = threadIdx.x; k < classes; k += blockDim.x) out[k] = 0.0f;
        return;
    }
    float m, sum;
    row_stats(row, classes, shared, m, sum);
    const float per = scale / totals[0], s = d.label_smoothing, smooth = s / static_cast<float>(classes);
    const float weight_sum = weight ? totals[1] : static_cast<float>(classes);
    const float hard = (1.0f - s) * class_weight(weight, label);
    const float c = per * (hard + smooth * weight_sum) / sum;
    for (int64_t k = threadIdx.x; k < classes; k += blockDim.x) {
        float g = expf(row[k] - m) * c - per * smooth * class_weight(weight, k);
        out[k] = k == label ? g - per * hard : g;
    }
}

// The better of two (value, index) candidates for argmax: the larger value, the first on ties,
// and a NaN beats any number (the first NaN wins), as in the CPU kernel and torch.argmax.
__device__ bool better(float a, int64_t ia, float b, int64_t ib) {
    const bool na = isnan(a), nb = isnan(b);
    if (na != nb) return na;
    if (na || a == b) return ia < ib;
    return a > b;
}

__global__ void argmax_kernel(int64_t classes, const float* logits, int32_t* predictions) {
    __shared__ float values[kRowThreads];
    __shared__ int64_t indices[kRowThreads];
    const float* row = logits + blockIdx.x * classes;
    float best = row[0];
    int64_t best_k = 0;
    for (int64_t k = threadIdx.x; k < classes; k += blockDim.x) {
        if (better(row[k], k, best, best_k)) {
            best = row[k];
            best_k = k;
        }
    }
    values[threadIdx.x] = best;
    indices[threadIdx.x] = best_k;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half && better(values[threadIdx.x + half], indices[threadIdx.x + half],
                                         values[threadIdx.x], indices[threadIdx.x])) {
            values[threadIdx.x] = values[threadIdx.x + half];
            indices[threadIdx.x] = indices[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) predictions[blockIdx.x] = static_cast<int32_t>(indices[0]);
}

unsigned long long* reset_flag(anvil_context& ctx, cudaStream_t stream) {
    ANVIL_CUDA_CHECK(cudaMemsetAsync(ctx.cuda->flag, 0xff, sizeof(int64_t), stream), "resetting the label flag");
    return reinterpret_cast<unsigned long long*>(ctx.cuda->flag);
}

// Throws like the CPU kernel if `bad` names a sample (labels is device memory: read it back).
void throw_if_bad(cudaStream_t stream, unsigned long long bad, const anvil_cross_entropy_desc& d, const int32_t* labels) {
    if (bad == kNoBadSample) return;
    int32_t label = 0;
    ANVIL_CUDA_CHECK(cudaMemcpyAsync(&label, labels + bad, sizeof(label), cudaMemcpyDeviceToHost, stream),
                     "reading back label %llu", bad);
    ANVIL_CUDA_CHECK(cudaStreamSynchronize(stream), "reading back label %llu", bad);
    throw Error(ANVIL_ERR_INVALID_ARGUMENT, format("label %d of sample %llu is out of range [0, %lld) and is not ignore_index %d",
                                                  label, bad, static_cast<long long>(d.classes), d.ignore_index));
}
__global__ void softmax_kernel(int64_t cols, bool log, const float* x, float* y) {
    __shared__ float shared[32];
    const float* in = x + blockIdx.x * cols;
    float* out = y + blockIdx.x * cols;
    float m, sum;
    row_stats(in, cols, shared, m, sum);
    const float log_sum = logf(sum);  // (x - m) - log_sum, never x - (m + log_sum): m may dwarf the result
    for (int64_t k = threadIdx.x; k < cols; k += blockDim.x) out[k] = log ? (in[k] - m) - log_sum : expf(in[k] - m) / sum;
}

__global__ void softmax_backward_kernel(int64_t cols, bool log, const float* y, const float* dy, float* dx) {
    __shared__ float shared[32];
    const int64_t base = blockIdx.x * cols;
    float local = 0.0f;
    for (int64_t k = threadIdx.x; k < cols; k += blockDim.x) local += log ? dy[base + k] : dy[base + k] * y[base + k];
    const float dot = block_reduce(local, SumOp{}, 0.0f, shared);
    for (int64_t k = threadIdx.x; k < cols; k += blockDim.x) {
        const int64_t i = base + k;
        dx[i] = log ? dy[i] - expf(y[i]) * dot : y[i] * (dy[i] - dot);
    }
}

// Per-block partial sums of the element-wise loss (in double, a fixed stride per thread, then a
// fixed tree), added in block order by mean_of_partials_kernel: deterministic.
constexpr int kLossBlocks = 256;

__global__ void loss_partial_kernel(int32_t kind, float param, int64_t n, const float* x, const float* t, double* partial) {
    __shared__ double tree[kRowThreads];
    double local = 0.0;
    for (int64_t i = blockIdx.x * int64_t{kRowThreads} + threadIdx.x; i < n; i += int64_t{kLossBlocks} * kRowThreads) {
        local += pointwise_loss(kind, param, x[i], t[i]);
    }
    tree[threadIdx.x] = local;
    __syncthreads();
    for (int half = kRowThreads / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) tree[threadIdx.x] += tree[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) partial[blockIdx.x] = tree[0];
}

__global__ void mean_of_partials_kernel(int64_t n, const double* partial, float* mean) {
    double total = 0.0;
    for (int b = 0; b < kLossBlocks; ++b) total += partial[b];
    *mean = static_cast<float>(total / static_cast<double>(n));
}

__global__ void loss_backward_kernel(int32_t kind, float param, int64_t n, const float* x, const float* t, float per, float* dx) {
    for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
        dx[i] = per * pointwise_loss_derivative(kind, param, x[i], t[i]);
    }
}

}  // namespace

float softmax_cross_entropy_forward(anvil_context& ctx, const anvil_cross_entropy_desc& d, const float* logits,
                                    const int32_t* labels, const float* weight) {
    cudaStream_t stream = enter(ctx);
    unsigned long long* flag = reset_flag(ctx, stream);
    // Row terms, row weights, their two sums, then the mean.
    const int64_t batch = d.batch;
    auto* scratch = static_cast<float*>(device_malloc(ctx, static_cast<size_t>(2 * batch + 3) * sizeof(float)));
    float *terms = scratch, *weights = scratch + batch, *sums = scratch + 2 * batch;
    struct Result {
        unsigned long long bad;
        float mean;
    } result{};
    try {
        row_loss_kernel<<<static_cast<unsigned>(batch), kRowThreads, 0, stream>>>(d, logits, labels, weight, terms, weights, flag);
        ANVIL_CUDA_LAUNCHED("softmax_cross_entropy_forward row kernel, batch=%lld classes=%lld", static_cast<long long>(batch),
                            static_cast<long long>(d.classes));
        two_sums_kernel<<<1, 1024, 0, stream>>>(batch, terms, weights, sums);
        ANVIL_CUDA_LAUNCHED("softmax_cross_entropy_forward sums kernel, batch=%lld", static_cast<long long>(batch));
        mean_kernel<<<1, 1, 0, stream>>>(sums, sums + 2);
        ANVIL_CUDA_LAUNCHED("softmax_cross_entropy_forward mean kernel");
        ANVIL_CUDA_CHECK(cudaMemcpyAsync(&result.bad, flag, sizeof(result.bad), cudaMemcpyDeviceToHost, stream),
                         "reading back the label flag");
        ANVIL_CUDA_CHECK(cudaMemcpyAsync(&result.mean, sums + 2, sizeof(float), cudaMemcpyDeviceToHost, stream),
                         "reading back the loss");
        ANVIL_CUDA_CHECK(cudaStreamSynchronize(stream), "softmax_cross_entropy_forward, batch=%lld classes=%lld",
                         static_cast<long long>(batch), static_cast<long long>(d.classes));
    } catch (...) {
        device_free(ctx, scratch);
        throw;
    }
    device_free(ctx, scratch);
    throw_if_bad(stream, result.bad, d, labels);
    return result.mean;
}

void softmax_cross_entropy_backward(anvil_context& ctx, const anvil_cross_entropy_desc& d, const float* logits,
                                    const int32_t* labels, const float* weight, float scale, float* dlogits) {
    cudaStream_t stream = enter(ctx);
    const int64_t batch = d.batch;
    // Labels are checked before anything is written, as on the CPU; this costs one round trip.
    unsigned long long* flag = reset_flag(ctx, stream);
    auto* scratch = static_cast<float*>(device_malloc(ctx, static_cast<size_t>(batch + 2) * sizeof(float)));
    float *weights = scratch, *totals = scratch + batch;
    try {
        check_labels_kernel<<<static_cast<unsigned>(std::min<int64_t>((batch + 255) / 256, 1024)), 256, 0, stream>>>(
            d, labels, weight, weights, flag);
        ANVIL_CUDA_LAUNCHED("softmax_cross_entropy_backward label check, batch=%lld", static_cast<long long>(batch));
        unsigned long long bad = 0;
        ANVIL_CUDA_CHECK(cudaMemcpyAsync(&bad, flag, sizeof(bad), cudaMemcpyDeviceToHost, stream), "reading back the label flag");
        ANVIL_CUDA_CHECK(cudaStreamSynchronize(stream), "softmax_cross_entropy_backward label check");
        throw_if_bad(stream, bad, d, labels);
        two_sums_kernel<<<1, 1024, 0, stream>>>(batch, weights, nullptr, totals);
        ANVIL_CUDA_LAUNCHED("softmax_cross_entropy_backward weight sum, batch=%lld", static_cast<long long>(batch));
        if (weight) {
            two_sums_kernel<<<1, 1024, 0, stream>>>(d.classes, weight, nullptr, totals + 1);
            ANVIL_CUDA_LAUNCHED("softmax_cross_entropy_backward class weight sum, classes=%lld", static_cast<long long>(d.classes));
        }
        backward_kernel<<<static_cast<unsigned>(batch), kRowThreads, 0, stream>>>(d, logits, labels, weight, totals, scale, dlogits);
        ANVIL_CUDA_LAUNCHED("softmax_cross_entropy_backward kernel, batch=%lld classes=%lld", static_cast<long long>(batch),
                            static_cast<long long>(d.classes));
    } catch (...) {
        device_free(ctx, scratch);
        throw;
    }
    // One stream per context: whatever reuses the block runs after these kernels.
    device_free(ctx, scratch);
}

void argmax(anvil_context& ctx, int64_t batch, int64_t classes, const float* logits, int32_t* predictions) {
    argmax_kernel<<<static_cast<unsigned>(batch), kRowThreads, 0, enter(ctx)>>>(classes, logits, predictions);
    ANVIL_CUDA_LAUNCHED("argmax kernel, batch=%lld classes=%lld", static_cast<long long>(batch),
                        static_cast<long long>(classes));
}

void softmax_forward(anvil_context& ctx, int64_t rows, int64_t cols, bool log, const float* x, float* y) {
    softmax_kernel<<<static_cast<unsigned>(rows), kRowThreads, 0, enter(ctx)>>>(cols, log, x, y);
    ANVIL_CUDA_LAUNCHED("softmax_forward kernel, rows=%lld cols=%lld", static_cast<long long>(rows), static_cast<long long>(cols));
}

void softmax_backward(anvil_context& ctx, int64_t rows, int64_t cols, bool log, const float* y, const float* dy, float* dx) {
    softmax_backward_kernel<<<static_cast<unsigned>(rows), kRowThreads, 0, enter(ctx)>>>(cols, log, y, dy, dx);
    ANVIL_CUDA_LAUNCHED("softmax_backward kernel, rows=%lld cols=%lld", static_cast<long long>(rows), static_cast<long long>(cols));
}

float loss_forward(anvil_context& ctx, int32_t kind, float param, int64_t n, const float* x, const float* target) {
    cudaStream_t stream = enter(ctx);
    auto* scratch = static_cast<double*>(device_malloc(ctx, (kLossBlocks + 1) * sizeof(double)));
    float mean = 0.0f;
    try {
        loss_partial_kernel<<<kLossBlocks, kRowThreads, 0, stream>>>(kind, param, n, x, target, scratch);
        ANVIL_CUDA_LAUNCHED("loss_forward kernel (kind %d), n=%lld", kind, static_cast<long long>(n));
        auto* out = reinterpret_cast<float*>(scratch + kLossBlocks);
        mean_of_partials_kernel<<<1, 1, 0, stream>>>(n, scratch, out);
        ANVIL_CUDA_LAUNCHED("loss_forward mean kernel, n=%lld", static_cast<long long>(n));
        ANVIL_CUDA_CHECK(cudaMemcpyAsync(&mean, out, sizeof(float), cudaMemcpyDeviceToHost, stream), "reading back the loss");
        ANVIL_CUDA_CHECK(cudaStreamSynchronize(stream), "loss_forward (kind %d), n=%lld", kind, static_cast<long long>(n));
    } catch (...) {
        device_free(ctx, scratch);
        throw;
    }
    device_free(ctx, scratch);
    return mean;
}

void loss_backward(anvil_context& ctx, int32_t kind, float param, int64_t n, const float* x, const float* target, float scale,
                   float* dx) {
    const float per = static_cast<float>(static_cast<double>(scale) / static_cast<double>(n));
    const unsigned blocks = static_cast<unsigned>(std::min<int64_t>((n + 255) / 256, int64_t{1} << 16));
    loss_backward_kernel<<<blocks, 256, 0, enter(ctx)>>>(kind, param, n, x, target, per, dx);
    ANVIL_CUDA_LAUNCHED("loss_backward kernel (kind %d), n=%lld", kind, static_cast<long long>(n));
}

}  // namespace anvil::cuda
