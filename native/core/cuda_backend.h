// What the CUDA backend gives the rest of the library: device discovery, the per-context stream,
// the caching allocator and copies. Plain C++, so that the API layer and the core include no CUDA
// header; implemented in native/cuda/runtime.cu, or by core/cuda_absent.cpp in a build without
// CUDA, where every function that needs a device throws ANVIL_ERR_UNSUPPORTED.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "anvil.h"
#include "context.h"

namespace anvil::cuda {

// Why CUDA cannot be used (no backend in this build, no driver, no device), or "" when it can.
std::string unavailable_reason();
// Visible devices; 0 when unavailable_reason() is not empty.
int32_t device_count();
void device_props(int32_t device, anvil_cuda_device_props* out);

// A stream and an allocator on `device` (valid index checked by the caller).
CudaState* create_state(int32_t device);
// Waits for the stream, returns every block to the device; never throws (called by ~anvil_context).
void destroy_state(CudaState* state) noexcept;

// Waits for the context's stream; throws with the CUDA error of an earlier asynchronous failure.
void synchronize(anvil_context& ctx);

// Whether the context's stream has finished its work; throws as synchronize() for an earlier failure.
bool query(anvil_context& ctx);

// Throws ANVIL_ERR_INVALID_ARGUMENT, naming `name`, unless the GPU of the context can reach p
// (device memory, or pinned or managed host memory): a kernel that reads pageable host memory
// faults and leaves the device unusable for the rest of the process.
void require_device_memory(const anvil_context& ctx, const void* p, const char* name);

// The stream-ordered caching allocator of the context.
void* device_malloc(anvil_context& ctx, size_t bytes);
void device_free(anvil_context& ctx, void* ptr);
anvil_allocator_stats allocator_stats(const anvil_context& ctx);
void empty_cache(anvil_context& ctx);

// kind as in anvil_memcpy (0..3, checked by the caller).
void memcpy(anvil_context& ctx, void* dst, const void* src, size_t bytes, int32_t kind);

// The context's stream (a cudaStream_t), made current on its device, for plug-in CUDA entry points.
void* stream(anvil_context& ctx);

void* host_alloc_pinned(anvil_context& ctx, size_t bytes);
void host_free_pinned(anvil_context& ctx, void* ptr);

}  // namespace anvil::cuda
