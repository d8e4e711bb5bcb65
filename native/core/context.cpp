#include "context.h"

#include <atomic>
#include <cstdlib>
#include <new>

#include "cuda_backend.h"
#include "error.h"

namespace anvil {

namespace {
std::atomic<int64_t> g_live_bytes{0};
constexpr size_t kAlign = 64;
// The size is stored in a header before the returned pointer so that free can count it.
constexpr size_t kHeader = kAlign;
}  // namespace

void* aligned_alloc_counted(size_t bytes) {
    size_t total = ((bytes + kHeader + kAlign - 1) / kAlign) * kAlign;
    void* base = std::aligned_alloc(kAlign, total);
    if (base == nullptr) {
        throw Error(ANVIL_ERR_OUT_OF_MEMORY, format("cannot allocate %zu bytes of host memory", bytes));
    }
    *static_cast<size_t*>(base) = bytes;
    g_live_bytes.fetch_add(static_cast<int64_t>(bytes));
    return static_cast<char*>(base) + kHeader;
}

void aligned_free_counted(void* p) {
    if (p == nullptr) return;
    void* base = static_cast<char*>(p) - kHeader;
    g_live_bytes.fetch_sub(static_cast<int64_t>(*static_cast<size_t*>(base)));
    std::free(base);
}

size_t aligned_size_counted(const void* p) {
    return *reinterpret_cast<const size_t*>(static_cast<const char*>(p) - kHeader);
}

int64_t live_bytes() { return g_live_bytes.load(); }

Workspace::~Workspace() {
    for (auto& b : buffers_) aligned_free_counted(b.ptr);
}

void* Workspace::get(size_t slot, size_t bytes) {
    if (slot >= buffers_.size()) buffers_.resize(slot + 1);
    Buffer& b = buffers_[slot];
    if (b.bytes < bytes) {
        // Grow geometrically so that slowly growing requests do not reallocate every time.
        size_t want = std::max(bytes, b.bytes + b.bytes / 2);
        void* fresh = aligned_alloc_counted(want);
        aligned_free_counted(b.ptr);
        b.ptr = fresh;
        b.bytes = want;
    }
    return b.ptr;
}

int64_t Workspace::bytes() const {
    int64_t total = 0;
    for (const auto& b : buffers_) total += static_cast<int64_t>(b.bytes);
    return total;
}

}  // namespace anvil

anvil_context::~anvil_context() {
    if (cuda != nullptr) anvil::cuda::destroy_state(cuda);
}
