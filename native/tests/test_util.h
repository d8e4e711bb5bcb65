// Small helpers shared by the C++ test programs: pass/fail counting, seeded random data and a
// tolerance check against double-precision references.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

namespace test {

inline int passed = 0;
inline int failed = 0;

// Counts one check; on failure prints the printf-style message.
inline void expect(bool ok, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
inline void expect(bool ok, const char* fmt, ...) {
    if (ok) {
        ++passed;
        return;
    }
    ++failed;
    va_list args;
    va_start(args, fmt);
    std::fprintf(stderr, "FAIL: ");
    std::vfprintf(stderr, fmt, args);
    std::fprintf(stderr, "\n");
    va_end(args);
}

// Uniform values in [-1, 1), reproducible from the seed.
inline std::vector<float> random_floats(size_t n, uint32_t seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(gen);
    return v;
}

// Largest error of `got` against `want`, in units of the allowed error: a sum of `terms`
// products of values in [-1, 1] may be off by about 1e-4 * sqrt(terms), relative to the value
// when that is larger than 1. The check passes when the result is <= 1.
inline double error_ratio(const float* got, const std::vector<double>& want, int64_t terms) {
    const double tol = 1e-4 * std::sqrt(static_cast<double>(std::max<int64_t>(terms, 1)));
    double worst = 0.0;
    for (size_t i = 0; i < want.size(); ++i) {
        const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
        const double ratio = err / (tol * std::max(1.0, std::fabs(want[i])));
        if (std::isnan(ratio)) return INFINITY;
        worst = std::max(worst, ratio);
    }
    return worst;
}

// Prints the summary line and returns the process exit code.
inline int finish() {
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

}  // namespace test
