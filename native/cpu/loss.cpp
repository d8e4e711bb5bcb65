// Softmax cross-entropy, argmax and softmax over rows [B,K], one row per work item; the element-wise losses.
#include <algorithm>
#include <cmath>

#include "cpu/kernels.h"
#include "error.h"
#include "loss_math.h"

namespace anvil::cpu {

namespace {
// Rows per thread below which the other threads are not worth waking, for K ~ 10..1000.
int64_t row_grain(int64_t classes) { return std::max<int64_t>(1, (1 << 14) / classes); }

// Checked up front and in sample order, so the error names the first bad sample whatever the
// thread count, and no output has been written when it is thrown. Returns W, the weight of the
// samples not ignored (their count without weights), summed in sample order.
double check_labels(const anvil_cross_entropy_desc& d, const int32_t* labels, const float* weight) {
    double total = 0.0;
    for (int64_t b = 0; b < d.batch; ++b) {
        const int32_t label = labels[b];
        if (label == d.ignore_index) continue;
        if (label < 0 || label >= d.classes) {
            throw Error(ANVIL_ERR_INVALID_ARGUMENT,
                        format("label %d of sample %lld is out of range [0, %lld) and is not ignore_index %d", label,
                               static_cast<long long>(b), static_cast<long long>(d.classes), d.ignore_index));
        }
        total += weight ? weight[label] : 1.0;
    }
    return total;
}

float row_max(const float* row, int64_t classes) {
    float m = row[0];
    for (int64_t k = 1; k < classes; ++k) m = row[k] > m ? row[k] : m;
    return m;
}

// log(sum_k exp(row_k - m)) + m, the log-sum-exp: subtracting the maximum keeps every exponent <= 0,
// so nothing overflows; -logp[k] = lse - row[k].
double log_sum_exp(const float* row, int64_t classes) {
    const float m = row_max(row, classes);
    double sum = 0.0;
    for (int64_t k = 0; k < classes; ++k) sum += std::exp(row[k] - m);
    return std::log(sum) + static_cast<double>(m);
}
}  // namespace

float softmax_cross_entropy_forward(anvil_context& ctx, const anvil_cross_entropy_desc& d, const float* logits,
                                    const int32_t* labels, const float* weight) {
    const double total_weight = check_labels(d, labels, weight);
    const double s = d.label_smoothing;
    // Per-row terms go to scratch and are summed afterwards in row order, so that the mean is
    // bit-identical for every thread count.
    double* terms = ctx.workspace.get<double>(0, static_cast<size_t>(d.batch));
    parallel_for(ctx.pool, d.batch, row_grain(d.classes), [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
            const int32_t label = labels[b];
            if (label == d.ignore_index) {
                terms[b] = 0.0;
                continue;
            }
            const float* row = logits + b * d.classes;
            const double lse = log_sum_exp(row, d.classes);
            double term = (1.0 - s) * (weight ? weight[label] : 1.0) * (lse - row[label]);
            if (s > 0.0) {
                double smooth = 0.0;  // sum_k w[k] * -logp[k]
                for (int64_t k = 0; k < d.classes; ++k) smooth += (weight ? weight[k] : 1.0) * (lse - row[k]);
                term += s / static_cast<double>(d.classes) * smooth;
            }
            terms[b] = term;
        }
    });
    double total = 0.0;
    for (int64_t b = 0; b < d.batch; ++b) total += terms[b];
    return static_cast<float>(total / total_weight);
}

void softmax_cross_entropy_backward(anvil_context& ctx, const anvil_cross_entropy_desc& d, const float* logits,
                                    const int32_t* labels, const float* weight, float scale, float* dlogits) {
    const double total_weight = check_labels(d, labels, weight);
    const int64_t classes = d.classes;
    const double s = d.label_smoothing, per = static_cast<double>(scale) / total_weight;
    double weight_sum = static_cast<double>(classes);  // sum_k w[k]
    if (weight) {
        weight_sum = 0.0;
        for (int64_t k = 0; k < classes; ++k) weight_sum += weight[k];
    }
    // d/dz_k = per * [(1 - s) w[label] (p_k - [k = label]) + (s / K) (p_k sum_j w[j] - w[k])]
    const double smooth = s / static_cast<double>(classes);
    parallel_for(ctx.pool, d.batch, row_grain(classes), [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
            const float* row = logits + b * classes;
            float* out = dlogits + b * classes;  // may be the same row (in place): read before written
            const int32_t label = labels[b];
            if (label == d.ignore_index) {
                std::fill(out, out + classes, 0.0f);
                continue;
            }
            const float m = row_max(row, classes);
            double sum = 0.0;
            for (int64_t k = 0; k < classes; ++k) {
                const float e = std::exp(row[k] - m);
                out[k] = e;
                sum += e;
            }
            const double hard = (1.0 - s) * (weight ? weight[label] : 1.0);
            const float c = static_cast<float>(per * (hard + smooth * weight_sum) / sum);
            if (s > 0.0) {
                const float sk = static_cast<float>(per * smooth);
                for (int64_t k = 0; k < classes; ++k) out[k] = out[k] * c - sk * (weight ? weight[k] : 1.0f);
            } else {
                for (int64_t k = 0; k < classes; ++k) out[k] *= c;
            }
            out[label] -= static_cast<float>(per * hard);
        }
    });
}

void argmax(anvil_context& ctx, int64_t batch, int64_t classes, const float* logits, int32_t* predictions) {
    parallel_for(ctx.pool, batch, row_grain(classes), [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
            const float* row = logits + b * classes;
            int64_t best = 0;
            // Strict ">" keeps the first maximum; a NaN wins (the first one), as in torch.argmax.
            for (int64_t k = 1; k < classes && !std::isnan(row[best]); ++k) {
                if (row[k] > row[best] || std::isnan(row[k])) best = k;
            }
            predictions[b] = static_cast<int32_t>(best);
        }
    });
}

void softmax_forward(anvil_context& ctx, int64_t rows, int64_t cols, bool log, const float* x, float* y) {
    parallel_for(ctx.pool, rows, row_grain(cols), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            const float* in = x + r * cols;
            float* out = y + r * cols;  // may be the same row
            const float m = row_max(in, cols);
            double sum = 0.0;
            for (int64_t k = 0; k < cols; ++k) sum += std::exp(in[k] - m);
            if (log) {
                // (x - m) - log(sum), never x - (m + log(sum)): m may dwarf the result
                const double log_sum = std::log(sum);
                for (int64_t k = 0; k < cols; ++k) out[k] = static_cast<float>((in[k] - m) - log_sum);
            } else {
                const double inv = 1.0 / sum;
                for (int64_t k = 0; k < cols; ++k) out[k] = static_cast<float>(std::exp(in[k] - m) * inv);
            }
        }
    });
}

void softmax_backward(anvil_context& ctx, int64_t rows, int64_t cols, bool log, const float* y, const float* dy, float* dx) {
    parallel_for(ctx.pool, rows, row_grain(cols), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            const float *yr = y + r * cols, *gr = dy + r * cols;
            float* out = dx + r * cols;  // may be dy's row
            double dot = 0.0;
            for (int64_t k = 0; k < cols; ++k) dot += log ? gr[k] : static_cast<double>(gr[k]) * yr[k];
            for (int64_t k = 0; k < cols; ++k) {
                out[k] = log ? static_cast<float>(gr[k] - std::exp(yr[k]) * dot) : static_cast<float>(yr[k] * (gr[k] - dot));
            }
        }
    });
}

float loss_forward(anvil_context& ctx, int32_t kind, float param, int64_t n, const float* x, const float* target) {
    // Partial sums over fixed chunks, added in chunk order: the mean does not depend on the threads.
    constexpr int64_t kChunk = 4096;
    const int64_t chunks = (n + kChunk - 1) / kChunk;
    double* partial = ctx.workspace.get<double>(0, static_cast<size_t>(chunks));
    parallel_for(ctx.pool, chunks, 8, [&](int64_t c0, int64_t c1) {
        for (int64_t c = c0; c < c1; ++c) {
            double s = 0.0;
            for (int64_t i = c * kChunk; i < std::min(n, (c + 1) * kChunk); ++i) s += pointwise_loss(kind, param, x[i], target[i]);
            partial[c] = s;
        }
    });
    double total = 0.0;
    for (int64_t c = 0; c < chunks; ++c) total += partial[c];
    return static_cast<float>(total / static_cast<double>(n));
}

void loss_backward(anvil_context& ctx, int32_t kind, float param, int64_t n, const float* x, const float* target, float scale,
                   float* dx) {
    const float per = static_cast<float>(static_cast<double>(scale) / static_cast<double>(n));
    parallel_for(ctx.pool, n, 1 << 14, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dx[i] = per * pointwise_loss_derivative(kind, param, x[i], target[i]);
    });
}

}  // namespace anvil::cpu
