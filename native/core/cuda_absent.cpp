// The CUDA runtime functions of a build without the CUDA backend (nvcc was not found, or
// ANVIL_CUDA=OFF): CUDA is reported unavailable, so no CUDA context can be created and the
// functions that need one are never reached through the API; they throw all the same.
#ifndef ANVIL_WITH_CUDA

#include "cuda_backend.h"
#include "error.h"

namespace anvil::cuda {

namespace {
const char* const kNoBackend = "this build of Anvil has no CUDA backend (nvcc was not found when it was built)";

[[noreturn]] void no_backend() { throw Error(ANVIL_ERR_UNSUPPORTED, kNoBackend); }
}  // namespace

std::string unavailable_reason() { return kNoBackend; }
int32_t device_count() { return 0; }
void device_props(int32_t, anvil_cuda_device_props*) { no_backend(); }
CudaState* create_state(int32_t) { no_backend(); }
void destroy_state(CudaState*) noexcept {}
void synchronize(anvil_context&) { no_backend(); }
bool query(anvil_context&) { no_backend(); }
void require_device_memory(const anvil_context&, const void*, const char*) { no_backend(); }
void* device_malloc(anvil_context&, size_t) { no_backend(); }
void device_free(anvil_context&, void*) { no_backend(); }
anvil_allocator_stats allocator_stats(const anvil_context&) { no_backend(); }
void empty_cache(anvil_context&) { no_backend(); }
void memcpy(anvil_context&, void*, const void*, size_t, int32_t) { no_backend(); }
void* stream(anvil_context&) { no_backend(); }
void* host_alloc_pinned(anvil_context&, size_t) { no_backend(); }
void host_free_pinned(anvil_context&, void*) { no_backend(); }

}  // namespace anvil::cuda

#endif  // ANVIL_WITH_CUDA
