// The object behind the opaque anvil_context handle: worker threads plus reusable scratch
// memory, so that kernels allocate nothing on the training hot path once warmed up. A CUDA
// context also owns the CUDA-side state (stream, caching allocator), opaque to the C++ code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "thread_pool.h"

namespace anvil {

// 64-byte aligned, counted allocations (anvil_malloc / anvil_free and the workspaces).
void* aligned_alloc_counted(size_t bytes);
void aligned_free_counted(void* p);
// The size requested when p was allocated by aligned_alloc_counted.
size_t aligned_size_counted(const void* p);
int64_t live_bytes();

// Grow-only scratch buffers indexed by slot. A kernel asks for slot k with at least `bytes`;
// the pointer stays valid until the next request for the same slot. Slots let one kernel use
// several buffers at once (for example one per thread).
class Workspace {
public:
    Workspace() = default;
    ~Workspace();
    Workspace(const Workspace&) = delete;
    Workspace& operator=(const Workspace&) = delete;

    void* get(size_t slot, size_t bytes);
    template <class T>
    T* get(size_t slot, size_t count) { return static_cast<T*>(get(slot, count * sizeof(T))); }
    int64_t bytes() const;

private:
    struct Buffer {
        void* ptr = nullptr;
        size_t bytes = 0;
    };
    std::vector<Buffer> buffers_;
};

// Memory handed out by anvil_context_malloc on a CPU context, counted per context so that
// anvil_context_allocator_stats means the same on both devices (a CPU context caches nothing).
struct HostAllocatorStats {
    std::mutex mutex;
    int64_t allocated = 0, peak = 0, allocations = 0;
};

// Defined by the CUDA backend (native/cuda/runtime.cu).
struct CudaState;

enum class DeviceType : int32_t { Cpu = 0, Cuda = 1 };

}  // namespace anvil

struct anvil_context {
    // A CPU context with `threads` workers.
    explicit anvil_context(int threads) : pool(threads) {}
    // A CUDA context: its ops run on the device, so one host thread is enough.
    anvil_context(int32_t cuda_device, anvil::CudaState* state)
        : pool(1), device(anvil::DeviceType::Cuda), device_index(cuda_device), cuda(state) {}
    ~anvil_context();
    anvil_context(const anvil_context&) = delete;
    anvil_context& operator=(const anvil_context&) = delete;

    // Held for the whole of each call on the context (ANVIL_LOCK_CONTEXT): the pool and the
    // workspaces serve one call at a time, so callers on several threads queue.
    mutable std::mutex mutex;
    anvil::ThreadPool pool;
    anvil::Workspace workspace;
    anvil::DeviceType device = anvil::DeviceType::Cpu;
    int32_t device_index = 0;
    anvil::CudaState* cuda = nullptr;  // owned; non-null exactly for a CUDA context
    anvil::HostAllocatorStats host_stats;
};
