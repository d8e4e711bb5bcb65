package dev.anvil;

/**
 * The state of a GPU's caching allocator, in bytes: memory handed out to tensors and not yet
 * freed ({@code allocated}), memory held from the driver, in use or cached for reuse
 * ({@code reserved}), the highest {@code allocated} so far, and how many allocations were served,
 * of which how many from the cache. Like PyTorch's {@code torch.cuda.memory_stats()}.
 */
public record CudaMemoryStats(long allocated, long reserved, long peakAllocated, long allocations, long cacheHits) {}
