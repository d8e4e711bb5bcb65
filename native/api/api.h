// Helpers of the C boundary: every entry point runs its body inside api_call, which turns any
// exception into a status code plus the thread-local message returned by anvil_last_error().
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <string>

#include "anvil.h"
#include "context.h"
#include "error.h"
#include "cuda_backend.h"

namespace anvil {

void set_last_error(const std::string& message);
void clear_last_error();

template <class Body>
anvil_status api_call(const char* op, Body&& body) noexcept {
    try {
        clear_last_error();
        body();
        return ANVIL_OK;
    } catch (const Error& e) {
        set_last_error(std::string(op) + ": " + e.what());
        return e.status();
    } catch (const std::bad_alloc&) {
        set_last_error(std::string(op) + ": out of memory");
        return ANVIL_ERR_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        set_last_error(std::string(op) + ": internal error: " + e.what());
        return ANVIL_ERR_INTERNAL;
    } catch (...) {
        set_last_error(std::string(op) + ": internal error (unknown exception)");
        return ANVIL_ERR_INTERNAL;
    }
}

inline bool is_cuda(const anvil_context& c) { return c.cuda != nullptr; }

// Calls the CUDA or the CPU kernel `op` of the context's device with the context and the
// arguments. A build without CUDA has no CUDA contexts, so it calls the CPU kernel alone.
#ifdef ANVIL_WITH_CUDA
#define ANVIL_DISPATCH(c, op, ...) (::anvil::is_cuda(c) ? ::anvil::cuda::op((c), __VA_ARGS__) : ::anvil::cpu::op((c), __VA_ARGS__))
#else
#define ANVIL_DISPATCH(c, op, ...) ::anvil::cpu::op((c), __VA_ARGS__)
#endif

inline anvil_context& require_context(anvil_context* ctx) {
    ANVIL_REQUIRE(ctx != nullptr, "context is NULL");
    return *ctx;
}

// Declares `name`, the context of this call, checked and locked until the call returns: callers on
// several threads may share a context and queue on it (calls on different contexts run at once).
#define ANVIL_LOCK_CONTEXT(name, ctx)                    \
    anvil_context& name = ::anvil::require_context(ctx); \
    std::lock_guard<std::mutex> name##_lock(name.mutex)

inline void require_ptr(const void* p, const char* name) { ANVIL_REQUIRE(p != nullptr, "%s is NULL", name); }

// The caller's descriptor, copied before anything reads it: a call validates and uses only its own
// copy, so an output buffer that holds the descriptor (or another thread writing it) cannot change
// what the kernel sees after validation.
template <class Desc>
Desc copy_desc(const Desc* desc) {
    require_ptr(desc, "descriptor");
    return *desc;
}

// A tensor's data for an op of context c: present, and on a CUDA context memory the GPU can reach
// (a host pointer would fault in the kernel and poison the device for the whole process).
inline void require_data(const anvil_context& c, const void* p, const char* name) {
    require_ptr(p, name);
    if (is_cuda(c)) cuda::require_device_memory(c, p, name);
}

inline void require_positive(int64_t v, const char* name) {
    ANVIL_REQUIRE(v > 0, "%s must be positive, got %lld", name, static_cast<long long>(v));
}

inline void require_non_negative(int64_t v, const char* name) {
    ANVIL_REQUIRE(v >= 0, "%s must be >= 0, got %lld", name, static_cast<long long>(v));
}

// Product of dimensions, refusing results that do not fit a signed 64-bit byte count of floats.
inline int64_t checked_numel(const int64_t* dims, size_t count, const char* what) {
    constexpr int64_t kMax = INT64_MAX / 8;
    int64_t n = 1;
    for (size_t i = 0; i < count; ++i) {
        const int64_t d = dims[i];
        ANVIL_REQUIRE(d >= 0, "%s has a negative dimension", what);
        ANVIL_REQUIRE(d == 0 || n <= kMax / d, "%s is too large", what);
        n *= d;
    }
    return n;
}

inline int64_t checked_numel(std::initializer_list<int64_t> dims, const char* what) {
    return checked_numel(dims.begin(), dims.size(), what);
}

// The two float buffers must not overlap unless they are the same pointer and same_ok is set.
void require_disjoint(const float* a, int64_t na, const char* name_a, const float* b, int64_t nb,
                      const char* name_b, bool same_ok);
// The same for extents in bytes.
void require_disjoint_bytes(const void* a, int64_t bytes_a, const char* name_a, const void* b, int64_t bytes_b,
                            const char* name_b);

// A buffer of a call, for overlap checks: NULL buffers (optional ones left out) take no part.
struct Span {
    const void* p;
    int64_t bytes;
    const char* name;
};

// Every written buffer of `outputs` is disjoint from every other buffer of `outputs` and `inputs`.
inline void require_outputs_disjoint(std::initializer_list<Span> outputs, std::initializer_list<Span> inputs) {
    for (const Span* o = outputs.begin(); o != outputs.end(); ++o) {
        if (o->p == nullptr) continue;
        for (const Span* q = o + 1; q != outputs.end(); ++q) {
            if (q->p != nullptr) require_disjoint_bytes(o->p, o->bytes, o->name, q->p, q->bytes, q->name);
        }
        for (const Span& in : inputs) {
            if (in.p != nullptr) require_disjoint_bytes(o->p, o->bytes, o->name, in.p, in.bytes, in.name);
        }
    }
}

// The buffers of a per-sample norm function: x and dy (nx and ny floats) are read, sq [batch] is
// added to and must overlap neither.
inline void check_per_sample_norms(const anvil_context& c, const float* x, int64_t nx, const float* dy, int64_t ny, const float* sq,
                                   int64_t batch) {
    require_data(c, x, "x");
    require_data(c, dy, "dy");
    require_data(c, sq, "sq");
    require_outputs_disjoint({{sq, batch * 4, "sq"}}, {{x, nx * 4, "x"}, {dy, ny * 4, "dy"}});
}

// Validates the geometry of a 2-D sliding window (convolution or pooling): sizes and strides
// positive, padding non-negative, and every value below 2^31 so that index arithmetic in int64
// cannot overflow.
inline void check_window(int64_t in_h, int64_t in_w, int64_t kernel_h, int64_t kernel_w, int64_t stride_h,
                         int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h, int64_t dilation_w) {
    require_positive(in_h, "in_h");
    require_positive(in_w, "in_w");
    require_positive(kernel_h, "kernel_h");
    require_positive(kernel_w, "kernel_w");
    require_positive(stride_h, "stride_h");
    require_positive(stride_w, "stride_w");
    require_non_negative(pad_h, "pad_h");
    require_non_negative(pad_w, "pad_w");
    require_positive(dilation_h, "dilation_h");
    require_positive(dilation_w, "dilation_w");
    const int64_t limit = INT64_C(1) << 31;
    for (int64_t v : {in_h, in_w, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w}) {
        ANVIL_REQUIRE(v < limit, "spatial parameter %lld is too large", static_cast<long long>(v));
    }
}

// Checks shared by the layers with weights (conv2d, linear): the buffers of y = f(x, w),
// dx = f'(dy, w) and dw, db = f'(x, dy) are present and do not overlap where they must not.
inline void check_weighted_forward(const anvil_context& c, const float* x, int64_t nx, const float* w, int64_t nw,
                                   const float* bias, int64_t nbias, const float* y, int64_t ny) {
    require_data(c, x, "x");
    require_data(c, w, "w");
    require_data(c, y, "y");
    require_disjoint(x, nx, "x", y, ny, "y", false);
    require_disjoint(w, nw, "w", y, ny, "y", false);
    if (bias != nullptr) {
        require_data(c, bias, "bias");
        require_disjoint(bias, nbias, "bias", y, ny, "y", false);
    }
}

inline void check_weighted_backward_data(const anvil_context& c, const float* dy, int64_t ny, const float* w, int64_t nw,
                                         const float* dx, int64_t nx) {
    require_data(c, dy, "dy");
    require_data(c, w, "w");
    require_data(c, dx, "dx");
    require_disjoint(dy, ny, "dy", dx, nx, "dx", false);
    require_disjoint(w, nw, "w", dx, nx, "dx", false);
}

inline void check_weighted_backward_weight(const anvil_context& c, const float* x, int64_t nx, const float* dy, int64_t ny,
                                           const float* dw, int64_t nw, const float* db, int64_t nb, int32_t accumulate) {
    require_data(c, x, "x");
    require_data(c, dy, "dy");
    require_data(c, dw, "dw");
    if (db != nullptr) require_data(c, db, "db");
    ANVIL_REQUIRE(accumulate == 0 || accumulate == 1, "accumulate must be 0 or 1, got %d", accumulate);
    require_disjoint(x, nx, "x", dw, nw, "dw", false);
    require_disjoint(dy, ny, "dy", dw, nw, "dw", false);
    if (db != nullptr) {
        require_disjoint(db, nb, "db", dw, nw, "dw", false);
        require_disjoint(db, nb, "db", x, nx, "x", false);
        require_disjoint(db, nb, "db", dy, ny, "dy", false);
    }
}

}  // namespace anvil
