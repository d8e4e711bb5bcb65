// Tests of the internal GEMM (cpu/gemm.h) against a double-precision loop: every transpose
// combination, alpha and beta, a bias added to every row (gemm_bias), padded leading dimensions,
// edge sizes around the micro-tile and cache blocks, the serial and the pooled entry points, and
// 1 vs 2 threads (which must agree bit for bit).
#include <cstring>
#include <limits>

#include "context.h"
#include "cpu/gemm.h"
#include "test_support.h"

namespace {

struct Case {
    bool ta, tb;
    int64_t m, n, k;
    float alpha, beta;
    int64_t pad;  // extra elements per row of A, B and C beyond the minimum leading dimension
};

struct Operands {
    std::vector<float> a, b, c;
    int64_t lda, ldb, ldc;
};

Operands make_operands(const Case& t, uint32_t seed) {
    Operands o;
    o.lda = (t.ta ? t.m : t.k) + t.pad;
    o.ldb = (t.tb ? t.k : t.n) + t.pad;
    o.ldc = t.n + t.pad;
    o.a = test::random_floats(static_cast<size_t>((t.ta ? t.k : t.m) * o.lda), seed);
    o.b = test::random_floats(static_cast<size_t>((t.tb ? t.n : t.k) * o.ldb), seed + 1);
    o.c = test::random_floats(static_cast<size_t>(t.m * o.ldc), seed + 2);
    if (t.beta == 0.0f) {
        // beta == 0 must not read C: poison it.
        std::fill(o.c.begin(), o.c.end(), std::numeric_limits<float>::quiet_NaN());
    }
    return o;
}

// The m x n block of C (without the padding) as computed in double precision.
std::vector<double> reference(const Case& t, const Operands& o) {
    std::vector<double> want(static_cast<size_t>(t.m * t.n));
    for (int64_t i = 0; i < t.m; ++i) {
        for (int64_t j = 0; j < t.n; ++j) {
            double s = 0.0;
            for (int64_t p = 0; p < t.k; ++p) {
                const double av = t.ta ? o.a[p * o.lda + i] : o.a[i * o.lda + p];
                const double bv = t.tb ? o.b[j * o.ldb + p] : o.b[p * o.ldb + j];
                s += av * bv;
            }
            const double c0 = t.beta == 0.0f ? 0.0 : t.beta * static_cast<double>(o.c[i * o.ldc + j]);
            want[i * t.n + j] = t.alpha * s + c0;
        }
    }
    return want;
}

std::vector<float> unpadded(const std::vector<float>& c, int64_t m, int64_t n, int64_t ldc) {
    std::vector<float> out(static_cast<size_t>(m * n));
    for (int64_t i = 0; i < m; ++i) std::memcpy(&out[i * n], &c[i * ldc], static_cast<size_t>(n) * sizeof(float));
    return out;
}

// gemm_bias: C = op(A) op(B) + bias in every row, C not read, the same on 1 and 2 threads.
void check_bias(const Case& t, const Operands& o, const std::vector<double>& want, const char* name,
                anvil_context& one, anvil_context& two) {
    const std::vector<float> bias = test::random_floats(static_cast<size_t>(t.n), static_cast<uint32_t>(t.n + 7));
    std::vector<double> want_b = want;
    for (int64_t i = 0; i < t.m; ++i) {
        for (int64_t j = 0; j < t.n; ++j) want_b[i * t.n + j] += bias[j];
    }
    std::vector<float> c1 = o.c, c2 = o.c;  // NaN: gemm_bias must not read C
    anvil::cpu::gemm_bias(one, t.ta, t.tb, t.m, t.n, t.k, o.a.data(), o.lda, o.b.data(), o.ldb, bias.data(), c1.data(),
                          o.ldc);
    anvil::cpu::gemm_bias(two, t.ta, t.tb, t.m, t.n, t.k, o.a.data(), o.lda, o.b.data(), o.ldb, bias.data(), c2.data(),
                          o.ldc);
    const std::vector<float> u1 = unpadded(c1, t.m, t.n, o.ldc), u2 = unpadded(c2, t.m, t.n, o.ldc);
    const double r = test::error_ratio(u1.data(), want_b, t.k + 1);
    test::expect(r <= 1.0, "%s with bias: error ratio %g", name, r);
    test::expect(std::memcmp(u1.data(), u2.data(), u1.size() * sizeof(float)) == 0, "%s with bias: 1 and 2 threads differ",
                 name);
}

void run_case(const Case& t, anvil_context& one, anvil_context& two) {
    const Operands o = make_operands(t, static_cast<uint32_t>(t.m * 131 + t.n * 17 + t.k));
    const std::vector<double> want = reference(t, o);
    char name[160];
    std::snprintf(name, sizeof name, "gemm %c%c m=%lld n=%lld k=%lld alpha=%g beta=%g pad=%lld", t.ta ? 'T' : 'N',
                  t.tb ? 'T' : 'N', static_cast<long long>(t.m), static_cast<long long>(t.n),
                  static_cast<long long>(t.k), t.alpha, t.beta, static_cast<long long>(t.pad));

    // Serial entry point with a caller-owned packing buffer.
    std::vector<float> c_serial = o.c;
    const int64_t pack_floats = anvil::cpu::gemm_pack_floats(t.m, t.n, t.k);
    float* pack = static_cast<float*>(anvil::aligned_alloc_counted(static_cast<size_t>(pack_floats) * sizeof(float)));
    anvil::cpu::gemm_serial(t.ta, t.tb, t.m, t.n, t.k, t.alpha, o.a.data(), o.lda, o.b.data(), o.ldb, t.beta,
                            c_serial.data(), o.ldc, pack);
    anvil::aligned_free_counted(pack);
    const double r0 = test::error_ratio(unpadded(c_serial, t.m, t.n, o.ldc).data(), want, t.k);
    test::expect(r0 <= 1.0, "%s serial: error ratio %g", name, r0);

    std::vector<float> c1 = o.c, c2 = o.c;
    anvil::cpu::gemm(one, t.ta, t.tb, t.m, t.n, t.k, t.alpha, o.a.data(), o.lda, o.b.data(), o.ldb, t.beta,
                     c1.data(), o.ldc);
    anvil::cpu::gemm(two, t.ta, t.tb, t.m, t.n, t.k, t.alpha, o.a.data(), o.lda, o.b.data(), o.ldb, t.beta,
                     c2.data(), o.ldc);
    const double r1 = test::error_ratio(unpadded(c1, t.m, t.n, o.ldc).data(), want, t.k);
    test::expect(r1 <= 1.0, "%s 1 thread: error ratio %g", name, r1);
    const std::vector<float> u1 = unpadded(c1, t.m, t.n, o.ldc), u2 = unpadded(c2, t.m, t.n, o.ldc);
    test::expect(std::memcmp(u1.data(), u2.data(), u1.size() * sizeof(float)) == 0,
                 "%s: 1 and 2 threads differ", name);
    // The padding between rows of C must be left alone.
    bool pad_kept = true;
    for (int64_t i = 0; i < t.m; ++i) {
        for (int64_t j = t.n; j < o.ldc; ++j) {
            const float before = o.c[i * o.ldc + j], after = c2[i * o.ldc + j];
            pad_kept = pad_kept && (std::memcmp(&before, &after, sizeof(float)) == 0);
        }
    }
    test::expect(pad_kept, "%s: wrote outside the m x n block", name);
    if (t.alpha == 1.0f && t.beta == 0.0f) check_bias(t, o, want, name, one, two);
}

}  // namespace

int main() {
    std::printf("gemm micro-kernel: %s\n", anvil::cpu::gemm_kernel_name());
    {
        anvil_context one(1), two(2);
        const int64_t sizes[][3] = {{1, 1, 1},    {1, 37, 5},    {29, 1, 13},  {6, 16, 8},     {14, 32, 64},
                                    {15, 33, 65}, {13, 31, 257}, {64, 196, 800}, {100, 70, 300}, {337, 129, 519},
                                    {3, 500, 7},  {500, 3, 9},   {64, 40, 3},
                                    // A * B^T with up to 4 rows or 6 columns takes dot products at any k
                                    {4, 84, 120}, {5, 84, 120},  {1, 120, 4}, {128, 2, 84}, {128, 6, 84}, {128, 7, 84},
                                    // the products of a DQN update (4-120-84-2, batch 128): small
                                    // operands, exact edge rows and masked edge columns
                                    {128, 120, 4}, {128, 84, 120}, {84, 120, 128}, {120, 4, 128}, {2, 84, 128},
                                    {128, 84, 2}, {128, 120, 84}, {7, 17, 256}, {9, 48, 100}};
        for (const auto& s : sizes) {
            for (int ta = 0; ta < 2; ++ta) {
                for (int tb = 0; tb < 2; ++tb) {
                    run_case({ta != 0, tb != 0, s[0], s[1], s[2], 1.0f, 0.0f, 0}, one, two);
                    run_case({ta != 0, tb != 0, s[0], s[1], s[2], -0.5f, 1.5f, 3}, one, two);
                }
            }
        }
        run_case({false, false, 20, 40, 0, 1.0f, 2.0f, 0}, one, two);  // empty product: C = beta * C
        run_case({false, false, 20, 40, 0, 1.0f, 0.0f, 1}, one, two);
        run_case({false, true, 4100, 40, 30, 1.0f, 1.0f, 0}, one, two);  // several MC blocks, M split
        run_case({true, false, 30, 4200, 20, 2.0f, 0.0f, 0}, one, two);  // several NC blocks
    }
    test::expect(anvil::live_bytes() == 0, "live bytes %lld after destroying the contexts",
                 static_cast<long long>(anvil::live_bytes()));
    return test::finish();
}
