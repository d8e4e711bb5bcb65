// Helpers of the C boundary: every entry point runs its body inside api_call, which turns any
// exception into a status code plus the thread-local message returned by anvil_last_error().
#pragma once

#include <cstdint>
#include <initializer_list>
#include <new>
#include <string>

#include "anvil.h"
#include "context.h"
#include "error.h"

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

inline anvil_context& require_context(anvil_context* ctx) {
    ANVIL_REQUIRE(ctx != nullptr, "context is NULL");
    return *ctx;
}

inline void require_ptr(const void* p, const char* name) { ANVIL_REQUIRE(p != nullptr, "%s is NULL", name); }

inline void require_positive(int64_t v, const char* name) {
    ANVIL_REQUIRE(v > 0, "%s must be positive, got %lld", name, static_cast<long long>(v));
}

inline void require_non_negative(int64_t v, const char* name) {
    ANVIL_REQUIRE(v >= 0, "%s must be >= 0, got %lld", name, static_cast<long long>(v));
}

// Product of dimensions, refusing results that do not fit a signed 64-bit byte count of floats.
inline int64_t checked_numel(std::initializer_list<int64_t> dims, const char* what) {
    constexpr int64_t kMax = INT64_MAX / 8;
    int64_t n = 1;
    for (int64_t d : dims) {
        ANVIL_REQUIRE(d >= 0, "%s has a negative dimension", what);
        ANVIL_REQUIRE(d == 0 || n <= kMax / d, "%s is too large", what);
        n *= d;
    }
    return n;
}

// The two float buffers must not overlap unless they are the same pointer and same_ok is set.
void require_disjoint(const float* a, int64_t na, const char* name_a, const float* b, int64_t nb,
                      const char* name_b, bool same_ok);

}  // namespace anvil
