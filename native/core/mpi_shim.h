// Open MPI behind anvil_mpi_*: loaded with dlopen on first use, so that libanvil builds without MPI
// headers and loads where MPI is not installed. Every function throws Error on failure.
#pragma once

#include <cstdint>

namespace anvil::mpi {

// Throws ANVIL_ERR_UNSUPPORTED, saying how to install Open MPI, when it cannot be loaded.
void require_library();
// Initialises MPI once; refuses (ANVIL_ERR_UNSUPPORTED) a process that mpirun did not start.
void init();
int32_t rank();
int32_t size();

// The collectives run over MPI_COMM_WORLD; each throws ANVIL_ERR_TIMEOUT when it is not complete
// after timeout_ms, and from then on every collective is refused.
void allreduce_sum(float* data, int64_t n, int64_t timeout_ms);
void bcast(void* data, int64_t bytes, int32_t root, int64_t timeout_ms);
void barrier(int64_t timeout_ms);
void allgather(const void* mine, int64_t bytes, void* all, int64_t timeout_ms);

void finalize();
// Does not return while MPI is initialised.
void abort(int32_t code);

}  // namespace anvil::mpi
