// The CUDA runtime side of a context (see core/cuda_backend.h): device discovery, one stream per context,
// a stream-ordered caching allocator, copies and pinned host memory.
#include "cuda_backend.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "cuda/check.cuh"
#include "cuda/state.cuh"

namespace anvil::cuda {

std::string describe(cudaError_t err) {
    return std::string(cudaGetErrorString(err)) + " (" + cudaGetErrorName(err) + ")";
}

void throw_cuda_error(cudaError_t err, const std::string& what) {
    // Clears the error if it is not sticky, so that the context stays usable after, say, an OOM.
    cudaGetLastError();
    anvil_status status = ANVIL_ERR_INTERNAL;
    if (err == cudaErrorMemoryAllocation) status = ANVIL_ERR_OUT_OF_MEMORY;
    if (err == cudaErrorInsufficientDriver || err == cudaErrorNoDevice) status = ANVIL_ERR_UNSUPPORTED;
    throw Error(status, what + ": " + describe(err));
}

namespace {
// Asked once: the answer does not change while the process runs, and cudaGetDeviceCount is the
// first call that touches the driver.
struct Discovery {
    int count = 0;
    std::string reason;
};

const Discovery& discovery() {
    static const Discovery d = [] {
        Discovery r;
        const cudaError_t err = cudaGetDeviceCount(&r.count);
        if (err == cudaErrorInsufficientDriver) {
            r.reason = "CUDA driver is not installed or too old: " + describe(err);
        } else if (err != cudaSuccess) {
            r.reason = "no usable CUDA device: " + describe(err);
        } else if (r.count == 0) {
            r.reason = "no CUDA device is visible";
        }
        if (!r.reason.empty()) r.count = 0;
        return r;
    }();
    return d;
}

// Size classes: small blocks are rounded to 512 B, large ones to 2 MiB, so that a freed block
// fits later requests of nearly the same size and the cache holds few distinct sizes.
size_t size_class(size_t bytes) {
    constexpr size_t kSmall = 512, kLarge = size_t{2} << 20, kLimit = size_t{1} << 20;
    const size_t unit = bytes < kLimit ? kSmall : kLarge;
    return (bytes + unit - 1) / unit * unit;
}
}  // namespace

std::string unavailable_reason() { return discovery().reason; }
int32_t device_count() { return discovery().count; }

void device_props(int32_t device, anvil_cuda_device_props* out) {
    cudaDeviceProp p;
    ANVIL_CUDA_CHECK(cudaGetDeviceProperties(&p, device), "cudaGetDeviceProperties of device %d", device);
    std::strncpy(out->name, p.name, sizeof(out->name) - 1);
    out->total_memory = static_cast<int64_t>(p.totalGlobalMem);
    out->major = p.major;
    out->minor = p.minor;
    out->multiprocessors = p.multiProcessorCount;
    ANVIL_CUDA_CHECK(cudaDriverGetVersion(&out->driver_version), "cudaDriverGetVersion");
    ANVIL_CUDA_CHECK(cudaRuntimeGetVersion(&out->runtime_version), "cudaRuntimeGetVersion");
}

// ---------------------------------------------------------------- the caching allocator

// Freed blocks are kept per size class and handed out again without synchronising: every use of
// a block is ordered on the context's single stream, so work queued before the free completes
// before work queued after the next malloc that reuses it.
struct CachingAllocator {
    std::mutex mutex;
    std::unordered_map<void*, size_t> live;         // block -> its size class
    std::map<size_t, std::vector<void*>> cached;   // size class -> free blocks
    anvil_allocator_stats stats{};

    void* allocate(int32_t device, size_t bytes) {
        const size_t size = size_class(bytes);
        std::lock_guard<std::mutex> lock(mutex);
        void* p = nullptr;
        auto it = cached.find(size);
        if (it != cached.end() && !it->second.empty()) {
            p = it->second.back();
            it->second.pop_back();
            ++stats.cache_hits;
        } else {
            cudaError_t err = cudaMalloc(&p, size);
            if (err == cudaErrorMemoryAllocation) {
                // The cache may hold the memory: give it back and try once more.
                cudaGetLastError();
                release_cached();
                err = cudaMalloc(&p, size);
            }
            ANVIL_CUDA_CHECK(err, "cudaMalloc of %zu bytes on device %d (%lld bytes in use)", size, device,
                             static_cast<long long>(stats.allocated));
            stats.reserved += static_cast<int64_t>(size);
        }
        live.emplace(p, size);
        stats.allocated += static_cast<int64_t>(size);
        stats.peak_allocated = std::max(stats.peak_allocated, stats.allocated);
        ++stats.allocations;
        return p;
    }

    void release(void* p) {
        std::lock_guard<std::mutex> lock(mutex);
        auto it = live.find(p);
        ANVIL_REQUIRE(it != live.end(), "pointer %p was not allocated by this context (or was freed already)", p);
        cached[it->second].push_back(p);
        stats.allocated -= static_cast<int64_t>(it->second);
        live.erase(it);
    }

    // Caller holds the mutex. cudaFree waits for the device to finish its queued work, so no
    // kernel still uses a block when it is returned.
    void release_cached() {
        for (auto& [size, blocks] : cached) {
            for (void* p : blocks) {
                cudaFree(p);
                stats.reserved -= static_cast<int64_t>(size);
            }
        }
        cached.clear();
    }
};

// ---------------------------------------------------------------- the context state

CudaState* create_state(int32_t device) {
    ANVIL_CUDA_CHECK(cudaSetDevice(device), "cudaSetDevice(%d)", device);
    auto* state = new CudaState;
    state->device = device;
    state->allocator = new CachingAllocator;
    cudaError_t err = cudaStreamCreateWithFlags(&state->stream, cudaStreamNonBlocking);
    if (err == cudaSuccess) err = cudaDeviceGetAttribute(&state->multiprocessors, cudaDevAttrMultiProcessorCount, device);
    if (err == cudaSuccess) err = cudaMalloc(&state->flag, sizeof(int64_t));
    if (err != cudaSuccess) {
        destroy_state(state);
        throw_cuda_error(err, format("creating the stream of a context on device %d", device));
    }
    return state;
}

void destroy_state(CudaState* state) noexcept {
    if (state == nullptr) return;
    cudaSetDevice(state->device);
    if (state->stream != nullptr) cudaStreamSynchronize(state->stream);
    if (state->allocator != nullptr) {
        for (auto& [p, size] : state->allocator->live) cudaFree(p);
        state->allocator->release_cached();
        delete state->allocator;
    }
    if (state->flag != nullptr) cudaFree(state->flag);
    if (state->stream != nullptr) cudaStreamDestroy(state->stream);
    delete state;
}

cudaStream_t enter(anvil_context& ctx) {
    ANVIL_CUDA_CHECK(cudaSetDevice(ctx.cuda->device), "cudaSetDevice(%d)", ctx.cuda->device);
    return ctx.cuda->stream;
}

void synchronize(anvil_context& ctx) {
    ANVIL_CUDA_CHECK(cudaStreamSynchronize(enter(ctx)), "an earlier op of this context failed on device %d",
                     ctx.device_index);
}

bool query(anvil_context& ctx) {
    const cudaError_t err = cudaStreamQuery(enter(ctx));
    if (err == cudaErrorNotReady) return false;
    ANVIL_CUDA_CHECK(err, "an earlier op of this context failed on device %d", ctx.device_index);
    return true;
}

void require_device_memory(const anvil_context& ctx, const void* p, const char* name) {
    // Blocks of the context's allocator are the common case and need no driver call.
    {
        CachingAllocator& a = *ctx.cuda->allocator;
        std::lock_guard<std::mutex> lock(a.mutex);
        if (a.live.count(const_cast<void*>(p)) != 0) return;
    }
    cudaPointerAttributes attributes{};
    const cudaError_t err = cudaPointerGetAttributes(&attributes, p);
    if (err == cudaSuccess && attributes.type != cudaMemoryTypeUnregistered) return;
    if (err != cudaSuccess) cudaGetLastError();  // not sticky: clear it for the next call
    throw Error(ANVIL_ERR_INVALID_ARGUMENT,
                format("%s (%p) is not memory the GPU can reach, but the context is on CUDA device %d; pass device "
                       "memory (anvil_context_malloc) or pinned host memory",
                       name, p, ctx.device_index));
}

void* device_malloc(anvil_context& ctx, size_t bytes) {
    enter(ctx);
    return ctx.cuda->allocator->allocate(ctx.device_index, bytes);
}

void device_free(anvil_context& ctx, void* ptr) { ctx.cuda->allocator->release(ptr); }

anvil_allocator_stats allocator_stats(const anvil_context& ctx) {
    std::lock_guard<std::mutex> lock(ctx.cuda->allocator->mutex);
    return ctx.cuda->allocator->stats;
}

void empty_cache(anvil_context& ctx) {
    synchronize(ctx);
    std::lock_guard<std::mutex> lock(ctx.cuda->allocator->mutex);
    ctx.cuda->allocator->release_cached();
}

void memcpy(anvil_context& ctx, void* dst, const void* src, size_t bytes, int32_t kind) {
    static const cudaMemcpyKind kKinds[] = {cudaMemcpyHostToHost, cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost,
                                            cudaMemcpyDeviceToDevice};
    static const char* const kNames[] = {"host to host", "host to device", "device to host", "device to device"};
    cudaStream_t stream = enter(ctx);
    ANVIL_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, kKinds[kind], stream), "copy of %zu bytes %s", bytes,
                     kNames[kind]);
    // The host must not read the destination before the data has arrived (the caller may also
    // free a pageable source at once: CUDA has staged it by the time cudaMemcpyAsync returns).
    if (kind == 0 || kind == 2) {
        ANVIL_CUDA_CHECK(cudaStreamSynchronize(stream), "copy of %zu bytes %s", bytes, kNames[kind]);
    }
}

void* stream(anvil_context& ctx) { return enter(ctx); }

void* host_alloc_pinned(anvil_context& ctx, size_t bytes) {
    enter(ctx);
    void* p = nullptr;
    ANVIL_CUDA_CHECK(cudaHostAlloc(&p, bytes, cudaHostAllocPortable), "cudaHostAlloc of %zu bytes", bytes);
    return p;
}

void host_free_pinned(anvil_context& ctx, void* ptr) {
    // Copies queued from this memory must finish before it is returned.
    synchronize(ctx);
    ANVIL_CUDA_CHECK(cudaFreeHost(ptr), "cudaFreeHost(%p)", ptr);
}

}  // namespace anvil::cuda
