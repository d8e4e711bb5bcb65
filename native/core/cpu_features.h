// Run-time CPU feature detection: the library is built for baseline x86-64 and selects
// AVX2/AVX-512 code paths on the machine it runs on, up to a cap (ANVIL_CPU_ISA or
// anvil_cpu_isa_limit) that makes every variant reachable, and testable, on one machine.
#pragma once

#include <string>

namespace anvil {

struct CpuFeatures {
    bool avx2 = false;
    bool fma = false;
    bool avx512f = false;
    bool avx512vbmi = false;  // and avx512bw and avx512vl: byte shuffles, byte masks on 128-bit vectors
};

// The instruction-set levels, each including the ones before it.
enum class IsaLevel { Portable = 0, Avx2 = 1, Avx512 = 2, Avx512Vbmi = 3 };

// What the kernels may use: the CPU's features up to the cap. The first call fixes the cap, so
// that one process never mixes the variants of a kernel.
const CpuFeatures& cpu_features();
// What the CPU has, whatever the cap.
const CpuFeatures& cpu_detected_features();
// Sets the cap; fails (Error, ANVIL_ERR_UNSUPPORTED) once the kernels have fixed another one.
void cpu_isa_limit(const std::string& level);
// The level in force and why ("avx2 (capped by ANVIL_CPU_ISA=avx2; the CPU has avx512vbmi)").
std::string cpu_isa_description();

}  // namespace anvil
