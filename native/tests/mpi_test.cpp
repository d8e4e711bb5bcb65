// The MPI functions in a process that mpirun did not start: Open MPI absent (ANVIL_MPI_LIBRARY names
// a missing file), collectives before initialisation, and arguments refused before MPI is reached.
// Collectives across processes are tested from Java under mpirun (MpiProcessGroupIT).
#include <cstdlib>

#include "test_support.h"

namespace {

void test_library_missing() {
    setenv("ANVIL_MPI_LIBRARY", "libanvil-no-such-mpi.so", 1);
    EXPECT_ERROR(anvil_mpi_available(), ANVIL_ERR_UNSUPPORTED, "apt-get install openmpi-bin");
    EXPECT_ERROR(anvil_mpi_available(), ANVIL_ERR_UNSUPPORTED, "libanvil-no-such-mpi.so");
    EXPECT_ERROR(anvil_mpi_init(), ANVIL_ERR_UNSUPPORTED, "mpirun -np");
    unsetenv("ANVIL_MPI_LIBRARY");
}

// Where Open MPI is installed, a process that mpirun did not start is refused before MPI_Init.
void test_without_mpirun() {
    if (anvil_mpi_available() != ANVIL_OK) {
        std::printf("Open MPI is not installed here: skipping the check of a process not started by mpirun\n");
        return;
    }
    EXPECT_ERROR(anvil_mpi_init(), ANVIL_ERR_UNSUPPORTED, "not started by mpirun");
}

void test_not_initialised() {
    int32_t out = -1;
    float data[4] = {};
    unsigned char all[8] = {};
    EXPECT_ERROR(anvil_mpi_rank(&out), ANVIL_ERR_INVALID_ARGUMENT, "not initialised");
    EXPECT_ERROR(anvil_mpi_size(&out), ANVIL_ERR_INVALID_ARGUMENT, "not initialised");
    EXPECT_ERROR(anvil_mpi_allreduce_sum(data, 4, 1000), ANVIL_ERR_INVALID_ARGUMENT, "not initialised");
    EXPECT_ERROR(anvil_mpi_bcast(data, 16, 0, 1000), ANVIL_ERR_INVALID_ARGUMENT, "not initialised");
    EXPECT_ERROR(anvil_mpi_barrier(1000), ANVIL_ERR_INVALID_ARGUMENT, "not initialised");
    EXPECT_ERROR(anvil_mpi_allgather(data, 4, all, 1000), ANVIL_ERR_INVALID_ARGUMENT, "not initialised");
    EXPECT_ERROR(anvil_mpi_abort(1), ANVIL_ERR_UNSUPPORTED, "not initialised");
    EXPECT_OK(anvil_mpi_finalize());  // nothing to finalise
}

void test_bad_arguments() {
    float data[4] = {};
    EXPECT_ERROR(anvil_mpi_rank(nullptr), ANVIL_ERR_INVALID_ARGUMENT, "out is NULL");
    EXPECT_ERROR(anvil_mpi_allreduce_sum(nullptr, 4, 1000), ANVIL_ERR_INVALID_ARGUMENT, "data is NULL");
    EXPECT_ERROR(anvil_mpi_allreduce_sum(data, -1, 1000), ANVIL_ERR_INVALID_ARGUMENT, "n must be >= 0");
    EXPECT_ERROR(anvil_mpi_bcast(data, -4, 0, 1000), ANVIL_ERR_INVALID_ARGUMENT, "bytes must be >= 0");
    EXPECT_ERROR(anvil_mpi_allgather(data, 0, data, 1000), ANVIL_ERR_INVALID_ARGUMENT, "bytes must be positive");
}

}  // namespace

int main() {
    // A test started by mpirun would initialise MPI: this one checks the other paths only.
    unsetenv("OMPI_COMM_WORLD_SIZE");
    test_library_missing();
    test_without_mpirun();
    test_not_initialised();
    test_bad_arguments();
    return test::finish();
}
