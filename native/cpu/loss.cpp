// Softmax cross-entropy and argmax over rows of logits [B,K], one row per work item.
#include <algorithm>
#include <cmath>

#include "cpu/kernels.h"
#include "error.h"

namespace anvil::cpu {

namespace {
// Rows per thread below which the other threads are not worth waking, for K ~ 10..1000.
int64_t row_grain(int64_t classes) { return std::max<int64_t>(1, (1 << 14) / classes); }

// Checked up front and in sample order, so the error names the first bad sample whatever the
// thread count, and no output has been written when it is thrown.
void check_labels(int64_t batch, int64_t classes, const int32_t* labels) {
    for (int64_t b = 0; b < batch; ++b) {
        if (labels[b] < 0 || labels[b] >= classes) {
            throw Error(ANVIL_ERR_INVALID_ARGUMENT,
                        format("label %d of sample %lld is out of range [0, %lld)", labels[b],
                               static_cast<long long>(b), static_cast<long long>(classes)));
        }
    }
}

float row_max(const float* row, int64_t classes) {
    float m = row[0];
    for (int64_t k = 1; k < classes; ++k) m = row[k] > m ? row[k] : m;
    return m;
}

// -log softmax(row)[label] = log(sum_k exp(row_k - max)) + max - row[label]; subtracting the
// maximum keeps every exponent <= 0, so nothing overflows.
double row_loss(const float* row, int64_t classes, int32_t label) {
    const float m = row_max(row, classes);
    double sum = 0.0;
    for (int64_t k = 0; k < classes; ++k) sum += std::exp(row[k] - m);
    return std::log(sum) + static_cast<double>(m) - static_cast<double>(row[label]);
}
}  // namespace

float softmax_cross_entropy_forward(anvil_context& ctx, int64_t batch, int64_t classes, const float* logits,
                                    const int32_t* labels) {
    check_labels(batch, classes, labels);
    // Per-row losses go to scratch and are summed afterwards in row order, so that the mean is
    // bit-identical for every thread count.
    double* losses = ctx.workspace.get<double>(0, static_cast<size_t>(batch));
    parallel_for(ctx.pool, batch, row_grain(classes), [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) losses[b] = row_loss(logits + b * classes, classes, labels[b]);
    });
    double total = 0.0;
    for (int64_t b = 0; b < batch; ++b) total += losses[b];
    return static_cast<float>(total / static_cast<double>(batch));
}

void softmax_cross_entropy_backward(anvil_context& ctx, int64_t batch, int64_t classes, const float* logits,
                                    const int32_t* labels, float scale, float* dlogits) {
    check_labels(batch, classes, labels);
    const double per_sample = static_cast<double>(scale) / static_cast<double>(batch);
    parallel_for(ctx.pool, batch, row_grain(classes), [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
            const float* row = logits + b * classes;
            float* out = dlogits + b * classes;  // may be the same row (in place)
            const float m = row_max(row, classes);
            double sum = 0.0;
            for (int64_t k = 0; k < classes; ++k) {
                float e = std::exp(row[k] - m);
                out[k] = e;
                sum += e;
            }
            const float c = static_cast<float>(per_sample / sum);
            for (int64_t k = 0; k < classes; ++k) out[k] *= c;
            out[labels[b]] -= static_cast<float>(per_sample);
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

}  // namespace anvil::cpu
