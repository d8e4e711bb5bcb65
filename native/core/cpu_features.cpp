#include "cpu_features.h"

#include <cstdlib>
#include <mutex>

#include "error.h"

namespace anvil {

namespace {

constexpr const char* kLevelNames[] = {"portable", "avx2", "avx512", "avx512vbmi"};

CpuFeatures detect() {
    CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    f.avx512f = __builtin_cpu_supports("avx512f");
    f.avx512vbmi = f.avx512f && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512vbmi");
#endif
    return f;
}

IsaLevel level_of(const CpuFeatures& f) {
    if (f.avx512vbmi) return IsaLevel::Avx512Vbmi;
    if (f.avx512f) return IsaLevel::Avx512;
    if (f.avx2 && f.fma) return IsaLevel::Avx2;
    return IsaLevel::Portable;
}

bool parse_level(const std::string& name, IsaLevel* out) {
    for (int i = 0; i < 4; ++i) {
        if (name == kLevelNames[i]) {
            *out = static_cast<IsaLevel>(i);
            return true;
        }
    }
    return false;
}

CpuFeatures capped(CpuFeatures f, IsaLevel cap) {
    if (cap < IsaLevel::Avx512Vbmi) f.avx512vbmi = false;
    if (cap < IsaLevel::Avx512) f.avx512f = false;
    if (cap < IsaLevel::Avx2) f.avx2 = f.fma = false;
    return f;
}

struct State {
    std::mutex mutex;
    const CpuFeatures detected = detect();
    IsaLevel cap = IsaLevel::Avx512Vbmi;
    std::string why = "no cap";
    CpuFeatures active;
    bool fixed = false;

    State() {
        const char* env = std::getenv("ANVIL_CPU_ISA");
        if (env == nullptr || *env == '\0') return;
        if (parse_level(env, &cap)) {
            why = std::string("capped by ANVIL_CPU_ISA=") + env;
        } else {
            why = std::string("ANVIL_CPU_ISA=") + env + " is not portable, avx2, avx512 or avx512vbmi: ignored";
        }
    }
};

State& state() {
    static State s;
    return s;
}

}  // namespace

const CpuFeatures& cpu_detected_features() { return state().detected; }

const CpuFeatures& cpu_features() {
    // Fixed once: kernels cache their choice, so the answer must never change afterwards.
    static const CpuFeatures& active = [] () -> const CpuFeatures& {
        State& s = state();
        std::lock_guard<std::mutex> lock(s.mutex);
        s.active = capped(s.detected, s.cap);
        s.fixed = true;
        return s.active;
    }();
    return active;
}

void cpu_isa_limit(const std::string& level) {
    IsaLevel want;
    ANVIL_REQUIRE(parse_level(level, &want), "unknown instruction-set level '%s': expected portable, avx2, avx512 or avx512vbmi",
                  level.c_str());
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.fixed) {
        if (want == s.cap) return;
        throw Error(ANVIL_ERR_UNSUPPORTED,
                    format("the CPU kernels already run at level %s (%s): the level is fixed by the first op, so set it "
                           "before (ANVIL_CPU_ISA, or -Danvil.cpu.isa from Java)",
                           kLevelNames[static_cast<int>(level_of(s.active))], s.why.c_str()));
    }
    s.cap = want;
    s.why = "capped by anvil_cpu_isa_limit(\"" + level + "\")";
}

std::string cpu_isa_description() {
    const CpuFeatures& active = cpu_features();
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    const char* cpu = kLevelNames[static_cast<int>(level_of(s.detected))];
    return std::string(kLevelNames[static_cast<int>(level_of(active))]) + " (" + s.why + "; the CPU has " + cpu + ")";
}

}  // namespace anvil
