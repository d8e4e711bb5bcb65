// Open MPI, bound by its binary interface rather than its headers. In Open MPI 4.x and 5.x every MPI
// handle (communicator, datatype, op, request) is a pointer, and the predefined handles are the
// addresses of exported objects: MPI_COMM_WORLD is &ompi_mpi_comm_world, MPI_FLOAT &ompi_mpi_float,
// MPI_BYTE &ompi_mpi_byte, MPI_SUM &ompi_mpi_op_sum; MPI_IN_PLACE is (void*)1. Those few facts,
// and the MPI functions' signatures, are all this file depends on.
#include "mpi_shim.h"

#include <dlfcn.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "error.h"

namespace anvil::mpi {

namespace {

using Handle = void*;  // MPI_Comm, MPI_Datatype, MPI_Op, MPI_Request
using Clock = std::chrono::steady_clock;

constexpr int kThreadSerialized = 2;  // MPI_THREAD_SERIALIZED
constexpr int kSuccess = 0;           // MPI_SUCCESS
void* const kInPlace = reinterpret_cast<void*>(1);
// MPI counts are int: larger buffers travel in chunks of this many elements.
constexpr int64_t kMaxCount = int64_t{1} << 30;

const char* const kInstallHint =
    "install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin) and start the program with "
    "mpirun -np <ranks> java ...; ANVIL_MPI_LIBRARY may name the library file";

struct Library {
    void* dl = nullptr;
    int (*Init_thread)(int*, char***, int, int*);
    int (*Initialized)(int*);
    int (*Finalized)(int*);
    int (*Finalize)();
    int (*Abort)(Handle, int);
    int (*Comm_rank)(Handle, int*);
    int (*Comm_size)(Handle, int*);
    int (*Iallreduce)(const void*, void*, int, Handle, Handle, Handle, Handle*);
    int (*Ibcast)(void*, int, Handle, int, Handle, Handle*);
    int (*Ibarrier)(Handle, Handle*);
    int (*Iallgather)(const void*, int, Handle, void*, int, Handle, Handle, Handle*);
    int (*Test)(Handle*, int*, void*);
    int (*Error_string)(int, char*, int*);
    Handle comm_world, float_type, byte_type, op_sum;
};

enum class State { kFresh, kRunning, kBroken, kFinalized };

std::mutex mutex;  // guards everything below; held through a collective, which serialises MPI calls
Library lib;
State state = State::kFresh;
int world_rank = -1, world_size = 0;

template <class T>
void bind(void* dl, const char* file, const char* name, T& out) {
    void* symbol = dlsym(dl, name);
    if (symbol == nullptr) {
        throw Error(ANVIL_ERR_UNSUPPORTED,
                    format("%s has no symbol %s: it is not Open MPI 4.x or 5.x; %s", file, name, kInstallHint));
    }
    out = reinterpret_cast<T>(symbol);
}

// Loads libmpi once (callers hold the mutex). RTLD_GLOBAL: Open MPI's own components are shared
// objects that it opens later and that resolve symbols of libmpi and its dependencies globally.
void load() {
    if (lib.dl != nullptr) return;
    const char* chosen = std::getenv("ANVIL_MPI_LIBRARY");
    const std::vector<const char*> names =
        chosen != nullptr ? std::vector<const char*>{chosen} : std::vector<const char*>{"libmpi.so.40", "libmpi.so"};
    std::string reasons;
    void* dl = nullptr;
    const char* file = nullptr;
    for (const char* name : names) {
        dl = dlopen(name, RTLD_NOW | RTLD_GLOBAL);
        if (dl != nullptr) {
            file = name;
            break;
        }
        const char* why = dlerror();
        reasons += (reasons.empty() ? "" : "; ") + std::string(why != nullptr ? why : name);
    }
    if (dl == nullptr) {
        throw Error(ANVIL_ERR_UNSUPPORTED, format("Open MPI cannot be loaded (%s): %s", reasons.c_str(), kInstallHint));
    }
    Library l;
    try {
        bind(dl, file, "MPI_Init_thread", l.Init_thread);
        bind(dl, file, "MPI_Initialized", l.Initialized);
        bind(dl, file, "MPI_Finalized", l.Finalized);
        bind(dl, file, "MPI_Finalize", l.Finalize);
        bind(dl, file, "MPI_Abort", l.Abort);
        bind(dl, file, "MPI_Comm_rank", l.Comm_rank);
        bind(dl, file, "MPI_Comm_size", l.Comm_size);
        bind(dl, file, "MPI_Iallreduce", l.Iallreduce);
        bind(dl, file, "MPI_Ibcast", l.Ibcast);
        bind(dl, file, "MPI_Ibarrier", l.Ibarrier);
        bind(dl, file, "MPI_Iallgather", l.Iallgather);
        bind(dl, file, "MPI_Test", l.Test);
        bind(dl, file, "MPI_Error_string", l.Error_string);
        bind(dl, file, "ompi_mpi_comm_world", l.comm_world);
        bind(dl, file, "ompi_mpi_float", l.float_type);
        bind(dl, file, "ompi_mpi_byte", l.byte_type);
        bind(dl, file, "ompi_mpi_op_sum", l.op_sum);
    } catch (...) {
        dlclose(dl);
        throw;
    }
    l.dl = dl;
    lib = l;
}

// MPI_COMM_WORLD's default error handler aborts the job, so a failure code is rare: it is reported
// with MPI's own words.
void check(int code, const char* call) {
    if (code == kSuccess) return;
    char text[1024] = {};
    int length = 0;
    lib.Error_string(code, text, &length);
    throw Error(ANVIL_ERR_INTERNAL, format("%s failed: %s (MPI error %d)", call, text, code));
}

void require_running(const char* op) {
    switch (state) {
        case State::kRunning: return;
        case State::kBroken:
            throw Error(ANVIL_ERR_TIMEOUT, format("%s refused: an earlier collective timed out, the ranks no longer "
                                                  "agree on the next one; abort the job", op));
        default: throw Error(ANVIL_ERR_INVALID_ARGUMENT, format("%s: MPI is not initialised (anvil_mpi_init)", op));
    }
}

Clock::time_point deadline_after(int64_t timeout_ms) {
    ANVIL_REQUIRE(timeout_ms > 0, "timeout_ms must be positive, got %lld", static_cast<long long>(timeout_ms));
    return Clock::now() + std::chrono::milliseconds(timeout_ms);
}

// Polls a started request until it completes or the deadline passes. MPI_Test drives the progress
// of non-blocking collectives, so the loop tests without sleeping and only yields the CPU.
void wait(Handle request, const char* op, int64_t bytes, int64_t timeout_ms, Clock::time_point deadline) {
    alignas(16) unsigned char status[256];  // MPI_Status: 24 bytes in Open MPI, room to spare
    for (;;) {
        int done = 0;
        check(lib.Test(&request, &done, status), "MPI_Test");
        if (done) return;
        if (Clock::now() >= deadline) {
            state = State::kBroken;
            throw Error(ANVIL_ERR_TIMEOUT,
                        format("%s of %lld bytes not complete after %lld ms: a peer is late, stalled or gone", op,
                               static_cast<long long>(bytes), static_cast<long long>(timeout_ms)));
        }
        sched_yield();
    }
}

// Runs count elements of elem_bytes each through start(offset, chunk) in chunks MPI's int counts can
// hold, one after the other, under one deadline.
template <class Start>
void chunked(const char* op, int64_t count, int64_t elem_bytes, int64_t timeout_ms, Start start) {
    const Clock::time_point deadline = deadline_after(timeout_ms);
    for (int64_t offset = 0; offset < count; offset += kMaxCount) {
        const int chunk = static_cast<int>(std::min(kMaxCount, count - offset));
        Handle request = nullptr;
        check(start(offset, chunk, &request), op);
        wait(request, op, count * elem_bytes, timeout_ms, deadline);
    }
}

}  // namespace

void require_library() {
    std::lock_guard<std::mutex> lock(mutex);
    load();
}

void init() {
    std::lock_guard<std::mutex> lock(mutex);
    if (state == State::kRunning || state == State::kBroken) return;
    if (state == State::kFinalized) {
        throw Error(ANVIL_ERR_UNSUPPORTED, "MPI was finalised in this process and cannot be initialised again");
    }
    load();
    // A process that mpirun did not start would become a singleton world of one rank; refusing it
    // catches a forgotten launcher before the first collective instead of training alone.
    if (std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr) {
        throw Error(ANVIL_ERR_UNSUPPORTED,
                    "this process was not started by mpirun (OMPI_COMM_WORLD_SIZE is not set): start every rank "
                    "with mpirun -np <ranks> java ... (as root add --allow-run-as-root)");
    }
    int initialized = 0;
    check(lib.Initialized(&initialized), "MPI_Initialized");
    if (!initialized) {
        int provided = 0;
        check(lib.Init_thread(nullptr, nullptr, kThreadSerialized, &provided), "MPI_Init_thread");
        if (provided < kThreadSerialized) {
            throw Error(ANVIL_ERR_UNSUPPORTED,
                        format("this Open MPI provides thread level %d, Anvil needs MPI_THREAD_SERIALIZED (%d)",
                               provided, kThreadSerialized));
        }
    }
    check(lib.Comm_rank(lib.comm_world, &world_rank), "MPI_Comm_rank");
    check(lib.Comm_size(lib.comm_world, &world_size), "MPI_Comm_size");
    state = State::kRunning;
}

int32_t rank() {
    std::lock_guard<std::mutex> lock(mutex);
    require_running("anvil_mpi_rank");
    return world_rank;
}

int32_t size() {
    std::lock_guard<std::mutex> lock(mutex);
    require_running("anvil_mpi_size");
    return world_size;
}

void allreduce_sum(float* data, int64_t n, int64_t timeout_ms) {
    std::lock_guard<std::mutex> lock(mutex);
    require_running("MPI_Iallreduce");
    chunked("MPI_Iallreduce", n, sizeof(float), timeout_ms, [&](int64_t offset, int count, Handle* request) {
        return lib.Iallreduce(kInPlace, data + offset, count, lib.float_type, lib.op_sum, lib.comm_world, request);
    });
}

void bcast(void* data, int64_t bytes, int32_t root, int64_t timeout_ms) {
    std::lock_guard<std::mutex> lock(mutex);
    require_running("MPI_Ibcast");
    ANVIL_REQUIRE(root >= 0 && root < world_size, "root %d is not a rank of a world of %d", root, world_size);
    unsigned char* base = static_cast<unsigned char*>(data);
    chunked("MPI_Ibcast", bytes, 1, timeout_ms, [&](int64_t offset, int count, Handle* request) {
        return lib.Ibcast(base + offset, count, lib.byte_type, root, lib.comm_world, request);
    });
}

void barrier(int64_t timeout_ms) {
    std::lock_guard<std::mutex> lock(mutex);
    require_running("MPI_Ibarrier");
    const Clock::time_point deadline = deadline_after(timeout_ms);
    Handle request = nullptr;
    check(lib.Ibarrier(lib.comm_world, &request), "MPI_Ibarrier");
    wait(request, "MPI_Ibarrier", 0, timeout_ms, deadline);
}

void allgather(const void* mine, int64_t bytes, void* all, int64_t timeout_ms) {
    std::lock_guard<std::mutex> lock(mutex);
    require_running("MPI_Iallgather");
    ANVIL_REQUIRE(bytes < INT_MAX, "allgather of %lld bytes per rank: at most %d", static_cast<long long>(bytes),
                  INT_MAX - 1);
    const Clock::time_point deadline = deadline_after(timeout_ms);
    const int count = static_cast<int>(bytes);
    Handle request = nullptr;
    check(lib.Iallgather(mine, count, lib.byte_type, all, count, lib.byte_type, lib.comm_world, &request),
          "MPI_Iallgather");
    wait(request, "MPI_Iallgather", bytes, timeout_ms, deadline);
}

void finalize() {
    std::lock_guard<std::mutex> lock(mutex);
    if (state == State::kBroken) {
        throw Error(ANVIL_ERR_TIMEOUT, "MPI_Finalize refused after a timed-out collective: peers may wait for this "
                                       "rank forever; abort the job");
    }
    if (state != State::kRunning) return;
    check(lib.Finalize(), "MPI_Finalize");
    state = State::kFinalized;
}

void abort(int32_t code) {
    // Under the mutex like every MPI call (MPI_THREAD_SERIALIZED): a collective being polled ends by
    // its deadline at the latest.
    std::lock_guard<std::mutex> lock(mutex);
    if (state != State::kRunning && state != State::kBroken) {
        throw Error(ANVIL_ERR_UNSUPPORTED, "MPI_Abort: MPI is not initialised");
    }
    lib.Abort(lib.comm_world, code);
}

}  // namespace anvil::mpi
