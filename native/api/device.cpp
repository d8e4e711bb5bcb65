// C ABI of devices, contexts on them, their memory and copies: validation, then dispatch to the
// CPU (host memory) or to the CUDA backend (core/cuda_backend.h).
#include <cstring>

#include "api.h"
#include "cuda_backend.h"

using namespace anvil;

namespace {
constexpr int64_t kMaxBytes = INT64_C(1) << 48;

void check_bytes(int64_t bytes) {
    require_positive(bytes, "bytes");
    ANVIL_REQUIRE(bytes <= kMaxBytes, "bytes %lld exceeds the 256 TiB limit", static_cast<long long>(bytes));
}

const char* kind_name(int32_t kind) {
    switch (kind) {
        case 0: return "host to host";
        case 1: return "host to device";
        case 2: return "device to host";
        case 3: return "device to device";
        default: return "unknown";
    }
}

void require_cuda_available() {
    const std::string reason = cuda::unavailable_reason();
    if (!reason.empty()) throw Error(ANVIL_ERR_UNSUPPORTED, reason);
}
}  // namespace

extern "C" {

anvil_status anvil_cuda_available(void) {
    return api_call("anvil_cuda_available", [&] { require_cuda_available(); });
}

anvil_status anvil_cuda_device_count(int32_t* out) {
    return api_call("anvil_cuda_device_count", [&] {
        require_ptr(out, "out");
        *out = cuda::device_count();
    });
}

anvil_status anvil_cuda_device_props_get(int32_t device, anvil_cuda_device_props* out) {
    return api_call("anvil_cuda_device_props_get", [&] {
        require_ptr(out, "out");
        require_cuda_available();
        const int32_t count = cuda::device_count();
        ANVIL_REQUIRE(device >= 0 && device < count, "device %d requested, %d visible", device, count);
        std::memset(out, 0, sizeof(*out));
        cuda::device_props(device, out);
    });
}

anvil_status anvil_context_create_cuda(int32_t device, anvil_context** out) {
    return api_call("anvil_context_create_cuda", [&] {
        require_ptr(out, "out");
        *out = nullptr;
        require_cuda_available();
        const int32_t count = cuda::device_count();
        ANVIL_REQUIRE(device >= 0 && device < count, "device %d requested, %d visible", device, count);
        CudaState* state = cuda::create_state(device);
        try {
            *out = new anvil_context(device, state);
        } catch (...) {
            cuda::destroy_state(state);
            throw;
        }
    });
}

anvil_status anvil_context_device(const anvil_context* ctx, int32_t* device_type, int32_t* device_index) {
    return api_call("anvil_context_device", [&] {
        ANVIL_REQUIRE(ctx != nullptr, "context is NULL");
        require_ptr(device_type, "device_type");
        require_ptr(device_index, "device_index");
        *device_type = static_cast<int32_t>(ctx->device);
        *device_index = ctx->device_index;
    });
}

anvil_status anvil_context_synchronize(anvil_context* ctx) {
    return api_call("anvil_context_synchronize", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        if (is_cuda(c)) cuda::synchronize(c);
    });
}

anvil_status anvil_context_query(anvil_context* ctx, int32_t* done) {
    return api_call("anvil_context_query", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_ptr(done, "done");
        *done = is_cuda(c) ? (cuda::query(c) ? 1 : 0) : 1;
    });
}

anvil_status anvil_context_cuda_stream(anvil_context* ctx, void** out) {
    return api_call("anvil_context_cuda_stream", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_ptr(out, "out");
        *out = is_cuda(c) ? cuda::stream(c) : nullptr;
    });
}

anvil_status anvil_context_malloc(anvil_context* ctx, int64_t bytes, void** out) {
    return api_call("anvil_context_malloc", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_ptr(out, "out");
        *out = nullptr;
        check_bytes(bytes);
        if (is_cuda(c)) {
            *out = cuda::device_malloc(c, static_cast<size_t>(bytes));
            return;
        }
        *out = aligned_alloc_counted(static_cast<size_t>(bytes));
        std::lock_guard<std::mutex> lock(c.host_stats.mutex);
        c.host_stats.allocated += bytes;
        c.host_stats.peak = std::max(c.host_stats.peak, c.host_stats.allocated);
        ++c.host_stats.allocations;
    });
}

anvil_status anvil_context_free(anvil_context* ctx, void* ptr) {
    return api_call("anvil_context_free", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        if (ptr == nullptr) return;
        if (is_cuda(c)) {
            cuda::device_free(c, ptr);
            return;
        }
        const auto bytes = static_cast<int64_t>(aligned_size_counted(ptr));
        aligned_free_counted(ptr);
        std::lock_guard<std::mutex> lock(c.host_stats.mutex);
        c.host_stats.allocated -= bytes;
    });
}

anvil_status anvil_context_allocator_stats(const anvil_context* ctx, anvil_allocator_stats* out) {
    return api_call("anvil_context_allocator_stats", [&] {
        ANVIL_REQUIRE(ctx != nullptr, "context is NULL");
        require_ptr(out, "out");
        std::lock_guard<std::mutex> context_lock(ctx->mutex);
        if (is_cuda(*ctx)) {
            *out = cuda::allocator_stats(*ctx);
            return;
        }
        // A CPU context caches nothing: what is reserved is what is allocated.
        auto& s = const_cast<anvil_context*>(ctx)->host_stats;
        std::lock_guard<std::mutex> lock(s.mutex);
        *out = anvil_allocator_stats{s.allocated, s.allocated, s.peak, s.allocations, 0};
    });
}

anvil_status anvil_context_empty_cache(anvil_context* ctx) {
    return api_call("anvil_context_empty_cache", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        if (is_cuda(c)) cuda::empty_cache(c);
    });
}

anvil_status anvil_memcpy(anvil_context* ctx, void* dst, const void* src, int64_t bytes, int32_t kind) {
    return api_call("anvil_memcpy", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        ANVIL_REQUIRE(kind >= 0 && kind <= 3, "kind must be 0 (host to host) .. 3 (device to device), got %d", kind);
        require_non_negative(bytes, "bytes");
        if (bytes == 0) return;
        require_ptr(dst, "dst");
        require_ptr(src, "src");
        auto d0 = reinterpret_cast<uintptr_t>(dst), s0 = reinterpret_cast<uintptr_t>(src);
        ANVIL_REQUIRE(d0 + static_cast<uintptr_t>(bytes) <= s0 || s0 + static_cast<uintptr_t>(bytes) <= d0,
                      "dst and src overlap");
        if (is_cuda(c)) {
            cuda::memcpy(c, dst, src, static_cast<size_t>(bytes), kind);
            return;
        }
        ANVIL_REQUIRE(kind == 0, "kind %d (%s) needs a CUDA context; this context is on the CPU", kind,
                      kind_name(kind));
        std::memcpy(dst, src, static_cast<size_t>(bytes));
    });
}

anvil_status anvil_host_alloc_pinned(anvil_context* ctx, int64_t bytes, void** out) {
    return api_call("anvil_host_alloc_pinned", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        require_ptr(out, "out");
        *out = nullptr;
        check_bytes(bytes);
        *out = is_cuda(c) ? cuda::host_alloc_pinned(c, static_cast<size_t>(bytes))
                          : aligned_alloc_counted(static_cast<size_t>(bytes));
    });
}

anvil_status anvil_host_free_pinned(anvil_context* ctx, void* ptr) {
    return api_call("anvil_host_free_pinned", [&] {
        ANVIL_LOCK_CONTEXT(c, ctx);
        if (ptr == nullptr) return;
        if (is_cuda(c)) {
            cuda::host_free_pinned(c, ptr);
        } else {
            aligned_free_counted(ptr);
        }
    });
}

}  // extern "C"
