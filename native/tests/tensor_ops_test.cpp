// The tensor API's native ops against double-precision references: element-wise arithmetic,
// sum/mean/max over one axis of [outer, size, inner], top-k in torch.topk's order (NaN first, ties
// by lower index), matmul; the same bits on one and two threads; the arguments they refuse.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>
#include <vector>

#include "test_support.h"

using test::Contexts;
using test::Rng;

namespace {

void test_binary(const Contexts& ctxs) {
    Rng rng(1);
    for (int64_t n : {int64_t{1}, int64_t{1001}, int64_t{100003}}) {
        std::vector<float> a = rng.vector(n, -3.0f, 3.0f), b = rng.vector(n, -3.0f, 3.0f);
        b[0] = 0.0f;  // division by zero: +-inf, as IEEE and PyTorch
        for (int32_t op : {ANVIL_BINARY_ADD, ANVIL_BINARY_SUB, ANVIL_BINARY_MUL, ANVIL_BINARY_DIV}) {
            std::vector<float> y(n), y2(n), inplace = a;
            EXPECT_OK(anvil_binary(ctxs.one, op, n, a.data(), b.data(), y.data()));
            EXPECT_OK(anvil_binary(ctxs.two, op, n, a.data(), b.data(), y2.data()));
            EXPECT_OK(anvil_binary(ctxs.two, op, n, inplace.data(), b.data(), inplace.data()));
            for (int64_t i = 0; i < n; ++i) {
                const float want = op == ANVIL_BINARY_ADD ? a[i] + b[i] : op == ANVIL_BINARY_SUB ? a[i] - b[i]
                                   : op == ANVIL_BINARY_MUL ? a[i] * b[i] : a[i] / b[i];
                EXPECT(y[i] == want || (std::isnan(y[i]) && std::isnan(want)));
            }
            EXPECT(y == y2 || op == ANVIL_BINARY_DIV);  // (NaN != NaN)
            EXPECT(std::equal(y.begin() + 1, y.end(), inplace.begin() + 1));
        }
    }
    std::vector<float> a(8, 1.0f), y(8);
    EXPECT_ERROR(anvil_binary(ctxs.one, 4, 8, a.data(), a.data(), y.data()), ANVIL_ERR_INVALID_ARGUMENT, "unknown binary op 4");
    EXPECT_ERROR(anvil_binary(ctxs.one, ANVIL_BINARY_ADD, 7, a.data(), a.data() + 1, a.data() + 1), ANVIL_ERR_INVALID_ARGUMENT,
                 "a and y overlap");
    EXPECT_ERROR(anvil_binary(ctxs.one, ANVIL_BINARY_ADD, 8, a.data(), nullptr, y.data()), ANVIL_ERR_INVALID_ARGUMENT, "b");
}

void test_reduce(const Contexts& ctxs) {
    Rng rng(2);
    for (auto [outer, size, inner] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{
             {1, 1, 1}, {1, 10, 1}, {3, 7, 5}, {64, 10, 1}, {1, 5000, 3}, {200, 300, 7}}) {
        std::vector<float> x = rng.vector(outer * size * inner, -2.0f, 2.0f);
        for (int32_t op : {ANVIL_REDUCE_SUM, ANVIL_REDUCE_MEAN, ANVIL_REDUCE_MAX}) {
            std::vector<float> y1(outer * inner), y2(outer * inner);
            EXPECT_OK(anvil_reduce(ctxs.one, op, outer, size, inner, x.data(), y1.data()));
            EXPECT_OK(anvil_reduce(ctxs.two, op, outer, size, inner, x.data(), y2.data()));
            EXPECT(y1 == y2);
            std::vector<double> want(outer * inner);
            for (int64_t o = 0; o < outer; ++o) {
                for (int64_t i = 0; i < inner; ++i) {
                    double sum = 0.0, best = -INFINITY;
                    for (int64_t s = 0; s < size; ++s) {
                        const double v = x[(o * size + s) * inner + i];
                        sum += v;
                        best = std::max(best, v);
                    }
                    want[o * inner + i] = op == ANVIL_REDUCE_SUM ? sum : op == ANVIL_REDUCE_MEAN ? sum / size : best;
                }
            }
            EXPECT(test::all_close(y1, want, 1e-6, 1e-6, "reduce"));
        }
    }
    std::vector<float> x = {1.0f, NAN, 3.0f, 2.0f, -1.0f, 0.5f}, y(2);
    EXPECT_OK(anvil_reduce(ctxs.one, ANVIL_REDUCE_MAX, 2, 3, 1, x.data(), y.data()));
    EXPECT(std::isnan(y[0]) && y[1] == 2.0f);  // torch.amax propagates NaN
    EXPECT_ERROR(anvil_reduce(ctxs.one, 3, 2, 3, 1, x.data(), y.data()), ANVIL_ERR_INVALID_ARGUMENT, "unknown reduce op 3");
    EXPECT_ERROR(anvil_reduce(ctxs.one, ANVIL_REDUCE_SUM, 2, 0, 1, x.data(), y.data()), ANVIL_ERR_INVALID_ARGUMENT, "size");
    EXPECT_ERROR(anvil_reduce(ctxs.one, ANVIL_REDUCE_SUM, 2, 3, 1, x.data(), x.data() + 5), ANVIL_ERR_INVALID_ARGUMENT, "overlap");
}

void test_topk(const Contexts& ctxs) {
    // torch.topk(torch.tensor([[1., 3., nan, 3., 2.], [0., -1., 0., 5., -2.]]), 3) gives values
    // [[nan, 3, 3], [5, 0, 0]] and indices [[2, 1, 3], [3, 0, 2]].
    std::vector<float> x = {1.0f, 3.0f, NAN, 3.0f, 2.0f, 0.0f, -1.0f, 0.0f, 5.0f, -2.0f}, values(6);
    std::vector<int32_t> indices(6);
    EXPECT_OK(anvil_topk(ctxs.one, 2, 5, 3, x.data(), values.data(), indices.data()));
    EXPECT(std::isnan(values[0]) && values[1] == 3.0f && values[2] == 3.0f && values[3] == 5.0f && values[4] == 0.0f &&
           values[5] == 0.0f);
    EXPECT((indices == std::vector<int32_t>{2, 1, 3, 3, 0, 2}));
    Rng rng(3);
    for (auto [rows, cols, k] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{{1, 1, 1}, {7, 10, 10}, {300, 50, 5}, {3, 1000, 17}}) {
        std::vector<float> data = rng.vector(rows * cols);
        for (size_t i = 0; i < data.size(); i += 7) data[i] = std::round(data[i] * 4) / 4;  // ties
        std::vector<float> v1(rows * k), v2(rows * k), v_noidx(rows * k);
        std::vector<int32_t> i1(rows * k), i2(rows * k);
        EXPECT_OK(anvil_topk(ctxs.one, rows, cols, k, data.data(), v1.data(), i1.data()));
        EXPECT_OK(anvil_topk(ctxs.two, rows, cols, k, data.data(), v2.data(), i2.data()));
        EXPECT_OK(anvil_topk(ctxs.two, rows, cols, k, data.data(), v_noidx.data(), nullptr));
        EXPECT(v1 == v2 && i1 == i2 && v1 == v_noidx);
        for (int64_t r = 0; r < rows; ++r) {
            std::vector<int32_t> order(cols);
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return data[r * cols + a] > data[r * cols + b]; });
            for (int64_t t = 0; t < k; ++t) {
                EXPECT(i1[r * k + t] == order[t]);
                EXPECT(v1[r * k + t] == data[r * cols + order[t]]);
            }
        }
    }
    EXPECT_ERROR(anvil_topk(ctxs.one, 2, 5, 6, x.data(), values.data(), indices.data()), ANVIL_ERR_INVALID_ARGUMENT, "k must be in [1, cols = 5]");
    EXPECT_ERROR(anvil_topk(ctxs.one, 2, 5, 0, x.data(), values.data(), indices.data()), ANVIL_ERR_INVALID_ARGUMENT, "k must be");
    EXPECT_ERROR(anvil_topk(ctxs.one, 2, 5, 3, x.data(), x.data() + 4, indices.data()), ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    EXPECT_ERROR(anvil_topk(ctxs.one, 2, 5, 3, x.data(), values.data(), reinterpret_cast<int32_t*>(values.data())),
                 ANVIL_ERR_INVALID_ARGUMENT, "overlap");
}

void test_matmul(const Contexts& ctxs) {
    Rng rng(4);
    for (auto [m, k, n] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{{1, 1, 1}, {3, 5, 7}, {64, 100, 33}, {129, 257, 65}}) {
        std::vector<float> a = rng.vector(m * k), b = rng.vector(k * n), c1(m * n, NAN), c2(m * n);
        EXPECT_OK(anvil_matmul(ctxs.one, m, k, n, a.data(), b.data(), c1.data()));
        EXPECT_OK(anvil_matmul(ctxs.two, m, k, n, a.data(), b.data(), c2.data()));
        EXPECT(c1 == c2);
        std::vector<double> want(m * n, 0.0);
        for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < n; ++j) {
                for (int64_t p = 0; p < k; ++p) want[i * n + j] += static_cast<double>(a[i * k + p]) * b[p * n + j];
            }
        }
        EXPECT(test::all_close(c1, want, 1e-5, 1e-5 * std::sqrt(static_cast<double>(k)), "matmul"));
    }
    std::vector<float> a(12, 1.0f), c(9);
    EXPECT_ERROR(anvil_matmul(ctxs.one, 3, 4, 3, a.data(), a.data(), a.data() + 3), ANVIL_ERR_INVALID_ARGUMENT, "overlap");
    EXPECT_ERROR(anvil_matmul(ctxs.one, 3, 0, 3, a.data(), a.data(), c.data()), ANVIL_ERR_INVALID_ARGUMENT, "k");
    EXPECT_ERROR(anvil_matmul(ctxs.one, 3, 4, 3, nullptr, a.data(), c.data()), ANVIL_ERR_INVALID_ARGUMENT, "a");
}

}  // namespace

int main() {
    {
        Contexts ctxs;
        test_binary(ctxs);
        test_reduce(ctxs);
        test_topk(ctxs);
        test_matmul(ctxs);
    }
    return test::finish();
}
