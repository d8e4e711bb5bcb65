// Reductions of the tensor API on the CPU: sum, mean and max over the middle axis of
// [outer, size, inner], one output per work item, summed in double in index order; top-k per row.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "cpu/kernels.h"
#include "tensor_math.h"

namespace anvil::cpu {

void reduce(anvil_context& ctx, int32_t op, int64_t outer, int64_t size, int64_t inner, const float* x, float* y) {
    const int64_t outputs = outer * inner;
    parallel_for(ctx.pool, outputs, std::max<int64_t>(1, (1 << 15) / size), [&](int64_t j0, int64_t j1) {
        for (int64_t j = j0; j < j1; ++j) {
            const float* p = x + (j / inner) * size * inner + j % inner;
            if (op == ANVIL_REDUCE_MAX) {
                float best = p[0];
                for (int64_t s = 1; s < size && !std::isnan(best); ++s) {
                    const float v = p[s * inner];
                    if (v > best || std::isnan(v)) best = v;
                }
                y[j] = best;
            } else {
                double sum = 0.0;
                for (int64_t s = 0; s < size; ++s) sum += p[s * inner];
                y[j] = static_cast<float>(op == ANVIL_REDUCE_MEAN ? sum / static_cast<double>(size) : sum);
            }
        }
    });
}

void topk(anvil_context& ctx, int64_t rows, int64_t cols, int64_t k, const float* x, float* values, int32_t* indices) {
    parallel_for(ctx.pool, rows, std::max<int64_t>(1, (1 << 14) / cols), [&](int64_t r0, int64_t r1) {
        std::vector<int32_t> order(static_cast<size_t>(cols));
        for (int64_t r = r0; r < r1; ++r) {
            const float* row = x + r * cols;
            std::iota(order.begin(), order.end(), 0);
            std::partial_sort(order.begin(), order.begin() + k, order.end(),
                              [row](int32_t i, int32_t j) { return topk_before(row[i], i, row[j], j); });
            for (int64_t t = 0; t < k; ++t) {
                values[r * k + t] = row[order[t]];
                if (indices != nullptr) indices[r * k + t] = order[t];
            }
        }
    });
}

}  // namespace anvil::cpu
