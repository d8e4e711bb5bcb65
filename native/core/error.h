// Errors inside the native library: C++ exceptions carrying an anvil_status, turned into a
// status code plus a thread-local message at the C boundary (see api_call in api.h).
#pragma once

#include <cstdarg>
#include <stdexcept>
#include <string>

#include "anvil.h"

namespace anvil {

class Error : public std::runtime_error {
public:
    Error(anvil_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
    anvil_status status() const { return status_; }

private:
    anvil_status status_;
};

// printf-style message builder (the kernels format shapes into their errors).
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Throws ANVIL_ERR_INVALID_ARGUMENT with the formatted message unless cond holds.
#define ANVIL_REQUIRE(cond, ...)                                                        \
    do {                                                                                \
        if (!(cond)) throw ::anvil::Error(ANVIL_ERR_INVALID_ARGUMENT, ::anvil::format(__VA_ARGS__)); \
    } while (0)

}  // namespace anvil
