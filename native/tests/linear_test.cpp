// Tests of the linear layer through the C API against double-precision loops: odd shapes, with
// and without bias, accumulate 0 and 1, 1 and 2 threads (which must agree bit for bit), and no
// memory left behind.
#include <cstring>

#include "anvil.h"
#include "test_util.h"

namespace {

struct Shape {
    int64_t batch, in, out;
};

void expect_ok(anvil_status s, const char* what) {
    test::expect(s == ANVIL_OK, "%s failed: %s", what, anvil_last_error());
}

struct Result {
    std::vector<float> y, dx, dw, db;
};

Result run(anvil_context* ctx, const anvil_linear_desc& d, const std::vector<float>& x, const std::vector<float>& w,
           const std::vector<float>& bias, const std::vector<float>& dy, const std::vector<float>& dw0,
           const std::vector<float>& db0, bool use_bias, int accumulate) {
    Result r;
    r.y.assign(dy.size(), 0.0f);
    r.dx.assign(x.size(), 0.0f);
    r.dw = dw0;
    r.db = db0;
    expect_ok(anvil_linear_forward(ctx, &d, x.data(), w.data(), use_bias ? bias.data() : nullptr, r.y.data()),
              "linear_forward");
    expect_ok(anvil_linear_backward_data(ctx, &d, dy.data(), w.data(), r.dx.data()), "linear_backward_data");
    expect_ok(anvil_linear_backward_weight(ctx, &d, x.data(), dy.data(), r.dw.data(), use_bias ? r.db.data() : nullptr,
                                           accumulate),
              "linear_backward_weight");
    return r;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

void check_shape(anvil_context* one, anvil_context* two, const Shape& sh, bool use_bias, int accumulate) {
    const int64_t B = sh.batch, I = sh.in, O = sh.out;
    const anvil_linear_desc d{B, I, O};
    const uint32_t seed = static_cast<uint32_t>(B * 1000 + I * 10 + O);
    const std::vector<float> x = test::random_floats(B * I, seed), w = test::random_floats(O * I, seed + 1);
    const std::vector<float> bias = test::random_floats(O, seed + 2), dy = test::random_floats(B * O, seed + 3);
    const std::vector<float> dw0 = test::random_floats(O * I, seed + 4), db0 = test::random_floats(O, seed + 5);

    std::vector<double> y(B * O), dx(B * I), dw(O * I), db(O);
    for (int64_t r = 0; r < B; ++r) {
        for (int64_t o = 0; o < O; ++o) {
            double s = use_bias ? bias[o] : 0.0;
            for (int64_t i = 0; i < I; ++i) s += static_cast<double>(x[r * I + i]) * w[o * I + i];
            y[r * O + o] = s;
        }
        for (int64_t i = 0; i < I; ++i) {
            double s = 0.0;
            for (int64_t o = 0; o < O; ++o) s += static_cast<double>(dy[r * O + o]) * w[o * I + i];
            dx[r * I + i] = s;
        }
    }
    for (int64_t o = 0; o < O; ++o) {
        for (int64_t i = 0; i < I; ++i) {
            double s = accumulate ? dw0[o * I + i] : 0.0;
            for (int64_t r = 0; r < B; ++r) s += static_cast<double>(dy[r * O + o]) * x[r * I + i];
            dw[o * I + i] = s;
        }
        double s = accumulate ? db0[o] : 0.0;
        for (int64_t r = 0; r < B; ++r) s += dy[r * O + o];
        db[o] = s;
    }

    const Result r1 = run(one, d, x, w, bias, dy, dw0, db0, use_bias, accumulate);
    const Result r2 = run(two, d, x, w, bias, dy, dw0, db0, use_bias, accumulate);
    char name[128];
    std::snprintf(name, sizeof name, "linear B=%lld I=%lld O=%lld bias=%d accumulate=%d", static_cast<long long>(B),
                  static_cast<long long>(I), static_cast<long long>(O), use_bias ? 1 : 0, accumulate);
    double e;
    e = test::error_ratio(r1.y.data(), y, I);
    test::expect(e <= 1.0, "%s forward: error ratio %g", name, e);
    e = test::error_ratio(r1.dx.data(), dx, O);
    test::expect(e <= 1.0, "%s backward-data: error ratio %g", name, e);
    e = test::error_ratio(r1.dw.data(), dw, B);
    test::expect(e <= 1.0, "%s backward-weight: error ratio %g", name, e);
    if (use_bias) {
        e = test::error_ratio(r1.db.data(), db, B);
        test::expect(e <= 1.0, "%s bias gradient: error ratio %g", name, e);
    } else {
        test::expect(same_bits(r1.db, db0), "%s: db touched although NULL was passed", name);
    }
    test::expect(same_bits(r1.y, r2.y) && same_bits(r1.dx, r2.dx) && same_bits(r1.dw, r2.dw) &&
                     same_bits(r1.db, r2.db),
                 "%s: 1 and 2 threads differ", name);
}

}  // namespace

int main() {
    anvil_context* one = nullptr;
    anvil_context* two = nullptr;
    expect_ok(anvil_context_create(1, &one), "context_create(1)");
    expect_ok(anvil_context_create(2, &two), "context_create(2)");
    const Shape shapes[] = {{1, 1, 1}, {1, 7, 3}, {5, 13, 9}, {3, 100, 10}, {64, 300, 120}, {17, 33, 65},
                            {64, 784, 200}, {2, 1000, 1}, {130, 40, 70}};
    for (const Shape& sh : shapes) {
        for (int bias = 0; bias < 2; ++bias) {
            for (int acc = 0; acc < 2; ++acc) check_shape(one, two, sh, bias != 0, acc);
        }
    }
    expect_ok(anvil_context_destroy(one), "context_destroy(1)");
    expect_ok(anvil_context_destroy(two), "context_destroy(2)");
    test::expect(anvil_live_bytes() == 0, "live bytes %lld after destroying the contexts",
                 static_cast<long long>(anvil_live_bytes()));
    return test::finish();
}
