// Library-wide entry points: version, errors, CPU features, contexts and memory.
#include <string>
#include <thread>

#include "anvil.h"
#include "api.h"
#include "cpu/kernels.h"
#include "cpu_features.h"

#ifndef ANVIL_VERSION_STRING
#define ANVIL_VERSION_STRING "0.0.0"
#endif

namespace anvil {

namespace {
thread_local std::string t_last_error;
}

void set_last_error(const std::string& message) { t_last_error = message; }
void clear_last_error() { t_last_error.clear(); }

void require_disjoint_bytes(const void* a, int64_t bytes_a, const char* name_a, const void* b, int64_t bytes_b,
                            const char* name_b) {
    auto a0 = reinterpret_cast<uintptr_t>(a), b0 = reinterpret_cast<uintptr_t>(b);
    auto a1 = a0 + static_cast<uintptr_t>(bytes_a), b1 = b0 + static_cast<uintptr_t>(bytes_b);
    ANVIL_REQUIRE(a1 <= b0 || b1 <= a0, "%s and %s overlap", name_a, name_b);
}

void require_disjoint(const float* a, int64_t na, const char* name_a, const float* b, int64_t nb,
                      const char* name_b, bool same_ok) {
    if (a == b && same_ok) return;
    require_disjoint_bytes(a, na * static_cast<int64_t>(sizeof(float)), name_a, b,
                           nb * static_cast<int64_t>(sizeof(float)), name_b);
}

}  // namespace anvil

using namespace anvil;

namespace {

// The worker count a context asks for: num_threads <= 0 means every online CPU.
int thread_count(int32_t num_threads) {
    int threads = num_threads;
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    ANVIL_REQUIRE(threads <= 1024, "num_threads must be at most 1024, got %d", threads);
    return threads;
}

}  // namespace

extern "C" {

const char* anvil_version(void) { return ANVIL_VERSION_STRING; }

int32_t anvil_abi_version(void) { return ANVIL_ABI_VERSION; }

const char* anvil_last_error(void) { return t_last_error.c_str(); }

const char* anvil_cpu_features(void) {
    static const std::string text = [] {
        const CpuFeatures& f = cpu_detected_features();
        std::string s;
        if (f.avx2) s += "avx2 ";
        if (f.fma) s += "fma ";
        if (f.avx512f) s += "avx512f ";
        if (f.avx512vbmi) s += "avx512bw avx512vl avx512vbmi ";
        if (!s.empty()) s.pop_back();
        return s.empty() ? std::string("baseline") : s;
    }();
    return text.c_str();
}

const char* anvil_gemm_kernel(void) { return cpu::gemm_kernel_name(); }

anvil_status anvil_cpu_isa_limit(const char* level) {
    return api_call("anvil_cpu_isa_limit", [&] {
        require_ptr(level, "level");
        cpu_isa_limit(level);
    });
}

const char* anvil_cpu_dispatch(void) { return cpu::dispatch_description(); }

anvil_status anvil_context_create(int32_t num_threads, anvil_context** out) {
    return api_call("anvil_context_create", [&] {
        require_ptr(out, "out");
        *out = nullptr;
        *out = new anvil_context(thread_count(num_threads));
    });
}

anvil_status anvil_context_set_num_threads(anvil_context* ctx, int32_t num_threads) {
    return api_call("anvil_context_set_num_threads", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        ANVIL_REQUIRE(c.device == DeviceType::Cpu, "a CUDA context runs its ops on the device: it has no worker threads to set");
        c.pool.resize(thread_count(num_threads));
    });
}

anvil_status anvil_context_destroy(anvil_context* ctx) {
    return api_call("anvil_context_destroy", [&] { delete ctx; });
}

anvil_status anvil_context_num_threads(const anvil_context* ctx, int32_t* out) {
    return api_call("anvil_context_num_threads", [&] {
        ANVIL_REQUIRE(ctx != nullptr, "context is NULL");
        require_ptr(out, "out");
        std::lock_guard<std::mutex> lock(ctx->mutex);
        *out = ctx->pool.size();
    });
}

anvil_status anvil_context_workspace_bytes(const anvil_context* ctx, int64_t* out) {
    return api_call("anvil_context_workspace_bytes", [&] {
        ANVIL_REQUIRE(ctx != nullptr, "context is NULL");
        require_ptr(out, "out");
        std::lock_guard<std::mutex> lock(ctx->mutex);
        *out = ctx->workspace.bytes();
    });
}

anvil_status anvil_malloc(int64_t bytes, void** out) {
    return api_call("anvil_malloc", [&] {
        require_ptr(out, "out");
        *out = nullptr;
        require_positive(bytes, "bytes");
        ANVIL_REQUIRE(bytes <= (INT64_C(1) << 48), "bytes %lld exceeds the 256 TiB limit", static_cast<long long>(bytes));
        *out = aligned_alloc_counted(static_cast<size_t>(bytes));
    });
}

anvil_status anvil_free(void* ptr) {
    return api_call("anvil_free", [&] { aligned_free_counted(ptr); });
}

int64_t anvil_live_bytes(void) { return live_bytes(); }

}  // extern "C"
