// The object behind the opaque anvil_context handle: worker threads plus reusable scratch
// memory, so that kernels allocate nothing on the training hot path once warmed up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "thread_pool.h"

namespace anvil {

// 64-byte aligned, counted allocations (anvil_malloc / anvil_free and the workspaces).
void* aligned_alloc_counted(size_t bytes);
void aligned_free_counted(void* p);
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

}  // namespace anvil

struct anvil_context {
    explicit anvil_context(int threads) : pool(threads) {}
    anvil::ThreadPool pool;
    anvil::Workspace workspace;
};
