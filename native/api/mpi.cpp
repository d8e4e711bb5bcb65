// C ABI of the MPI process group: argument checks, then the Open MPI shim.
#include "api.h"
#include "mpi_shim.h"

using namespace anvil;

extern "C" {

anvil_status anvil_mpi_available(void) {
    return api_call("anvil_mpi_available", [] { mpi::require_library(); });
}

anvil_status anvil_mpi_init(void) {
    return api_call("anvil_mpi_init", [] { mpi::init(); });
}

anvil_status anvil_mpi_rank(int32_t* out) {
    return api_call("anvil_mpi_rank", [&] {
        require_ptr(out, "out");
        *out = mpi::rank();
    });
}

anvil_status anvil_mpi_size(int32_t* out) {
    return api_call("anvil_mpi_size", [&] {
        require_ptr(out, "out");
        *out = mpi::size();
    });
}

anvil_status anvil_mpi_allreduce_sum(float* data, int64_t n, int64_t timeout_ms) {
    return api_call("anvil_mpi_allreduce_sum", [&] {
        require_non_negative(n, "n");
        if (n > 0) require_ptr(data, "data");
        mpi::allreduce_sum(data, n, timeout_ms);
    });
}

anvil_status anvil_mpi_bcast(void* data, int64_t bytes, int32_t root, int64_t timeout_ms) {
    return api_call("anvil_mpi_bcast", [&] {
        require_non_negative(bytes, "bytes");
        if (bytes > 0) require_ptr(data, "data");
        mpi::bcast(data, bytes, root, timeout_ms);
    });
}

anvil_status anvil_mpi_barrier(int64_t timeout_ms) {
    return api_call("anvil_mpi_barrier", [&] { mpi::barrier(timeout_ms); });
}

anvil_status anvil_mpi_allgather(const void* mine, int64_t bytes, void* all, int64_t timeout_ms) {
    return api_call("anvil_mpi_allgather", [&] {
        require_positive(bytes, "bytes");
        require_ptr(mine, "mine");
        require_ptr(all, "all");
        mpi::allgather(mine, bytes, all, timeout_ms);
    });
}

anvil_status anvil_mpi_finalize(void) {
    return api_call("anvil_mpi_finalize", [] { mpi::finalize(); });
}

anvil_status anvil_mpi_abort(int32_t code) {
    return api_call("anvil_mpi_abort", [&] { mpi::abort(code); });
}

}  // extern "C"
