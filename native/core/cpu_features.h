// Run-time CPU feature detection: the library is built for baseline x86-64 and selects
// AVX2/AVX-512 code paths on the machine it runs on.
#pragma once

namespace anvil {

struct CpuFeatures {
    bool avx2 = false;
    bool fma = false;
    bool avx512f = false;
    bool avx512vbmi = false;  // and avx512bw and avx512vl: byte shuffles, byte masks on 128-bit vectors
};

const CpuFeatures& cpu_features();

}  // namespace anvil
